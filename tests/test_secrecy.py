"""The token never appears in a message, repr, log line or traceback the library makes."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import pytest
from conftest import RawServer, assert_no_token, read_request

from lambda_metadata import LambdaMetadataError, get_lambda_metadata
from lambda_metadata.testing import FakeClock, MetadataEndpoint

TOKEN = "tok-SENSITIVE-7c1f0e"


def _setups(endpoint: MetadataEndpoint) -> list[Callable[[], None]]:
    def unauthorized() -> None:
        endpoint.token = "the-real-one"

    def server_error() -> None:
        endpoint.status = 500

    def bad_body() -> None:
        endpoint.body = b"<html>"

    def missing_field() -> None:
        endpoint.body = b'{"Other": 1}'

    return [unauthorized, server_error, bad_body, missing_field]


@pytest.mark.parametrize("case", range(4))
def test_http_failures_never_show_the_token(
    case: int,
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lambda_metadata_endpoint.reset(token=TOKEN)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", TOKEN)
    _setups(lambda_metadata_endpoint)[case]()
    with caplog.at_level(logging.DEBUG), pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(timeout=0.2)
    assert_no_token(caught.value, TOKEN)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(lambda_metadata_endpoint)


def test_timeouts_and_resets_never_show_the_token(
    raw_server: Callable[[Callable[[socket.socket], None]], RawServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server: RawServer

    def silent(conn: socket.socket) -> None:
        read_request(conn)
        server.wait_closed(conn)

    server = raw_server(silent)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", TOKEN)
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(timeout=0.2)
    assert_no_token(caught.value, TOKEN)

    def hang_up(conn: socket.socket) -> None:
        read_request(conn)

    raw_server(hang_up)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", TOKEN)
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(timeout=0.2)
    assert_no_token(caught.value, TOKEN)


def test_bad_token_value_is_never_echoed(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", TOKEN + "\n")
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata()
    assert_no_token(caught.value, TOKEN)


def test_stale_warning_never_shows_the_token(
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    lambda_metadata_clock: FakeClock,
) -> None:
    lambda_metadata_endpoint.reset(token=TOKEN)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", TOKEN)
    lambda_metadata_endpoint.max_age = 1
    get_lambda_metadata()
    lambda_metadata_clock.advance(1.05)
    lambda_metadata_endpoint.token = "rotated"
    with caplog.at_level(logging.DEBUG):
        get_lambda_metadata()
    assert "refreshing the metadata failed" in caplog.text
    assert TOKEN not in caplog.text


# -- the checker itself: each place it looks, shown to find a token put there ------------------


def _raised(function: Callable[[], None]) -> LambdaMetadataError:
    with pytest.raises(LambdaMetadataError) as caught:
        function()
    return caught.value


def _in_a_local() -> None:
    header = f"Bearer {TOKEN}"  # noqa: F841  (what the checker must find)
    raise LambdaMetadataError("refused")


def _in_a_chained_error() -> None:
    try:
        raise OSError(f"sent {TOKEN}")
    except OSError:
        raise LambdaMetadataError("refused") from None  # suppressed, but still __context__


@pytest.mark.parametrize(
    ("function", "where"),
    [
        (_in_a_local, "header in _in_a_local"),
        (_in_a_chained_error, None),
    ],
)
def test_the_token_checker_finds_a_token_wherever_it_looks(
    function: Callable[[], None], where: str | None
) -> None:
    with pytest.raises(AssertionError, match=where):
        assert_no_token(_raised(function), TOKEN)
    assert_no_token(_raised(function), "another-token")
