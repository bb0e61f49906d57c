"""`countersign replay export`: any table of the analytics database as Parquet or CSV files, rows
in the table's order; `countersign replay` still rebuilds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from typer.testing import CliRunner

from countersign import cli
from countersign.analytics import replay as replay_module
from countersign.analytics.projections import PROJECTIONS, REPORT_POSITIONS
from tests.analytics.test_statistics import Events, exposure

RUNNER = CliRunner(env={"COLUMNS": "400", "NO_COLOR": "1"})


def analytics_file(tmp_path: Path) -> Path:
    """An analytics database replayed from one billing event."""
    target = tmp_path / "x.duckdb"
    with duckdb.connect(str(target)) as db:
        exposure(Events(db), "2026-11-03T02:00:00+00:00", "4000.00", "10000.00")
    replay_module.replay(target, {})
    return target


def export(target: Path, *arguments: str) -> tuple[int, str]:
    done = RUNNER.invoke(cli.app, ["replay", "export", "--target", str(target), *arguments])
    return done.exit_code, done.output


def table(target: Path, name: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(target), read_only=True) as db:
        return db.execute(f"SELECT * FROM {name}").fetchall()


def test_export_writes_every_projection_as_parquet_row_for_row(tmp_path: Path) -> None:
    target = analytics_file(tmp_path)
    code, output = export(target, str(tmp_path / "parquet"))
    assert code == 0, output
    written = sorted(path.stem for path in (tmp_path / "parquet").iterdir())
    assert written == sorted([*PROJECTIONS, REPORT_POSITIONS])
    exported = pq.read_table(tmp_path / "parquet" / "credit_utilisation.parquet")
    rows = table(target, "credit_utilisation")
    assert [tuple(row.values()) for row in exported.to_pylist()] == rows
    assert len(rows) == 1


def test_export_writes_any_table_as_csv_with_a_header(tmp_path: Path) -> None:
    target = analytics_file(tmp_path)
    code, output = export(
        target, "--format", "csv", "--only", "events", "--only", "credit_utilisation", str(tmp_path)
    )
    assert code == 0, output
    assert sorted(path.name for path in tmp_path.glob("*.csv")) == [
        "credit_utilisation.csv",
        "events.csv",
    ]
    with duckdb.connect(str(target), read_only=True) as db:
        columns = [c[0] for c in db.execute("DESCRIBE events").fetchall()]
    lines = (tmp_path / "events.csv").read_text().splitlines()
    assert lines[0].replace('"', "").split(",") == columns
    assert len(lines) == 1 + len(table(target, "events")) == 2


def test_export_refuses_an_unknown_table_or_format_and_a_missing_database(tmp_path: Path) -> None:
    target = analytics_file(tmp_path)
    code, output = export(target, "--only", "no_such_table", str(tmp_path / "out"))
    assert code == 1 and "no_such_table" in output
    code, output = export(target, "--format", "xlsx", str(tmp_path / "out"))
    assert code == 1 and "xlsx" in output
    code, output = export(tmp_path / "none.duckdb", str(tmp_path / "out"))
    assert code == 1 and "countersign replay" in output
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "none.duckdb").exists()


def test_replay_without_a_subcommand_still_rebuilds(tmp_path: Path) -> None:
    target = tmp_path / "r.duckdb"
    done = RUNNER.invoke(
        cli.app, ["replay", "--target", str(target), "--data-dir", str(tmp_path), "--only", "dso"]
    )
    assert done.exit_code == 0, done.output
    assert table(target, "dso") == []
    refused = RUNNER.invoke(cli.app, ["replay", "--target", str(target), "--only", "nothing"])
    assert refused.exit_code == 1 and "nothing" in refused.output
