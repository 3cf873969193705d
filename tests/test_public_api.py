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

PUBLIC_MODULES = (
    "lambda_metadata",
    "lambda_metadata.az_names",
    "lambda_metadata.errors",
    "lambda_metadata.same_az",
    "lambda_metadata.snapstart",
    "lambda_metadata.tracing",
)
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
PUBLIC_NAMES = [
    (module, name) for module in PUBLIC_MODULES for name in importlib.import_module(module).__all__
]


@cache
def documented() -> griffe.Object | griffe.Alias:
    """The package as the API page sees it: read from the source, as mkdocstrings does."""
    import griffe  # slow to import: by the tests that read it, not at every worker's collection

    return griffe.load("lambda_metadata", resolve_aliases=True)


def test_the_top_level_exports_the_everyday_names_only() -> None:
    assert set(lambda_metadata.__all__) == EVERYDAY
    assert "MetadataHTTPError" not in lambda_metadata.__all__
    assert "MetadataHTTPError" in errors.__all__
    assert isinstance(lambda_metadata.__version__, str)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_each_public_module_has_a_docstring_and_a_sorted_all(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__
    assert module.__all__ == sorted(module.__all__, key=lambda name: (not name.isupper(), name))


@pytest.mark.parametrize(("module_name", "name"), PUBLIC_NAMES)
def test_each_public_name_resolves_is_documented_and_names_its_public_module(
    module_name: str, name: str
) -> None:
    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a name in __all__ is never a deprecated one
        value = getattr(module, name)

    member = documented()[module_name.removeprefix("lambda_metadata").lstrip(".") or name]
    if module_name != "lambda_metadata":
        member = member[name]
    assert member.docstring is not None, f"{module_name}.{name} has no docstring"
    assert member.docstring.value.strip()

    if isinstance(value, type) or callable(value):
        assert value.__doc__
        home = sys.modules[value.__module__]
        assert not any(part.startswith("_") for part in value.__module__.split("."))
        assert name in home.__all__, f"{value.__module__} does not export {name}"
        assert getattr(home, name) is value


def test_dir_lists_the_face_and_the_submodules_and_everything_listed_resolves() -> None:
    listed = {name for name in dir(lambda_metadata) if not name.startswith("__")}
    submodules = {"az_names", "errors", "same_az", "snapstart", "testing", "tracing"}
    assert listed == EVERYDAY | submodules
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in listed:
            getattr(lambda_metadata, name)
    assert isinstance(lambda_metadata.tracing, ModuleType)


def test_the_api_page_renders_every_public_module() -> None:
    page = (Path(__file__).parent.parent / "docs" / "api.md").read_text()
    for module in (*PUBLIC_MODULES, "lambda_metadata.testing"):
        assert f"\n::: {module}\n" in page


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        lambda_metadata.no_such_name  # noqa: B018


def test_errors_exports_the_whole_hierarchy() -> None:
    defined = {
        name
        for name, value in vars(lambda_metadata.errors).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert set(errors.__all__) == defined


ERRORS: list[type[errors.LambdaMetadataError]] = [getattr(errors, name) for name in errors.__all__]


@pytest.mark.parametrize("error_class", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_is_a_lambda_metadata_error_and_pickles_with_its_status_code(
    error_class: type[errors.LambdaMetadataError],
) -> None:
    assert issubclass(error_class, errors.LambdaMetadataError)
    error = error_class("the endpoint answered 503", status_code=503)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(error, protocol=protocol))
        assert type(copy) is error_class
        assert str(copy) == "the endpoint answered 503"
        assert copy.status_code == 503


@pytest.mark.parametrize("error_class", ERRORS, ids=lambda cls: cls.__name__)
def test_a_traceback_names_the_module_users_import_the_error_from(
    error_class: type[errors.LambdaMetadataError],
) -> None:
    line = traceback.format_exception_only(error_class("boom"))[-1]
    assert line == f"lambda_metadata.errors.{error_class.__name__}: boom\n"
