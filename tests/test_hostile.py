"""Hostile answers and odd settings: typed errors, bounded memory and time, no token.

Every server here is a raw socket on 127.0.0.1 whose behaviour ends by itself within a few
seconds; the client is the public ``get_lambda_metadata``.
"""

from __future__ import annotations

import _socket
import errno
import json
import os
import re
import resource
import selectors
import socket
import string
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from raw_http import RawServer, json_body, ok_head, read_request
from raw_http import assert_no_token as check_no_token

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
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
)
from lambda_metadata.testing import MetadataEndpoint, lambda_context

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

StartRaw = Callable[[Callable[[socket.socket], None]], RawServer]
TOKEN = "hostile-SECRET-token-4b1d"
MARGIN = 0.5  # scheduling slack on a loaded 2-core machine
GOOD = b'{"AvailabilityZoneID": "use1-az1"}'
AZ_ID = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?")
"""The documented AZ ID rule (docs/errors.md), written independently of the library."""


# -- helpers -----------------------------------------------------------------


def assert_no_token(error: BaseException, token: str = TOKEN) -> None:
    """The token is in no str, repr, args, chained exception or captured traceback local."""
    check_no_token(error, token, skip_frames_of=__file__)


def answer_with(head: bytes, body: bytes = b"", *, linger: float = 0.0) -> Callable[..., None]:
    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head + body)
        if linger:
            time.sleep(linger)

    return behaviour


def answer_in_pieces(*pieces: bytes, pause: float = 0.02) -> Callable[[socket.socket], None]:
    """Send ``pieces`` with ``pause`` seconds between them: each arrives in a read of its own."""

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        for number, piece in enumerate(pieces):
            if number:
                time.sleep(pause)
            conn.sendall(piece)

    return behaviour


class Lookups:
    """``socket.getaddrinfo`` as the client would see it: every name asked is kept, and none
    resolves. No query leaves the machine."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str | bytes | None, *args: object, **kwargs: object) -> Any:
        self.asked.append(host.decode() if isinstance(host, bytes) else str(host))
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Lookups:
    fake = Lookups()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


UNAUTHORIZED = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"


def begin_a_failure_streak(raw_server: StartRaw) -> None:
    """Fail one fetch with a 401 (never retried): until a fetch succeeds, each fetch makes
    exactly one request, as documented for an outage (docs/caching.md)."""
    primer = raw_server(answer_with(UNAUTHORIZED))
    with pytest.raises(MetadataHTTPError):
        get_lambda_metadata(refresh=True, timeout=2)
    assert primer.connections == 1


@pytest.fixture
def hostile(raw_server: StartRaw, monkeypatch: pytest.MonkeyPatch) -> Callable[..., RawServer]:
    """Start a raw server with ``behaviour`` and point the variables (with TOKEN) at it.

    A failure streak is begun first, so each hostile answer is judged by one request
    instead of a retry loop that sleeps out its deadline; ``retries=True`` keeps the
    retry loop, for the tests of what repeated hostile answers cost.
    """

    def start(behaviour: Callable[[socket.socket], None], *, retries: bool = False) -> RawServer:
        if not retries:
            begin_a_failure_streak(raw_server)
        server = raw_server(behaviour)
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        return server

    return start


def expect(
    error: type[LambdaMetadataError], *, timeout: float = 0.5, match: str | None = None
) -> LambdaMetadataError:
    """Fetch; assert exactly ``error`` within the deadline and no token anywhere."""
    started = time.monotonic()
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(refresh=True, timeout=timeout)
    elapsed = time.monotonic() - started
    assert type(caught.value) is error, repr(caught.value)
    assert elapsed < timeout + MARGIN
    if match is not None:
        assert match in str(caught.value)
    assert_no_token(caught.value)
    return caught.value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def flood(
    prefix: bytes, filler: bytes = b"z" * 65536, seconds: float = 1.5
) -> Callable[[socket.socket], None]:
    """Send ``prefix`` then ``filler`` as fast as the client takes it, for at most ``seconds``."""

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(prefix)
        end = time.monotonic() + seconds
        conn.settimeout(0.2)
        while time.monotonic() < end:
            try:
                conn.sendall(filler)
            except TimeoutError:
                continue

    return behaviour


# -- answers read, and answers refused with a typed error ---------------------------------

CHUNKED = ok_head(b"Transfer-Encoding: chunked")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
INTERIM = {"100": CONTINUE, "103": EARLY_HINTS, "3": CONTINUE + EARLY_HINTS + CONTINUE}
Answer = bytes | tuple[bytes, ...] | Callable[[socket.socket], object]


def serve(answer: Answer) -> Callable[[socket.socket], object]:
    """Bytes: sent in one write; a tuple: its pieces in reads of their own; else a behaviour."""
    if isinstance(answer, bytes):
        return answer_with(answer)
    if isinstance(answer, tuple):
        return answer_in_pieces(*answer)
    return answer


def _head_of(size: int, body: bytes = GOOD) -> bytes:
    """A 200 head of exactly ``size`` bytes, blank line included, then ``body``."""
    start = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Pad: " % len(body)
    head = start + b"p" * (size - len(start) - 4) + b"\r\n\r\n"
    assert len(head) == size
    return head + body


def _document_of(size: int) -> bytes:
    """A valid metadata document of exactly ``size`` bytes (JSON whitespace as padding)."""
    return GOOD[:-1] + b" " * (size - len(GOOD)) + b"}"


def _chunk_line_in_two_reads(line_bytes: int) -> Callable[[socket.socket], None]:
    """A chunked answer whose first chunk-size line (a size, then an extension) is
    ``line_bytes`` long and arrives before its CRLF, which comes in a later read."""
    size = b"%x;" % len(GOOD)
    line = size + b"x" * (line_bytes - len(size))
    return answer_in_pieces(  # by the pause the client has read the whole line, no CRLF yet
        CHUNKED + line, b"\r\n" + GOOD + b"\r\n0\r\n\r\n", pause=0.05
    )


def _reset_mid_answer(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    time.sleep(0.02)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST


FIRST, REST = GOOD[:10], GOOD[10:]
TWO_CHUNKS = CHUNKED + b"a\r\n" + FIRST + b"\r\n18\r\n"  # the first whole, the second's size
assert (len(FIRST), len(REST)) == (0xA, 0x18)
MAX_DOCUMENT = _document_of(MAX_BODY_BYTES)
# 200 chunks of 40 bytes, each after a size line padded to 209 bytes with an extension: 50 KB
# of framing for an 8000-byte body, so the reader must keep moving the unread bytes (a cut
# size line, a cut chunk) to the start of its fixed buffer and read on.
LONG_FRAMING = b"".join(
    b"28;" + b"x" * 204 + b"\r\n" + _document_of(8000)[at : at + 40] + b"\r\n"
    for at in range(0, 8000, 40)
)
assert len(LONG_FRAMING) > 2 * (8192 + MAX_BODY_BYTES + 4096)

READ: dict[str, Answer] = {
    "many-small-chunks": CHUNKED + b"".join(b"1\r\n%c\r\n" % c for c in GOOD) + b"0\r\n\r\n",
    "content-length-leading-zeros": ok_head(b"Content-Length: " + b"0" * 3000 + b"34") + GOOD,
    "head-of-exactly-the-cap": _head_of(8192),
    "no-length-read-to-the-close": ok_head(b"Connection: close") + MAX_DOCUMENT,
    "no-length-arriving-late": (ok_head(b"Connection: close"), MAX_DOCUMENT),
    "largest-head-and-largest-body": _head_of(8192, body=MAX_DOCUMENT),
    # each piece its own read: the buffer refills mid-chunk
    "chunks-in-pieces": (CHUNKED, b"a\r\n" + FIRST + b"\r\n", b"18\r\n", REST, b"\r\n0\r\n\r\n"),
    # after the first chunk, refill after refill
    "second-chunk-in-three-reads": (TWO_CHUNKS, REST[:8], REST[8:16], REST[16:] + b"\r\n0\r\n\r\n"),
    # the unread part of a chunk waits for the rest
    "chunk-cut-inside-its-data": (TWO_CHUNKS + REST[:5], REST[5:] + b"\r\n0\r\n\r\n"),
    "chunk-size-line-of-256-bytes": _chunk_line_in_two_reads(256),
    "chunk-size-of-8-hex-digits": CHUNKED + b"00000022\r\n" + GOOD + b"\r\n0\r\n\r\n",
    "chunked-body-of-exactly-the-cap": CHUNKED
    + b"a\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
    % (MAX_DOCUMENT[:10], MAX_BODY_BYTES - 10, MAX_DOCUMENT[10:]),
    "chunked-over-twice-the-receive-buffer": CHUNKED + LONG_FRAMING + b"0\r\n\r\n",
    # interim (1xx) answers skipped, in a read of their own or with the final answer
    **{f"interim-{name}-apart": (interim, json_body(GOOD)) for name, interim in INTERIM.items()},
    **{f"interim-{name}-together": interim + json_body(GOOD) for name, interim in INTERIM.items()},
}


@pytest.mark.parametrize("answer", READ.values(), ids=READ.keys())
def test_well_framed_answers_are_read_without_a_lookup(
    hostile: Callable[..., RawServer], resolver: Lookups, answer: Answer
) -> None:
    hostile(serve(answer))  # at 127.0.0.1, and the resolver knows no name
    assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"
    assert resolver.asked == []


@pytest.mark.parametrize("zone_id", ["use1-az1", "usw2-lax1-az1", "use1-wl1-bos-wlz1"])
def test_real_az_id_formats_are_accepted(hostile: Callable[..., RawServer], zone_id: str) -> None:
    hostile(answer_with(_az(zone_id)))
    assert get_lambda_metadata(refresh=True).availability_zone_id == zone_id


def _length(value: bytes) -> bytes:
    return ok_head(b"Content-Length: " + value) + GOOD


def _az(zone_id: str) -> bytes:
    return json_body(json.dumps({"AvailabilityZoneID": zone_id}).encode())


def _nested(depth: int) -> bytes:
    body = b'{"AvailabilityZoneID": "use1-az1", "x": ' + b"[" * depth + b"]" * depth + b"}"
    assert len(body) <= MAX_BODY_BYTES
    return json_body(body)


def _status(line: bytes) -> bytes:
    return b"HTTP/1.1 " + line + b"\r\nContent-Length: 0\r\n\r\n"


Conn, Invalid, HTTP = MetadataConnectionError, InvalidMetadataError, MetadataHTTPError
LONG_REASON = bytes(ord("a") + i % 26 for i in range(200))
CLOSE, END, ONE_CHUNK = ok_head(b"Connection: close"), b"\r\n0\r\n\r\n", b"22\r\n" + GOOD + b"\r\n"
TOO_LONG = "a chunk-size line is too long"
REFUSED: dict[str, tuple[Answer, type[LambdaMetadataError], str]] = {
    # Content-Length: not ASCII digits, negative, a list, or too long to be a length
    "length-arabic-indic": (_length("\u0661\u0662".encode()), Conn, ""),
    "length-full-width": (_length("\uff13\uff15".encode()), Conn, ""),
    "length-superscript": (_length(b"\xb2"), Conn, ""),  # a digit to str.isdigit
    "length-5000-digits": (_length(b"9" * 5000), Invalid, ""),
    "length-negative": (_length(b"-35"), Conn, ""),
    "length-a-list": (_length(b"35, 36"), Conn, ""),
    "length-18-digits": (_length(b"9" * 18), Invalid, "a body over the 8192-byte limit"),
    "length-19-digits": (_length(b"1" + b"0" * 18), Invalid, "a body over the 8192-byte limit"),
    "body-short": (ok_head(b"Content-Length: 44") + GOOD, Conn, "closed inside the 44-byte body"),
    "no-length-over-the-cap": (CLOSE + _document_of(MAX_BODY_BYTES + 1), Invalid, ""),
    # the head
    "closed-without-an-answer": (read_request, Conn, "the connection closed inside the head"),
    "closed-inside-the-head": (b"HTTP/1.1 200 OK\r\nContent-", Conn, "closed inside the head"),
    "head-one-byte-over-the-cap": (_head_of(8193), Conn, "headers) is too long"),
    "a-blank-line-alone": (b"\r\n\r\n", Conn, "not valid HTTP: the status line is ''"),
    "reset-mid-answer": (_reset_mid_answer, Conn, "could not talk to"),
    **{
        f"header-{name}": (ok_head(line, b"Content-Length: 34") + GOOD, Conn, "a header line is")
        for name, line in [
            ("no-colon", b"No-Colon-Here"),
            ("no-name", b": no name"),
            ("space-before-colon", b"Content-Length : 34"),
            ("leading-space", b" Leading: space"),
            ("unprintable-name", b"Bell\x07: x"),
        ]
    },
    # the status
    "404-hint": (_status(b"404 Not Found"), HTTP, "API path or version"),
    "reason-as-sent": (_status(b"418 I'm a ~teapot"), HTTP, " 418 I'm a ~teapot:"),
    "long-reason-cut": (
        _status(b"418 " + LONG_REASON),
        HTTP,
        f" 418 {LONG_REASON[:77].decode()}...:",
    ),
    # chunked framing
    "chunk-size-of-9-hex-digits": (CHUNKED + b"000000022\r\n" + GOOD + END, Conn, "chunk"),
    "chunk-line-over-256-bytes": (_chunk_line_in_two_reads(257), Conn, TOO_LONG),
    "chunk-line-read-whole-over-256": (
        CHUNKED + b"22;" + b"e" * 300 + b"\r\n" + GOOD + END,
        Conn,
        TOO_LONG,
    ),
    "empty-chunk-size-line": (CHUNKED + ONE_CHUNK + END, Conn, "a chunk size is ''"),
    # the empty line starts the buffer at a later read, the first chunk moved out
    "empty-chunk-size-line-later": ((CHUNKED + ONE_CHUNK, END), Conn, "a chunk size is ''"),
    # the document
    **{f"nested-json-{depth}": (_nested(depth), Invalid, "") for depth in [40, 800, 3000]},
    **{
        f"az-id-{name}": (_az(zone_id), Invalid, "")
        for name, zone_id in [
            ("newline", "use1-az1\nFORGED log line"),
            ("cr", "use1-az1\r"),
            ("surrogate", "use1\ud800az1"),
            ("escape", "use1\x1b[2Jaz1"),
            ("space", "use1 az1"),
            ("tab", "use1\taz1"),
            ("nbsp", "use1\u00a0az1"),
            ("cyrillic", "use1-\u0430z1"),
            ("long", "x" * 5000),
            ("empty", ""),
            ("blank", " "),
        ]
    },
}


@pytest.mark.parametrize(("answer", "error", "match"), REFUSED.values(), ids=REFUSED.keys())
def test_hostile_answers_are_refused_with_a_short_printable_message(
    hostile: Callable[..., RawServer], answer: Answer, error: type[LambdaMetadataError], match: str
) -> None:
    hostile(serve(answer))
    message = str(expect(error, match=match))
    assert message.isascii()
    assert message.isprintable()
    assert len(message) < 400


def test_switching_protocols_unasked_has_its_status_code(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"))
    assert expect(MetadataHTTPError).status_code == 101


Z = b"z" * 65536


@pytest.mark.parametrize(
    ("after_head", "filler", "error"),
    [
        (b"-1\r\n", Z, MetadataConnectionError),
        (b"-ffffffff\r\n", Z, MetadataConnectionError),
        (b"ffffffffffffffffffff\r\n", Z, MetadataConnectionError),
        (b"ffffff\r\n", Z, InvalidMetadataError),
        (b"0x10\r\n", Z, MetadataConnectionError),
        (b"", (b"1000\r\n" + b"a" * 4096 + b"\r\n") * 16, InvalidMetadataError),  # over the cap
    ],
    ids=["-1", "-ffffffff", "20-digits", "ffffff", "0x10", "body-over-the-cap"],
)
def test_hostile_chunked_floods_are_refused_in_bounded_memory(
    hostile: Callable[..., RawServer],
    after_head: bytes,
    filler: bytes,
    error: type[LambdaMetadataError],
) -> None:
    hostile(flood(ok_head(b"Transfer-Encoding: chunked") + after_head, filler))
    before = peak_rss_mb()
    expect(error)
    assert peak_rss_mb() - before < 32


# -- settings refused before connecting, and connections that fail ---------------------


@pytest.mark.parametrize(
    "token",
    [
        f"{TOKEN}\u20ac",
        f"{TOKEN}\u00e9",
        f"{TOKEN}\udcff",
        f"{TOKEN} x",
        f"{TOKEN}\x7f",
        "t" * 9000,
    ],
)
def test_a_token_that_cannot_be_sent_is_refused_before_connecting(
    hostile: Callable[..., RawServer], monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    server = hostile(answer_with(json_body(GOOD)))
    monkeypatch.setenv(TOKEN_ENV, token)
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(refresh=True)
    assert type(caught.value) is InvalidEndpointConfigError
    assert_no_token(caught.value, token)
    assert server.connections == 0


LONGEST_NAME = ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 53, "invalid"])


# A lookup blocks for as long as the resolver likes (10 s and more, whatever the deadline), so
# only an address is taken: Lambda sets one.
@pytest.mark.parametrize(
    ("api", "error", "match"),
    [
        *[
            (api, InvalidEndpointConfigError, "")
            for api in [
                "a" * 64 + ".example:9001",
                "metadata..internal:9001",  # empty labels: no host, and no label to look into
                ".internal:9001",
                "metadata.:9001",
                ("a" * 60 + ".") * 5 + "x:9001",  # over 253 characters
                ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 54, "invalid"])
                + ":9",  # 254, labels fit
                "[1.2.3]:9",
                "1.2.3:9",
                "0x7f.1:9",
                "10.0.0.0x1:9",  # a hex last label: the resolver would read another IPv4 address
                "metadata.0X1:9",
                "127.1:9",
                "10.0.0.256:9",  # not a dotted quad, and a numeric last label
                "010.0.0.1:9",
                "[::1:9",
                "::1:9",
                "h\u00f6st:9001",
                "host:\u0661\u0662",
                "host:99999",
                "host:65536",
                "host:0",
                "host:9001/path",
                "http://host:9001",
                " host:9001",
            ]
        ],
        ("127.0.0.1:99999", InvalidEndpointConfigError, "1-65535"),
        *[
            (f"{name}:9001", InvalidEndpointConfigError, "names are not looked up")
            for name in ["localhost", "metadata.internal", LONGEST_NAME]
        ],
        ("", MetadataUnavailableError, "set but empty"),
    ],
)
def test_an_unusable_api_is_refused_before_any_lookup_or_connection(
    monkeypatch: pytest.MonkeyPatch,
    no_lambda_metadata: None,
    resolver: Lookups,
    api: str,
    error: type[LambdaMetadataError],
    match: str,
) -> None:
    monkeypatch.setenv(API_ENV, api)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert len(str(expect(error, timeout=0.2, match=match))) < 400
    assert resolver.asked == []


@pytest.mark.parametrize("port", [1, 65535])
def test_the_ports_at_the_ends_of_the_range_are_tried(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None, port: int
) -> None:
    monkeypatch.setenv(API_ENV, f"127.0.0.1:{port}")  # nothing listens there (connect refused)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    expect(
        MetadataConnectionError, timeout=0.1, match=f"could not talk to http://127.0.0.1:{port}/"
    )


def test_ipv6_urls_are_shown_with_brackets(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None
) -> None:
    probe = socket.socket(socket.AF_INET)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setenv(API_ENV, f"[::1]:{port}")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(MetadataConnectionError) as caught:
        get_lambda_metadata(timeout=0.2)
    assert f"http://[::1]:{port}/" in str(caught.value)


def test_a_refused_connection_is_a_connection_error(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = "127.0.0.1"
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    monkeypatch.setenv(API_ENV, f"{host}:{port}")  # nothing listens there now
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    refused = os.strerror(errno.ECONNREFUSED)  # the OS's words, without "[Errno 111]"
    expect(
        MetadataConnectionError,
        timeout=0.3,
        match=f"could not talk to http://{host}:{port}{METADATA_PATH}: ConnectionRefusedError: "
        f"{refused} (gave up after ",
    )


# -- the reason phrase, the head's cap, the deadline, a missing token -----------------------


def test_the_reason_phrase_is_capped_and_printable(hostile: Callable[..., RawServer]) -> None:
    reason = b"\x1b[31mI'm a teapot" + b"\x07" * 10 + b"A" * 6000
    hostile(answer_with(b"HTTP/1.1 418 " + reason + b"\r\nContent-Length: 0\r\n\r\n"))
    error = expect(MetadataHTTPError)
    message = str(error)
    assert message.isascii()
    assert message.isprintable()
    assert "\x1b" not in message
    assert "A" * 100 not in message
    assert len(message) < 400


def test_an_oversized_head_is_refused(hostile: Callable[..., RawServer]) -> None:
    server = hostile(flood(b"HTTP/1.1 500 " + b"A" * 70000), retries=True)
    before = peak_rss_mb()
    error = expect(MetadataConnectionError, timeout=0.5)
    assert "the head (status line and headers) is too long" in str(error)
    assert len(str(error)) < 400
    assert peak_rss_mb() - before < 32
    assert server.connections > 1  # retried, flood after flood, inside the one deadline
    assert f"gave up after {server.connections} attempts" in str(error)


def test_a_timeout_gives_the_deadline_and_attempt_count(
    hostile: Callable[..., RawServer],
) -> None:
    server: RawServer

    def silent(conn: socket.socket) -> None:
        read_request(conn)
        server.wait_closed(conn, limit=3)

    server = hostile(silent)
    error = expect(MetadataTimeoutError, timeout=0.3)
    assert "0.3 s deadline" in str(error)
    assert "(gave up after 1 attempt within the 0.3 s deadline)" in str(error)


@pytest.mark.parametrize("token", [None, ""])
def test_api_without_token_says_the_token_is_missing(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None, token: str | None
) -> None:
    monkeypatch.setenv(API_ENV, "127.0.0.1:9001")
    if token is not None:
        monkeypatch.setenv(TOKEN_ENV, token)
    with pytest.raises(MetadataUnavailableError) as caught:
        get_lambda_metadata()
    assert "token is missing" in str(caught.value)
    assert f"{TOKEN_ENV} {'is not set' if token is None else 'is set but empty'}:" in str(
        caught.value
    )
    assert "not an AWS Lambda" not in str(caught.value)


# -- the CLI keeps its contract ---------------------------------------------------------


def _run_cli(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in (API_ENV, TOKEN_ENV)}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "lambda_metadata", "get", "--timeout", "0.5"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("euro-token", 4),
        ("long-label", 4),
        ("surrogate-az", 9),
        ("newline-az", 9),
        ("negative-chunk", 8),
        ("nested-json", 9),
        ("bracketed-ipv4", 4),
    ],
)
def test_cli_get_prints_one_line_and_the_documented_code(
    raw_server: StartRaw, case: str, code: int
) -> None:
    bodies = {
        "surrogate-az": json_body(b'{"AvailabilityZoneID": "use1\\ud800"}'),
        "newline-az": json_body(b'{"AvailabilityZoneID": "use1-az1\\nuse1-az2"}'),
        "negative-chunk": ok_head(b"Transfer-Encoding: chunked") + b"-1\r\n",
        "nested-json": json_body(
            b'{"AvailabilityZoneID": "use1-az1", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}"
        ),
    }
    server = raw_server(answer_with(bodies.get(case, json_body(GOOD))))
    environ = {API_ENV: server.address, TOKEN_ENV: TOKEN}
    if case == "euro-token":
        environ[TOKEN_ENV] = TOKEN + "\u20ac"
    elif case == "long-label":
        environ[API_ENV] = "a" * 64 + ":9001"
    elif case == "bracketed-ipv4":
        environ[API_ENV] = "[1.2.3]:9"
    result = _run_cli(environ)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lambda-metadata: error: ")
    assert TOKEN not in result.stderr


# -- serve: a burst of clients, idle connections closed ------------------------------


def test_serve_answers_a_burst_of_500_concurrent_clients() -> None:
    with MetadataEndpoint() as endpoint:
        host, port = endpoint.address.rsplit(":", 1)
        request = (
            f"GET /2026-01-15/metadata/execution-environment HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {endpoint.token}\r\nConnection: close\r\n\r\n"
        ).encode()
        selector = selectors.DefaultSelector()
        replies: dict[socket.socket, bytes] = {}
        started = time.monotonic()
        try:
            for _ in range(500):
                conn = socket.socket()
                conn.setblocking(False)
                conn.connect_ex((host, int(port)))
                selector.register(conn, selectors.EVENT_WRITE)
                replies[conn] = b""
            done = 0
            end = started + 30
            while done < 500 and time.monotonic() < end:
                for key, events in selector.select(timeout=0.5):
                    fileobj = key.fileobj
                    assert isinstance(fileobj, socket.socket)
                    conn = fileobj
                    if events & selectors.EVENT_WRITE:
                        conn.sendall(request)
                        selector.modify(conn, selectors.EVENT_READ)
                        continue
                    data = conn.recv(65536)
                    replies[conn] += data
                    if not data:
                        selector.unregister(conn)
                        done += 1
            elapsed = time.monotonic() - started
        finally:
            for conn in replies:
                conn.close()
            selector.close()
    answered = sum(1 for reply in replies.values() if reply.startswith(b"HTTP/1.1 200"))
    assert answered == 500
    # A full backlog drops SYNs, which the kernel retries after 1 s, then 3 s, then 7 s.
    assert elapsed < 8, elapsed


def test_serve_closes_idle_connections_after_a_few_seconds() -> None:
    from lambda_metadata.testing._emulator import IDLE_TIMEOUT

    assert MetadataEndpoint().idle_timeout == IDLE_TIMEOUT == 5.0  # the default: a few seconds
    with MetadataEndpoint(idle_timeout=0.2) as endpoint:
        host, port = endpoint.address.rsplit(":", 1)
        idle = [socket.create_connection((host, int(port)), timeout=15) for _ in range(20)]
        started = time.monotonic()
        try:
            for conn in idle:
                assert conn.recv(1) == b""  # closed by the server
        finally:
            for conn in idle:
                conn.close()
        assert time.monotonic() - started < endpoint.idle_timeout + 4


# -- the cache recovers after every hostile answer -----------------------------------


def test_a_healthy_endpoint_is_fetched_after_hostile_answers(
    hostile: Callable[..., RawServer],
) -> None:
    answers = [
        ok_head(b"Transfer-Encoding: chunked") + b"-1\r\n",
        json_body(b'{"AvailabilityZoneID": "use1\\ud800"}'),
        b"HTTP/1.1 500 \x1b[0m\r\nContent-Length: 0\r\n\r\n",
        json_body(GOOD),
    ]

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(answers[0])

    hostile(behaviour)
    for _ in range(3):
        with pytest.raises((MetadataConnectionError, InvalidMetadataError, MetadataHTTPError)):
            get_lambda_metadata(refresh=True, timeout=0.3)
        answers.pop(0)
    clear_metadata_cache()
    assert get_lambda_metadata().availability_zone_id == "use1-az1"


# -- property: arbitrary answers give a typed error or valid metadata ----------------

# Text from every code point (surrogates and unassigned ones too), with the ones that break
# parsers more often than chance draws them: line breaks str.splitlines knows, digits that \d
# matches, a BOM, NUL, combining and astral characters. Not st.text(): for any alphabet of
# characters it builds hypothesis's Unicode tables, about 2 s of CPU in each worker of a fresh
# checkout.
_TRICKY = (
    '\x00\t\n\r\x0b\x0c\x1c\x85\x7f\u2028\u200b\ufeff\ud800\u0301\u0660\uff11\u0130\U0001d11e"\\'
)


def _answers() -> tuple[SearchStrategy[Any], ...]:
    """Status lines, headers, bodies and framings to make answers of. Built on use: hypothesis
    is imported by the test that needs it, not at every worker's collection (under pytest its
    whole package is assertion-rewritten, about 1.3 s of CPU per worker of a fresh checkout)."""
    from hypothesis import strategies as st

    characters = (
        st.sampled_from(string.ascii_letters + string.digits + "-_. ")
        | st.sampled_from(_TRICKY)
        | st.integers(0, sys.maxunicode).map(chr)
    )

    def text(max_size: int) -> SearchStrategy[str]:
        return st.lists(characters, max_size=max_size).map("".join)

    names = st.sampled_from(
        [b"Content-Length", b"Transfer-Encoding", b"Cache-Control", b"Content-Type", b"Connection"]
    ) | st.binary(min_size=1, max_size=20)
    documents = st.builds(
        lambda zone_id, extra: json.dumps({**extra, "AvailabilityZoneID": zone_id}).encode(),
        text(80) | st.sampled_from(["use1-az1", "usw2-lax1-az1"]),
        st.dictionaries(text(10), st.integers() | text(20), max_size=3),
    )
    return (
        st.sampled_from(
            [b"HTTP/1.1 200 OK", b"HTTP/1.0 200", b"HTTP/1.1 500 Oops", b"HTTP/1.1 404 Nope"]
        )
        | st.binary(max_size=40),
        st.lists(st.tuples(names, st.binary(max_size=60)), max_size=4),
        st.binary(max_size=9000) | documents,
        st.sampled_from(["length", "none", "chunked", "as-is"]),
    )


def _frame(status_line: bytes, headers: list[tuple[bytes, bytes]], body: bytes, how: str) -> bytes:
    head = (
        status_line + b"\r\n" + b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    )
    if how == "length":
        head += b"Content-Length: %d\r\n" % len(body)
    elif how == "chunked":
        head += b"Transfer-Encoding: chunked\r\n"
        body = (
            b"".join(
                b"%x\r\n%s\r\n" % (len(body[i : i + 999]), body[i : i + 999])
                for i in range(0, len(body), 999)
            )
            + b"0\r\n\r\n"
        )
    return head + b"\r\n" + body


def test_arbitrary_answers_give_a_typed_error_or_valid_metadata(
    hostile: Callable[..., RawServer],
) -> None:
    current = [json_body(GOOD)]

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(current[0])

    hostile(behaviour)
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(*_answers())
    def check(
        status_line: bytes, headers: list[tuple[bytes, bytes]], body: bytes, how: str
    ) -> None:
        current[0] = UNAUTHORIZED  # a failure streak: the answer below gets one request
        with pytest.raises(MetadataHTTPError):
            get_lambda_metadata(refresh=True, timeout=2)
        current[0] = _frame(status_line, headers, body, how)
        outcome: LambdaMetadata | LambdaMetadataError
        try:
            outcome = get_lambda_metadata(refresh=True, timeout=0.5)
        except LambdaMetadataError as exc:  # only these may come out
            outcome = exc
        if isinstance(outcome, LambdaMetadata):
            assert type(outcome) is LambdaMetadata
            assert AZ_ID.fullmatch(outcome.availability_zone_id)
        else:
            assert_no_token(outcome)
            assert "\n" not in str(outcome)
        current[0] = json_body(GOOD)
        assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"

    check()


# -- the kernel's own connect timeout, a long chunk extension, endless interim answers -------


class KernelTimesOut(_socket.socket):
    """A socket whose connect fails as the kernel's does once its SYNs go unanswered (after
    about 130 s): ``TimeoutError`` with ``errno.ETIMEDOUT``, which is no deadline of ours."""

    def connect(self, address: Any) -> None:
        raise TimeoutError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT))


def test_the_kernels_connect_timeout_is_a_connection_error(
    hostile: Callable[..., RawServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile(answer_with(json_body(GOOD)))
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


def test_a_chunk_extension_past_the_line_cap_says_so_while_the_connection_stays_open(
    hostile: Callable[..., RawServer],
) -> None:
    server: RawServer
    line = b"%x;" % 8192 + b"e" * 12400 + b"\r\n"

    def answer(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(ok_head(b"Transfer-Encoding: chunked") + line + b" " * 8192 + b"\r\n")
        server.wait_closed(conn)  # the connection stays open

    server = hostile(answer)
    expect(MetadataConnectionError, match=TOO_LONG)


def test_an_endless_stream_of_interim_answers_ends_within_the_caps_and_the_deadline(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(flood(b"", CONTINUE * 100))  # as fast as the client reads
    expect(MetadataConnectionError, match="the head (status line and headers) is too long")
    hostile(answer_in_pieces(*[CONTINUE] * 40, pause=0.05))  # slowly: the deadline ends it
    expect(MetadataTimeoutError, timeout=0.5)
