"""The decorator and logging examples under docs/examples run, as scripts and imported."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from awslambdaric.lambda_context import LambdaContext
from conftest import EXAMPLES, load_example

from lambda_metadata.testing import MetadataEndpoint


def run(name: str) -> list[str]:
    """Run an example as a script: its __main__ block starts its own endpoint emulator."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
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


def test_decorator_async_example_outside_lambda(no_lambda_metadata: None) -> None:
    example = load_example("decorator_async")

    assert example.handler({}, SimpleNamespace(aws_request_id="x")) == {
        "availability_zone_id": None,
        "request_id": "x",
    }


def test_decorator_basic_outside_lambda(no_lambda_metadata: None) -> None:
    basic = load_example("decorator_basic")

    assert basic.handler({}, SimpleNamespace()) == {"availability_zone_id": "unknown"}


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
