"""The package's import structure: data flows one way (see ../shared/GUIDE.md).

An ast walk over ``src/geoatlas`` collects every import — at module top level,
inside functions and under ``TYPE_CHECKING`` alike, because a cycle hidden in a
function is still a cycle in the design — and checks that

* the module graph has no cycle, and
* no module imports another module's ``_private`` name.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG_ROOT = Path(__file__).resolve().parent.parent / "src" / "geoatlas"
PKG = "geoatlas"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG_ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG_ROOT.rglob("*.py"))}


def _resolve(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    """The absolute dotted name an ``ImportFrom`` refers to."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, modules: dict[str, Path]):
    """Yield ``(target_module, imported_name_or_None, lineno)`` for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PKG:
                    yield _owner(alias.name, modules), None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_pkg, node)
            if target.split(".")[0] != PKG:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in modules:  # ``from geoatlas import where`` imports a module
                    yield sub, None, node.lineno
                else:
                    yield _owner(target, modules), alias.name, node.lineno


def _owner(name: str, modules: dict[str, Path]) -> str:
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """The module graph and every cross-module private import."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private: list[str] = []
    for mod, path in modules.items():
        for target, name, line in imports_of(mod, path, modules):
            if target == mod or target not in modules:
                continue
            # A package's __init__ importing its own children is how a package
            # re-exports its public names: not an edge of design.
            if target.startswith(mod + ".") and not (name or "").startswith("_"):
                continue
            graph[mod].add(target)
            if name and name.startswith("_") and not name.startswith("__"):
                private.append(f"{mod}:{line} imports {target}.{name}")
    return graph, private


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_function_level_and_type_checking_imports(tmp_path):
    # The walker must count imports the runtime never executes at import time;
    # otherwise a cycle hidden in a function body passes unseen.
    src = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from geoatlas.atlas import Atlas\n"
        "def f():\n    from .query import _EARTH_KM\n"
    )
    p = tmp_path / "geoatlas" / "network.py"
    p.parent.mkdir()
    p.write_text(src)
    mods = {"geoatlas.network": p, "geoatlas.atlas": p, "geoatlas.query": p}
    got = set(imports_of("geoatlas.network", p, mods))
    assert ("geoatlas.atlas", "Atlas", 3) in got
    assert ("geoatlas.query", "_EARTH_KM", 5) in got


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph, _ = import_graph()
    assert len(graph) > 20  # the walk found the package
    cycles = find_cycles(graph)
    assert cycles == [], "import cycles (modules in one strongly connected group):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_no_module_imports_another_modules_private_name():
    _, private = import_graph()
    assert private == [], "\n".join(private)
