"""Raw-socket HTTP servers that misbehave in ways http.server cannot, and what tests of the
client's framing and secrecy share (a pytest plugin: tests/conftest.py loads it)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator

import pytest

from lambda_metadata._constants import API_ENV, TOKEN_ENV

Behaviour = Callable[[socket.socket], None]


class RawServer:
    """A TCP server on 127.0.0.1 (or ``host``, ``::1``) that runs ``behaviour`` on every
    accepted connection."""

    def __init__(self, behaviour: Behaviour, *, host: str = "127.0.0.1") -> None:
        self._behaviour = behaviour
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, 0), family=family)
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            self._behaviour(conn)

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes a waiting accept() at once
        self._thread.join(timeout=2)
        self._listener.close()

    # -- behaviours --------------------------------------------------------

    def wait_closed(self, conn: socket.socket, limit: float = 10.0) -> None:
        """Hold the connection until the client goes away or the server stops."""
        conn.settimeout(0.05)
        end = time.monotonic() + limit
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                if conn.recv(4096) == b"":
                    return
            except TimeoutError:
                continue


@pytest.fixture
def raw_server(
    monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None
) -> Iterator[Callable[[Behaviour], RawServer]]:
    """Start raw servers and point the endpoint variables at the latest one."""
    servers: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        server = RawServer(behaviour)
        servers.append(server)
        monkeypatch.setenv(API_ENV, server.address)
        monkeypatch.setenv(TOKEN_ENV, "raw-server-token-0123456789")
        return server

    yield start
    for server in servers:
        server.close()


def assert_no_token(error: BaseException, token: str, *, skip_frames_of: str | None = None) -> None:
    """The token is in no str, repr, args, chained exception, traceback or frame local.

    ``skip_frames_of``: a test file whose own frames hold the token it set (as a local).
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        exc, current = current, current.__cause__ or current.__context__
        assert token not in str(exc)
        assert token not in repr(exc)
        assert token not in repr(exc.args)
        assert token not in repr(getattr(exc, "object", ""))
        assert token not in "".join(traceback.format_exception(exc))
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == skip_frames_of:
            tb = tb.tb_next
        while tb is not None:  # every later frame's locals, as a traceback with locals shows them
            for name, value in tb.tb_frame.f_locals.items():
                assert token not in repr(value), f"{name} in {tb.tb_frame.f_code.co_name}"
            tb = tb.tb_next


def read_request(conn: socket.socket) -> bytes:
    """Read one request head from a raw connection."""
    data = b""
    conn.settimeout(5)
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def ok_head(*headers: bytes) -> bytes:
    """A ``200 OK`` status line and ``headers``, up to the blank line."""
    return b"HTTP/1.1 200 OK\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


def json_body(body: bytes) -> bytes:
    """A whole ``200 OK`` answer carrying ``body`` with its Content-Length."""
    return ok_head(b"Content-Length: %d" % len(body)) + body
