"""A local Lambda metadata endpoint, built to AWS's reference rather than to our client."""

from __future__ import annotations

import json
import math
import os
import secrets
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .._constants import API_ENV, AVAILABILITY_ZONE_ID_FIELD, METADATA_PATH, TOKEN_ENV

__all__ = ["Impairment", "InvalidImpairmentError", "MetadataEndpoint", "RecordedRequest"]

DEFAULT_MAX_AGE = 43200
IDLE_TIMEOUT = 5.0
"""Seconds a connection may stay silent (idle keep-alive, or a request trickling in) before
the endpoint closes it."""
_Answer = tuple[int, bytes, dict[str, str]]  # status, body, headers


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the endpoint received (the token itself is not kept)."""

    method: str
    path: str
    authorized: bool
    status: int


class InvalidImpairmentError(ValueError):
    """``impair()`` was given an option it cannot apply.

    A test's mistake, not a metadata failure: deliberately not a ``LambdaMetadataError``,
    so a handler's ``except LambdaMetadataError`` never hides it.
    """


@dataclass(frozen=True, slots=True)
class Impairment:
    """What ``MetadataEndpoint.impair()`` set; leaving its ``with`` block heals the endpoint."""

    endpoint: MetadataEndpoint = field(repr=False)
    status: int | None
    delay: float
    times: int | None

    def __enter__(self) -> Impairment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.endpoint.heal()


class MetadataEndpoint:
    """A real HTTP server on loopback that answers like the Lambda metadata endpoint.

    The attributes below shape a healthy answer and can be changed while the server
    runs; the next request sees the change. ``impair()`` makes answers fail or come late.

    Attributes:
        availability_zone_id: the AZ ID answered, ``"use1-az1"`` by default.
        extra_fields: more fields in the JSON body, as AWS may add later.
        max_age: ``Cache-Control: private, max-age=N, immutable``; ``None`` sends no header.
        cache_control: a literal Cache-Control value, overriding ``max_age``.
        body: raw bytes to answer instead of the JSON document (malformed bodies).
        idle_timeout: seconds a silent connection stays open (``IDLE_TIMEOUT``, 5 s, by
            default); set it before ``start()``.
    """

    def __init__(
        self,
        *,
        availability_zone_id: str = "use1-az1",
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_age: int | None = DEFAULT_MAX_AGE,
        extra_fields: Mapping[str, Any] | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self._host = host
        self.idle_timeout = idle_timeout
        """Seconds a silent connection is kept open (read when the server starts)."""
        self._port = port
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._requests: list[RecordedRequest] = []
        self._started = 0
        self._epoch = 0
        """Bumped by ``reset()``: a request in flight across a reset is not logged after it."""
        self._impairment: Impairment | None = None
        self._left = 0
        """Authorized GETs the impairment still answers, when it has ``times``."""
        self.token = token or secrets.token_urlsafe(24)
        self.availability_zone_id = availability_zone_id
        self.extra_fields: dict[str, Any] = dict(extra_fields or {})
        self.max_age = max_age
        self.cache_control: str | None = None
        self.body: bytes | None = None

    def __repr__(self) -> str:
        where = self.address if self._server else "stopped"
        return f"<MetadataEndpoint {where} az={self.availability_zone_id!r} token=<redacted>>"

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> MetadataEndpoint:
        """Bind and serve in a background thread; returns ``self``."""
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _handler_for(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="lambda-metadata-endpoint",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> MetadataEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what a test reads -------------------------------------------------

    @property
    def address(self) -> str:
        """``host:port`` as Lambda puts it in ``AWS_LAMBDA_METADATA_API``."""
        if self._server is None:
            raise RuntimeError("the endpoint is not started")
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def environ(self) -> dict[str, str]:
        """The two environment variables a function needs to reach this endpoint."""
        return {API_ENV: self.address, TOKEN_ENV: self.token}

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many requests reached the metadata path, whatever their outcome."""
        with self._lock:
            return sum(1 for r in self._requests if r.path == METADATA_PATH)

    @property
    def requests_started(self) -> int:
        """How many requests have arrived, including those still waiting out a delay."""
        with self._lock:
            return self._started

    # -- what a test changes -----------------------------------------------

    def impair(
        self, *, status: int | None = None, delay: float = 0.0, times: int | None = None
    ) -> Impairment:
        """Make the next ``times`` authorized GETs (all of them when ``None``) fail or come late.

        Each answers ``status`` (an HTTP error status; ``None`` keeps 200) after ``delay``
        seconds; while the impairment lasts, every other answer (401, 404, 405) waits ``delay``
        too. A delay past the client's deadline is a timeout; one longer than any deadline
        (``delay=3600``) is a hang. The impairment replaces the one in force and lasts until its
        ``with`` block ends, ``heal()`` or ``reset()``.

        Raises:
            InvalidImpairmentError: ``status`` is not a 4xx or 5xx HTTP status, ``delay`` not a
                finite number of seconds >= 0, or ``times`` not a positive integer.
        """
        _check(status, delay, times)
        impairment = Impairment(self, status, delay, times)
        with self._lock:
            self._impairment, self._left = impairment, times or 0
        return impairment

    def heal(self) -> None:
        """End the impairment in force, if any: the next answers are healthy."""
        with self._lock:
            self._impairment = None

    def reset(self, *, token: str | None = None) -> None:
        """Back to defaults, with a new token and an empty request log."""
        with self._lock:
            self._requests.clear()
            self._impairment = None
            self._started = 0
            self._epoch += 1
        self.token = token or secrets.token_urlsafe(24)
        self.availability_zone_id = "use1-az1"
        self.extra_fields = {}
        self.max_age = DEFAULT_MAX_AGE
        self.cache_control = None
        self.body = None

    @contextmanager
    def environment(self, **extra: str) -> Iterator[dict[str, str]]:
        """Set the two variables (and ``extra`` ones, such as ``AWS_LAMBDA_INITIALIZATION_TYPE``)
        in ``os.environ`` for the ``with`` block, then put back exactly what was there."""
        environ = {**self.environ, **extra}
        saved = {name: os.environ.get(name) for name in environ}
        os.environ.update(environ)
        try:
            yield environ
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # -- the server side ---------------------------------------------------

    def _answer(self, method: str, path: str, authorization: str | None) -> _Answer:
        authorized = authorization == f"Bearer {self.token}"
        refusal = _refusal(method, path, authorized=authorized)
        with self._lock:
            self._started += 1
            epoch, impairment = self._epoch, self._impairment
            if refusal is None and impairment is not None and impairment.times is not None:
                self._left -= 1
                if not self._left:
                    self._impairment = None
        if impairment is not None and impairment.delay:  # refusals too, as on a loaded host
            time.sleep(impairment.delay)
        if refusal is not None:
            answer = refusal
        elif impairment is not None and impairment.status is not None:
            answer = _error(HTTPStatus(impairment.status))
        else:
            answer = self._healthy()
        with self._lock:
            if epoch == self._epoch:
                self._requests.append(RecordedRequest(method, path, authorized, answer[0]))
        return answer

    def _healthy(self) -> _Answer:
        headers = {"Content-Type": "application/json"}
        if self.cache_control is not None:
            headers["Cache-Control"] = self.cache_control
        elif self.max_age is not None:
            headers["Cache-Control"] = f"private, max-age={self.max_age}, immutable"
        if self.body is not None:
            return 200, self.body, headers
        document = {AVAILABILITY_ZONE_ID_FIELD: self.availability_zone_id, **self.extra_fields}
        return 200, json.dumps(document).encode(), headers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    """The listen backlog (the kernel caps it at somaxconn): a burst of hundreds of clients waits
    in the queue instead of being dropped, as with socketserver's default of 5."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early (a refused oversized body) is not an error here."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _refusal(method: str, path: str, *, authorized: bool) -> _Answer | None:
    """What AWS's endpoint answers whatever its state, or ``None`` for a GET it serves."""
    if path.split("?", 1)[0] != METADATA_PATH:
        return _error(HTTPStatus.NOT_FOUND)
    if method != "GET":
        return _error(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET"})
    if not authorized:
        return _error(HTTPStatus.UNAUTHORIZED)
    return None


def _check(status: int | None, delay: float, times: int | None) -> None:
    def integer(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if status is not None and not (
        integer(status) and status >= 400 and status in HTTPStatus._value2member_map_
    ):
        raise InvalidImpairmentError(f"status must be an HTTP error status, got {status!r}")
    if not ((integer(delay) or isinstance(delay, float)) and 0 <= delay < math.inf):
        raise InvalidImpairmentError(f"delay must be finite seconds >= 0, got {delay!r}")
    if times is not None and not (integer(times) and times > 0):
        raise InvalidImpairmentError(f"times must be a positive integer or None, got {times!r}")


def _error(status: HTTPStatus, headers: dict[str, str] | None = None) -> _Answer:
    body = json.dumps({"message": status.phrase}).encode()
    return int(status), body, {"Content-Type": "application/json", **(headers or {})}


def _handler_for(endpoint: MetadataEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        timeout = endpoint.idle_timeout  # an idle or stalled connection (and its thread) ends
        server_version = "lambda-metadata-emulator"

        def _respond(self) -> None:
            status, body, headers = endpoint._answer(
                self.command, self.path, self.headers.get("Authorization")
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _respond

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests read ``endpoint.requests`` instead."""

    return Handler
