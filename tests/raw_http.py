"""Raw-socket HTTP servers that misbehave in ways http.server cannot, and what tests of the
client's framing and secrecy share (a pytest plugin: tests/conftest.py loads it)."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lambda_metadata._constants import API_ENV, TOKEN_ENV

Behaviour = Callable[[socket.socket], object]
MARGIN = 0.5  # scheduling slack on a loaded 2-core machine


class RawServer(socketserver.ThreadingTCPServer):
    """A TCP server on 127.0.0.1 that runs ``behaviour`` on every accepted connection."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, behaviour: Behaviour) -> None:
        self._behaviour = behaviour
        self.connections = 0
        super().__init__(("127.0.0.1", 0), socketserver.BaseRequestHandler)
        self.address = f"127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def finish_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        with contextlib.suppress(OSError):
            self._behaviour(request)

    def close(self) -> None:
        self.shutdown()
        self.server_close()


StartRaw = Callable[[Behaviour], "RawServer"]


@pytest.fixture
def raw_server(monkeypatch: pytest.MonkeyPatch, no_lambda_metadata: None) -> Iterator[StartRaw]:
    """Start raw servers and point the endpoint variables at the latest one."""
    servers: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        servers.append(RawServer(behaviour))
        monkeypatch.setenv(API_ENV, servers[-1].address)
        monkeypatch.setenv(TOKEN_ENV, "raw-server-token-0123456789")
        return servers[-1]

    yield start
    for server in servers:
        server.close()


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


def hold(conn: socket.socket, limit: float = 10.0) -> None:
    """Read the request, then say nothing until the client goes away (at most ``limit`` s)."""
    read_request(conn)
    conn.settimeout(limit)
    with contextlib.suppress(OSError):
        while conn.recv(4096):
            pass


def answer(*pieces: bytes, pause: float = 0.02, flood: bytes = b"") -> Behaviour:
    """Read the request, send ``pieces`` ``pause`` seconds apart (each arrives in a read of its
    own), then ``flood`` as fast as the client takes it, for 1.5 s."""

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        for number, piece in enumerate(pieces):
            time.sleep(pause if number else 0)
            conn.sendall(piece)
        end = time.monotonic() + 1.5
        while flood and time.monotonic() < end:
            conn.sendall(flood)

    return behaviour


def in_turn(*behaviours: Behaviour) -> Behaviour:
    """The first behaviour for the first connection, the next for the next; the last repeats."""
    turns = list(behaviours)
    return lambda conn: (turns.pop(0) if len(turns) > 1 else turns[0])(conn)


def ok_head(*headers: bytes) -> bytes:
    """A ``200 OK`` status line and ``headers``, up to the blank line."""
    return b"HTTP/1.1 200 OK\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


def json_body(body: bytes) -> bytes:
    """A whole ``200 OK`` answer carrying ``body`` with its Content-Length."""
    return ok_head(b"Content-Length: %d" % len(body)) + body


def assert_no_token(error: BaseException, token: str, *, skip_frames_of: str | None = None) -> None:
    """The token is in no str, repr, args, chained exception, traceback or frame local.

    ``skip_frames_of``: a test file whose own frames hold the token it set (as a local).
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        exc, current = current, current.__cause__ or current.__context__
        shown = [str(exc), repr(exc), repr(exc.args), repr(getattr(exc, "object", ""))]
        assert token not in "".join([*shown, *traceback.format_exception(exc)])
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == skip_frames_of:
            tb = tb.tb_next
        while tb is not None:  # every later frame's locals, as a traceback with locals shows them
            for name, value in tb.tb_frame.f_locals.items():
                assert token not in repr(value), f"{name} in {tb.tb_frame.f_code.co_name}"
            tb = tb.tb_next
