"""The public face: what each public module exports, and how it is named."""

from __future__ import annotations

import importlib
import pickle
import sys
import traceback
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

import lambda_metadata
from lambda_metadata import errors

if TYPE_CHECKING:
    import griffe

PUBLIC_MODULES = ["", "az_names", "errors", "same_az", "snapstart", "tracing"]
EVERYDAY = {
    "LambdaMetadata",
    "LambdaMetadataError",
    "MetadataUnavailableError",
    "clear_metadata_cache",
    "get_lambda_metadata",
    "metadata_of",
    "inject_az",
    "install_log_record_factory",
}


def module(name: str) -> ModuleType:
    return importlib.import_module(f"lambda_metadata.{name}".rstrip("."))


@cache
def documented() -> griffe.Object | griffe.Alias:
    """The package as the API page sees it: read from the source, as mkdocstrings does."""
    import griffe  # slow to import: by the tests that read it, not at every worker's collection

    return griffe.load("lambda_metadata", resolve_aliases=True)


def test_the_top_level_exports_the_everyday_names_and_dir_lists_them_and_the_submodules() -> None:
    assert set(lambda_metadata.__all__) == EVERYDAY
    assert isinstance(lambda_metadata.__version__, str)
    listed = {name for name in dir(lambda_metadata) if not name.startswith("__")}
    assert listed == EVERYDAY | {*PUBLIC_MODULES[1:], "testing"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a name listed is never a deprecated one
        for name in listed:
            getattr(lambda_metadata, name)
    assert isinstance(lambda_metadata.tracing, ModuleType)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        lambda_metadata.no_such_name  # noqa: B018
    page = (Path(__file__).parent.parent / "docs" / "api.md").read_text()
    for name in [*PUBLIC_MODULES, "testing"]:
        assert f"\n::: {module(name).__name__}\n" in page, "the API page renders each module"


@pytest.mark.filterwarnings("error")  # a name in __all__ is never a deprecated one
@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_each_public_name_resolves_is_documented_and_names_its_public_module(
    module_name: str,
) -> None:
    public = module(module_name)
    assert public.__doc__
    assert public.__all__ == sorted(public.__all__, key=lambda name: (not name.isupper(), name))
    for name in public.__all__:
        member = documented()[module_name or name]
        member = member[name] if module_name else member
        assert member.docstring is not None, f"{public.__name__}.{name} has no docstring"
        assert member.docstring.value.strip()
        value = getattr(public, name)
        if isinstance(value, type) or callable(value):
            assert value.__doc__
            home = sys.modules[value.__module__]
            assert not any(part.startswith("_") for part in value.__module__.split("."))
            assert name in home.__all__, f"{value.__module__} does not export {name}"
            assert getattr(home, name) is value


def test_errors_exports_the_whole_hierarchy_each_pickles_and_names_its_module() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert set(errors.__all__) == defined
    for error_class in (getattr(errors, name) for name in errors.__all__):
        assert issubclass(error_class, errors.LambdaMetadataError)
        error = error_class("the endpoint answered 503", status_code=503)
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            copy = pickle.loads(pickle.dumps(error, protocol=protocol))
            assert (type(copy), str(copy)) == (error_class, "the endpoint answered 503")
            assert copy.status_code == 503
        line = traceback.format_exception_only(error_class("boom"))[-1]
        assert line == f"lambda_metadata.errors.{error_class.__name__}: boom\n"
