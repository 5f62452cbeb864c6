"""The package cut: imports flow one way, and the Playground port stands alone.

Imports are read with `ast` from every file, so that one inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

NNEQ = Path(__file__).parent.parent / "nneq"

# Lower layers first: a package may import only itself and the layers before it.
LAYERS = ("playground", "errors", "describe", "provenance", "storage", "explain", "comparison",
          "picture", "sweeps", "studies", "pages", "model", "api", "cli")


def _nneq_imports(path: Path, root: Path = NNEQ) -> set[str]:
    """The nneq modules `path` imports, relative imports resolved, as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(root.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "nneq" or name.startswith("nneq.")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _files() -> list[Path]:
    return sorted(NNEQ.rglob("*.py"))


def test_the_reader_finds_imports_of_every_kind(tmp_path):
    pkg = tmp_path / "nneq" / "playground"
    pkg.mkdir(parents=True)
    probe = pkg / "probe.py"
    probe.write_text("import nneq.storage\nfrom ..explain import render\n"
                     "def f():\n    from nneq.cli import app\n")
    layers = {_layer(m) for m in _nneq_imports(probe, tmp_path / "nneq")}
    assert layers == {"storage", "explain", "cli"}


def test_the_playground_imports_nothing_else_of_nneq():
    files = sorted((NNEQ / "playground").rglob("*.py"))
    assert len(files) >= 10
    outside = {
        f"{path.name}: {module}"
        for path in files
        for module in _nneq_imports(path)
        if _layer(module) != "playground"
    }
    assert outside == set()


def test_imports_flow_one_way():
    wrong = set()
    for path in _files():
        own = _layer(".".join(path.relative_to(NNEQ.parent).with_suffix("").parts))
        if own not in LAYERS:
            continue  # nneq/__init__.py and __main__.py front the whole package
        allowed = set(LAYERS[: LAYERS.index(own) + 1])
        for module in _nneq_imports(path):
            if _layer(module) and _layer(module) not in allowed:
                wrong.add(f"{path.relative_to(NNEQ)} imports {module}")
    assert wrong == set()


def test_every_module_belongs_to_a_layer():
    top = {p.stem if p.is_file() else p.name for p in NNEQ.iterdir()
           if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert top - {"__init__", "__main__"} <= set(LAYERS)
