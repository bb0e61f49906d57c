"""Fast versions of the benchmarks: they run end to end and report a ratio (no timing asserted)."""

from __future__ import annotations

import pytest

from bench import audit_verify, history, propagation, replay, write_path


def test_write_path_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ratio = write_path.main(["--commands", "300", "--callers", "8"])
    out = capsys.readouterr().out
    assert ratio > 0
    assert f"ratio={ratio:.2f}" in out
    assert "raw SQLite inserts" in out


def test_propagation_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ratio = propagation.main(["--rate", "50", "--seconds", "1"])
    out = capsys.readouterr().out
    assert ratio > 0
    assert out.count("(50 measured)") == 2
    assert f"ratio={ratio:.2f}" in out


def test_audit_verify_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ratio = audit_verify.main(["--customers", "60", "--rectifications", "20", "--repeat", "1"])
    out = capsys.readouterr().out
    assert ratio > 0
    assert "raw SHA-256" in out
    assert out.splitlines()[-1] == f"ratio={ratio:.3f}"


def test_history_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ratio = history.main(["--sizes", "10,250", "--commands", "5"])
    out = capsys.readouterr().out
    assert ratio > 0
    assert "replaying all (baseline)" in out
    assert out.splitlines()[-1] == f"ratio={ratio:.2f}"


def test_replay_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ratio = replay.main(["--events", "500", "--batch", "100"])
    out = capsys.readouterr().out
    assert ratio > 0
    assert "raw paged read" in out
    assert out.splitlines()[-1] == f"ratio={ratio:.3f}"
