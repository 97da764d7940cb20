"""The import graph of etl/, plugins/ and dags/ has no cycle (issue 12, point 1).

A static walk over the source: every ``import`` counts, also one inside a function or under ``TYPE_CHECKING``,
because a deferred import still makes two modules depend on each other, it only hides the circle at import time.
Relative imports are resolved against the importing module's package; ``from pkg import name`` points at
``pkg.name`` when that is a module, else at ``pkg``. An import points at the deepest module it names; the implicit
dependency of a module on its parent packages' ``__init__`` is not counted (as import-linter and pydeps do), so a
package's ``__init__`` may re-export its own modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (folder that is on sys.path, top-level name below it); plugins/ and dags/ are on sys.path in Airflow.
PACKAGES = [(ROOT, "etl"), (ROOT / "plugins", "sdg_airflow"), (ROOT / "plugins", "sdg_analysts")]
LOOSE_FOLDERS = [ROOT / "dags", ROOT / "plugins"]

# Packages that must not import another (lower, higher): the module graph may be acyclic while two packages still
# import each other through different modules; these pairs were such circles and are kept apart.
LAYERS = [("etl.quality", "etl.reports"), ("etl.sources", "etl.catalogue")]

# Cycles that still need a larger move, each as its sorted member modules. The list may only shrink: a cycle
# listed here that no longer exists fails the test, so the list stays true.
ALLOWED_CYCLES: list[frozenset[str]] = []

# Between the packages of etl/ (``etl.sources``, ``etl.reports``, ...), which is what ``ls etl/`` shows a reader,
# imports run one way too, except along these module edges, each kept for one narrow reason (the list may only
# shrink; each would otherwise make a circle of packages):
# - the import of an analyst's edited Appendix 1 reads the issued workbook's layout (``etl.reports.appendix1``),
#   while reports read the mirrored catalogue.
ALLOWED_BACK_EDGES: dict[str, str] = {
    "etl.catalogue.appendix1_edits": "etl.reports.appendix1",
}


def module_files() -> dict[str, Path]:
    """Every module of the project by its dotted name."""
    found: dict[str, Path] = {}
    for base, top in PACKAGES:
        for path in sorted((base / top).rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    for folder in LOOSE_FOLDERS:
        for path in sorted(folder.glob("*.py")):
            found[path.stem] = path
    return found


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, module: str, path: Path) -> str:
    if not node.level:
        return node.module or ""
    package = _package_of(module, path).split(".")
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _deepest(name: str, modules: dict[str, Path]) -> str | None:
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Dotted names one module imports, wherever in the file the import stands."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path)
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names if alias.name != "*")


def import_graph() -> dict[str, set[str]]:
    """Module -> project modules it imports (external packages left out)."""
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for imported in imported_names(name, path):
            target = _deepest(imported, modules)
            if target is not None and target != name:
                graph[name].add(target)
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Modules that ``start`` imports directly or through others."""
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that import each other, directly or around a circle (more than one module each)."""
    reach = {node: reachable(graph, node) for node in graph}
    found: list[set[str]] = []
    for node in sorted(graph):
        if node in reach[node] and not any(node in group for group in found):
            found.append({node} | {other for other in reach[node] if node in reach[other]})
    return found


def one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest circle through the component's first module, module by module (breadth-first)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no circle in component {sorted(component)}")


def describe(graph: dict[str, set[str]], component: set[str]) -> str:
    return f"{len(component)} modules {sorted(component)}, e.g. " + " -> ".join(one_cycle(graph, component))


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    """The walk itself: deferred, relative and ``from pkg import module`` imports all become edges."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from . import b\n")
    (package / "b.py").write_text("from pkg.c import thing\n")
    (package / "c.py").write_text("import pkg.a\nthing = 1\n")
    modules = {"pkg": package / "__init__.py", **{f"pkg.{n}": package / f"{n}.py" for n in "abc"}}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for imported in imported_names(name, path):
            target = _deepest(imported, modules)
            if target is not None and target != name:
                graph[name].add(target)
    assert graph == {"pkg": set(), "pkg.a": {"pkg", "pkg.b"}, "pkg.b": {"pkg.c"}, "pkg.c": {"pkg.a"}}
    [component] = strongly_connected(graph)
    assert one_cycle(graph, component) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]


def test_the_graph_covers_the_project() -> None:
    graph = import_graph()
    assert {"etl.cli", "etl.catalogue.model", "sdg_airflow.connections", "sdg_ingest"} <= graph.keys()
    assert "etl.config" in graph["etl.cli"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    components = strongly_connected(graph)
    unexpected = [c for c in components if frozenset(c) not in ALLOWED_CYCLES]
    assert not unexpected, "import cycles:\n" + "\n".join(describe(graph, c) for c in unexpected)
    gone = [sorted(c) for c in ALLOWED_CYCLES if c not in {frozenset(x) for x in components}]
    assert not gone, f"allowlisted cycles that no longer exist, remove them from ALLOWED_CYCLES: {gone}"


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """``etl.<package>`` -> the other packages of etl/ it imports (loose modules such as ``etl.jobs`` count as
    their own), leaving out the allowed back edges."""

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module.startswith("etl."):
            packages.setdefault(package(module), set()).update(
                package(t)
                for t in targets
                if t.startswith("etl.") and package(t) != package(module) and ALLOWED_BACK_EDGES.get(module) != t
            )
    return packages


def test_no_cycles_between_packages() -> None:
    """The packages of etl/ form layers: no two import each other, directly or around a circle."""
    graph = import_graph()
    packages = package_graph(graph)
    circles = strongly_connected(packages)
    assert not circles, "packages of etl/ in a circle:\n" + "\n".join(describe(packages, c) for c in circles)
    gone = sorted(f"{m} -> {t}" for m, t in ALLOWED_BACK_EDGES.items() if t not in graph.get(m, set()))
    assert not gone, f"allowed back edges that no longer exist, remove them from ALLOWED_BACK_EDGES: {gone}"


def test_lower_packages_do_not_import_higher_ones() -> None:
    graph = import_graph()
    upward = [
        f"{module} -> {target}"
        for lower, higher in LAYERS
        for module, targets in sorted(graph.items())
        if module == lower or module.startswith(f"{lower}.")
        for target in sorted(targets)
        if target == higher or target.startswith(f"{higher}.")
    ]
    assert not upward, "imports against the layers:\n" + "\n".join(upward)
