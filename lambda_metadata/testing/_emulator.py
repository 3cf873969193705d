"""A local Lambda metadata endpoint, built to AWS's reference rather than to our client."""

from __future__ import annotations

import json
import math
import os
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .._constants import API_ENV, AVAILABILITY_ZONE_ID_FIELD, METADATA_PATH, TOKEN_ENV

__all__ = ["Impairment", "InvalidImpairmentError", "MetadataEndpoint", "RecordedRequest"]

IDLE_TIMEOUT = 5.0  # seconds a connection may stay silent (idle, or a request trickling in)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the endpoint received (the token itself is not kept)."""

    method: str
    path: str
    authorized: bool
    status: int


class InvalidImpairmentError(ValueError):
    """``impair()`` was given an option it cannot apply: a test's mistake, deliberately not a
    ``LambdaMetadataError``, so a handler's ``except LambdaMetadataError`` never hides it."""


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

    Its attributes shape the answers, read at each request (``idle_timeout`` at ``start()``);
    ``impair()`` makes them fail or come late. docs/testing.md describes each."""

    def __init__(
        self,
        *,
        availability_zone_id: str = "use1-az1",
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_age: int | None = 43200,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self._bind = (host, port)
        self._server: _Server | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._epoch = 0  # bumped by reset(): a request in flight across it is not logged after
        self.idle_timeout = idle_timeout
        self.reset(token=token)
        self.availability_zone_id = availability_zone_id
        self.max_age = max_age

    def __repr__(self) -> str:
        where = self.address if self._server else "stopped"
        return f"<MetadataEndpoint {where} az={self.availability_zone_id!r} token=<redacted>>"

    def start(self) -> MetadataEndpoint:
        """Bind and serve in a background thread; returns ``self``."""
        if self._server is None:
            options = {"endpoint": self, "timeout": self.idle_timeout}  # idle connections end
            self._server = _Server(self._bind, type("Handler", (_Handler,), options))
            threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()  # returns once serve_forever has
            server.server_close()

    def __enter__(self) -> MetadataEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

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
        return sum(1 for request in self.requests if request.path == METADATA_PATH)

    @property
    def requests_started(self) -> int:
        """How many requests have arrived, including those still waiting out a delay."""
        return self._started

    def reset(self, *, token: str | None = None) -> None:
        """Back to defaults, with a new token and an empty request log."""
        with self._lock:
            self._requests.clear()
            self._impairment: Impairment | None = None
            self._left: int | None = None  # authorized GETs the impairment still answers
            self._started = 0
            self._epoch += 1
        self.token = token or secrets.token_urlsafe(24)
        self.availability_zone_id = "use1-az1"
        self.extra_fields: dict[str, Any] = {}
        self.max_age = 43200  # as AWS sends
        self.cache_control: str | None = None
        self.body: bytes | None = None

    def heal(self) -> None:
        """End the impairment in force, if any: the next answers are healthy."""
        self._impairment = None

    def impair(
        self, *, status: int | None = None, delay: float = 0.0, times: int | None = None
    ) -> Impairment:
        """Make the next ``times`` authorized GETs (all when ``None``) answer ``status`` (an
        HTTP error; ``None`` keeps 200) after ``delay`` seconds, which every other answer waits
        too. It replaces the impairment in force, until its ``with`` block ends, ``heal()`` or
        ``reset()``; an option it cannot apply raises ``InvalidImpairmentError``."""
        if status is not None and not (
            _is_int(status) and status >= 400 and status in HTTPStatus._value2member_map_
        ):
            raise InvalidImpairmentError(f"status must be an HTTP error status, got {status!r}")
        if not (_is_int(delay) or isinstance(delay, float)) or not 0 <= delay < math.inf:
            raise InvalidImpairmentError(f"delay must be finite seconds >= 0, got {delay!r}")
        if times is not None and not (_is_int(times) and times > 0):
            raise InvalidImpairmentError(f"times must be a positive integer or None, got {times!r}")
        impairment = Impairment(self, status, delay, times)
        with self._lock:
            self._impairment = impairment
            self._left = times
        return impairment

    @contextmanager
    def environment(self, **extra: str) -> Iterator[dict[str, str]]:
        """Set the two variables and ``extra`` ones in ``os.environ`` for the ``with`` block."""
        from unittest import mock

        environ = {**self.environ, **extra}
        with mock.patch.dict(os.environ, environ):
            yield environ


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the backlog (to somaxconn): bursts wait instead of being dropped

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up early (a refused oversized body) is not an error here
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    endpoint: MetadataEndpoint

    def _respond(self) -> None:
        endpoint = self.endpoint
        authorized = self.headers.get("Authorization") == f"Bearer {endpoint.token}"
        status = 200 if authorized else 401
        if self.command != "GET":
            status = 405
        if self.path.split("?", 1)[0] != METADATA_PATH:
            status = 404
        with endpoint._lock:
            endpoint._started += 1
            epoch, impairment = endpoint._epoch, endpoint._impairment
            if status == 200 and impairment is not None and endpoint._left is not None:
                endpoint._left -= 1
                if not endpoint._left:
                    endpoint._impairment = None
        if impairment is not None:
            time.sleep(impairment.delay)  # refusals wait too, as on a loaded host
            if status == 200 and impairment.status is not None:
                status = impairment.status
        control = endpoint.cache_control
        if control is None and endpoint.max_age is not None:
            control = f"private, max-age={endpoint.max_age}, immutable"
        body = endpoint.body
        if status != 200:
            body = json.dumps({"message": HTTPStatus(status).phrase}).encode()
        elif body is None:
            document = {AVAILABILITY_ZONE_ID_FIELD: endpoint.availability_zone_id}
            body = json.dumps({**document, **endpoint.extra_fields}).encode()
        with endpoint._lock:
            if epoch == endpoint._epoch:  # not a request in flight across a reset()
                request = RecordedRequest(self.command, self.path, authorized, status)
                endpoint._requests.append(request)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if status == 405:
            self.send_header("Allow", "GET")
        if status == 200 and control is not None:
            self.send_header("Cache-Control", control)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _respond

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read ``endpoint.requests`` instead."""
