"""A fake Lambda Runtime API and a child-process harness for the real ``awslambdaric`` runtime.

``FakeRuntimeAPI`` is a real HTTP server on 127.0.0.1 speaking the parts of the
Runtime API that awslambdaric 4.x uses: ``invocation/next`` (held until a test
submits an event), ``invocation/{id}/response`` and ``/error``, ``init/error``,
``restore/next`` (held until the test releases it) and ``restore/error``.

``RuntimeProcess`` runs ``python -m awslambdaric module.handler`` with an
environment built from scratch and keeps every stdout/stderr line for assertions.
The runtime never exits on its own; ``stop()`` ends it and any workers it forked.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PREFIX = "/2018-06-01/runtime"
HANDLERS_DIR = Path(__file__).parent / "runtime_handlers"
WAIT = 15.0
"""Longest wait for anything the child should do; tests return as soon as it happens."""


@dataclass(frozen=True, slots=True)
class Posted:
    """A POST the runtime made: which path, its headers and its body."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeRuntimeAPI:
    """The Lambda Runtime API on loopback, driven by the test."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending: deque[tuple[str, bytes]] = deque()
        """Events submitted while no poller was waiting, oldest first."""
        self._waiting: deque[_Poller] = deque()
        """``invocation/next`` requests waiting for an event, oldest first."""
        self._responses: dict[str, Posted] = {}
        self._ids = itertools.count(1)
        self._closed = threading.Event()
        self._restore_gate = threading.Event()
        self.restore_requested = threading.Event()
        self.paths: list[str] = []
        """``METHOD path`` of every request received, oldest first."""
        self.init_errors: list[Posted] = []
        self.restore_errors: list[Posted] = []
        self.invocation_errors: list[Posted] = []
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeRuntimeAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._change(self._closed.set)
        self._server.shutdown()
        self._server.server_close()

    @property
    def polling(self) -> int:
        """How many ``invocation/next`` requests are waiting for an event now."""
        return len(self._waiting)

    @property
    def address(self) -> str:
        """``host:port`` for ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    # -- what a test does ----------------------------------------------------

    def release_restore(self) -> None:
        """Answer the held ``restore/next``: the snapshot is now restored."""
        self._restore_gate.set()

    def submit(self, event: Any) -> str:
        """Hand an event to the longest-waiting ``invocation/next`` (or the next one to come).

        Deterministic: with N workers polling, N events go to N different workers.
        """
        request_id = f"request-{next(self._ids)}"
        item = (request_id, json.dumps(event).encode())
        with self._condition:
            if self._waiting:
                self._waiting.popleft().event = item
            else:
                self._pending.append(item)
            self._condition.notify_all()
        return request_id

    def result(self, request_id: str, timeout: float = WAIT) -> Any:
        """Wait for the function's response to ``request_id`` and return it parsed."""
        self.wait_until(
            lambda: request_id in self._responses, timeout, f"a response to {request_id}"
        )
        return self._responses[request_id].json()

    def invoke(self, event: Any, timeout: float = WAIT) -> Any:
        """Submit ``event`` and wait for the response."""
        return self.result(self.submit(event), timeout)

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Block until ``predicate()`` holds (checked whenever a request arrives or ends)."""
        with self._condition:
            if not self._condition.wait_for(predicate, timeout):
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")

    # -- the server side -----------------------------------------------------

    def _record(self, method: str, path: str) -> None:
        with self._condition:
            self.paths.append(f"{method} {path}")
            self._condition.notify_all()

    def _change(self, action: Callable[[], None]) -> None:
        with self._condition:
            action()
            self._condition.notify_all()

    def _next_event(self) -> tuple[str, bytes] | None:
        with self._condition:
            if self._pending:
                return self._pending.popleft()
            poller = _Poller()
            self._waiting.append(poller)
            self._condition.notify_all()
            self._condition.wait_for(lambda: poller.event is not None or self._closed.is_set())
            if poller in self._waiting:
                self._waiting.remove(poller)
            return poller.event

    def _hold_restore(self) -> bool:
        self._change(self.restore_requested.set)
        while not self._closed.is_set():
            if self._restore_gate.wait(0.05):
                return True
        return False

    def _posted(self, posted: Posted) -> int:
        """Store a POST; the status to answer."""
        tail = posted.path.removeprefix(PREFIX)
        if tail == "/init/error":
            self._change(lambda: self.init_errors.append(posted))
        elif tail == "/restore/error":
            self._change(lambda: self.restore_errors.append(posted))
        elif tail.startswith("/invocation/") and tail.endswith("/response"):
            request_id = tail.removeprefix("/invocation/").removesuffix("/response")
            self._change(lambda: self._responses.__setitem__(request_id, posted))
        elif tail.startswith("/invocation/") and tail.endswith("/error"):
            self._change(lambda: self.invocation_errors.append(posted))
        else:
            return 404
        return 202


class _Poller:
    """One waiting ``invocation/next``; ``submit`` fills in its event."""

    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event: tuple[str, bytes] | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A runtime killed mid-connection resets it: expected, so not printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(api: FakeRuntimeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each response waits ~40 ms for delayed ACKs

        def do_GET(self) -> None:
            api._record("GET", self.path)
            if self.path == f"{PREFIX}/invocation/next":
                event = api._next_event()
                if event is None:
                    return
                request_id, body = event
                deadline_ms = int(time.time() * 1000) + 60_000
                self._answer(
                    200,
                    body,
                    {
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": (
                            "arn:aws:lambda:us-east-1:123456789012:function:az-function"
                        ),
                        "Content-Type": "application/json",
                    },
                )
            elif self.path == f"{PREFIX}/restore/next":
                if api._hold_restore():
                    self._answer(200, b"")
            else:
                self._answer(404, b'{"errorMessage": "unknown path"}')

        def do_POST(self) -> None:
            api._record("POST", self.path)
            posted = Posted(self.path, dict(self.headers.items()), self._read_body())
            self._answer(api._posted(posted), b'{"status": "OK"}')

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _answer(self, status: int, body: bytes, headers: Mapping[str, str] = {}) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``api.paths``."""

    return Handler


class RuntimeProcess:
    """``python -m awslambdaric <handler>`` as a child process, its output kept line by line."""

    def __init__(
        self,
        handler: str,
        env: Mapping[str, str],
        *,
        interpreter_args: Sequence[str] = (),
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self._condition = threading.Condition()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, *interpreter_args, "-m", "awslambdaric", handler],
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: stop() ends forked workers too
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        for stream, lines in (
            (self.process.stdout, self.stdout),
            (self.process.stderr, self.stderr),
        ):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()

    def _collect(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            with self._condition:
                lines.append(line.rstrip("\n"))
                self._condition.notify_all()

    @property
    def returncode(self) -> int | None:
        """``None`` while the runtime runs (it never exits on its own)."""
        return self.process.poll()

    def lines_with(self, text: str) -> list[str]:
        """Every stdout line containing ``text`` so far."""
        with self._condition:
            return [line for line in self.stdout if text in line]

    def wait_for_lines(self, text: str, count: int = 1, timeout: float = WAIT) -> list[str]:
        """Wait until ``count`` stdout lines contain ``text``; returns them all."""
        with self._condition:
            if not self._condition.wait_for(
                lambda: len([x for x in self.stdout if text in x]) >= count, timeout
            ):
                raise AssertionError(
                    f"timed out waiting for {count} line(s) with {text!r}; "
                    f"stdout={self.stdout!r} stderr={self.stderr!r} rc={self.returncode}"
                )
            return [line for line in self.stdout if text in line]

    def stop(self) -> None:
        """End the runtime and every process it forked."""
        if self.returncode is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def runtime_environment(
    api: FakeRuntimeAPI, metadata: Mapping[str, str], *, initialization_type: str, **extra: str
) -> dict[str, str]:
    """A Lambda-like environment from scratch, nothing inherited that changes awslambdaric."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(HANDLERS_DIR),
        "PYTHONUNBUFFERED": "1",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": "az-function",
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        **metadata,
        **extra,
    }


@contextmanager
def running(
    handler: str,
    env: Mapping[str, str],
    *,
    interpreter_args: Sequence[str] = (),
    cwd: str | os.PathLike[str] | None = None,
) -> Iterator[RuntimeProcess]:
    """Run the runtime for the ``with`` block, then stop it.

    ``-S`` in ``interpreter_args`` hides site-packages and ``cwd`` (which ``-m`` puts first on
    ``sys.path``) moves it out of the source tree, so ``PYTHONPATH`` says what it can import.
    """
    runtime = RuntimeProcess(handler, env, interpreter_args=interpreter_args, cwd=cwd)
    try:
        yield runtime
    finally:
        runtime.stop()
