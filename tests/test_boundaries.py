"""The architecture's boundaries, checked on the source: the client stands alone, the
simulator shares nothing with the client (so a client bug cannot hide behind the fake), and
imports point one way (no cycles; the protocol backends below what picks one of them)."""

from __future__ import annotations

import ast
import graphlib
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


def module_names(package: Path) -> dict[str, Path]:
    """Every module of `package` by its full dotted name (a package by its own name)."""
    top = package
    while (top.parent / "__init__.py").exists():
        top = top.parent
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(top.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Which modules of `package` each of its modules imports: absolute and relative imports,
    at any depth (TYPE_CHECKING blocks and imports inside functions count too)."""
    modules = module_names(package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                # `from . import x` imports the module x when there is one
                targets.update(
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                )
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def import_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph (its modules, the first repeated at the end), or []."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as err:
        return list(err.args[1])
    return []


@pytest.mark.parametrize("package", ["custom_components/whatsminer", "simulator"])
def test_no_import_cycles(package: str) -> None:
    graph = import_graph(ROOT / package)
    assert len(graph) > 10, f"no modules found in {package}"
    assert import_cycle(graph) == []


def test_cycle_check_sees_type_checking_and_relative_imports(tmp_path: Path) -> None:
    """The check itself: a cycle closed by a TYPE_CHECKING import two levels up is found."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import X\n"
    )
    assert sorted(set(import_cycle(import_graph(pkg)))) == ["pkg.a", "pkg.sub.b"]
    (pkg / "sub" / "b.py").write_text("")
    assert import_cycle(import_graph(pkg)) == []


API = "custom_components.whatsminer.api"


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        (f"{API}.v2", (f"{API}.auto", f"{API}.v3")),  # a backend knows neither auto nor v3
        (f"{API}.v3", (f"{API}.auto",)),  # v3 reads shares over v2, never through auto
        (f"{API}.miner", (f"{API}.auto", f"{API}.v2", f"{API}.v3")),  # the interface
        ("simulator.v2", ("simulator.v3",)),  # one state, two protocols side by side
        ("simulator.v3", ("simulator.v2",)),
    ],
)
def test_imports_point_one_way(importer: str, forbidden: tuple[str, ...]) -> None:
    graph = {
        **import_graph(ROOT / "custom_components" / "whatsminer"),
        **import_graph(ROOT / "simulator"),
    }
    modules = [name for name in graph if name == importer or name.startswith(f"{importer}.")]
    assert modules, f"no module {importer}"
    offenders = {
        name: sorted(
            target
            for target in graph[name]
            if any(target == f or target.startswith(f"{f}.") for f in forbidden)
        )
        for name in modules
    }
    assert {name: found for name, found in offenders.items() if found} == {}
