"""Every code block of the README and of PYPI.md (the package index's page) is a file in
docs/examples/, and each one runs as written."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, load_example, run_python

from lambda_metadata import MetadataUnavailableError
from lambda_metadata.testing import MetadataEndpoint, lambda_context

README = ROOT / "README.md"
BLOCK = re.compile(r"(?:<!-- file: (?P<file>\S+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


def _blocks(page: Path = README) -> list[tuple[str | None, str, str]]:
    return [(m["file"], m["lang"], m["body"]) for m in BLOCK.finditer(page.read_text())]


@pytest.mark.parametrize(("page", "least"), [(README, 5), (ROOT / "PYPI.md", 3)])
def test_every_python_block_is_an_example_file_verbatim(page: Path, least: int) -> None:
    python = [(name, body) for name, lang, body in _blocks(page) if lang == "python"]
    assert len(python) >= least
    for name, body in python:
        assert name is not None, f"a README python block names no file:\n{body}"
        assert (ROOT / name).read_text() == body, f"README block differs from {name}"


def test_every_lambda_metadata_command_in_the_readme_exists() -> None:
    commands = [
        line.split()
        for _, lang, body in _blocks()
        if lang == "console"
        for line in body.splitlines()
        if "lambda-metadata " in line and not line.lstrip().startswith(("pip", "uv pip", "#"))
    ]
    subcommands = {words[words.index("lambda-metadata") + 1] for words in commands}
    assert {"demo", "serve"} <= subcommands
    for sub in sorted(subcommands):
        run_python("-m", "lambda_metadata", sub, "--help")


def test_powertools_handler_logs_the_az_as_json(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = "euw1-az2"
    app = load_example("app")
    stream = io.StringIO()  # Powertools reuses the handler of an earlier Logger() of this name
    app.logger.registered_handler.setStream(stream)
    assert app.handler({}, lambda_context(function_name="orders")) == "euw1-az2"
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "hello"
    assert line["availability_zone_id"] == "euw1-az2"
    assert line["function_name"] == "orders"


def test_the_intro_handler_and_the_calls_anywhere_run(
    lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load_example("readme_intro").handler({}, lambda_context()) == "use1-az1"
    calls = load_example("readme_calls")
    assert (calls.zone, calls.fields) == ("use1-az1", {"AvailabilityZoneID": "use1-az1"})
    assert capsys.readouterr().out == ""  # the last call succeeded: nothing printed


def test_calls_anywhere_outside_lambda(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError):
        load_example("readme_calls")  # the first line raises: outside Lambda there is no AZ


def test_pytest_snippet_passes_in_a_users_project(pytester: pytest.Pytester) -> None:
    """Last: its in-process run leaves the app's Powertools handler on a stream it closes."""
    for name in ("app", "test_app"):
        pytester.makepyfile(**{name: (EXAMPLES / f"{name}.py").read_text()})
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
