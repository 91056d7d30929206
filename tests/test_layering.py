"""The package's layers, read from its import statements: a maintainer's map of who may import whom.

read/ turns files into data and check/ judges it; both report through problems.py and
source_map.py, which import neither. model/ is the vocabulary every layer shares, so it imports
none of them. A writer turns the model into one output and knows no other writer (the helpers
they share, such as decision_map and markdown, are not writers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import branchbook
from branchbook.write import registry

PACKAGE = Path(branchbook.__file__).parent
EXPORTS = ("branchbook.write.twee", "branchbook.write.scorm")  # writers outside book/, run by `export`
WRITERS = tuple(writer.__name__ for writer in registry.BOOK) + EXPORTS


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module (or module attribute) ``path`` imports, as an absolute dotted name, wherever
    the statement is (inside functions too)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def inside(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def sources(module: str) -> list[Path]:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


RULES = [  # (the modules under this name, may not import these)
    ("branchbook.read", ("branchbook.check", "branchbook.write")),
    ("branchbook.model", ("branchbook.write", "branchbook.check", "branchbook.read")),
    ("branchbook.problems", ("branchbook.read", "branchbook.check", "branchbook.model", "branchbook.write")),
    ("branchbook.source_map", ("branchbook.read", "branchbook.check", "branchbook.model", "branchbook.write")),
]


@pytest.mark.parametrize(("layer", "forbidden"), RULES, ids=[layer for layer, _ in RULES])
def test_a_layer_imports_nothing_above_it(layer, forbidden):
    found = [f"{path.relative_to(PACKAGE)} imports {name}"
             for path in sources(layer) for name in sorted(imported(path)) if any(inside(name, f) for f in forbidden)]
    assert found == []


@pytest.mark.parametrize("writer", WRITERS)
def test_no_writer_imports_another(writer):
    found = [f"{path.relative_to(PACKAGE)} imports {name}"
             for path in sources(writer) for name in sorted(imported(path))
             if any(inside(name, other) for other in WRITERS if other != writer)]
    assert found == []


def test_the_import_reader_resolves_relative_imports(tmp_path):
    """The rules above are only as good as this reading of the imports, so it is checked on known files."""
    assert {"branchbook.problems.Problem", "branchbook.source_map.SourceMap", "branchbook.read.yaml_source"} <= \
        imported(PACKAGE / "read" / "markdown_source.py")
    assert "branchbook.write.decision_map" in imported(PACKAGE / "write" / "handouts" / "maps.py")
    assert "branchbook.write.WriteOptions" in imported(PACKAGE / "write" / "handouts" / "__init__.py")
    assert all(path.is_file() for writer in WRITERS for path in sources(writer))
