"""One GET of the metadata endpoint, bounded in time and size, on a plain socket.

It reads the HTTP/1.1 a Go ``net/http`` server sends (a head, then a body framed by
``Content-Length``, chunks or the close) into one bounded buffer, each receive bounded by
one deadline; every failure is a ``LambdaMetadataError`` that never holds the token.
"""

from __future__ import annotations

import os
import time

from ._constants import (
    API_ENV,
    API_VERSION,
    MAX_BODY_BYTES,
    METADATA_PATH,
    TOKEN_ENV,
    TOKEN_RULE,
    is_valid_token,
)
from ._model import REDACTED, parse_body, preview
from .errors import (
    InvalidEndpointConfigError,
    InvalidMetadataError,
    LambdaMetadataError,
    MetadataConnectionError,
    MetadataHTTPError,
    MetadataTimeoutError,
    MetadataUnavailableError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _socket import socket

    from ._model import LambdaMetadata

_RETRIED = frozenset({None, 500, 502, 503, 504})  # None: no answer (refused, reset, not HTTP)
_FIRST_BACKOFF = 0.02
_MAX_BACKOFF = 0.25
_MAX_HEAD_BYTES = 8192  # the status lines and headers of one answer, interim (1xx) ones included
_MAX_CHUNK_LINE = 256
_BUFFER_BYTES = _MAX_HEAD_BYTES + MAX_BODY_BYTES  # the bytes held at most: every read stops short
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_CLOCK_SLACK = 0.005  # seconds before the deadline at which a socket timeout is still ours
# What a connection, or hostile bytes in reading, could raise; a TypeError is a bug of ours.
_FAILURES = (OSError, ValueError, LookupError, ArithmeticError, RecursionError, MemoryError)
_TESTING_HINT = (
    "Outside Lambda, run a local endpoint: the `lambda_metadata_endpoint` pytest fixture, "
    "or `lambda-metadata serve` (see lambda_metadata.testing)."
)


class _Target:
    __slots__ = ("address", "authorization", "family", "netloc", "where")

    def __init__(self, host: str, port: int, family: int) -> None:
        self.address = (host, port)
        self.family = family
        self.netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.where = f"http://{self.netloc}{METADATA_PATH}"
        self.authorization = "Bearer " + os.environ[TOKEN_ENV]

    def __repr__(self) -> str:  # the token must never be shown
        return f"_Target({self.where!r}, authorization='<redacted>')"

    def request(self) -> bytes:
        """The GET (a method, so the bytes holding the token are in no live frame)."""
        return (
            f"GET {METADATA_PATH} HTTP/1.1\r\nHost: {self.netloc}\r\n"
            f"Authorization: {self.authorization}\r\nConnection: close\r\n\r\n"
        ).encode("ascii")

    def redact(self, text: str) -> str:
        """``text`` with the token replaced: a server or proxy may echo the request back."""
        return text.replace(self.authorization[7:], REDACTED)


def fetch(*, timeout: float, retry: bool = True) -> tuple[LambdaMetadata, float]:
    """GET the metadata and the seconds it may be kept, retrying 5xx and connection errors
    inside ``timeout`` seconds; ``retry=False`` (a failure streak) makes one request."""
    deadline = time.monotonic() + timeout
    target = _read_environment()
    backoff = _FIRST_BACKOFF
    attempts = 0
    last: LambdaMetadataError | None = None
    ending = ""
    while True:
        attempts += 1
        try:
            return _get(target, deadline)
        except MetadataTimeoutError as exc:
            ending = "; the last one timed out" if last else ""  # the failure before says more
            last = last or exc
            break
        except (MetadataHTTPError, MetadataConnectionError) as exc:
            if exc.status_code not in _RETRIED:
                raise
            last = exc
        if not retry or deadline - time.monotonic() <= backoff:
            break
        time.sleep(backoff)
        backoff = min(backoff * 2, _MAX_BACKOFF)
    assert last is not None
    spent = f"{attempts} attempt{'s' if attempts > 1 else ''} within the {timeout:g} s deadline"
    raise type(last)(f"{last} (gave up after {spent}{ending})", status_code=last.status_code)


def _read_environment() -> _Target:
    """The endpoint from the variables, read now. Only an IP address: a DNS lookup can block
    longer than any deadline, and Lambda sets an address. The token is in no local name: a
    frame that raises keeps its locals alive, for error reporters to show."""
    import _socket

    api = os.environ.get(API_ENV)
    if not api:
        state = "is not set" if api is None else "is set but empty"
        raise MetadataUnavailableError(
            f"{API_ENV} {state}, so the Lambda metadata endpoint is not available: "
            f"this is not an AWS Lambda execution environment. {_TESTING_HINT}"
        )
    if not os.environ.get(TOKEN_ENV):
        state = "is set but empty" if TOKEN_ENV in os.environ else "is not set"
        raise MetadataUnavailableError(
            f"{API_ENV} is set but {TOKEN_ENV} {state}: the endpoint's token is missing, and "
            f"Lambda always sets both. {_TESTING_HINT}"
        )
    host, _, port_text = api.rpartition(":")
    bracketed = host[:1] == "[" and host[-1:] == "]"
    family = _socket.AF_INET6 if bracketed else _socket.AF_INET
    address = host[1:-1] if bracketed else host
    try:
        _socket.inet_pton(family, address)
    except (OSError, ValueError):  # not 1.2.3.4 (not 1.2.3, 0x7f.1 or 010.0.0.1), [::1]
        problem = (
            "the host must be an IPv4 address (169.254.100.1) or an IPv6 address in brackets "
            "([fd00::1]); names are not looked up (Lambda sets an address)"
        )
    else:
        digits = port_text.isascii() and port_text.isdigit() and len(port_text) < 6
        if digits and 0 < int(port_text) < 65536:
            if not is_valid_token(os.environ[TOKEN_ENV]):
                raise InvalidEndpointConfigError(
                    f"{TOKEN_ENV} must be {TOKEN_RULE}; its value is not shown"
                )
            return _Target(address, int(port_text), family)
        problem = "the port must be 1-65535"
    raise InvalidEndpointConfigError(
        f"{API_ENV} must be host:port, such as 169.254.100.1:9001, with no scheme or path; "
        f"{problem}; got {preview(api, 100)}"
    )


def _get(target: _Target, deadline: float) -> tuple[LambdaMetadata, float]:
    # The C module: the first fetch of a cold start skips socket.py (3-5 ms after the Lambda
    # runtime's imports: its enums), of which this needs nothing.
    import _socket

    sock: socket | None = None
    try:
        sock = _socket.socket(target.family, _socket.SOCK_STREAM)
        sock.settimeout(_remaining(deadline))
        sock.connect(target.address)
        sock.sendall(target.request())  # a fresh socket takes these few bytes at once
        return _Response(sock, deadline, target).read()
    except LambdaMetadataError as exc:
        failure = exc
    except _FAILURES as exc:
        if isinstance(exc, TimeoutError) and exc.errno is None:  # ours: the kernel's has one
            if time.monotonic() < deadline - _CLOCK_SLACK:
                raise  # the caller's own soft timeout, raised by a signal handler
            failure = MetadataTimeoutError(
                f"no complete answer from {target.where} within the deadline"
            )
        else:
            detail = preview(getattr(exc, "strerror", None) or str(exc), 120, quote=False)
            failure = MetadataConnectionError(
                f"could not talk to {target.where}: {exc.__class__.__name__}: {detail}"
            )
    finally:
        if sock is not None:
            sock.close()
    # Raised outside the except clauses: no frame of a failed call stays in __context__.
    raise failure


class _Response:
    """Reads one answer, taking each part off the front of one bounded buffer."""

    __slots__ = ("_data", "_deadline", "_sock", "_target", "_where")

    def __init__(self, sock: socket, deadline: float, target: _Target) -> None:
        self._sock = sock
        self._deadline = deadline
        self._where = target.where
        self._target = target  # redacts the token from what the server sends
        self._data = bytearray()

    def _fill(self, inside: str = "") -> bool:  # False at the end, unless it cuts ``inside``
        self._sock.settimeout(_remaining(self._deadline))
        received = self._sock.recv(_BUFFER_BYTES - len(self._data))
        if inside and not received:
            raise self._broken(f"the connection closed inside {inside}")
        self._data += received
        return bool(received)

    def _too_big(self) -> InvalidMetadataError:
        return InvalidMetadataError(f"{self._where}: a body over the {MAX_BODY_BYTES}-byte limit")

    def _broken(self, what: str) -> MetadataConnectionError:
        return MetadataConnectionError(f"{self._where} sent a reply that is not valid HTTP: {what}")

    def _take(self, size: int, what: str) -> bytes:
        while len(self._data) < size:
            self._fill(what)
        taken = bytes(self._data[:size])
        del self._data[:size]
        return taken

    def _line(self, end: bytes, limit: int, what: str) -> str:
        """The text of ``what`` before ``end``, which must come within ``limit`` bytes."""
        while (found := self._data.find(end, 0, limit)) < 0:
            if len(self._data) >= limit:
                raise self._broken(f"{what} is too long")
            self._fill(what)
        return self._take(found + len(end), what)[:found].decode("latin-1")

    def read(self) -> tuple[LambdaMetadata, float]:
        budget = _MAX_HEAD_BYTES  # for the final head and any interim (1xx) ones before it
        while True:
            head = self._line(b"\r\n\r\n", budget, "the head (status line and headers)")
            budget -= len(head) + 4  # for an interim answer (RFC 9110 15.2), skipped
            status_line, *lines = self._target.redact(head).split("\r\n")
            version, _, rest = status_line.partition(" ")
            code, _, reason = rest.partition(" ")
            if not (version == "HTTP/1.1" and len(code) == 3 and code.isdecimal()):
                raise self._broken(f"the status line is {preview(status_line, 60)}")
            headers: dict[str, str] = {}  # names lower-cased, repeated ones joined
            for line in lines:
                name, colon, value = line.partition(":")
                if not (colon and name.isascii() and name.replace("-", "").isalnum()):
                    raise self._broken(f"a header line is {preview(line, 60)}")
                name, value = name.lower(), value.strip(" \t")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            status = int(code)
            if status == 200:
                break
            if not 100 <= status < 200 or status == 101:
                advice = _ADVICE.get(status) or _ADVICE[500 if status >= 500 else 0]
                answered = f"{self._where} answered {status} {preview(reason, 80, quote=False)}"
                raise MetadataHTTPError(f"{answered.rstrip()}: {advice}", status_code=status)
        body = parse_body(self._read_body(headers), self._target.redact)
        return body, lifetime(headers.get("cache-control"))

    def _read_body(self, headers: dict[str, str]) -> bytes:
        coding = headers.get("transfer-encoding")
        declared = headers.get("content-length")
        if coding is not None:
            if coding.lower() != "chunked":
                raise self._broken(f"Transfer-Encoding {preview(coding, 40)} is not supported")
            return self._read_chunked()
        if declared is None:  # the body ends with the connection
            while len(self._data) <= MAX_BODY_BYTES and self._fill():
                pass
            length = len(self._data)
        elif declared.isdecimal():  # latin-1: ASCII digits only
            length = int(declared.lstrip("0")[:6] or "0")
        else:
            raise self._broken(f"Content-Length is {preview(declared, 40)}")
        if length > MAX_BODY_BYTES:
            raise self._too_big()
        return self._take(length, f"the {length}-byte body")

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            line = self._line(b"\r\n", _MAX_CHUNK_LINE + 2, "a chunk-size line")
            size = line.partition(";")[0]  # Go sends neither extensions nor spaces: both refused
            if not (0 < len(size) <= 8 and _HEX_DIGITS.issuperset(size)):
                raise self._broken(f"a chunk size is {preview(self._target.redact(size), 20)}")
            length = int(size, 16)
            if length == 0:
                return body
            if len(body) + length > MAX_BODY_BYTES:
                raise self._too_big()
            chunk = self._take(length + 2, "a chunk")
            if chunk[-2:] != b"\r\n":
                raise self._broken("a chunk does not end with CRLF")
            body += chunk[:-2]


def lifetime(cache_control: str | None) -> float:
    """Seconds a response may be kept: ``inf`` with no header or no max-age, 0 for no caching."""
    max_age = float("inf")
    for directive in (cache_control or "").split(","):
        name, _, value = directive.partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            return 0.0
        value = value.strip().strip('"')
        if name == "max-age" and value.isdecimal():
            max_age = float(value)
    return max_age


_ADVICE = {
    401: f"the token was refused: check that {TOKEN_ENV} is the one Lambda set",
    404: f"a wrong API path or version? This library asks for API version {API_VERSION}",
    405: "the endpoint only accepts GET",
    500: "the endpoint failed or is not ready yet",
    0: "unexpected status for the metadata endpoint",
}


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    return remaining
