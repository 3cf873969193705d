"""Every example file in docs/ runs, and says what the docs say it does."""

from __future__ import annotations

import os

import pytest
from conftest import EXAMPLES, load_example, run_python

from lambda_metadata.testing import MetadataEndpoint


def test_quickstart(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    handler = load_example("quickstart").handler
    assert handler({}, None) == {"availability_zone_id": "use1-az1"}
    assert handler({}, None) == {"availability_zone_id": "use1-az1"}
    assert lambda_metadata_endpoint.request_count == 1


def test_errors_fallback_in_lambda(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    handler = load_example("errors_fallback").handler
    assert handler({}, None) == {"availability_zone_id": "use1-az1"}


def test_errors_fallback_outside_lambda(no_lambda_metadata: None) -> None:
    handler = load_example("errors_fallback").handler
    assert handler({}, None) == {"availability_zone_id": None}


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


def test_valkey_example_prints_same_az_first() -> None:
    result = run_python(
        str(EXAMPLES / "same_az_valkey.py"),
        env={name: value for name, value in os.environ.items() if name != "CACHE_NODES"},
    )
    assert [line.split()[:2] for line in result.stdout.splitlines()] == [
        ["apne1-az2", "replica"],
        ["apne1-az1", "replica"],
        ["apne1-az4", "primary"],
    ]
