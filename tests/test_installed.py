"""The suite tests the package it was given, with its plugin: with CI's
``LAMBDA_METADATA_EXPECT_INSTALLED`` (the wheel's and sdist's runs), that venv's."""

from __future__ import annotations

import os
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest

import lambda_metadata.testing.pytest_plugin


def test_the_pytest_plugin_is_loaded_through_its_entry_point(
    request: pytest.FixtureRequest,
) -> None:
    [entry] = [ep for ep in distribution("lambda-metadata").entry_points if ep.group == "pytest11"]
    assert entry.value == "lambda_metadata.testing.pytest_plugin"
    plugin = request.config.pluginmanager.get_plugin(entry.name)
    assert plugin is lambda_metadata.testing.pytest_plugin


@pytest.mark.installed
@pytest.mark.skipif(
    not os.environ.get("LAMBDA_METADATA_EXPECT_INSTALLED"),
    reason="LAMBDA_METADATA_EXPECT_INSTALLED is not set (CI's wheel and sdist runs set it)",
)
def test_the_package_is_the_installed_one_not_a_source_tree() -> None:
    venv = Path(os.environ["LAMBDA_METADATA_EXPECT_INSTALLED"]).resolve()
    assert Path(sys.prefix).resolve() == venv
    package = Path(lambda_metadata.__file__).resolve().parent
    assert package.parent.name == "site-packages"
    assert venv in package.parents
    files = [str(f) for f in distribution("lambda-metadata").files or []]
    assert "lambda_metadata/py.typed" in files
    assert not [f for f in files if f.endswith(".pth")], "an editable install, not the wheel"
