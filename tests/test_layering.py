"""The house reads top-down: no module reads another's private names, and no arrow points back up.

Read from the source with ``ast``, without importing anything: a private name
(``_entry``) of another module may be neither imported (``from x import _y``)
nor read as an attribute of a module (``_cache._entry``). A public name of a
private module (``_cache.set_clock``, ``from ._constants import ...``) is fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lambda_metadata

ROOT = Path(__file__).resolve().parent.parent
INSTALLED = Path(lambda_metadata.__file__).resolve().parent.parent
"""Where the package tested lives: the repository, or site-packages in CI's installed runs."""
PACKAGES = ("lambda_metadata", "benchmarks")
SOURCES = sorted(
    [
        *(INSTALLED / "lambda_metadata").rglob("*.py"),
        *(ROOT / "benchmarks").rglob("*.py"),
        *(ROOT / "docs" / "examples").glob("*.py"),
    ]
)


def _root(name: str) -> Path:
    return INSTALLED if name.split(".")[0] == "lambda_metadata" else ROOT


HEAVY = ("aws_lambda_powertools", "boto3", "botocore", "asyncio", "urllib.request")
"""What the core never imports, not even lazily: the optional integrations' and the slow ones."""
CORE = (
    "lambda_metadata",
    "lambda_metadata._cache",
    "lambda_metadata._client",
    "lambda_metadata._constants",
    "lambda_metadata._decorator",
    "lambda_metadata.errors",
    "lambda_metadata._flight",
    "lambda_metadata._log",
    "lambda_metadata._logging",
    "lambda_metadata._model",
    "lambda_metadata.snapstart",
)
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
UPPER = ("lambda_metadata._decorator", "lambda_metadata.testing")
"""What the cache, the client and the models below it never import."""


def _module_name(path: Path) -> str:
    root = INSTALLED if path.is_relative_to(INSTALLED / "lambda_metadata") else ROOT
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] == "docs":
        return f"docs.examples.{parts[-1]}"
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(name: str) -> bool:
    return (_root(name).joinpath(*name.split(".")) / "__init__.py").exists()


def _is_module(name: str) -> bool:
    path = _root(name).joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(module: str, node: ast.ImportFrom, *, package: bool) -> str:
    """The absolute name of what ``from <node.module> import`` names in ``module``."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(path: Path) -> list[str]:
    """Every module of ours or not that ``path`` imports, at the top or lazily."""
    module = _module_name(path)
    package = path.name == "__init__.py"
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node, package=package)
            found.append(source)
            found += [
                f"{source}.{alias.name}"
                for alias in node.names
                if _is_module(f"{source}.{alias.name}")
            ]
        elif (  # import_module("boto3")
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def _private_reads(path: Path, module: str | None = None) -> list[str]:
    """``from x import _y`` and ``module._y`` of another module of ours, as text."""
    module = module or _module_name(path)
    package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local name -> module of ours it is bound to
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    local = alias.asname or alias.name.split(".")[0]
                    modules[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node, package=package)
            if source.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_module(full):
                    modules[alias.asname or alias.name] = full
                elif _is_private(alias.name) and source != module:
                    found.append(f"line {node.lineno}: from {source} import {alias.name}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
            continue
        dotted = _dotted(node.value, modules)
        if dotted is None or dotted == module or _is_module(f"{dotted}.{node.attr}"):
            continue  # not a module of ours, our own module, or a private submodule: fine
        found.append(f"line {node.lineno}: {dotted}.{node.attr}")
    return found


def _dotted(node: ast.expr, modules: dict[str, str]) -> str | None:
    """The module of ours an expression names (``_cache``, ``lambda_metadata._cache``), if any."""
    if isinstance(node, ast.Name):
        return modules.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _dotted(node.value, modules)
        if parent is not None and _is_module(f"{parent}.{node.attr}"):
            return f"{parent}.{node.attr}"
    return None


def _shown(path: Path) -> str:
    return _module_name(path)


@pytest.mark.parametrize("path", SOURCES, ids=_shown)
def test_no_module_reads_another_modules_private_names(path: Path) -> None:
    assert _private_reads(path) == []


def test_the_check_sees_a_private_read(tmp_path: Path) -> None:
    source = tmp_path / "_probe.py"
    source.write_text(
        "from . import _cache\nfrom ._cache import _entry, set_clock\n"
        "import lambda_metadata._cache\n"
        "value = _cache._generation, lambda_metadata._cache._flight, _cache.set_clock\n",
        encoding="utf-8",
    )
    assert _private_reads(source, "lambda_metadata._probe") == [
        "line 2: from lambda_metadata._cache import _entry",
        "line 4: lambda_metadata._cache._generation",
        "line 4: lambda_metadata._cache._flight",
    ]


def _our_imports(path: Path) -> set[str]:
    return {name for name in _imports(path) if name.split(".")[0] == "lambda_metadata"}


def _path_of(module: str) -> Path:
    path = _root(module).joinpath(*module.split("."))
    return path / "__init__.py" if _is_package(module) else path.with_suffix(".py")


@pytest.mark.parametrize("module", sorted(LOWER))
def test_the_lower_layers_import_only_what_is_below_them(module: str) -> None:
    imported = _our_imports(_path_of(module)) - {"lambda_metadata", module}
    assert imported <= LOWER[module], sorted(imported - LOWER[module])


@pytest.mark.parametrize("module", [*sorted(LOWER), "lambda_metadata._cache"])
def test_nothing_below_the_decorator_imports_it_or_the_extras(module: str) -> None:
    imported = _our_imports(_path_of(module))
    assert not [name for name in imported if name.startswith(UPPER)]


@pytest.mark.parametrize("module", CORE)
def test_the_core_never_imports_heavy_or_optional_modules(module: str) -> None:
    imported = _imports(_path_of(module))
    assert not [name for name in imported if name.split(".")[0] in HEAVY or name in HEAVY]


def test_the_runtime_package_imports_no_private_module_of_testing() -> None:
    runtime = [
        path
        for path in (INSTALLED / "lambda_metadata").rglob("*.py")
        if "testing" not in path.relative_to(INSTALLED).parts
    ]
    wrong = {
        _shown(path): name
        for path in runtime
        for name in _our_imports(path)
        if name.startswith("lambda_metadata.testing._")
    }
    assert wrong == {}
