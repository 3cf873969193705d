"""Every bad input gets a clear, typed error: statuses, bodies, configuration."""

from __future__ import annotations

import pytest

from lambda_metadata import LambdaMetadataError, MetadataUnavailableError, get_lambda_metadata
from lambda_metadata.errors import (
    InvalidEndpointConfigError,
    InvalidMetadataError,
    MetadataHTTPError,
    MetadataTimeoutError,
)
from lambda_metadata.testing import MetadataEndpoint


def test_outside_lambda_raises_not_available(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError) as caught:
        get_lambda_metadata()
    message = str(caught.value)
    assert "AWS_LAMBDA_METADATA_API is not set" in message
    assert "lambda_metadata_endpoint" in message
    assert caught.value.status_code is None


def test_missing_token_names_the_token_variable(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_METADATA_TOKEN")
    with pytest.raises(MetadataUnavailableError, match="AWS_LAMBDA_METADATA_TOKEN is not set"):
        get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 0


@pytest.mark.parametrize(
    "value",
    [
        "http://127.0.0.1:9001",
        "127.0.0.1:9001/2026-01-15",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:99999",
        "127.0.0.1:0",
        "user@127.0.0.1:9001",
        " 127.0.0.1:9001",
        "127.0.0.1:9001?x=1",
        "evil.example#@127.0.0.1:9001",
    ],
)
def test_malformed_api_variable_is_refused(
    value: str, lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", value)
    with pytest.raises(InvalidEndpointConfigError, match="must be host:port") as caught:
        get_lambda_metadata()
    assert repr(value) in str(caught.value)


def test_token_with_control_characters_is_refused_without_showing_it(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "secret\r\nX-Injected: 1")
    with pytest.raises(InvalidEndpointConfigError) as caught:
        get_lambda_metadata()
    assert "secret" not in str(caught.value)
    assert lambda_metadata_endpoint.request_count == 0


@pytest.mark.parametrize("status", [400, 404, 405, 429])
def test_client_error_statuses_are_http_errors(
    status: int, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    lambda_metadata_endpoint.impair(status=status)
    with pytest.raises(MetadataHTTPError) as caught:
        get_lambda_metadata(timeout=0.3)
    assert caught.value.status_code == status
    assert str(status) in str(caught.value)


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("timeout", [0.3, 0.8])
def test_server_error_status_is_always_a_server_error(
    lambda_metadata_endpoint: MetadataEndpoint, status: int, timeout: float
) -> None:
    """Retried until the deadline; even when the deadline ends during a retry, the 5xx is said.

    The deadlines leave the first answer time to arrive on a loaded machine (a first request
    that does not come back in time is rightly a timeout).
    """
    lambda_metadata_endpoint.impair(status=status)
    with pytest.raises(MetadataHTTPError) as info:
        get_lambda_metadata(timeout=timeout)
    assert not isinstance(info.value, MetadataTimeoutError)
    assert info.value.status_code == status
    assert str(status) in str(info.value)
    # this test's requests: a fetch an earlier test left running carries an older token
    requests = lambda_metadata_endpoint.requests
    assert {request.status for request in requests if request.authorized} == {status}


def test_wrong_token_is_401_and_says_what_to_check(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "not-the-token")
    with pytest.raises(MetadataHTTPError) as caught:
        get_lambda_metadata()
    assert caught.value.status_code == 401
    assert "AWS_LAMBDA_METADATA_TOKEN" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "error", "fragment"),
    [
        (b"not json", InvalidMetadataError, "not valid UTF-8 JSON"),
        (b"\xff\xfe{}", InvalidMetadataError, "not valid UTF-8 JSON"),
        (b"", InvalidMetadataError, "not valid UTF-8 JSON"),
        (b'["use1-az1"]', InvalidMetadataError, "not an object"),
        (b'"use1-az1"', InvalidMetadataError, "not an object"),
        (b"[" * 4000 + b"]" * 4000, InvalidMetadataError, "RecursionError|not an object"),
        (b"{}", InvalidMetadataError, "AvailabilityZoneID"),
        (b'{"AvailabilityZoneId": "use1-az1"}', InvalidMetadataError, "AvailabilityZoneId"),
        (b'{"AvailabilityZoneID": 1}', InvalidMetadataError, "non-empty string"),
        (b'{"AvailabilityZoneID": null}', InvalidMetadataError, "None"),
        (b'{"AvailabilityZoneID": ""}', InvalidMetadataError, "non-empty string"),
        (b'{"AvailabilityZoneID": "  "}', InvalidMetadataError, "non-empty string"),
        (b'{"AvailabilityZoneID": ["use1-az1"]}', InvalidMetadataError, "non-empty string"),
    ],
)
def test_bad_bodies_raise_typed_errors(
    body: bytes,
    error: type[LambdaMetadataError],
    fragment: str,
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.body = body
    with pytest.raises(error, match=fragment) as caught:
        get_lambda_metadata()
    assert caught.value.status_code is None
    assert lambda_metadata_endpoint.request_count == 1, "a bad 200 body is not retried"
