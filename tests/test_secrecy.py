"""The token never appears in a message, repr, log line or traceback the library makes."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable

import pytest
from raw_http import RawServer, assert_no_token, json_body, ok_head, read_request

from lambda_metadata import LambdaMetadataError, get_lambda_metadata
from lambda_metadata.testing import FakeClock, MetadataEndpoint

TOKEN = "tok-SENSITIVE-7c1f0e"


SETUPS: dict[str, Callable[[MetadataEndpoint], object]] = {
    "unauthorized": lambda endpoint: setattr(endpoint, "token", "the-real-one"),
    "server-error": lambda endpoint: endpoint.impair(status=500),
    "bad-body": lambda endpoint: setattr(endpoint, "body", b"<html>"),
    "missing-field": lambda endpoint: setattr(endpoint, "body", b'{"Other": 1}'),
}


@pytest.mark.parametrize("setup", SETUPS.values(), ids=SETUPS.keys())
def test_http_failures_never_show_the_token(
    setup: Callable[[MetadataEndpoint], object],
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lambda_metadata_endpoint.reset(token=TOKEN)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", TOKEN)
    setup(lambda_metadata_endpoint)
    with caplog.at_level(logging.DEBUG), pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(timeout=0.2)
    assert_no_token(caught.value, TOKEN)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(lambda_metadata_endpoint)


@pytest.mark.parametrize("hang_up", [False, True], ids=["timeout", "reset"])
def test_timeouts_and_resets_never_show_the_token(
    raw_server: Callable[[Callable[[socket.socket], None]], RawServer],
    monkeypatch: pytest.MonkeyPatch,
    hang_up: bool,
) -> None:
    server: RawServer

    def answer(conn: socket.socket) -> None:
        read_request(conn)
        if not hang_up:
            server.wait_closed(conn)

    server = raw_server(answer)
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


# -- a server, proxy or error page that echoes the request back ------------------------------

ECHOED = "tok'en\\SECRET-5e8a/+="  # a quote and a backslash: repr() and JSON escape them
PLACES = {
    # where the echoed Authorization header goes: (status and reason, extra header, body)
    "reason 401": ("401 {}", "", ""),
    "reason 500": ("500 {}", "", ""),
    "body preview": ("200 OK", "", "<html>{}"),
    "AZ value": ("200 OK", "", '{{"AvailabilityZoneID": {json}}}'),
    "AZ value, \\u-escaped": ("200 OK", "", '{{"AvailabilityZoneID": "{escaped}"}}'),
    "field name": ("200 OK", "", '{{{json}: 1, "Other": 2}}'),
    "Transfer-Encoding": ("200 OK", "Transfer-Encoding: {}\r\n", ""),
}


def _echo(place: str, authorization: str) -> bytes:
    """An answer quoting the request's ``authorization`` header value in ``place``."""
    forms = {
        "json": json.dumps(authorization),
        "escaped": "".join(f"\\u{ord(c):04x}" for c in authorization),
    }
    status, header, body = (part.format(authorization, **forms) for part in PLACES[place])
    return (f"HTTP/1.1 {status}\r\n{header}Content-Length: {len(body)}\r\n\r\n{body}").encode()


@pytest.mark.parametrize("place", PLACES)
def test_a_token_echoed_back_is_redacted_in_errors_and_the_stale_warning(
    place: str,
    raw_server: Callable[[Callable[[socket.socket], None]], RawServer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    lambda_metadata_clock: FakeClock,
) -> None:
    echoing = [False]

    def answer(conn: socket.socket) -> None:
        head = read_request(conn).decode()
        authorization = head.split("Authorization: ", 1)[1].split("\r\n", 1)[0]
        if echoing[0]:
            conn.sendall(_echo(place, authorization))
        else:
            good = b'{"AvailabilityZoneID": "use1-az1"}'
            conn.sendall(ok_head(b"Cache-Control: max-age=60", b"Content-Length: 34") + good)

    raw_server(answer)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", ECHOED)
    get_lambda_metadata()  # cached for 60 s
    echoing[0] = True
    lambda_metadata_clock.advance(61)
    with caplog.at_level(logging.DEBUG):
        stale = get_lambda_metadata(timeout=1)  # the stale value, and one WARNING line
    assert stale.availability_zone_id == "use1-az1"
    assert "refreshing the metadata failed" in caplog.text
    assert "<redacted>" in caplog.text
    assert ECHOED not in caplog.text
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(refresh=True, timeout=1)
    assert "<redacted>" in str(caught.value)
    assert_no_token(caught.value, ECHOED)


def test_an_echoed_token_never_reaches_raw(
    raw_server: Callable[[Callable[[socket.socket], None]], RawServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def answer(conn: socket.socket) -> None:
        head = read_request(conn).decode()
        authorization = head.split("Authorization: ", 1)[1].split("\r\n", 1)[0]
        body = {"AvailabilityZoneID": "use1-az1", "Echo": authorization, authorization: 1}
        conn.sendall(json_body(json.dumps(body).encode()))

    raw_server(answer)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", ECHOED)
    metadata = get_lambda_metadata()
    assert dict(metadata.raw) == {
        "AvailabilityZoneID": "use1-az1",
        "Echo": "Bearer <redacted>",
        "Bearer <redacted>": 1,
    }


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
