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


def _module_name(path: Path, root: Path = PKG_ROOT) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
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


# -- size: a module of one job fits on a few screens ---------------------------------------
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# Where a longer piece reads better whole, it is named here with the reason.
LONG_FUNCTIONS: dict[str, str] = {}


def oversized(root: Path = PKG_ROOT) -> tuple[list[str], list[str]]:
    """Modules over MAX_MODULE_LINES and functions over MAX_FUNCTION_LINES."""
    modules, functions = [], []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root.parent).as_posix()
        if text.count("\n") > MAX_MODULE_LINES:
            modules.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                key = f"{rel}:{node.name}"
                if length > MAX_FUNCTION_LINES and key not in LONG_FUNCTIONS:
                    functions.append(f"{key} ({length} lines, from line {node.lineno})")
    return modules, functions


def test_the_size_check_sees_a_long_function(tmp_path):
    pkg = tmp_path / "geoatlas"
    pkg.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    (pkg / "big.py").write_text("def long_one():\n" + body + "\n" * MAX_MODULE_LINES)
    modules, functions = oversized(pkg)
    assert modules and "geoatlas/big.py" in modules[0]
    assert functions and "geoatlas/big.py:long_one" in functions[0]


def test_no_oversized_modules_or_functions():
    modules, functions = oversized()
    assert modules == [], f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(modules)
    assert functions == [], f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(
        functions)


# -- renderers: each takes a prepared recipe and frames, none imports another ---------------
RENDERERS = {
    # The web page and everything only it draws with.
    "web": ("render.web", "render.webspec", "render.webformat", "render.webbasemap",
            "render.popup", "render.compact", "render.typedarrays", "render.websize",
            "render.overlay", "render.offline", "render.story"),
    "static": ("render.static",),
    "qgis": ("render.qgis",),
}
"""Renderer families; what they share (prepare, mapframe, credits) belongs to none."""


def _renderer_of(module: str) -> str | None:
    rel = module.removeprefix(PKG + ".")
    for family, prefixes in RENDERERS.items():
        if any(rel == p or rel.startswith(p + ".") for p in prefixes):
            return family
    return None


def test_renderers_do_not_import_each_other():
    graph, _ = import_graph()
    crossings = [
        f"{mod} imports {target}"
        for mod, targets in graph.items()
        for target in targets
        if _renderer_of(mod) and _renderer_of(target)
        and _renderer_of(mod) != _renderer_of(target)
    ]
    assert crossings == [], "\n".join(crossings)


def test_renderers_never_load_recipes_by_name():
    offenders = []
    for path in sorted((PKG_ROOT / "render").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and any(
                a.name == "load_recipe" for a in node.names
            ):
                offenders.append(f"{path.relative_to(PKG_ROOT)}:{node.lineno}")
    assert offenders == [], "renderers take a Recipe, not a name:\n" + "\n".join(offenders)


def broken_imports(root: Path = PKG_ROOT) -> list[str]:
    """Imports naming a geoatlas module that does not exist (a relative import one dot
    short, say): Python only finds them when the function runs."""
    modules = {_module_name(p, root) for p in sorted(root.rglob("*.py"))}
    out = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", node)
                if target.split(".")[0] == PKG and target not in modules:
                    out.append(f"{module}:{node.lineno} imports missing {target}")
            elif isinstance(node, ast.Import):
                out += [f"{module}:{node.lineno} imports missing {a.name}"
                        for a in node.names
                        if a.name.split(".")[0] == PKG and a.name not in modules]
    return out


def test_the_broken_import_check_finds_a_missing_module(tmp_path):
    pkg = tmp_path / "geoatlas"
    (pkg / "render").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "errors.py").write_text("")
    (pkg / "render" / "__init__.py").write_text("")
    (pkg / "render" / "page.py").write_text(
        "def f():\n    from .errors import OutputError\n    from ..errors import Fine\n")
    assert broken_imports(pkg) == ["geoatlas.render.page:2 imports missing geoatlas.render.errors"]


def test_every_import_names_a_module_that_exists():
    assert broken_imports() == []
