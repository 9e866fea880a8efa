"""The architecture's two boundaries, checked on the source: the client stands alone, and
the simulator shares nothing with the client (so a client bug cannot hide behind the fake)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: Path) -> dict[str, set[str]]:
    """Every module each file of `package` imports, by file name."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("custom_components/whatsminer/api", "homeassistant"),
        ("simulator", "custom_components"),
    ],
)
def test_package_does_not_import(package: str, forbidden: str) -> None:
    modules = imported_modules(ROOT / package)
    assert modules, f"no source found in {package}"
    offenders = {
        file: sorted(name for name in names if name.split(".")[0] == forbidden)
        for file, names in modules.items()
    }
    assert {file: names for file, names in offenders.items() if names} == {}
