"""The HTTP side: retries, one overall deadline, a capped body, env read at fetch time."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from raw_http import RawServer, json_body, read_request

from lambda_metadata import get_lambda_metadata
from lambda_metadata._constants import MAX_BODY_BYTES, METADATA_PATH
from lambda_metadata.errors import (
    InvalidMetadataError,
    MetadataConnectionError,
    MetadataHTTPError,
    MetadataTimeoutError,
)
from lambda_metadata.testing import MetadataEndpoint

StartRaw = Callable[[Callable[[socket.socket], None]], RawServer]
MARGIN = 0.35  # scheduling slack on a busy 2-core CI machine


def test_request_follows_the_reference(raw_server: StartRaw) -> None:
    seen: list[bytes] = []

    def answer(conn: socket.socket) -> None:
        seen.append(read_request(conn))
        body = b'{"AvailabilityZoneID": "use1-az3"}'
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    raw_server(answer)
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


def test_not_ready_endpoint_503_is_retried_then_reported(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.impair(status=503)
    started = time.monotonic()
    with pytest.raises(MetadataHTTPError, match="gave up after") as caught:
        get_lambda_metadata(timeout=1.0)
    assert time.monotonic() - started < 1.0 + MARGIN
    assert caught.value.status_code == 503
    # Retries back off, doubling from 20 ms to 250 ms: at most 7 requests fit in 1 s (50 at a
    # fixed pace), and at least 3 however loaded the machine.
    attempts = int(str(caught.value).split("gave up after ")[1].split()[0])
    assert 3 <= attempts <= 7
    end = time.monotonic() + 10  # a request the deadline cut short is answered, and logged, late
    while lambda_metadata_endpoint.request_count < attempts and time.monotonic() < end:
        time.sleep(0.01)
    assert lambda_metadata_endpoint.request_count == attempts


@pytest.mark.parametrize("status", [401, 405, 501])  # 401: the endpoint's own, a wrong token
def test_other_statuses_are_never_retried(
    status: int, lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    if status == 401:
        monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "wrong")
    else:
        lambda_metadata_endpoint.impair(status=status)
    with pytest.raises(MetadataHTTPError) as caught:
        get_lambda_metadata()
    assert caught.value.status_code == status
    assert lambda_metadata_endpoint.request_count == 1


def test_connection_refused_is_retried_within_the_deadline(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # find a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", f"127.0.0.1:{port}")
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "t")
    started = time.monotonic()
    with pytest.raises(
        MetadataConnectionError, match=r"Connection ?Refused.*gave up after \d+ attempts"
    ):
        get_lambda_metadata(timeout=0.3)
    assert 0.1 < time.monotonic() - started < 0.3 + MARGIN


def test_a_reset_connection_is_retried(raw_server: StartRaw) -> None:
    calls = []

    def reset_then_answer(conn: socket.socket) -> None:
        calls.append(1)
        read_request(conn)
        if len(calls) == 1:
            return  # close without answering
        conn.sendall(json_body(b'{"AvailabilityZoneID": "use1-az1"}'))

    raw_server(reset_then_answer)
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    assert len(calls) == 2


def _trickle(head: bytes, pieces: list[bytes], pause: float) -> Callable[[socket.socket], None]:
    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head)
        for piece in pieces:
            conn.sendall(piece)
            time.sleep(pause)

    return behaviour


@pytest.mark.parametrize(
    "behaviour",
    [
        None,  # silent: holds the connection open
        _trickle(b"", [bytes([b]) for b in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000], 0.02),
        _trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n", [b" "] * 4000, 0.01),
    ],
    ids=["silent", "trickling-head", "trickling-body"],
)
def test_a_silent_or_trickling_server_cannot_stretch_the_deadline(
    raw_server: StartRaw, behaviour: Callable[[socket.socket], None] | None
) -> None:
    server: RawServer

    def silent(conn: socket.socket) -> None:
        read_request(conn)
        server.wait_closed(conn)

    server = raw_server(behaviour or silent)
    started = time.monotonic()
    with pytest.raises(MetadataTimeoutError, match="within the deadline"):
        get_lambda_metadata(timeout=0.3)
    assert time.monotonic() - started < 0.3 + MARGIN


def test_declared_huge_body_is_refused_without_reading_it(raw_server: StartRaw) -> None:
    sent: list[int] = []

    def huge(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")
        chunk = b"x" * 65536
        total = 0
        try:
            for _ in range(16384):  # up to 1 GiB, far more than any socket buffer holds
                conn.sendall(chunk)
                total += len(chunk)
        finally:
            sent.append(total)

    server = raw_server(huge)
    with pytest.raises(InvalidMetadataError, match=f"a body over the {MAX_BODY_BYTES}-byte limit"):
        get_lambda_metadata()
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent, "the server finished or gave up"
    assert sent[0] < 64 * 1024 * 1024, "the client stopped reading early"
    assert server.connections == 1, "an oversized body is not retried"


def test_undeclared_huge_body_is_cut_at_the_cap(raw_server: StartRaw) -> None:
    def chunked(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"y" * 4096
        for _ in range(1000):
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))

    raw_server(chunked)
    with pytest.raises(InvalidMetadataError, match=f"over the {MAX_BODY_BYTES}-byte limit"):
        get_lambda_metadata()


def test_body_at_the_cap_is_accepted(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    padding = MAX_BODY_BYTES - len(b'{"AvailabilityZoneID": "use1-az1", "Pad": ""}')
    lambda_metadata_endpoint.extra_fields = {"Pad": "p" * padding}
    assert get_lambda_metadata().raw["Pad"] == "p" * padding


def test_environment_is_read_at_fetch_time(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "rotated-and-wrong")
    with pytest.raises(MetadataHTTPError):
        get_lambda_metadata(refresh=True)
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", lambda_metadata_endpoint.token)
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"
    with MetadataEndpoint(availability_zone_id="euw1-az3") as other:
        monkeypatch.setenv("AWS_LAMBDA_METADATA_API", other.address)
        monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", other.token)
        assert get_lambda_metadata(refresh=True).availability_zone_id == "euw1-az3"


def test_a_retry_that_runs_out_of_time_reports_the_failure_before_it(raw_server: StartRaw) -> None:
    server: RawServer
    answered: list[int] = []

    def error_then_silence(conn: socket.socket) -> None:
        read_request(conn)
        if not answered:
            answered.append(500)
            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
            return
        server.wait_closed(conn)

    server = raw_server(error_then_silence)
    started = time.monotonic()
    with pytest.raises(MetadataHTTPError, match="the last one timed out") as caught:
        get_lambda_metadata(timeout=0.3)
    assert caught.value.status_code == 500
    assert time.monotonic() - started < 0.3 + MARGIN
