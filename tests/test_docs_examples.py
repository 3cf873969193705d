"""Every example file in docs/ runs, and says what the docs say it does."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, load_example

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
    lambda_metadata_endpoint.status = 500
    handler = load_example("errors_fallback").handler
    assert handler({}, None) == {"availability_zone_id": None}
    assert "no AZ metadata (status 500)" in caplog.text


def test_testing_example_passes_as_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_suite=(EXAMPLES / "test_with_fixture.py").read_text())
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_clock_example_passes_as_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_clock=(EXAMPLES / "test_with_clock.py").read_text())
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
