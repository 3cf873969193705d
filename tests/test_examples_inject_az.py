"""The decorator and logging examples under docs/examples run, as scripts and imported."""

from __future__ import annotations

import asyncio
import io
import json
from types import SimpleNamespace

import pytest
from awslambdaric.lambda_context import LambdaContext
from conftest import EXAMPLES, load_example, run_python

from lambda_metadata.testing import MetadataEndpoint


def run(name: str) -> list[str]:
    """Run an example as a script: its __main__ block starts its own endpoint emulator."""
    result = run_python(str(EXAMPLES / f"{name}.py"))
    assert result.stderr == ""
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("decorator_basic", ["{'availability_zone_id': 'use1-az1'}"]),
        ("decorator_options", ["orders in euw1-az2", "euw1-az2"]),
        ("decorator_async", ["{'availability_zone_id': 'use1-az1', 'request_id': 'local-1'}"]),
        (
            "logging_stdlib",
            [
                "INFO az=- app: loading",
                "INFO az=use1-az1 app: processing order 42",
                "INFO az=use1-az1 app: after the invocation",
            ],
        ),
    ],
)
def test_examples_run_as_scripts(name: str, expected: list[str]) -> None:
    assert run(name) == expected


def test_powertools_example_runs_as_a_script() -> None:
    (line,) = [json.loads(text) for text in run("logging_powertools")]

    assert line["message"] == "hello"
    assert line["availability_zone_id"] == "use1-az1"
    assert line["function_request_id"] == "local-1"


def test_decorator_examples_imported(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    basic, options = load_example("decorator_basic"), load_example("decorator_options")
    context = SimpleNamespace(aws_request_id="test-1")

    assert basic.handler({}, context) == {"availability_zone_id": "use1-az1"}
    assert options.handler({}, context) == "orders in use1-az1"
    assert asyncio.run(options.async_handler({}, context)) == "use1-az1"


def test_decorator_async_example_imported(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    example = load_example("decorator_async")
    context = SimpleNamespace(aws_request_id="test-1")

    assert example.handler({}, context) == {
        "availability_zone_id": "use1-az1",
        "request_id": "test-1",
    }
    assert not hasattr(context, "lambda_metadata")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("decorator_async", {"availability_zone_id": None, "request_id": "x"}),
        ("decorator_basic", {"availability_zone_id": "unknown"}),
    ],
)
def test_decorator_examples_outside_lambda(
    no_lambda_metadata: None, name: str, expected: dict[str, object]
) -> None:
    assert load_example(name).handler({}, SimpleNamespace(aws_request_id="x")) == expected


def test_logging_examples_imported(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    stdlib, powertools = load_example("logging_stdlib"), load_example("logging_powertools")
    stdlib_out, powertools_out = io.StringIO(), io.StringIO()
    stdlib.stream.setStream(stdlib_out)
    powertools.logger.registered_handler.setStream(powertools_out)
    context = LambdaContext("test-2", None, None, 4_102_444_800_000, "arn:aws:lambda:test")

    assert stdlib.handler({"order_id": 7}, context) == "ok"
    assert powertools.handler({}, context) == "use1-az1"

    assert stdlib_out.getvalue() == "INFO az=use1-az1 app: processing order 7\n"
    (line,) = [json.loads(text) for text in powertools_out.getvalue().splitlines()]
    assert line["availability_zone_id"] == "use1-az1"
