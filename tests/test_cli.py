"""The `countersign` command as people expect it: --version, shell completion, --json on the
commands that report, and help texts that read whole."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup, TyperOption
from typer.testing import CliRunner

from countersign import cli
from countersign.stack import free_ports

# Wide enough that no help line wraps: what is checked is how the texts are joined.
RUNNER = CliRunner(env={"COLUMNS": "400", "NO_COLOR": "1"})


def test_version() -> None:
    shown = RUNNER.invoke(cli.app, ["--version"])
    assert shown.exit_code == 0
    assert shown.stdout.strip() == f"countersign {version('countersign')}"


def test_shell_completion_completes_commands_and_options() -> None:
    def complete(words: str) -> list[str]:
        done = subprocess.run(
            [Path(sys.executable).parent / "countersign"],
            env={
                **os.environ,
                "_COUNTERSIGN_COMPLETE": "complete_bash",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.split()

    assert "audit" in complete("countersign au")
    assert "--json" in complete("countersign audit verify --js")
    script = RUNNER.invoke(cli.app, ["--show-completion", "bash"], prog_name="countersign")
    assert "_COUNTERSIGN_COMPLETE=complete_bash" in script.stdout


def commands(group: TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``group``, by its words."""
    found: list[tuple[tuple[str, ...], Any]] = []
    for name, command in group.commands.items():
        found.append(((*path, name), command))
        if isinstance(command, TyperGroup):
            found += commands(command, (*path, name))
    return found


def readable(text: str) -> str:
    """What a reader sees of a help text: one line, whitespace collapsed, no markup."""
    return " ".join(text.replace("``", "").replace("`", "").split())


GROUP = typer.main.get_group(cli.app)
assert isinstance(GROUP, TyperGroup)
ALL = commands(GROUP)


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) for p, _ in ALL])
def test_help_texts_read_whole(path: tuple[str, ...], command: Any) -> None:
    shown = RUNNER.invoke(cli.app, [*path, "--help"])
    assert shown.exit_code == 0, shown.output
    lines = [readable(line.strip("│ ")) for line in shown.stdout.splitlines()]
    text = readable(shown.stdout.replace("│", " "))
    first, *_ = inspect.cleandoc(command.help or "").split("\n\n")
    assert readable(first) in lines, f"{' '.join(path)}: its summary is cut into lines"
    for param in command.params:
        if isinstance(param, TyperOption) and param.help:
            assert readable(param.help) in text, f"{param.name}: {param.help!r}"


REPORTING = [
    ("status",),
    ("create-topics",),
    ("keys", "init"),
    ("audit", "verify"),
    ("audit", "trail"),
    ("projections", "rebuild"),
]


@pytest.mark.parametrize("path", REPORTING, ids=[" ".join(p) for p in REPORTING])
def test_every_command_that_reports_takes_json(path: tuple[str, ...]) -> None:
    command = dict(ALL)[path]
    assert any("--json" in param.opts for param in command.params if isinstance(param, TyperOption))


def test_status_as_json_names_services_that_do_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ports nothing listens on.
    ports = dict(zip(cli.DEFAULT_HTTP_PORTS, free_ports(4), strict=True))
    monkeypatch.setattr(cli, "DEFAULT_HTTP_PORTS", ports)
    shown = RUNNER.invoke(cli.app, ["status", "--json"])
    assert shown.exit_code == 1
    report = json.loads(shown.stdout)
    assert report["ok"] is False
    assert set(report["services"]) == set(ports)
    assert all("error" in status for status in report["services"].values())


def test_keys_init_as_json(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    made = RUNNER.invoke(cli.app, ["keys", "init", "--json", "--keys-dir", str(keys)])
    assert made.exit_code == 0, made.output
    report = json.loads(made.stdout)
    assert report["keys_dir"] == str(keys)
    assert {"gm", "service:orders"} <= set(report["created"])
    again = json.loads(
        RUNNER.invoke(cli.app, ["keys", "init", "--json", "--keys-dir", str(keys)]).stdout
    )
    assert again["created"] == []
