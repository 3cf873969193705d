"""Hostile answers and odd settings: typed errors, bounded memory and time, no token.

Every server here is a raw socket on 127.0.0.1 whose behaviour ends by itself within a few
seconds; the client is the public ``get_lambda_metadata``.
"""

from __future__ import annotations

import _socket
import errno
import json
import logging
import os
import re
import resource
import socket
import string
import struct
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import pytest
from raw_http import MARGIN, RawServer, StartRaw, answer, hold, json_body, ok_head, read_request
from raw_http import assert_no_token as check_no_token

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    clear_metadata_cache,
    get_lambda_metadata,
    inject_az,
    metadata_of,
)
from lambda_metadata._constants import API_ENV, MAX_BODY_BYTES, METADATA_PATH, TOKEN_ENV
from lambda_metadata.errors import (
    InvalidEndpointConfigError,
    InvalidMetadataError,
    MetadataConnectionError,
    MetadataHTTPError,
    MetadataTimeoutError,
    MetadataUnavailableError,
)
from lambda_metadata.testing import lambda_context

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

Answer = bytes | tuple[bytes, ...] | Callable[[socket.socket], object]
TOKEN = "hostile-SECRET-token-4b1d"
GOOD = b'{"AvailabilityZoneID": "use1-az1"}'
AZ_ID = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?")
"""The documented AZ ID rule (docs/errors.md), written independently of the library."""
UNAUTHORIZED = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
Conn, Invalid, HTTP = MetadataConnectionError, InvalidMetadataError, MetadataHTTPError
Timeout, Config = MetadataTimeoutError, InvalidEndpointConfigError
Unavailable = MetadataUnavailableError


def serve(answer_: Answer) -> Callable[[socket.socket], object]:
    """Bytes: sent in one write; a tuple: its pieces in reads of their own; else a behaviour."""
    if callable(answer_):
        return answer_
    return answer(*answer_) if isinstance(answer_, tuple) else answer(answer_)


@pytest.fixture
def hostile(raw_server: StartRaw, monkeypatch: pytest.MonkeyPatch) -> Callable[[Answer], RawServer]:
    """Serve each answer given with TOKEN set, after a 401 has begun a failure streak: until a
    fetch succeeds, each makes one request (docs/caching.md), not a retry loop."""
    answers: list[Answer] = [UNAUTHORIZED]
    server = raw_server(lambda conn: serve(answers[-1])(conn))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(MetadataHTTPError):
        get_lambda_metadata(refresh=True, timeout=2)
    assert server.connections == 1

    def start(answer_: Answer) -> RawServer:
        answers.append(answer_)
        return server

    return start


def expect(
    error: type[LambdaMetadataError], *, timeout: float = 0.5, match: str = ""
) -> LambdaMetadataError:
    """Fetch; assert exactly ``error`` within the deadline, a short printable message holding
    ``match``, and no token anywhere."""
    started = time.monotonic()
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(refresh=True, timeout=timeout)
    assert time.monotonic() - started < timeout + MARGIN
    message = str(caught.value)
    assert type(caught.value) is error, repr(caught.value)
    assert match in message
    assert message.isascii(), message
    assert message.isprintable(), message
    assert len(message) < 400, message
    check_no_token(caught.value, TOKEN, skip_frames_of=__file__)
    return caught.value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- answers read, and answers refused with a typed error ---------------------------------

CHUNKED = ok_head(b"Transfer-Encoding: chunked")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
AFTER_100 = 8192 - len(CONTINUE)  # what is left of the head's cap after a 100 Continue
INTERIM = {"100": CONTINUE, "103": EARLY_HINTS, "3": CONTINUE + EARLY_HINTS + CONTINUE}
ZONES = ["usw2-lax1-az1", "use1-wl1-bos-wlz1"]  # AWS's formats besides use1-az1


def _head_of(size: int, body: bytes = GOOD) -> bytes:
    """A 200 head of exactly ``size`` bytes, blank line included, then ``body``."""
    start = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Pad: " % len(body)
    return start + b"p" * (size - len(start) - 4) + b"\r\n\r\n" + body


def _document_of(size: int) -> bytes:
    """A valid metadata document of exactly ``size`` bytes (JSON whitespace as padding)."""
    return GOOD[:-1] + b" " * (size - len(GOOD)) + b"}"


def _chunk_line_in_two_reads(line_bytes: int) -> tuple[bytes, ...]:
    """A chunked answer whose first chunk-size line (a size, then an extension) is
    ``line_bytes`` long and arrives before its CRLF, which comes in a later read."""
    size = b"%x;" % len(GOOD)
    return (CHUNKED + size + b"x" * (line_bytes - len(size)), b"\r\n" + GOOD + b"\r\n0\r\n\r\n")


def _reset_mid_answer(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    time.sleep(0.02)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
    conn.close()


def _az(zone_id: str) -> bytes:
    return json_body(json.dumps({"AvailabilityZoneID": zone_id}).encode())


FIRST, REST = GOOD[:10], GOOD[10:]
TWO_CHUNKS = CHUNKED + b"a\r\n" + FIRST + b"\r\n18\r\n"  # the first whole, the second's size
MAX_DOCUMENT = _document_of(MAX_BODY_BYTES)
# 200 chunks of 40 bytes, each after a size line padded to 209 bytes with an extension: 50 KB
# of framing for an 8000-byte body, so the reader must keep taking the framing off its buffer.
LONG_FRAMING = b"".join(
    b"28;" + b"x" * 204 + b"\r\n" + _document_of(8000)[at : at + 40] + b"\r\n"
    for at in range(0, 8000, 40)
)

READ: dict[str, Answer] = {
    "many-small-chunks": CHUNKED + b"".join(b"1\r\n%c\r\n" % c for c in GOOD) + b"0\r\n\r\n",
    "content-length-leading-zeros": ok_head(b"Content-Length: " + b"0" * 3000 + b"34") + GOOD,
    "head-of-exactly-the-cap": _head_of(8192),
    "interim-and-head-of-exactly-the-cap": CONTINUE + _head_of(AFTER_100),
    "no-length-read-to-the-close": ok_head(b"Connection: close") + MAX_DOCUMENT,
    "no-length-arriving-late": (ok_head(b"Connection: close"), MAX_DOCUMENT),
    "no-length-in-pieces": (ok_head(b"Connection: close"), FIRST, REST),
    "largest-head-and-largest-body": _head_of(8192, body=MAX_DOCUMENT),
    "chunks-in-pieces": (CHUNKED, b"a\r\n" + FIRST + b"\r\n", b"18\r\n", REST, b"\r\n0\r\n\r\n"),
    "second-chunk-in-three-reads": (TWO_CHUNKS, REST[:8], REST[8:16], REST[16:] + b"\r\n0\r\n\r\n"),
    "chunk-cut-inside-its-data": (TWO_CHUNKS + REST[:5], REST[5:] + b"\r\n0\r\n\r\n"),
    "chunk-size-line-of-256-bytes": _chunk_line_in_two_reads(256),
    "chunk-size-of-8-hex-digits": CHUNKED + b"00000022\r\n" + GOOD + b"\r\n0\r\n\r\n",
    "chunked-body-of-exactly-the-cap": CHUNKED
    + b"a\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
    % (MAX_DOCUMENT[:10], MAX_BODY_BYTES - 10, MAX_DOCUMENT[10:]),
    "chunked-over-twice-the-receive-buffer": CHUNKED + LONG_FRAMING + b"0\r\n\r\n",
    **{f"interim-{name}-apart": (interim, json_body(GOOD)) for name, interim in INTERIM.items()},
    **{f"interim-{name}-together": interim + json_body(GOOD) for name, interim in INTERIM.items()},
    **{zone_id: _az(zone_id) for zone_id in ZONES},
}


@pytest.mark.parametrize(("name", "answer_"), READ.items(), ids=READ)
def test_well_framed_answers_are_read_without_a_lookup(
    hostile: Callable[[Answer], RawServer],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    answer_: Answer,
) -> None:
    asked: list[object] = []  # every name the client would look up; none resolves
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: asked.append(host))
    hostile(answer_)
    monkeypatch.setattr(_socket, "socket", Recording)
    metadata = get_lambda_metadata(refresh=True, timeout=2)
    assert metadata.availability_zone_id == (name if name in ZONES else "use1-az1")
    assert asked == []
    assert 0 < max(Recording.asked) <= 2 * MAX_BODY_BYTES  # what one answer may hold
    Recording.asked.clear()


class Recording(_socket.socket):
    """A socket that records how many bytes each receive asks for."""

    asked: ClassVar[list[int]] = []

    def recv(self, size: int, *flags: int) -> bytes:
        Recording.asked.append(size)
        return super().recv(size, *flags)


def _length(value: bytes) -> bytes:
    return ok_head(b"Content-Length: " + value) + GOOD


def _status(line: bytes) -> bytes:
    return b"HTTP/1.1 " + line + b"\r\nContent-Length: 0\r\n\r\n"


def _nested(depth: int) -> bytes:
    return json_body(GOOD[:-1] + b', "x": ' + b"[" * depth + b"]" * depth + b"}")


def _flood(prefix: bytes, filler: bytes = b"z" * 65536) -> Callable[[socket.socket], object]:
    return answer(prefix, flood=filler)


def _chunk_line_past_the_cap(conn: socket.socket) -> None:
    answer(CHUNKED + b"%x;" % 8192 + b"e" * 12400 + b"\r\n" + b" " * 8192 + b"\r\n")(conn)
    hold(conn)  # the connection stays open


LONG_REASON = bytes(ord("a") + i % 26 for i in range(200))
CLOSE, END, ONE_CHUNK = ok_head(b"Connection: close"), b"\r\n0\r\n\r\n", b"22\r\n" + GOOD + b"\r\n"
TOO_LONG, OVER = "a chunk-size line is too long", f"a body over the {MAX_BODY_BYTES}-byte limit"
HEAD_TOO_LONG = "the head (status line and headers) is too long"
Case = tuple[Answer, type[LambdaMetadataError], str]


def _each(
    kind: str, error: type[LambdaMetadataError], match: str, answers: list[Answer]
) -> dict[str, Case]:
    return {f"{kind}-{number}": (answer_, error, match) for number, answer_ in enumerate(answers)}


BAD_LENGTHS = ["\u0661\u0662".encode(), "\uff13\uff15".encode(), b"\xb2", b"-35", b"35, 36"]
HUGE_LENGTHS = [b"9" * 5000, b"9" * 18, b"1" + b"0" * 18]
BAD_HEADERS = [b"No-Colon-Here", b": no name", b"Content-Length : 34", b" Leading: space"]
BAD_HEADERS += [b"Bell\x07: x", b"Under_Score: x"]
BAD_CHUNK_SIZES = [CHUNKED + size + b"\r\n" for size in [b"-1", b"-ffffffff"]]
BAD_CHUNK_SIZES += [CHUNKED + size + b"\r\n" for size in [b"0x10", b"000000022", b"1_0", b"22 "]]
TYPES = {b"1": "int", b"null": "NoneType", b'["use1-az1"]': "tuple"}
BAD_AZ_IDS = ["use1-az1\nFORGED log line", "use1-az1\r", "use1\ud800az1", "use1\x1b[2Jaz1"]
BAD_AZ_IDS += ["use1 az1", "use1\taz1", "use1\u00a0az1", "use1-\u0430z1", "x" * 5000, "", " "]
BAD_AZ_IDS += [" use1-az1", "use1-az1\n", "x" * 65, "-use1", "use1-", "use1/az1", "us\u00e91"]
NESTED: list[Answer] = [*map(_nested, [40, 800, 3000]), json_body(b"[" * 4000 + b"]" * 4000)]
BODIES = {
    **dict.fromkeys(
        [b"<html>", b"\xff\xfe{}", b'{"AvailabilityZoneID": NaN}'], "not valid UTF-8 JSON"
    ),
    **dict.fromkeys([b'["use1-az1"]', b'"use1-az1"'], "not an object"),
    b'{"Other": 1}': "no 'AvailabilityZoneID' field: ['Other']",
    b'{"AvailabilityZoneId": "use1-az1"}': "field: ['AvailabilityZoneId']",
    b"{}": "no 'AvailabilityZoneID' field: []",
    **{b'{"AvailabilityZoneID": %s}' % v: f"; got {t}" for v, t in TYPES.items()},
}
REFUSED: dict[str, Case] = {
    # the body's length: not ASCII digits (isdigit takes \xb2), negative, a list; or too long
    **_each("length", Conn, "Content-Length is '", [_length(v) for v in BAD_LENGTHS]),
    **_each("huge-length", Invalid, OVER, [_length(v) for v in HUGE_LENGTHS]),
    "body-short": (ok_head(b"Content-Length: 44") + GOOD, Conn, "closed inside the 44-byte body"),
    "no-length-over-the-cap": (CLOSE + _document_of(MAX_BODY_BYTES + 1), Invalid, OVER),
    "no-length-one-byte-over-later": ((CLOSE + MAX_DOCUMENT[:-1] + b" ", b"}"), Invalid, OVER),
    "length-zero": (ok_head(b"Content-Length: 0"), Invalid, "not valid UTF-8 JSON"),
    "http-1.0": (b"HTTP/1.0 200 OK\r\n\r\n" + GOOD, Conn, "the status line is 'HTTP/1.0 200 OK'"),
    "coding-gzip": (ok_head(b"Transfer-Encoding: gzip") + GOOD, Conn, "'gzip' is not supported"),
    # the head
    "closed-without-an-answer": (read_request, Conn, "the connection closed inside the head"),
    "closed-inside-the-head": (b"HTTP/1.1 200 OK\r\nContent-", Conn, "closed inside the head"),
    "head-one-byte-over-the-cap": (_head_of(8193), Conn, HEAD_TOO_LONG),
    "interim-and-head-one-byte-over": (CONTINUE + _head_of(AFTER_100 + 1), Conn, HEAD_TOO_LONG),
    "status-not-a-number": (b"HTTP/1.1 2xx OK\r\n\r\n", Conn, "the status line is 'HTTP/1.1 2"),
    "a-blank-line-alone": (b"\r\n\r\n", Conn, "not valid HTTP: the status line is ''"),
    "reset-mid-answer": (_reset_mid_answer, Conn, "could not talk to"),
    "silent": (hold, Timeout, "(gave up after 1 attempt within the 0.5 s deadline)"),
    **_each("header", Conn, "a header line is '", [ok_head(h) + GOOD for h in BAD_HEADERS]),
    # the status: its code, the advice for it, its reason as sent (escaped and cut)
    "401": (UNAUTHORIZED, HTTP, f"check that {TOKEN_ENV} is the one Lambda set"),
    "500": (_status(b"500 Internal Server Error"), HTTP, "failed or is not ready yet"),
    "404-hint": (_status(b"404 Not Found"), HTTP, "API path or version"),
    "reason-as-sent": (_status(b"418 I'm a ~teapot"), HTTP, " 418 I'm a ~teapot:"),
    "long-reason-cut": (_status(b"418 " + LONG_REASON), HTTP, f" {LONG_REASON[:77].decode()}...:"),
    "reason-escaped": (_status(b"418 \x1b[31mI'm\x07" + b"A" * 6000), HTTP, "\\x1b[31mI'm\\x07AA"),
    "101-unasked": (_status(b"101 Switching Protocols"), HTTP, "101 Switching Protocols"),
    "interim-flood": (_flood(b"", CONTINUE * 100), Conn, HEAD_TOO_LONG),  # a head budget for all
    "interim-trickle": (answer(*[CONTINUE] * 40, pause=0.05), Timeout, ""),  # the deadline
    # chunked framing, floods of it in bounded memory
    **_each("chunk-size", Conn, "a chunk size is", [_flood(s) for s in BAD_CHUNK_SIZES]),
    "chunk-size-cut": (_flood(CHUNKED + b"f" * 20 + b"\r\n"), Conn, f"is '{'f' * 16}... ("),
    "chunk-line-over-256-bytes": (_chunk_line_in_two_reads(257), Conn, TOO_LONG),
    "chunk-line-at-the-cap-then-closed": (CHUNKED + b"22;" + b"e" * 255, Conn, TOO_LONG),
    "chunk-line-read-whole": (CHUNKED + b"22;" + b"e" * 300 + b"\r\n" + GOOD + END, Conn, TOO_LONG),
    "chunk-line-cut-open": (_chunk_line_past_the_cap, Conn, TOO_LONG),
    "empty-chunk-size-line": (CHUNKED + ONE_CHUNK + END, Conn, "a chunk size is ''"),
    "empty-chunk-size-line-later": ((CHUNKED + ONE_CHUNK, END), Conn, "a chunk size is ''"),
    "closed-inside-a-chunk": (CHUNKED + b"22\r\n" + FIRST, Conn, "closed inside a chunk"),
    "chunk-without-crlf": (
        CHUNKED + b"22\r\n" + GOOD + b"XX0\r\n\r\n",
        Conn,
        "a chunk does not end with CRLF (",
    ),
    "chunk-ffffff": (_flood(CHUNKED + b"ffffff\r\n"), Invalid, OVER),
    "chunks-over-the-cap": (_flood(CHUNKED, b"1000\r\n" + b"a" * 4096 + b"\r\n"), Invalid, OVER),
    # the document
    **_each("nested-json", Invalid, "", NESTED),
    **{f"body-{n}": (json_body(b), Invalid, says) for n, (b, says) in enumerate(BODIES.items())},
    **_each("az-id", Invalid, "must be a non-empty string of at most 64", [*map(_az, BAD_AZ_IDS)]),
}


@pytest.mark.parametrize(("answer_", "error", "match"), REFUSED.values(), ids=REFUSED)
def test_hostile_answers_are_refused_and_the_next_good_one_is_read(
    hostile: Callable[[Answer], RawServer],
    caplog: pytest.LogCaptureFixture,
    answer_: Answer,
    error: type[LambdaMetadataError],
    match: str,
) -> None:
    server = hostile(answer_)
    before = peak_rss_mb()
    with caplog.at_level(logging.DEBUG):
        refused = expect(error, match=match)
    assert TOKEN not in caplog.text
    if error is not Invalid or match == OVER:  # a body's own faults are the document's
        assert f"http://{server.address}{METADATA_PATH}" in str(refused)
    assert peak_rss_mb() - before < 32
    if isinstance(refused, MetadataHTTPError):
        assert f" {refused.status_code} " in str(refused)
    else:
        assert refused.status_code is None
    hostile(json_body(GOOD))  # the cache holds nothing of a refused answer
    assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"


def test_an_oversized_head_is_refused_on_every_retry(raw_server: StartRaw) -> None:
    server = raw_server(_flood(b"HTTP/1.1 500 " + b"A" * 70000))
    before = peak_rss_mb()
    error = expect(MetadataConnectionError, match=HEAD_TOO_LONG)
    assert peak_rss_mb() - before < 32
    assert server.connections > 1  # retried, flood after flood, inside the one deadline
    assert f"gave up after {server.connections} attempts" in str(error)


# -- settings refused before any lookup or connection, and connections that fail --------------

# A lookup could block past any deadline: only an address is taken (Lambda sets one).
NAMES = ["localhost", "metadata..internal", ".internal", "metadata.", "h\u00f6st", "a" * 64 + ".x"]
NAMES += [".".join(["b" * 63, "c" * 63, "d" * 63, "e" * length, "invalid"]) for length in [53, 54]]
NOT_QUADS = ["[1.2.3]", "1.2.3", "0x7f.1", "10.0.0.0x1", "metadata.0X1", "127.1", "10.0.0.256"]
NOT_HOST_PORT = ["[::1:9", "::1:9", "127.0.0.1:9001/2026-01-15", "http://127.0.0.1:9001"]
NOT_HOST_PORT += ["127.0.0.1", "127.0.0.1:", "user@127.0.0.1:9001", " 127.0.0.1:9001"]
NOT_HOST_PORT += ["127.0.0.1:9001?x=1", "evil.example#@127.0.0.1:9001", "010.0.0.1:9"]
NOT_HOST_PORT += ["127.0.0.1:\u0661\u0662"]
BAD_TOKENS = [TOKEN + bad for bad in ["\u20ac", "\u00e9", "\udcff", " x", "\x7f"]]
BAD_TOKENS += [TOKEN + "\r\nX-Injected: 1", "t" * 9000]
BAD_PORTS = ["99999", "65536", "0", "009001"]
Setting = tuple[str | None, str | None, type[LambdaMetadataError], str]
SETTINGS: list[Setting] = [
    *[(f"{name}:9001", TOKEN, Config, "names are not looked up") for name in NAMES + NOT_QUADS],
    *[(api, TOKEN, Config, "must be host:port") for api in NOT_HOST_PORT],
    *[(f"127.0.0.1:{port}", TOKEN, Config, "1-65535") for port in BAD_PORTS],
    *[("127.0.0.1:9", token, Config, "must be 1 to 8192 visible") for token in BAD_TOKENS],
    # not in Lambda, or the token missing
    (None, TOKEN, Unavailable, f"{API_ENV} is not set, so the Lambda metadata"),
    ("", TOKEN, Unavailable, f"{API_ENV} is set but empty, so"),
    ("127.0.0.1:9", None, Unavailable, f"{TOKEN_ENV} is not set: the endpoint's token"),
    ("127.0.0.1:9", "", Unavailable, f"{TOKEN_ENV} is set but empty: the endpoint's"),
    # the ends of the port range, IPv6 in brackets: tried, and nothing listens (refused)
    ("127.0.0.1:65535", TOKEN, Conn, "could not talk to http://127.0.0.1:65535/"),
    ("[::1]:1", TOKEN, Conn, "could not talk to http://[::1]:1/"),
]


@pytest.mark.parametrize(("api", "token", "error", "match"), SETTINGS)
def test_settings_are_refused_before_any_lookup_or_connection(
    monkeypatch: pytest.MonkeyPatch,
    no_lambda_metadata: None,
    api: str | None,
    token: str | None,
    error: type[LambdaMetadataError],
    match: str,
) -> None:
    asked: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: asked.append(host))
    for name, value in [(API_ENV, api), (TOKEN_ENV, token)]:
        if value is not None:
            monkeypatch.setenv(name, value)
    refused = expect(error, timeout=0.2, match=match)
    assert asked == []
    assert refused.status_code is None
    if error is Config and match != "1-65535":
        assert ascii(api)[:60] in str(refused) or TOKEN_ENV in str(refused)
    if token and token != TOKEN:
        check_no_token(refused, token, skip_frames_of=__file__)
    if api is None:
        assert "lambda_metadata_endpoint" in str(refused)
    if token is None:
        assert "not an AWS Lambda" not in str(refused)


# -- property: arbitrary answers give a typed error or valid metadata ----------------

# Text from every code point (surrogates and unassigned ones too), with the ones that break
# parsers more often than chance draws them. Not st.text(): for any alphabet it builds
# hypothesis's Unicode tables, about 2 s of CPU in each worker of a fresh checkout.
_TRICKY = (
    '\x00\t\n\r\x0b\x0c\x1c\x85\x7f\u2028\u200b\ufeff\ud800\u0301\u0660\uff11\u0130\U0001d11e"\\'
)


def _answers() -> SearchStrategy[bytes]:
    """Answers of arbitrary status lines, headers, bodies and framings. Built on use: hypothesis
    is imported by the test that needs it, not at every worker's collection."""
    from hypothesis import strategies as st

    characters = (
        st.sampled_from(string.ascii_letters + string.digits + "-_. ")
        | st.sampled_from(_TRICKY)
        | st.integers(0, sys.maxunicode).map(chr)
    )
    text = st.lists(characters, max_size=80).map("".join)
    names = st.sampled_from(
        [b"Content-Length", b"Transfer-Encoding", b"Cache-Control", b"Content-Type", b"Connection"]
    ) | st.binary(min_size=1, max_size=20)
    documents = st.builds(
        lambda zone_id, extra: json.dumps({**extra, "AvailabilityZoneID": zone_id}).encode(),
        text | st.sampled_from(["use1-az1", "usw2-lax1-az1"]),
        st.dictionaries(text, st.integers() | text, max_size=3),
    )
    return st.builds(
        _frame,
        st.sampled_from(
            [b"HTTP/1.1 200 OK", b"HTTP/1.0 200", b"HTTP/1.1 500 Oops", b"HTTP/1.1 404 Nope"]
        )
        | st.binary(max_size=40),
        st.lists(st.tuples(names, st.binary(max_size=60)), max_size=4),
        st.binary(max_size=9000) | documents,
        st.sampled_from(["length", "none", "chunked"]),
    )


def _frame(status_line: bytes, headers: list[tuple[bytes, bytes]], body: bytes, how: str) -> bytes:
    head = (
        status_line + b"\r\n" + b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    )
    if how == "length":
        head += b"Content-Length: %d\r\n" % len(body)
    elif how == "chunked":
        head += b"Transfer-Encoding: chunked\r\n"
        pieces = [body[i : i + 999] for i in range(0, len(body), 999)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    return head + b"\r\n" + body


def test_arbitrary_answers_give_a_typed_error_or_valid_metadata(
    hostile: Callable[[Answer], RawServer],
) -> None:
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_answers())
    def check(framed: bytes) -> None:
        hostile(UNAUTHORIZED)  # a failure streak: the answer below gets one request
        with pytest.raises(MetadataHTTPError):
            get_lambda_metadata(refresh=True, timeout=2)
        hostile(framed)
        outcome: LambdaMetadata | LambdaMetadataError
        try:
            outcome = get_lambda_metadata(refresh=True, timeout=0.5)
        except LambdaMetadataError as exc:  # only these may come out
            outcome = exc
        if isinstance(outcome, LambdaMetadata):
            assert type(outcome) is LambdaMetadata
            assert AZ_ID.fullmatch(outcome.availability_zone_id)
        else:
            check_no_token(outcome, TOKEN, skip_frames_of=__file__)
            assert "\n" not in str(outcome)
        hostile(json_body(GOOD))
        assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"

    check()


class KernelTimesOut(_socket.socket):
    """A connect the kernel gives up on (``tcp_syn_retries``, about 130 s): ``TimeoutError``
    with ``errno.ETIMEDOUT``, which is no deadline of ours."""

    def connect(self, address: object) -> None:
        raise TimeoutError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT))


def test_the_kernels_connect_timeout_is_a_connection_error(
    hostile: Callable[[Answer], RawServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile(json_body(GOOD))
    monkeypatch.setattr(_socket, "socket", KernelTimesOut)
    timed_out = os.strerror(errno.ETIMEDOUT)
    expect(MetadataConnectionError, timeout=300, match=f"TimeoutError: {timed_out}")
    clear_metadata_cache()  # a new streak: the decorator's fetch retries until its deadline
    ran: list[LambdaMetadata | None] = []

    @inject_az(timeout=0.2)
    def handler(event: object, context: object) -> None:
        ran.append(metadata_of(context))

    handler({}, lambda_context())
    assert ran == [None]
