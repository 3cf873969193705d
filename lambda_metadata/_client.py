"""One GET of the metadata endpoint, bounded in time and size.

The client reads the environment at call time, knows nothing of caching, and
turns every failure into a ``LambdaMetadataError`` subclass whose message never
contains the token.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import time

from ._constants import API_ENV, MAX_BODY_BYTES, METADATA_PATH, TOKEN_ENV, TOKEN_FORBIDDEN
from ._errors import (
    InvalidEndpointConfigError,
    LambdaMetadataError,
    MetadataConnectionError,
    MetadataHTTPError,
    MetadataMethodNotAllowedError,
    MetadataServerError,
    MetadataTimeoutError,
    MetadataUnauthorizedError,
    MetadataUnavailableError,
    ResponseTooLargeError,
)
from ._model import LambdaMetadata, parse_body

_ENDPOINT = re.compile(
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(?P<port>[0-9]{1,5})"
)
_RETRIED_STATUSES = frozenset({500, 502, 503, 504})
_FIRST_BACKOFF = 0.02
_MAX_BACKOFF = 0.25
_TESTING_HINT = (
    "Outside Lambda, run a local endpoint: the `lambda_metadata_endpoint` pytest fixture, "
    "or `lambda-metadata serve` (see lambda_metadata.testing)."
)


# Plain slotted classes, not dataclasses: each @dataclass costs about half a millisecond
# of class creation, paid on the first fetch of every cold start.
class Fetched:
    """A successful answer: the metadata and its Cache-Control header (or ``None``)."""

    __slots__ = ("cache_control", "metadata")

    def __init__(self, metadata: LambdaMetadata, cache_control: str | None) -> None:
        self.metadata = metadata
        self.cache_control = cache_control


class _Target:
    __slots__ = ("authorization", "host", "port")

    def __init__(self, host: str, port: int, authorization: str) -> None:
        self.host = host
        self.port = port
        self.authorization = authorization

    def __repr__(self) -> str:  # the token must never be shown
        return f"_Target(host={self.host!r}, port={self.port!r}, authorization='<redacted>')"


def fetch(*, timeout: float) -> Fetched:
    """GET the metadata once, retrying 5xx and connection errors inside ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    target = _read_environment()
    backoff = _FIRST_BACKOFF
    attempts = 0
    last: MetadataServerError | MetadataConnectionError | None = None
    timed_out = False
    while True:
        attempts += 1
        try:
            return _get(target, deadline)
        except MetadataTimeoutError:
            if last is None:
                raise
            timed_out = True  # a retry ran out of time: the failure before it says more
            break
        except (MetadataServerError, MetadataConnectionError) as exc:
            if exc.status_code is not None and exc.status_code not in _RETRIED_STATUSES:
                raise
            last = exc
            if deadline - time.monotonic() <= backoff:
                break
            time.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)
    plural = "s" if attempts > 1 else ""
    ending = "; the last one timed out" if timed_out else ""
    raise type(last)(
        f"{last} (gave up after {attempts} attempt{plural} within the {timeout:g} s "
        f"deadline{ending})",
        status_code=last.status_code,
    )


def _read_environment() -> _Target:
    # The token is never bound to a local name: a frame that raises keeps its
    # locals alive in the traceback, where error reporters would show them.
    api = os.environ.get(API_ENV)
    for name in (API_ENV, TOKEN_ENV):
        if not os.environ.get(name):
            raise MetadataUnavailableError(
                f"{name} is not set, so the Lambda metadata endpoint is not available: "
                f"this is not an AWS Lambda execution environment. {_TESTING_HINT}"
            )
    assert api is not None
    match = _ENDPOINT.fullmatch(api)
    port = int(match["port"]) if match else 0
    if match is None or not 0 < port < 65536:
        raise InvalidEndpointConfigError(
            f"{API_ENV} must be host:port, such as 169.254.100.1:9001, with no scheme or path; "
            f"got {api!r}"
        )
    if TOKEN_FORBIDDEN.search(os.environ[TOKEN_ENV]):
        raise InvalidEndpointConfigError(
            f"{TOKEN_ENV} contains whitespace or control characters that cannot be sent in an "
            "HTTP header (its value is not shown)"
        )
    return _Target(match["host"].strip("[]"), port, "Bearer " + os.environ[TOKEN_ENV])


def _get(target: _Target, deadline: float) -> Fetched:
    where = f"http://{target.host}:{target.port}{METADATA_PATH}"
    connection: _DeadlineConnection | None = None
    failure: LambdaMetadataError
    try:
        connection = _DeadlineConnection(target.host, target.port, deadline=deadline)
        connection.request("GET", METADATA_PATH, headers={"Authorization": target.authorization})
        response = connection.getresponse()
        _check_status(response, where)
        body = _read_capped(response, where)
        cache_control = response.getheader("Cache-Control")
    except LambdaMetadataError as exc:
        failure = exc
    except TimeoutError:
        failure = MetadataTimeoutError(f"no complete answer from {where} within the deadline")
    except (OSError, http.client.HTTPException) as exc:
        failure = MetadataConnectionError(
            f"could not talk to {where}: {exc.__class__.__name__}: {exc}"
        )
    else:
        return Fetched(parse_body(body), cache_control)
    finally:
        if connection is not None:
            connection.release()
    # Raised outside the except clauses, so no http.client frame (whose locals may hold
    # the request's headers) stays reachable through __context__.
    raise failure


def _check_status(response: http.client.HTTPResponse, where: str) -> None:
    status = response.status
    if status == 200:
        return
    reason = f"{where} answered {status} {response.reason}".rstrip()
    error: type[MetadataHTTPError]
    if status == 401:
        error, advice = (
            MetadataUnauthorizedError,
            (
                f"the token was refused: check that {TOKEN_ENV} is the one Lambda set for this "
                "execution environment"
            ),
        )
    elif status == 405:
        error, advice = MetadataMethodNotAllowedError, "the endpoint only accepts GET"
    elif status >= 500:
        error, advice = MetadataServerError, "the endpoint failed or is not ready yet"
    else:
        error, advice = MetadataHTTPError, "unexpected status for the metadata endpoint"
    raise error(f"{reason}: {advice}", status_code=status)


def _read_capped(response: http.client.HTTPResponse, where: str) -> bytes:
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ResponseTooLargeError(
            f"{where} declared a {int(declared)}-byte body; the limit is {MAX_BODY_BYTES} bytes"
        )
    body = response.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise ResponseTooLargeError(f"{where} sent a body over the {MAX_BODY_BYTES}-byte limit")
    return body


class _DeadlineConnection(http.client.HTTPConnection):
    """An HTTP connection whose every socket operation is bounded by one deadline."""

    def __init__(self, host: str, port: int, *, deadline: float) -> None:
        super().__init__(host, port, timeout=_remaining(deadline))
        self._deadline = deadline
        self._raw_sock: socket.socket | None = None

    def connect(self) -> None:
        self.timeout = _remaining(self._deadline)
        super().connect()
        sock = self.sock
        assert isinstance(sock, socket.socket)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._raw_sock = sock
        self.sock = _DeadlineSocket(sock, self._deadline)

    def release(self) -> None:
        """Close for good: ``close()`` runs mid-response when the server says Connection: close."""
        self.close()
        if self._raw_sock is not None:
            self._raw_sock.close()
            self._raw_sock = None


class _DeadlineSocket:
    """Wraps a socket so that sends and the response reader check the deadline on each call."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(_remaining(self._deadline))
        self._sock.sendall(data)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        """Leave the socket open for the response still reading it; ``release`` closes it."""


class _DeadlineReader(io.RawIOBase):
    """Raw reader that refuses to wait past the deadline, however slowly bytes trickle in."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self._sock.settimeout(_remaining(self._deadline))
        return self._sock.recv_into(buffer)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    return remaining
