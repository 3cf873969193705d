"""The token never appears in a message, repr, log line or traceback the library makes.

Every answer test_hostile.py refuses, and every setting, is checked for the token too: in the
error, its traceback's locals and the log.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable

import pytest
from raw_http import (
    Behaviour,
    StartRaw,
    assert_no_token,
    read_request,
)

from lambda_metadata import LambdaMetadataError, get_lambda_metadata
from lambda_metadata.testing import FakeClock, MetadataEndpoint

TOKEN = "tok-SENSITIVE-7c1f0e"  # (every refused answer of test_hostile.py is checked too)


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
    "chunk size": ("200 OK", "Transfer-Encoding: chunked\r\n", "{}\r\n"),
}
KEPT = '{{"AvailabilityZoneID": "use1-az1", "Echo": {json}, {json}: 1}}'  # a good answer


def _echo(parts: tuple[str, str, str]) -> Behaviour:
    """An answer quoting the request's ``Authorization`` value: a ``PLACES`` value's parts."""

    def behaviour(conn: socket.socket) -> None:
        authorization = read_request(conn).decode().split("Authorization: ")[1].split("\r\n")[0]
        forms = {
            "json": json.dumps(authorization),
            "escaped": "".join(f"\\u{ord(c):04x}" for c in authorization),
        }
        status, header, body = (part.format(authorization, **forms) for part in parts)
        head = f"HTTP/1.1 {status}\r\n{header}Content-Length: {len(body)}\r\n\r\n"
        conn.sendall((head + body).encode())

    return behaviour


@pytest.mark.parametrize("place", PLACES)
def test_a_token_echoed_back_is_redacted_in_errors_and_the_stale_warning(
    place: str,
    raw_server: StartRaw,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    lambda_metadata_clock: FakeClock,
) -> None:
    raw_server(_echo(("200 OK", "Cache-Control: max-age=60\r\n", KEPT)))
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", ECHOED)
    assert dict(get_lambda_metadata().raw) == {  # cached for 60 s
        "AvailabilityZoneID": "use1-az1",
        "Echo": "Bearer <redacted>",
        "Bearer <redacted>": 1,
    }
    raw_server(_echo(PLACES[place]))
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", ECHOED)
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


# -- the checker itself: each place it looks, shown to find a token put there ------------------


def _in_a_local() -> None:
    header = f"Bearer {TOKEN}"  # noqa: F841  (what the checker must find)
    raise LambdaMetadataError("refused")


def _in_a_chained_error() -> None:
    try:
        raise OSError(f"sent {TOKEN}")
    except OSError:
        raise LambdaMetadataError("refused") from None  # suppressed, but still __context__


@pytest.mark.parametrize(
    ("function", "where"), [(_in_a_local, "header in _in_a_local"), (_in_a_chained_error, None)]
)
def test_the_token_checker_finds_a_token_wherever_it_looks(
    function: Callable[[], None], where: str | None
) -> None:
    with pytest.raises(LambdaMetadataError) as caught:
        function()
    with pytest.raises(AssertionError, match=where):
        assert_no_token(caught.value, TOKEN)
    assert_no_token(caught.value, "another-token")
    assert TOKEN not in repr(MetadataEndpoint(token=TOKEN))
