"""`countersign status` names what an operator must act on: here, a consumer kept waiting."""

from __future__ import annotations

import pytest

from countersign.status_cmd import print_status

FLOWING = {
    "ready": {"ready": True, "waiting_for": []},
    "relay": {"active": True, "position": 12, "head": 12, "lag": 0, "stuck": None},
    "inbox": {"waiting": []},
}


def test_a_waiting_consumer_is_reported_with_its_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert print_status({"orders": FLOWING})
    waiting = {
        **FLOWING,
        "inbox": {
            "waiting": [
                {
                    "topic": "orders.events",
                    "rule": "XC-07",
                    "reason": "no rule-parameters policy is in force yet",
                    "since": "2026-11-30T10:00:00Z",
                    "attempts": 3,
                }
            ]
        },
    }
    assert not print_status({"service-desk": waiting})
    told = capsys.readouterr()
    assert "waiting on 1 topic(s)" in told.out
    assert (
        "service-desk: keeps orders.events waiting since 2026-11-30T10:00:00Z (3 attempt(s)): "
        "XC-07: no rule-parameters policy is in force yet"
    ) in " ".join(told.err.split())
