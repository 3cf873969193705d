"""The HTTP side: retries, one overall deadline, a capped body, env read at fetch time; and the
emulator (``lambda-metadata serve``) under a burst of clients."""

from __future__ import annotations

import errno
import os
import re
import selectors
import socket
import time

import pytest
from raw_http import MARGIN, Behaviour, StartRaw, answer, hold, in_turn, json_body, read_request

from lambda_metadata import get_lambda_metadata
from lambda_metadata._constants import MAX_BODY_BYTES, METADATA_PATH, TOKEN_ENV
from lambda_metadata.errors import (
    InvalidMetadataError,
    MetadataConnectionError,
    MetadataHTTPError,
    MetadataTimeoutError,
)
from lambda_metadata.testing import MetadataEndpoint

GOOD = json_body(b'{"AvailabilityZoneID": "use1-az3"}')


def test_request_follows_the_reference(raw_server: StartRaw) -> None:
    seen: list[bytes] = []

    def answer_and_keep(conn: socket.socket) -> None:
        seen.append(read_request(conn))
        conn.sendall(GOOD)

    raw_server(answer_and_keep)
    assert get_lambda_metadata().availability_zone_id == "use1-az3"
    request_line, *header_lines = seen[0].decode().split("\r\n")
    assert request_line == f"GET {METADATA_PATH} HTTP/1.1"
    assert "Authorization: Bearer raw-server-token-0123456789" in header_lines


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_and_gateway_errors_are_retried_until_success(
    status: int, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    lambda_metadata_endpoint.impair(status=status, times=2)
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    assert [r.status for r in lambda_metadata_endpoint.requests] == [status, status, 200]


# The deadlines leave the first answer time to arrive on a loaded machine (a first request
# that does not come back in time is rightly a timeout).
@pytest.mark.parametrize(("status", "timeout"), [(503, 1.0), (500, 0.3), (503, 0.8)])
def test_a_5xx_is_retried_until_the_deadline_then_reported(
    status: int, timeout: float, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    lambda_metadata_endpoint.impair(status=status)
    started = time.monotonic()
    with pytest.raises(MetadataHTTPError, match=f"^.* {status} .*gave up after") as caught:
        get_lambda_metadata(timeout=timeout)
    assert time.monotonic() - started < timeout + MARGIN
    assert type(caught.value) is MetadataHTTPError  # even if the deadline ends during a retry
    assert caught.value.status_code == status
    # Retries back off, doubling from 20 ms to 250 ms: at most 7 requests fit in 1 s (50 at a
    # fixed pace), and at least 3 however loaded the machine.
    attempts = int(str(caught.value).split("gave up after ")[1].split()[0])
    assert 3 <= attempts <= 7 or timeout < 1
    end = time.monotonic() + 10  # a request the deadline cut short is answered, and logged, late
    while lambda_metadata_endpoint.request_count < attempts and time.monotonic() < end:
        time.sleep(0.01)
    requests = lambda_metadata_endpoint.requests  # a fetch an earlier test left carries a token
    assert {request.status for request in requests if request.authorized} == {status}
    assert lambda_metadata_endpoint.request_count == attempts


STATUSES = {400: "400", 401: TOKEN_ENV, 404: "API path or version", 405: "only accepts GET"}
STATUSES |= {429: "unexpected status", 501: "failed or is not ready"}


@pytest.mark.parametrize(("status", "says"), STATUSES.items())
def test_other_statuses_are_never_retried(
    status: int,
    says: str,
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if status == 401:  # the endpoint's own: a wrong token
        monkeypatch.setenv(TOKEN_ENV, "wrong")
    else:
        lambda_metadata_endpoint.impair(status=status)
    with pytest.raises(MetadataHTTPError, match=f" {status} ") as caught:
        get_lambda_metadata()
    assert caught.value.status_code == status
    assert says in str(caught.value)
    assert lambda_metadata_endpoint.request_count == 1


def test_connection_refused_is_retried_within_the_deadline(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", "127.0.0.1:1")  # nothing listens
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "t")
    started = time.monotonic()
    refused = (
        f"127.0.0.1:1{METADATA_PATH}: ConnectionRefusedError: {os.strerror(errno.ECONNREFUSED)}"
    )
    says = re.escape(refused) + r" \(gave up after \d+ attempts"
    with pytest.raises(MetadataConnectionError, match=says):
        get_lambda_metadata(timeout=0.3)
    assert 0.1 < time.monotonic() - started < 0.3 + MARGIN


def test_a_connection_closed_unanswered_is_retried(raw_server: StartRaw) -> None:
    server = raw_server(in_turn(read_request, answer(GOOD)))
    assert get_lambda_metadata().availability_zone_id == "use1-az3"
    assert server.connections == 2


@pytest.mark.parametrize(
    "behaviour",
    [
        answer(*[bytes([b]) for b in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000]),
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n", *[b" "] * 4000, pause=0.01),
    ],
    ids=["trickling-head", "trickling-body"],
)
def test_a_trickling_server_cannot_stretch_the_deadline(
    raw_server: StartRaw, behaviour: Behaviour
) -> None:
    raw_server(behaviour)
    started = time.monotonic()
    with pytest.raises(MetadataTimeoutError, match="within the deadline"):
        get_lambda_metadata(timeout=0.3)
    assert time.monotonic() - started < 0.3 + MARGIN


def test_declared_huge_body_is_refused_without_reading_it(raw_server: StartRaw) -> None:
    sent: list[int] = []

    def huge(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")
        chunks = 0
        try:
            while chunks < 16384:  # up to 1 GiB, far more than any socket buffer holds
                conn.sendall(b"x" * 65536)
                chunks += 1
        finally:
            sent.append(chunks)

    server = raw_server(huge)
    with pytest.raises(InvalidMetadataError, match=f"over the {MAX_BODY_BYTES}-byte limit"):
        get_lambda_metadata()
    end = time.monotonic() + 5
    while not sent and time.monotonic() < end:
        time.sleep(0.01)
    assert sent[0] < 1024, "the client stopped reading early"  # 64 MiB sent at most
    assert server.connections == 1, "an oversized body is not retried"


def test_environment_is_read_at_fetch_time(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "rotated-and-wrong")
    with pytest.raises(MetadataHTTPError):
        get_lambda_metadata(refresh=True)
    monkeypatch.setenv(TOKEN_ENV, lambda_metadata_endpoint.token)
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"
    with MetadataEndpoint(availability_zone_id="euw1-az3") as other:
        monkeypatch.setenv("AWS_LAMBDA_METADATA_API", other.address)
        monkeypatch.setenv(TOKEN_ENV, other.token)
        assert get_lambda_metadata(refresh=True).availability_zone_id == "euw1-az3"


def test_a_retry_that_runs_out_of_time_reports_the_failure_before_it(raw_server: StartRaw) -> None:
    raw_server(in_turn(answer(b"HTTP/1.1 500 Internal Server Error\r\n\r\n"), hold))
    started = time.monotonic()
    with pytest.raises(MetadataHTTPError, match="the last one timed out") as caught:
        get_lambda_metadata(timeout=0.3)
    assert caught.value.status_code == 500
    assert time.monotonic() - started < 0.3 + MARGIN


# -- the emulator: a burst of clients, idle connections closed --------------------------------


def test_serve_answers_a_burst_of_500_concurrent_clients() -> None:
    with MetadataEndpoint() as endpoint, selectors.DefaultSelector() as selector:
        host, port = endpoint.address.rsplit(":", 1)
        request = (
            f"GET {METADATA_PATH} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {endpoint.token}\r\nConnection: close\r\n\r\n"
        ).encode()
        replies: dict[socket.socket, bytes] = {}
        started = time.monotonic()
        for _ in range(500):
            conn = socket.socket()
            conn.setblocking(False)
            conn.connect_ex((host, int(port)))
            selector.register(conn, selectors.EVENT_WRITE)
            replies[conn] = b""
        while selector.get_map() and time.monotonic() < started + 30:
            for key, events in selector.select(timeout=0.5):
                conn = key.fileobj  # type: ignore[assignment]
                if events & selectors.EVENT_WRITE:
                    conn.sendall(request)
                    selector.modify(conn, selectors.EVENT_READ)
                elif data := conn.recv(65536):
                    replies[conn] += data
                else:
                    selector.unregister(conn)
        elapsed = time.monotonic() - started
        for conn in replies:
            conn.close()
    assert sum(reply.startswith(b"HTTP/1.1 200") for reply in replies.values()) == 500
    # A full backlog drops SYNs, which the kernel retries after 1 s, then 3 s, then 7 s.
    assert elapsed < 8, elapsed


def test_serve_closes_idle_connections_after_a_few_seconds() -> None:
    from lambda_metadata.testing._emulator import IDLE_TIMEOUT

    assert MetadataEndpoint().idle_timeout == IDLE_TIMEOUT == 5.0  # the default: a few seconds
    with MetadataEndpoint(idle_timeout=0.2) as endpoint:
        host, port = endpoint.address.rsplit(":", 1)
        idle = [socket.create_connection((host, int(port)), timeout=15) for _ in range(20)]
        started = time.monotonic()
        for conn in idle:
            with conn:
                assert conn.recv(1) == b""  # closed by the server
        assert time.monotonic() - started < endpoint.idle_timeout + 4
