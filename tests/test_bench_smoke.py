"""Fast versions of the benchmarks: they run end to end and report a ratio (no timing asserted)."""

from __future__ import annotations

import pytest

from bench import write_path


def test_write_path_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ratio = write_path.main(["--commands", "300", "--callers", "8"])
    out = capsys.readouterr().out
    assert ratio > 0
    assert f"ratio={ratio:.2f}" in out
    assert "raw SQLite inserts" in out
