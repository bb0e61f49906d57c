"""The architecture's one-way arrows (docs/architecture.md), as `lint-imports` checks them with
the contracts in pyproject.toml: the runtime never imports the kernel, nothing imports a service
from below, services never import each other, domain code imports no framework."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["runtime", "kernel", "contracts", "countersign"]
SERVICES = {
    "customers": "customers",
    "orders": "orders",
    "service-desk": "service_desk",
    "billing": "billing",
}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    path = [root, *(root / "services" / folder for folder in SERVICES)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the source tree to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package)
    for folder, package in SERVICES.items():
        shutil.copytree(
            REPO / "services" / folder / package, tmp_path / "services" / folder / package
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("runtime/clock.py", "import kernel.roles", "Layers"),
        ("kernel/calendar.py", "import orders.domain.order", "Layers"),
        ("services/billing/billing/domain/invoice.py", "import orders.domain", "Layers"),
        ("contracts/topics.py", "import runtime.clock", "Layers"),
        ("services/orders/orders/domain/order.py", "import orders.adapters", "Service"),
        ("services/orders/orders/domain/order.py", "import sqlalchemy", "Pure domain"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(
    tree: Path, module: str, bad_import: str, contract: str
) -> None:
    path = tree / module
    path.write_text(path.read_text() + f"\n{bad_import}\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
