"""The layering a newcomer reads from the folders: no import circles (function-local
imports count too), ``components`` never imports ``emulator``, and ``emulator`` imports
its public API eagerly (no lazy ``__getattr__``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("components", "emulator")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules ``name`` imports anywhere in its file (TYPE_CHECKING blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_pkg else base[:-1]
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def _graph() -> nx.DiGraph:
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        for dep in _imports(name, path, set(mods)):
            # a module importing its own package's __init__ (or a parent) is part of
            # being inside that package, not a circle between stages
            if name.startswith(dep + "."):
                continue
            g.add_edge(name, dep)
    return g


def test_no_import_circles():
    g = _graph()
    cycles = [c for c in nx.simple_cycles(g) if len(c) > 1]
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def test_components_is_a_leaf():
    g = _graph()
    bad = [(a, b) for a, b in g.edges if a.startswith("components") and b.startswith("emulator")]
    assert not bad, f"components imports emulator: {bad}"


def test_an_import_circle_would_be_found(tmp_path):
    # the detector itself: two modules importing each other inside functions
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("def f():\n    from b import g\n")
    b.write_text("def g():\n    import a\n")
    known = {"a", "b"}
    assert _imports("a", a, known) == {"b"} and _imports("b", b, known) == {"a"}


def test_public_api_is_eager_and_components_imports_first():
    code = ("import components, emulator, sys; "
            "assert 'emulator.netlist' in sys.modules; "
            "assert not hasattr(emulator, '__getattr__'); "
            "print(emulator.load_netlist.__module__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "emulator.netlist.loader"
