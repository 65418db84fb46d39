"""The house's rules, read from the source: the layers import downwards only (qfp <- control <- tools),
no two modules import each other directly or around a circle, and no import hides inside a function
except where a module loads the C extension on first use (so that the pure-Python parts work before
it is built)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"qfp": "qfp_model.qfp", "control": "qfp_model.control", "tools": "qfp_model.tools"}
ORDER = ["qfp_model.qfp", "qfp_model.control", "qfp_model.tools"]
# Imports inside a function, each with why: the C extension loads on first use.
LAZY_ALLOWED = {"qfp_model.qfp.fastpath", "qfp_model.qfp._fastpath"}


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in LAYERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "_build.py":   # the cffi build script runs at build time, not installed
                continue
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(all_modules: dict[str, Path]) -> dict[str, list[tuple[str, bool]]]:
    """module -> [(imported module, inside a function)] for our own modules."""
    graph: dict[str, list[tuple[str, bool]]] = {}
    for module, path in all_modules.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        edges = []
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        nested = {id(n) for f in functions for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, is_package, node)
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in all_modules else source
                           for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in all_modules and target not in LAZY_ALLOWED:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    edges.append((target, id(node) in nested))
        graph[module] = edges
    return graph


def test_layers_import_downwards_only():
    upward = []
    for module, edges in imports(modules()).items():
        mine = next(i for i, layer in enumerate(ORDER) if module.startswith(layer))
        for target, _ in edges:
            theirs = next((i for i, layer in enumerate(ORDER) if target.startswith(layer)), None)
            if theirs is not None and theirs > mine:
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_no_module_imports_another_around_a_circle():
    graph = {m: {t for t, _ in edges} for m, edges in imports(modules()).items()}
    # A package's __init__ that hands its modules' names on is not a circle with them.
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    circles = _strongly_connected(graph)
    assert [sorted(c) for c in circles if len(c) > 1] == []


def test_no_import_hides_in_a_function():
    hidden = [f"{module} -> {target}" for module, edges in imports(modules()).items()
              for target, nested in edges if nested and target not in LAZY_ALLOWED]
    assert hidden == []


def test_the_package_build_lists_every_package():
    """An installed (non-editable) copy has only the packages pyproject.toml lists: one left out
    works in a checkout and fails for every user."""
    try:
        import tomllib
    except ImportError:   # Python 3.10
        import tomli as tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {module for module, path in modules().items() if path.name == "__init__.py"}
    assert packages == listed


def test_the_design_names_every_module():
    """docs/design.md is where a newcomer finds any behaviour in one hop: each module is in it."""
    design = (ROOT / "docs" / "design.md").read_text()
    missing = []
    for path in modules().values():
        if path.name == "__init__.py":
            continue
        folder = path.parent.relative_to(ROOT).as_posix() + "/"
        if path.name not in design or folder not in design:
            missing.append(path.relative_to(ROOT).as_posix())
    assert missing == []


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    found.append(component)
            elif child not in graph:
                continue
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found
