"""Hostile answers and odd settings: typed errors, bounded memory and time, no token.

Every server here is a raw socket on 127.0.0.1 whose behaviour ends by itself within a few
seconds; the client is the public ``get_lambda_metadata``.
"""

from __future__ import annotations

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


# -- item 2 and 4: framing that broke the parser or the cap ----------------------


@pytest.mark.parametrize(
    ("size", "error"),
    [
        (b"-1", MetadataConnectionError),
        (b"-ffffffff", MetadataConnectionError),
        (b"ffffffffffffffffffff", MetadataConnectionError),
        (b"ffffff", InvalidMetadataError),
        (b"0x10", MetadataConnectionError),
    ],
)
def test_hostile_chunk_sizes_are_refused_in_bounded_memory(
    hostile: Callable[..., RawServer], size: bytes, error: type[LambdaMetadataError]
) -> None:
    hostile(flood(ok_head(b"Transfer-Encoding: chunked") + size + b"\r\n"))
    before = peak_rss_mb()
    expect(error)
    assert peak_rss_mb() - before < 32


def test_many_small_chunks_within_the_cap_are_accepted(hostile: Callable[..., RawServer]) -> None:
    pieces = b"".join(b"1\r\n%c\r\n" % byte for byte in GOOD) + b"0\r\n\r\n"
    hostile(answer_with(ok_head(b"Transfer-Encoding: chunked"), pieces))
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"


def test_chunked_body_over_the_cap_is_refused(hostile: Callable[..., RawServer]) -> None:
    chunk = b"1000\r\n" + b"a" * 4096 + b"\r\n"
    hostile(flood(ok_head(b"Transfer-Encoding: chunked"), chunk * 16))
    before = peak_rss_mb()
    expect(InvalidMetadataError)
    assert peak_rss_mb() - before < 32


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("\u0661\u0662".encode(), MetadataConnectionError),  # Arabic-Indic digits
        ("\uff13\uff15".encode(), MetadataConnectionError),  # full-width digits
        (b"\xb2", MetadataConnectionError),  # superscript two, a digit to str.isdigit
        (b"9" * 5000, InvalidMetadataError),
        (b"-35", MetadataConnectionError),
        (b"35, 36", MetadataConnectionError),
    ],
)
def test_hostile_content_lengths_are_refused(
    hostile: Callable[..., RawServer], value: bytes, error: type[LambdaMetadataError]
) -> None:
    hostile(answer_with(ok_head(b"Content-Length: " + value), GOOD))
    expect(error)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"9" * 18, "declared a 999999999999999999-byte body"),  # read as a number
        (b"1" + b"0" * 18, "declared a 19-digit body length"),  # refused unread
    ],
    ids=["18-digits", "19-digits"],
)
def test_a_content_length_over_18_digits_is_refused_before_it_is_read(
    hostile: Callable[..., RawServer], value: bytes, reason: str
) -> None:
    hostile(answer_with(ok_head(b"Content-Length: " + value), GOOD))
    expect(InvalidMetadataError, match=reason)


def test_a_body_shorter_than_its_content_length_is_refused(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(answer_with(ok_head(b"Content-Length: %d" % (len(GOOD) + 10)), GOOD))
    expect(MetadataConnectionError, match="closed after 34 of the 44 body bytes")


def test_leading_zeros_in_content_length_are_read_as_the_number(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(answer_with(ok_head(b"Content-Length: " + b"0" * 3000 + b"%d" % len(GOOD)), GOOD))
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"


@pytest.mark.parametrize("depth", [40, 800, 3000])
def test_deeply_nested_json_inside_a_valid_object_is_malformed(
    hostile: Callable[..., RawServer], depth: int
) -> None:
    body = b'{"AvailabilityZoneID": "use1-az1", "x": ' + b"[" * depth + b"]" * depth + b"}"
    assert len(body) <= MAX_BODY_BYTES
    hostile(answer_with(json_body(body)))
    expect(InvalidMetadataError)


# -- item 2 and 3: settings that escaped as other exceptions ---------------------------


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


@pytest.mark.parametrize(
    "api",
    [
        "a" * 64 + ".example:9001",
        "metadata..internal:9001",  # empty labels: no host, and no label to look into
        ".internal:9001",
        "metadata.:9001",
        ("a" * 60 + ".") * 5 + "x:9001",  # over 253 characters
        ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 54, "invalid"]) + ":9",  # 254, labels fit
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
    ],
)
def test_an_unusable_api_is_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None, api: str
) -> None:
    monkeypatch.setenv(API_ENV, api)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(LambdaMetadataError) as caught:
        get_lambda_metadata(refresh=True, timeout=0.5)
    assert type(caught.value) is InvalidEndpointConfigError
    assert len(str(caught.value)) < 400
    assert_no_token(caught.value)


@pytest.mark.parametrize("port", [1, 65535])
def test_the_ports_at_the_ends_of_the_range_are_tried(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None, port: int
) -> None:
    monkeypatch.setenv(API_ENV, f"127.0.0.1:{port}")  # nothing listens there (connect refused)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    expect(
        MetadataConnectionError, timeout=0.1, match=f"could not talk to http://127.0.0.1:{port}/"
    )


def test_port_out_of_range_gets_a_range_hint(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None
) -> None:
    monkeypatch.setenv(API_ENV, "127.0.0.1:99999")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(InvalidEndpointConfigError, match="1-65535"):
        get_lambda_metadata()


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


# -- item 5: the AZ value --------------------------------------------------------------


@pytest.mark.parametrize(
    "zone_id",
    [
        "use1-az1\nFORGED log line",
        "use1-az1\r",
        "use1\ud800az1",
        "use1\x1b[2Jaz1",
        "use1 az1",
        "use1\taz1",
        "use1\u00a0az1",
        "use1-\u0430z1",  # Cyrillic a
        "x" * 5000,
        "",
        " ",
    ],
)
def test_an_unprintable_or_long_az_id_is_refused(
    hostile: Callable[..., RawServer], zone_id: str
) -> None:
    hostile(answer_with(json_body(json.dumps({"AvailabilityZoneID": zone_id}).encode())))
    error = expect(InvalidMetadataError)
    assert str(error).isascii()
    assert str(error).isprintable()
    assert len(str(error)) < 400


@pytest.mark.parametrize("zone_id", ["use1-az1", "usw2-lax1-az1", "use1-wl1-bos-wlz1"])
def test_real_az_id_formats_are_accepted(hostile: Callable[..., RawServer], zone_id: str) -> None:
    hostile(answer_with(json_body(json.dumps({"AvailabilityZoneID": zone_id}).encode())))
    assert get_lambda_metadata(refresh=True).availability_zone_id == zone_id


# -- item 8: smaller gaps --------------------------------------------------------------


def test_lambda_metadata_built_directly_is_deeply_immutable() -> None:
    raw = {"AvailabilityZoneID": "use1-az1", "List": [1, {"k": "v"}]}
    metadata = LambdaMetadata("use1-az1", raw)
    raw["List"].append(3)  # type: ignore[attr-defined]
    assert metadata.raw["List"] == (1, {"k": "v"})
    with pytest.raises(TypeError):
        metadata.raw["List"][1]["k"] = "w"
    with pytest.raises(AttributeError):
        metadata.availability_zone_id = "use1-az2"  # type: ignore[misc]
    with pytest.raises(InvalidMetadataError):
        LambdaMetadata(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidMetadataError):
        LambdaMetadata("use1-az1\nforged")


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
    assert "the status line and headers exceed 8192 bytes" in str(error)
    assert len(str(error)) < 400
    assert peak_rss_mb() - before < 32
    assert server.connections > 1  # retried, flood after flood, inside the one deadline
    assert f"gave up after {server.connections} attempts" in str(error)


def test_a_404_hints_at_the_api_path_or_version(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    expect(MetadataHTTPError, match="API path or version")


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


def test_empty_api_is_reported_as_set_but_empty(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None
) -> None:
    monkeypatch.setenv(API_ENV, "")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(MetadataUnavailableError, match="set but empty"):
        get_lambda_metadata()


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


# -- item 7: the CLI keeps its contract ----------------------------------------------


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


LONGEST_NAME = ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 53, "invalid"])


@pytest.mark.parametrize("name", ["localhost", "metadata.internal", LONGEST_NAME])
def test_a_host_name_is_refused_before_any_lookup(
    no_lambda_metadata: None,
    resolver: Lookups,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    """A lookup blocks for as long as the resolver likes (10 s and more, whatever the deadline),
    so only an address is taken: Lambda sets one."""
    monkeypatch.setenv(API_ENV, f"{name}:9001")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    error = expect(InvalidEndpointConfigError, timeout=0.2, match="names are not looked up")
    assert resolver.asked == []
    assert TOKEN not in str(error)


def test_an_ipv4_address_is_used_without_a_lookup(
    hostile: Callable[..., RawServer], resolver: Lookups
) -> None:
    hostile(answer_with(json_body(GOOD)))  # at 127.0.0.1, and the resolver knows no name
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"
    assert resolver.asked == []


# -- found by mutation testing (docs/testing.md): the exact edges of the head and the reason ----


def test_a_connection_closed_without_an_answer_says_so(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(read_request)  # reads the request, answers nothing, closes
    expect(MetadataConnectionError, match="the connection closed without an answer")


def test_a_connection_closed_inside_the_head_says_so(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(b"HTTP/1.1 200 OK\r\nContent-"))
    expect(MetadataConnectionError, match="closed inside the status line or headers")


def _head_of(size: int, body: bytes = GOOD) -> bytes:
    """A 200 head of exactly ``size`` bytes, blank line included, then ``body``."""
    start = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Pad: " % len(body)
    head = start + b"p" * (size - len(start) - 4) + b"\r\n\r\n"
    assert len(head) == size
    return head + body


def test_a_head_of_exactly_the_cap_is_read(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(_head_of(8192)))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


def test_a_head_one_byte_over_the_cap_is_refused(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(_head_of(8193)))
    expect(MetadataConnectionError, match="the status line and headers exceed 8192 bytes")


def test_a_long_reason_is_cut_to_80_characters_with_an_ellipsis(
    hostile: Callable[..., RawServer],
) -> None:
    reason = "".join(chr(ord("a") + i % 26) for i in range(200))
    hostile(answer_with(b"HTTP/1.1 418 " + reason.encode() + b"\r\nContent-Length: 0\r\n\r\n"))
    message = str(expect(MetadataHTTPError))
    assert f" 418 {reason[:77]}...:" in message


def _document_of(size: int) -> bytes:
    """A valid metadata document of exactly ``size`` bytes (JSON whitespace as padding)."""
    return GOOD[:-1] + b" " * (size - len(GOOD)) + b"}"


def test_a_body_without_length_is_read_to_the_close(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(ok_head(b"Connection: close"), _document_of(MAX_BODY_BYTES)))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


def test_a_body_without_length_over_the_cap_is_refused(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(ok_head(b"Connection: close"), _document_of(MAX_BODY_BYTES + 1)))
    expect(InvalidMetadataError)


def test_the_largest_head_and_the_largest_body_fit_together(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(answer_with(_head_of(8192, body=_document_of(MAX_BODY_BYTES))))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


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


def test_a_chunked_body_arriving_in_pieces_is_read(hostile: Callable[..., RawServer]) -> None:
    pieces = [b"%x\r\n%s\r\n" % (len(GOOD[:10]), GOOD[:10]), b"%x\r\n" % len(GOOD[10:]), GOOD[10:]]
    # each piece its own read: the buffer refills mid-chunk
    hostile(answer_in_pieces(ok_head(b"Transfer-Encoding: chunked"), *pieces, b"\r\n0\r\n\r\n"))
    assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"


def test_a_second_chunk_arriving_in_three_reads_is_read(hostile: Callable[..., RawServer]) -> None:
    """After the first chunk, the second one's data needs refill after refill."""
    rest = GOOD[10:]
    pieces = [b"%x\r\n%s\r\n%x\r\n" % (10, GOOD[:10], len(rest)), rest[:8], rest[8:16], rest[16:]]
    hostile(answer_in_pieces(ok_head(b"Transfer-Encoding: chunked"), *pieces, b"\r\n0\r\n\r\n"))
    assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"


def _chunk_line_in_two_reads(line_bytes: int) -> Callable[[socket.socket], None]:
    """A chunked answer whose first chunk-size line (a size, then an extension) is
    ``line_bytes`` long and arrives before its CRLF, which comes in a later read."""
    size = b"%x;" % len(GOOD)
    line = size + b"x" * (line_bytes - len(size))
    return answer_in_pieces(  # by the pause the client has read the whole line, no CRLF yet
        ok_head(b"Transfer-Encoding: chunked") + line,
        b"\r\n" + GOOD + b"\r\n0\r\n\r\n",
        pause=0.05,
    )


def test_a_chunk_size_line_of_256_bytes_waits_for_its_end(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(_chunk_line_in_two_reads(256))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


def test_a_chunk_size_line_over_256_bytes_is_refused_before_its_end(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(_chunk_line_in_two_reads(257))
    expect(MetadataConnectionError, match="a chunk-size line is too long")


@pytest.mark.parametrize(
    ("digits", "accepted"), [(b"00000022", True), (b"000000022", False)], ids=["8", "9"]
)
def test_a_chunk_size_has_at_most_8_hex_digits(
    hostile: Callable[..., RawServer], digits: bytes, accepted: bool
) -> None:
    assert int(digits, 16) == len(GOOD)
    body = digits + b"\r\n" + GOOD + b"\r\n0\r\n\r\n"
    hostile(answer_with(ok_head(b"Transfer-Encoding: chunked"), body))
    if accepted:
        assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"
    else:
        expect(MetadataConnectionError, match="chunk")


def test_an_answer_of_a_blank_line_alone_has_an_empty_status_line(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(answer_with(b"\r\n\r\n"))
    expect(MetadataConnectionError, match="not valid HTTP: the status line is ''")


def test_a_reason_with_spaces_and_a_tilde_is_shown_as_sent(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(answer_with(b"HTTP/1.1 418 I'm a ~teapot\r\nContent-Length: 0\r\n\r\n"))
    expect(MetadataHTTPError, match=" 418 I'm a ~teapot:")


def test_a_chunked_body_of_exactly_the_cap_is_read(hostile: Callable[..., RawServer]) -> None:
    document = _document_of(MAX_BODY_BYTES)
    pieces = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        10,
        document[:10],
        len(document) - 10,
        document[10:],
    )
    hostile(answer_with(ok_head(b"Transfer-Encoding: chunked"), pieces))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


@pytest.mark.parametrize("later", [False, True], ids=["in-one-read", "at-a-later-read"])
def test_a_chunk_size_line_that_is_empty_is_refused(
    hostile: Callable[..., RawServer], later: bool
) -> None:
    # Later: the empty line starts the buffer, after the first chunk was read and moved out.
    first = ok_head(b"Transfer-Encoding: chunked") + b"%x\r\n%s\r\n" % (len(GOOD), GOOD)
    pieces = [first, b"\r\n0\r\n\r\n"] if later else [first + b"\r\n0\r\n\r\n"]
    hostile(answer_in_pieces(*pieces, pause=0.05))
    expect(MetadataConnectionError, match="a chunk size is ''")


def test_a_chunk_cut_inside_its_data_after_another_chunk_is_read(
    hostile: Callable[..., RawServer],
) -> None:
    first, rest = GOOD[:10], GOOD[10:]
    pieces = [
        ok_head(b"Transfer-Encoding: chunked")
        + b"%x\r\n%s\r\n%x\r\n%s" % (len(first), first, len(rest), rest[:5]),
        rest[5:] + b"\r\n0\r\n\r\n",
    ]
    hostile(answer_in_pieces(*pieces))  # the unread part of a chunk waits for the rest
    assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"


def test_a_chunked_answer_over_twice_the_receive_buffer_is_read(
    hostile: Callable[..., RawServer],
) -> None:
    # 200 chunks of 40 bytes, each after a size line padded to 209 bytes with an extension:
    # 50 KB of framing for an 8000-byte body, so the reader must keep moving the unread
    # bytes (a cut size line, a cut chunk) to the start of its fixed buffer and read on.
    document = _document_of(8000)
    line = b"28;" + b"x" * 204 + b"\r\n"
    framed = b"".join(line + document[at : at + 40] + b"\r\n" for at in range(0, 8000, 40))
    assert len(framed) > 2 * (8192 + MAX_BODY_BYTES + 4096)
    hostile(answer_with(ok_head(b"Transfer-Encoding: chunked"), framed + b"0\r\n\r\n"))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


@pytest.mark.parametrize(
    "line",
    [b"No-Colon-Here", b": no name", b"Content-Length : 34", b" Leading: space", b"Bell\x07: x"],
    ids=["no-colon", "no-name", "space-before-colon", "leading-space", "unprintable-name"],
)
def test_a_malformed_header_line_is_refused(hostile: Callable[..., RawServer], line: bytes) -> None:
    hostile(answer_with(ok_head(line, b"Content-Length: %d" % len(GOOD)), GOOD))
    expect(MetadataConnectionError, match="a header line is")


def test_a_reset_mid_answer_is_a_connection_error(hostile: Callable[..., RawServer]) -> None:
    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        time.sleep(0.02)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST

    hostile(behaviour)
    expect(MetadataConnectionError, match="could not talk to")


def test_a_body_without_length_arriving_late_is_read(hostile: Callable[..., RawServer]) -> None:
    # the body comes in reads of its own, after the head
    hostile(answer_in_pieces(ok_head(b"Connection: close"), _document_of(MAX_BODY_BYTES)))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


# -- the kernel's own connect timeout, a long chunk extension, interim (1xx) answers ----------


class KernelTimesOut(socket.socket):
    """A socket whose connect fails as the kernel's does once its SYNs go unanswered (after
    about 130 s): ``TimeoutError`` with ``errno.ETIMEDOUT``, which is no deadline of ours."""

    def connect(self, address: Any) -> None:
        raise TimeoutError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT))


def test_the_kernels_connect_timeout_is_a_connection_error(
    hostile: Callable[..., RawServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile(answer_with(json_body(GOOD)))
    monkeypatch.setattr(socket, "socket", KernelTimesOut)
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
    expect(MetadataConnectionError, match="a chunk-size line is too long (over 256 bytes)")


def test_a_chunk_size_line_whose_end_is_already_read_is_capped_too(
    hostile: Callable[..., RawServer],
) -> None:
    line = b"%x;" % len(GOOD) + b"e" * 300 + b"\r\n"
    hostile(answer_with(ok_head(b"Transfer-Encoding: chunked") + line + GOOD + b"\r\n0\r\n\r\n"))
    expect(MetadataConnectionError, match="a chunk-size line is too long")


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"


@pytest.mark.parametrize(
    "interim", [CONTINUE, EARLY_HINTS, CONTINUE + EARLY_HINTS + CONTINUE], ids=["100", "103", "3"]
)
def test_interim_answers_before_the_final_one_are_skipped(
    hostile: Callable[..., RawServer], interim: bytes
) -> None:
    hostile(answer_in_pieces(interim, json_body(GOOD)))
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"
    hostile(answer_with(interim + json_body(GOOD)))  # in the same read as the final answer
    assert get_lambda_metadata(refresh=True, timeout=1).availability_zone_id == "use1-az1"


def test_switching_protocols_unasked_is_an_http_error(hostile: Callable[..., RawServer]) -> None:
    hostile(answer_with(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"))
    assert expect(MetadataHTTPError).status_code == 101


def test_an_endless_stream_of_interim_answers_ends_within_the_caps_and_the_deadline(
    hostile: Callable[..., RawServer],
) -> None:
    hostile(flood(b"", CONTINUE * 100))  # as fast as the client reads
    expect(MetadataConnectionError, match="the status line and headers exceed 8192 bytes")
    hostile(answer_in_pieces(*[CONTINUE] * 40, pause=0.05))  # slowly: the deadline ends it
    expect(MetadataTimeoutError, timeout=0.5)
