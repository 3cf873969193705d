"""One GET of the metadata endpoint, bounded in time and size.

The client reads the environment at call time, knows nothing of caching, and
turns every failure into a ``LambdaMetadataError`` subclass whose message never
contains the token. It speaks just enough HTTP/1.1 itself, on a plain socket,
to read one small answer: every byte lands in one fixed buffer, so no response
shape (chunk sizes, Content-Length values, trickling bytes) can make it hold more
than a few times the body cap, and every receive is bounded by one deadline.
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

_FOREVER = float("inf")
_RETRIED_STATUSES = frozenset({500, 502, 503, 504})
_FIRST_BACKOFF = 0.02
_MAX_BACKOFF = 0.25
_MAX_HEAD_BYTES = 8192
"""Longest status line plus headers accepted."""
_MAX_CHUNK_LINE = 256
_BUFFER_BYTES = _MAX_HEAD_BYTES + MAX_BODY_BYTES + 4096
"""The one receive buffer: a head, a body at the cap, and room for chunk framing."""
_MAX_REASON_CHARS = 80
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_TESTING_HINT = (
    "Outside Lambda, run a local endpoint: the `lambda_metadata_endpoint` pytest fixture, "
    "or `lambda-metadata serve` (see lambda_metadata.testing)."
)


class _Target:
    __slots__ = ("authorization", "family", "host", "netloc", "port")

    def __init__(self, host: str, port: int, authorization: str, family: int) -> None:
        self.host = host
        self.port = port
        self.family = family
        """``AF_INET`` or ``AF_INET6``: the host is always an address, never a name to look up."""
        self.netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.authorization = authorization

    def __repr__(self) -> str:  # the token must never be shown
        return f"_Target(host={self.host!r}, port={self.port!r}, authorization='<redacted>')"

    def redact(self, text: str) -> str:
        """``text`` with the token replaced: a server or proxy may echo the request back."""
        return text.replace(self.authorization[7:], REDACTED)


def fetch(*, timeout: float, retry: bool = True) -> tuple[LambdaMetadata, float]:
    """GET the metadata, retrying 5xx and connection errors inside ``timeout`` seconds.

    Returns the metadata and the seconds it may be kept (``Cache-Control``: ``inf`` with no
    max-age, 0 for no caching). With ``retry=False`` one request is made, whatever its
    outcome: the cache asks for that while a failure streak is on, so an outage costs one
    request per window.
    """
    deadline = time.monotonic() + timeout
    target = _read_environment()
    backoff = _FIRST_BACKOFF
    attempts = 0
    last: MetadataHTTPError | MetadataConnectionError | None = None
    timed_out: MetadataTimeoutError | None = None
    while True:
        attempts += 1
        try:
            return _get(target, deadline)
        except MetadataTimeoutError as exc:
            timed_out = exc  # a retry ran out of time: the failure before it says more
            break
        except (MetadataHTTPError, MetadataConnectionError) as exc:
            if exc.status_code is not None and exc.status_code not in _RETRIED_STATUSES:
                raise
            last = exc
            if not retry or deadline - time.monotonic() <= backoff:
                break
            time.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)
    plural = "s" if attempts > 1 else ""
    spent = f"{attempts} attempt{plural} within the {timeout:g} s deadline"
    if last is None:
        assert timed_out is not None
        raise MetadataTimeoutError(f"{timed_out} (gave up after {spent})")
    ending = "; the last one timed out" if timed_out else ""
    raise type(last)(f"{last} (gave up after {spent}{ending})", status_code=last.status_code)


def _read_environment() -> _Target:
    # The token is never bound to a local name: a frame that raises keeps its
    # locals alive in the traceback, where error reporters would show them.
    api = os.environ.get(API_ENV)
    if api is None:
        raise MetadataUnavailableError(
            f"{API_ENV} is not set, so the Lambda metadata endpoint is not available: "
            f"this is not an AWS Lambda execution environment. {_TESTING_HINT}"
        )
    if not api:
        raise MetadataUnavailableError(
            f"{API_ENV} is set but empty; Lambda sets it to the endpoint's host:port. "
            f"{_TESTING_HINT}"
        )
    if not os.environ.get(TOKEN_ENV):
        state = "is set but empty" if TOKEN_ENV in os.environ else "is not set"
        raise MetadataUnavailableError(
            f"{API_ENV} is set but {TOKEN_ENV} {state}: the endpoint's token is missing, and "
            f"Lambda always sets both. {_TESTING_HINT}"
        )
    host, port, family = _parse_api(api)
    if not is_valid_token(os.environ[TOKEN_ENV]):
        raise InvalidEndpointConfigError(
            f"{TOKEN_ENV} must be {TOKEN_RULE}; its value is not shown"
        )
    return _Target(host, port, "Bearer " + os.environ[TOKEN_ENV], family)


def _parse_api(api: str) -> tuple[str, int, int]:
    """``host:port`` to an address, a port and its family, or ``InvalidEndpointConfigError``.

    Only IP addresses: Lambda sets one, and a DNS lookup is a blocking call that no
    deadline of ours can bound (a silent resolver holds it for 10 s and more).
    """
    host, _, port_text = api.rpartition(":")
    problem = None
    if port_text.isascii() and port_text.isdigit() and host:
        port = int(port_text[:12])
        family = _family(host)
        if not 0 < port < 65536:
            problem = f"port {port_text[:12]} is out of range: it must be 1-65535"
        elif not family:
            problem = (
                "the host must be an IPv4 address (169.254.100.1) or an IPv6 address in "
                "brackets ([fd00::1]); names are not looked up, as no lookup can be bounded "
                "by the deadline (Lambda sets an address)"
            )
        else:
            return host.strip("[]"), port, family
    raise InvalidEndpointConfigError(
        f"{API_ENV} must be host:port, such as 169.254.100.1:9001, with no scheme or path"
        f"{'; ' + problem if problem else ''}; got {preview(api, 100)}"
    )


def _family(host: str) -> int:
    """``AF_INET`` for a plain dotted quad (not ``1.2.3``, ``0x7f.1`` or ``010.0.0.1``, which
    C's resolver reads as other hosts), ``AF_INET6`` for an IPv6 address in brackets, else 0."""
    import _socket

    bracketed = host.startswith("[") and host.endswith("]")
    family = _socket.AF_INET6 if bracketed else _socket.AF_INET
    try:
        _socket.inet_pton(family, host[1:-1] if bracketed else host)
    except (OSError, ValueError):  # not an address; ValueError: a NUL, a lone surrogate
        return 0
    return family


_CLOCK_SLACK = 0.005
"""Seconds before the deadline at which a socket timeout still counts as ours."""

_PARSING_FAILURES = (ValueError, LookupError, ArithmeticError, RecursionError, MemoryError)
"""What the bytes of a hostile answer could make reading raise beyond OSError (UnicodeError
is a ValueError). A TypeError or AttributeError is a bug of ours and reaches the caller as
one, as does an exception of the caller's own, such as a soft timeout raised by a signal
handler."""


def _get(target: _Target, deadline: float) -> tuple[LambdaMetadata, float]:
    # The C module: the first fetch of a cold start skips socket.py (3-5 ms after the Lambda
    # runtime's imports: its enums), of which this needs nothing.
    import _socket

    where = f"http://{target.netloc}{METADATA_PATH}"
    sock: socket | None = None
    failure: LambdaMetadataError
    try:
        sock = _socket.socket(target.family, _socket.SOCK_STREAM)
        sock.settimeout(_remaining(deadline))
        sock.connect((target.host, target.port))
        sock.sendall(_request(target))  # a fresh socket takes these few bytes at once
        fetched = _Response(sock, deadline, where, target).read()
    except LambdaMetadataError as exc:
        failure = exc
    except OSError as exc:
        if isinstance(exc, TimeoutError) and exc.errno is None:
            # A socket timeout (ours, set to the deadline) has no errno; the kernel's own
            # ETIMEDOUT (a connect whose SYNs went unanswered) has one, and is a failure to connect.
            if time.monotonic() < deadline - _CLOCK_SLACK:
                raise  # the caller's own soft timeout, raised by a signal handler
            failure = MetadataTimeoutError(f"no complete answer from {where} within the deadline")
        else:
            detail = preview(exc.strerror or str(exc), 120, quote=False)
            failure = MetadataConnectionError(
                f"could not talk to {where}: {exc.__class__.__name__}: {detail}"
            )
    except _PARSING_FAILURES as exc:  # whatever breaks in reading the answer, a typed error
        failure = MetadataConnectionError(
            f"could not talk to {where}: {exc.__class__.__name__} while reading the answer"
        )
    else:
        return fetched
    finally:
        if sock is not None:
            sock.close()
    # Raised outside the except clauses, so no frame of a failed library call stays
    # reachable through __context__.
    raise failure


def _request(target: _Target) -> bytes:
    # A function of its own, so the bytes holding the token are in no live frame.
    return (
        f"GET {METADATA_PATH} HTTP/1.1\r\nHost: {target.netloc}\r\n"
        f"Authorization: {target.authorization}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


class _Response:
    """Reads one answer into a fixed buffer, each receive bounded by the deadline."""

    __slots__ = ("_buffer", "_deadline", "_eof", "_size", "_sock", "_target", "_view", "_where")

    def __init__(self, sock: socket, deadline: float, where: str, target: _Target) -> None:
        self._sock = sock
        self._deadline = deadline
        self._where = where
        self._target = target
        """Redacts the token from what the server sends, wherever a message quotes it."""
        self._buffer = bytearray(_BUFFER_BYTES)
        self._view = memoryview(self._buffer)
        self._size = 0
        self._eof = False

    def _fill(self) -> bool:
        """Receive more bytes; ``False`` at end of stream."""
        if self._eof:
            return False
        if self._size == _BUFFER_BYTES:
            raise InvalidMetadataError(
                f"{self._where} sent more than the {_BUFFER_BYTES}-byte response buffer holds"
            )
        self._sock.settimeout(_remaining(self._deadline))
        received = self._sock.recv_into(self._view[self._size :])
        if not received:
            self._eof = True
            return False
        self._size += received
        return True

    def _broken(self, what: str) -> MetadataConnectionError:
        return MetadataConnectionError(f"{self._where} sent a reply that is not valid HTTP: {what}")

    def read(self) -> tuple[LambdaMetadata, float]:
        head_budget = _MAX_HEAD_BYTES  # for the final head and any interim (1xx) ones before it
        while True:
            head_end = self._read_head(head_budget)
            status, reason, headers = self._check_head(head_end)
            if status == 200:
                break
            if not (100 <= status < 200 and status != 101):
                raise _status_error(status, _printable_reason(reason), self._where)
            # An interim answer (100 Continue, 103 Early Hints): RFC 9110 15.2, skip it.
            head_budget -= head_end
            kept = self._size - head_end
            self._buffer[:kept] = bytes(self._view[head_end : self._size])
            self._size = kept
        body = self._read_body(head_end, headers)
        return parse_body(body, self._target.redact), lifetime(headers.get("cache-control"))

    def _read_head(self, budget: int) -> int:
        searched = 0
        while True:
            found = self._buffer.find(b"\r\n\r\n", max(0, searched - 3), self._size)
            if found >= 0:
                if found + 4 > budget:
                    break
                return found + 4
            searched = self._size
            if searched >= budget:
                break
            if not self._fill():
                if self._size == 0:
                    raise self._broken("the connection closed without an answer")
                raise self._broken("the connection closed inside the status line or headers")
        raise self._broken(f"the status line and headers exceed {_MAX_HEAD_BYTES} bytes")

    def _check_head(self, head_end: int) -> tuple[int, str, dict[str, str]]:
        """The status, its reason and the headers (names lower-cased), the token redacted."""
        head = self._target.redact(self._buffer[: head_end - 4].decode("latin-1"))
        status_line, *lines = head.split("\r\n")
        version, _, rest = status_line.partition(" ")
        code, _, reason = rest.partition(" ")
        if not (version in ("HTTP/1.1", "HTTP/1.0") and len(code) == 3 and code.isdigit()):
            raise self._broken(f"the status line is {preview(status_line, 60)}")
        headers: dict[str, str] = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip() or not name.isprintable():
                raise self._broken(f"a header line is {preview(line, 60)}")
            name = name.lower()
            value = value.strip(" \t")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return int(code), reason, headers

    def _read_body(self, head_end: int, headers: dict[str, str]) -> bytes:
        coding = headers.get("transfer-encoding")
        if coding is not None:
            if coding.lower() != "chunked":
                raise self._broken(f"Transfer-Encoding {preview(coding, 40)} is not supported")
            return self._read_chunked(head_end)
        declared = headers.get("content-length")
        if declared is not None:
            return self._read_declared(head_end, self._content_length(declared))
        while self._fill():
            if self._size - head_end > MAX_BODY_BYTES:
                raise InvalidMetadataError(
                    f"{self._where} sent a body over the {MAX_BODY_BYTES}-byte limit"
                )
        if self._size - head_end > MAX_BODY_BYTES:
            raise InvalidMetadataError(
                f"{self._where} sent a body over the {MAX_BODY_BYTES}-byte limit"
            )
        return bytes(self._view[head_end : self._size])

    def _content_length(self, declared: str) -> int:
        values = {value.strip() for value in declared.split(",")}
        text = values.pop() if len(values) == 1 else ""
        if not (text.isascii() and text.isdigit()):
            raise self._broken(f"Content-Length is {preview(declared, 40)}")
        digits = text.lstrip("0") or "0"
        if len(digits) > 18:
            raise InvalidMetadataError(
                f"{self._where} declared a {len(digits)}-digit body length; "
                f"the limit is {MAX_BODY_BYTES} bytes"
            )
        return int(digits)

    def _read_declared(self, head_end: int, length: int) -> bytes:
        if length > MAX_BODY_BYTES:
            raise InvalidMetadataError(
                f"{self._where} declared a {length}-byte body; the limit is {MAX_BODY_BYTES} bytes"
            )
        end = head_end + length
        while self._size < end:
            if not self._fill():
                raise self._broken(
                    f"the connection closed after {self._size - head_end} of the {length} "
                    "body bytes it declared"
                )
        return bytes(self._view[head_end:end])

    def _read_chunked(self, position: int) -> bytes:
        body = bytearray()
        while True:
            line_end = self._buffer.find(b"\r\n", position, self._size)
            if (line_end if line_end >= 0 else self._size) - position > _MAX_CHUNK_LINE:
                raise self._broken(f"a chunk-size line is too long (over {_MAX_CHUNK_LINE} bytes)")
            if line_end < 0:
                self._more(position)
                position = 0
                continue
            size_text = bytes(self._view[position:line_end]).split(b";", 1)[0].strip(b" \t")
            if not (0 < len(size_text) <= 8 and _HEX_DIGITS.issuperset(size_text)):
                shown = preview(self._target.redact(size_text.decode("latin-1")), 20)
                raise self._broken(f"a chunk size is {shown}")
            size = int(size_text, 16)
            if size == 0:
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise InvalidMetadataError(
                    f"{self._where} sent a body over the {MAX_BODY_BYTES}-byte limit"
                )
            start = line_end + 2
            while self._size < start + size + 2:
                self._more(position)
                start -= position
                position = 0
            if self._buffer[start + size : start + size + 2] != b"\r\n":
                raise self._broken("a chunk does not end with CRLF")
            body += self._view[start : start + size]
            position = start + size + 2

    def _more(self, position: int) -> None:
        """Move the bytes from ``position`` on to the buffer's start, then receive more."""
        if position:
            kept = self._size - position
            self._buffer[:kept] = bytes(self._view[position : self._size])  # may overlap
            self._size = kept
        if not self._fill():
            raise self._broken("the connection closed inside the chunked body")


def lifetime(cache_control: str | None) -> float:
    """Seconds a response may be kept: ``inf`` with no header or no max-age, 0 for no caching."""
    if cache_control is None:
        return _FOREVER
    max_age = _FOREVER
    for directive in cache_control.split(","):
        name, _, value = directive.partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            return 0.0
        value = value.strip().strip('"')
        if name == "max-age" and value.isascii() and value.isdigit():
            max_age = float(value)
    return max_age


def _printable_reason(reason: str) -> str:
    shown = "".join(c if " " <= c <= "~" else "?" for c in reason[: _MAX_REASON_CHARS + 1])
    return shown if len(shown) <= _MAX_REASON_CHARS else shown[: _MAX_REASON_CHARS - 3] + "..."


_ADVICE = {
    401: f"the token was refused: check that {TOKEN_ENV} is the one Lambda set for this "
    "execution environment",
    404: f"not found: a wrong API path or version? This library asks for API version "
    f"{API_VERSION}; check that {API_ENV} names the metadata endpoint",
    405: "the endpoint only accepts GET",
}


def _status_error(status: int, reason: str, where: str) -> MetadataHTTPError:
    advice = _ADVICE.get(status) or (
        "the endpoint failed or is not ready yet"
        if status >= 500
        else "unexpected status for the metadata endpoint"
    )
    answered = f"{where} answered {status} {reason}".rstrip()
    return MetadataHTTPError(f"{answered}: {advice}", status_code=status)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    return remaining
