"""The house reads top-down, read from the source with ``ast``: no arrow points back up, and no
module imports (``from x import _y``) or reads (``_cache._entry``) another's private names; a
public name of a private module (``_cache.set_clock``) is fine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

import lambda_metadata

INSTALLED = Path(lambda_metadata.__file__).resolve().parent.parent  # or CI's site-packages
SOURCES = sorted(
    [
        *(INSTALLED / "lambda_metadata").rglob("*.py"),
        *(ROOT / "benchmarks").rglob("*.py"),
        *(ROOT / "docs" / "examples").glob("*.py"),
    ]
)
# what the core never imports, not even lazily
HEAVY = ("aws_lambda_powertools", "boto3", "botocore", "asyncio", "urllib.request")
CORE = [
    "lambda_metadata",
    *[f"lambda_metadata.{name}" for name in ("_cache", "_client", "_constants", "_decorator")],
    *[f"lambda_metadata.{name}" for name in ("errors", "_flight", "_log", "_logging", "_model")],
    "lambda_metadata.snapstart",
]
LOWER = {
    # module: the only modules of ours it may import (the layers below it)
    "lambda_metadata._constants": {"lambda_metadata.errors"},
    "lambda_metadata.errors": set(),
    "lambda_metadata._log": set(),
    "lambda_metadata._flight": {"lambda_metadata._log", "lambda_metadata.errors"},
    "lambda_metadata._model": {"lambda_metadata._constants", "lambda_metadata.errors"},
    "lambda_metadata._client": {
        "lambda_metadata._constants",
        "lambda_metadata.errors",
        "lambda_metadata._model",
    },
}
UPPER = ("lambda_metadata._decorator", "lambda_metadata.testing")  # what the cache never imports


def _ours(name: str) -> bool:
    return name.split(".")[0] in ("lambda_metadata", "benchmarks")


def _path(name: str) -> Path | None:
    """The file of the module ``name`` if it is ours (a package's ``__init__.py``)."""
    base = (INSTALLED if name.split(".")[0] == "lambda_metadata" else ROOT).joinpath(
        *name.split(".")
    )
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.exists()), None)


def _name(path: Path) -> str:
    root = INSTALLED if path.is_relative_to(INSTALLED / "lambda_metadata") else ROOT
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _scan(path: Path, module: str = "") -> tuple[set[str], list[str]]:
    """Every module ``path`` imports, at the top or lazily (``import_module("x")`` too), and its
    reads of another module's private names (``from x import _y``, ``module._y``), as text."""
    module = module or _name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    bound: dict[str, str] = {}  # local name -> the module of ours it names
    private: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported.add(alias.name)
                top = alias.name.split(".")[0]
                if _ours(top):
                    bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):
            base = module.split(".")[: None if path.name == "__init__.py" else -1]
            base = base[: len(base) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            imported.add(source)
            for alias in node.names:
                if _path(full := f"{source}.{alias.name}"):
                    imported.add(full)
                    bound[alias.asname or alias.name] = full
                elif _ours(source) and _is_private(alias.name) and source != module:
                    private.append(f"line {node.lineno}: from {source} import {alias.name}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module":
            imported |= {str(a.value) for a in node.args[:1] if isinstance(a, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            dotted = _dotted(node.value, bound)
            if dotted not in (None, module) and not _path(f"{dotted}.{node.attr}"):
                private.append(f"line {node.lineno}: {dotted}.{node.attr}")
    return imported, private


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The module of ours an expression names (``_cache``, ``lambda_metadata._cache``), if any."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _dotted(node.value, bound)
        if parent is not None and _path(f"{parent}.{node.attr}"):
            return f"{parent}.{node.attr}"
    return None


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_no_module_reads_another_modules_private_names(path: Path) -> None:
    imported, private = _scan(path)
    assert private == []
    if _name(path).split(".")[:2] != ["lambda_metadata", "testing"]:  # nor testing's private parts
        assert not [name for name in imported if name.startswith("lambda_metadata.testing._")]


def test_the_check_sees_a_private_read(tmp_path: Path) -> None:
    source = tmp_path / "_probe.py"
    source.write_text(
        "from . import _cache\nfrom ._cache import _entry, set_clock\n"
        "import lambda_metadata._cache\n"
        "value = _cache._generation, lambda_metadata._cache._flight, _cache.set_clock\n",
        encoding="utf-8",
    )
    assert _scan(source, "lambda_metadata._probe")[1] == [
        "line 2: from lambda_metadata._cache import _entry",
        "line 4: lambda_metadata._cache._generation",
        "line 4: lambda_metadata._cache._flight",
    ]


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_only_downwards_and_nothing_heavy(module: str) -> None:
    path = _path(module)
    assert path is not None
    imported = _scan(path)[0]
    assert not [name for name in imported if name.split(".")[0] in HEAVY or name in HEAVY]
    ours = {name for name in imported if name.split(".")[0] == "lambda_metadata"}
    if module in LOWER:
        assert ours - {"lambda_metadata", module} <= LOWER[module], sorted(ours - LOWER[module])
    if module in LOWER or module == "lambda_metadata._cache":  # nothing below the decorator
        assert not [name for name in ours if name.startswith(UPPER)]
