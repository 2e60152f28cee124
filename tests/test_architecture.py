"""The rules docs/architecture.md states: imports go one way, and the modules it names exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import greentag

PACKAGE = Path(greentag.__file__).resolve().parent
PAGE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """greentag modules that ``path`` imports at run time (anywhere in it), not only for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for sub in ast.walk(node)
    }
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found |= {c for c in [target, *(f"{target}.{a.name}" for a in node.names)] if c in modules}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
    # Importing a submodule runs its package's __init__; that edge says nothing about design.
    return found - {name, "greentag"}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = [cycle for cycle in (_cycle_from(name, graph) for name in sorted(graph)) if cycle]
    assert cycles == [], " ; ".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_a_cycle() -> None:
    assert _cycle_from("a", {"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle_from("a", {"a": {"b"}, "b": set()}) is None


def test_the_core_does_not_import_the_integrations() -> None:
    graph = _graph()
    for core in ("greentag.model", "greentag.scoring", "greentag.decision"):
        reach, todo = set(), [core]
        while todo:
            for nxt in graph[todo.pop()] - reach:
                reach.add(nxt)
                todo.append(nxt)
        assert not reach & {"greentag.dask", "greentag.frame", "greentag.report", "greentag.cli"}, core


@pytest.mark.skipif(not PAGE.is_file(), reason="docs/ is not part of an installed package")
def test_every_module_the_page_names_exists() -> None:
    named = set(re.findall(r"`([a-z_]+(?:/[a-z_]+)?\.py)`", PAGE.read_text(encoding="utf-8")))
    assert len(named) >= 15
    missing = [
        module
        for module in sorted(named)
        if not (PACKAGE / module).is_file()
        and not (PACKAGE / "training" / module).is_file()
        and not (PAGE.parents[1] / module).exists()
    ]
    assert missing == []
