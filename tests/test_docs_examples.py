"""Every example file in docs/ runs, as a script and imported, and does what the docs say."""

from __future__ import annotations

import asyncio
import io
import json
import os
from types import SimpleNamespace

import pytest
from awslambdaric.lambda_context import LambdaContext
from conftest import EXAMPLES, load_example, run_python

from lambda_metadata.testing import MetadataEndpoint


@pytest.mark.parametrize(
    ("name", "stdout", "stderr"),
    [
        ("decorator_basic", ["{'availability_zone_id': 'use1-az1'}"], ""),
        ("decorator_options", ["orders in euw1-az2", "euw1-az2"], ""),
        ("decorator_async", ["{'availability_zone_id': 'use1-az1', 'request_id': 'local-1'}"], ""),
        (
            "logging_stdlib",
            [
                "INFO az=- app: loading",
                "INFO az=use1-az1 app: processing order 42",
                "INFO az=use1-az1 app: after the invocation",
            ],
            "",
        ),
        (
            "same_az_valkey",  # the replica in this AZ first, then the other replica, the primary
            [
                "apne1-az2 replica orders-003.example.cache.amazonaws.com",
                "apne1-az1 replica orders-002.example.cache.amazonaws.com",
                "apne1-az4 primary orders-001.example.cache.amazonaws.com",
            ],
            "",
        ),
        ("readme_early_logging", [], "WARNING az=- module loaded\n"),  # no handler decorated
    ],
)
def test_examples_run_as_scripts(name: str, stdout: list[str], stderr: str) -> None:
    """Each ``__main__`` block starts its own endpoint emulator."""
    env = {key: value for key, value in os.environ.items() if key != "CACHE_NODES"}
    done = run_python(str(EXAMPLES / f"{name}.py"), env=env)
    assert (done.stdout.splitlines(), done.stderr) == (stdout, stderr)


def test_powertools_example_runs_as_a_script() -> None:
    done = run_python(str(EXAMPLES / "logging_powertools.py"))
    (line,) = [json.loads(text) for text in done.stdout.splitlines()]
    assert done.stderr == ""
    assert line["message"] == "hello"
    assert line["availability_zone_id"] == "use1-az1"
    assert line["function_request_id"] == "local-1"


def test_examples_imported_answer_with_the_az(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    quickstart = load_example("quickstart").handler
    assert quickstart({}, None) == quickstart({}, None) == {"availability_zone_id": "use1-az1"}
    assert lambda_metadata_endpoint.request_count == 1
    assert load_example("errors_fallback").handler({}, None) == {"availability_zone_id": "use1-az1"}
    basic, options = load_example("decorator_basic"), load_example("decorator_options")
    context = SimpleNamespace(aws_request_id="test-1")
    assert basic.handler({}, context) == {"availability_zone_id": "use1-az1"}
    assert options.handler({}, context) == "orders in use1-az1"
    assert asyncio.run(options.async_handler({}, context)) == "use1-az1"
    context = SimpleNamespace(aws_request_id="test-1")
    assert load_example("decorator_async").handler({}, context) == {
        "availability_zone_id": "use1-az1",
        "request_id": "test-1",
    }
    assert not hasattr(context, "lambda_metadata")


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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("errors_fallback", {"availability_zone_id": None}),
        ("decorator_async", {"availability_zone_id": None, "request_id": "x"}),
        ("decorator_basic", {"availability_zone_id": "unknown"}),
    ],
)
def test_examples_outside_lambda(no_lambda_metadata: None, name: str, expected: object) -> None:
    assert load_example(name).handler({}, SimpleNamespace(aws_request_id="x")) == expected


def test_errors_fallback_endpoint_down(
    lambda_metadata_endpoint: MetadataEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    lambda_metadata_endpoint.impair(status=500)
    handler = load_example("errors_fallback").handler
    assert handler({}, None) == {"availability_zone_id": None}
    assert "no AZ metadata (status 500)" in caplog.text


@pytest.mark.parametrize(
    ("files", "passed"),
    [
        (["test_with_fixture.py"], 3),
        (["test_with_clock.py"], 2),
        (["same_az_valkey.py", "test_az_impairment.py"], 6),  # the module it tests beside it
    ],
    ids=["fixture", "clock", "impairment"],
)
def test_testing_examples_pass_as_a_users_suite(
    pytester: pytest.Pytester, files: list[str], passed: int
) -> None:
    for name in files:
        pytester.makepyfile(**{name.removesuffix(".py"): (EXAMPLES / name).read_text()})
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=passed)
