"""A fake Lambda Runtime API (a real HTTP server on 127.0.0.1 speaking what awslambdaric 4.x asks
for) and the real ``awslambdaric`` runtime as a child process, its output kept line by line."""

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PREFIX = "/2018-06-01/runtime"
HANDLERS_DIR = Path(__file__).parent / "runtime_handlers"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:az-function"
WAIT = 15.0  # the longest wait for anything the child should do; tests return when it happens
_Item = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class Posted:
    """A POST the runtime made: its path and its body."""

    path: str
    body: bytes

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)


class FakeRuntimeAPI:
    """The Lambda Runtime API on loopback, driven by the test."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending: deque[_Item] = deque()  # submitted while no poller waited, oldest first
        self._waiting: deque[list[_Item]] = deque()  # each held invocation/next's slot
        self._responses: dict[str, Posted] = {}
        self._ids = itertools.count(1)
        self._closed = self._restored = False
        self.restore_requested = threading.Event()
        self.paths: list[str] = []
        """``METHOD path`` of every request received, oldest first."""
        self.init_errors: list[Posted] = []
        self.restore_errors: list[Posted] = []
        self.invocation_errors: list[Posted] = []
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))

    def __enter__(self) -> FakeRuntimeAPI:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._change(lambda: setattr(self, "_closed", True))
        self._server.shutdown()
        self._server.server_close()

    @property
    def polling(self) -> int:
        """How many ``invocation/next`` requests are waiting for an event now."""
        return len(self._waiting)

    @property
    def address(self) -> str:
        """``host:port`` for ``AWS_LAMBDA_RUNTIME_API``."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def release_restore(self) -> None:
        """Answer the held ``restore/next``: the snapshot is now restored."""
        self._change(lambda: setattr(self, "_restored", True))

    def submit(self, event: Any) -> str:
        """Hand an event to the longest-waiting ``invocation/next`` (or the next one to come):
        with N workers polling, N events go to N different workers."""
        request_id = f"request-{next(self._ids)}"
        item = (request_id, json.dumps(event).encode())
        with self._condition:
            (self._waiting.popleft() if self._waiting else self._pending).append(item)
            self._condition.notify_all()
        return request_id

    def result(self, request_id: str, timeout: float = WAIT) -> Any:
        """Wait for the function's response to ``request_id`` and return it parsed."""
        self.wait_until(lambda: request_id in self._responses, timeout, f"{request_id}'s response")
        return self._responses[request_id].json()

    def invoke(self, event: Any, timeout: float = WAIT) -> Any:
        """Submit ``event`` and wait for the response."""
        return self.result(self.submit(event), timeout)

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Block until ``predicate()`` holds (checked whenever a request arrives or ends)."""
        with self._condition:
            if not self._condition.wait_for(predicate, timeout):
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")

    def _change(self, action: Callable[[], object]) -> None:
        with self._condition:
            action()
            self._condition.notify_all()

    def _next_event(self) -> _Item | None:
        with self._condition:
            if self._pending:
                return self._pending.popleft()
            slot: list[_Item] = []
            self._waiting.append(slot)
            self._condition.notify_all()
            self._condition.wait_for(lambda: slot or self._closed)  # closed: left waiting
            return slot[0] if slot else None

    def _hold_restore(self) -> bool:
        with self._condition:
            self.restore_requested.set()
            self._condition.notify_all()
            self._condition.wait_for(lambda: self._restored or self._closed)
            return self._restored

    def _posted(self, posted: Posted) -> int:
        """Keep a POST; the status to answer."""
        with self._condition:
            match posted.path.removeprefix(PREFIX).split("/"):
                case ["", "invocation", request_id, "response"]:
                    self._responses[request_id] = posted
                case ["", "invocation", _, "error"]:
                    self.invocation_errors.append(posted)
                case ["", "init", "error"]:
                    self.init_errors.append(posted)
                case ["", "restore", "error"]:
                    self.restore_errors.append(posted)
                case _:
                    return 404
            self._condition.notify_all()
        return 202


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
            api._change(lambda: api.paths.append(f"GET {self.path}"))
            if self.path == f"{PREFIX}/invocation/next":
                if (event := api._next_event()) is not None:
                    headers = {
                        "Lambda-Runtime-Aws-Request-Id": event[0],
                        "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60_000),
                        "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                        "Content-Type": "application/json",
                    }
                    self._answer(200, event[1], headers)
            elif self.path == f"{PREFIX}/restore/next":
                if api._hold_restore():
                    self._answer(200, b"")
            else:
                self._answer(404, b'{"errorMessage": "unknown path"}')

        def do_POST(self) -> None:
            api._change(lambda: api.paths.append(f"POST {self.path}"))
            self._answer(api._posted(Posted(self.path, self._read_body())), b'{"status": "OK"}')

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)

        def _answer(self, status: int, body: bytes, headers: Mapping[str, str] = {}) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
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
        pipes = {self.process.stdout: self.stdout, self.process.stderr: self.stderr}
        for stream, lines in pipes.items():
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
            if not self._condition.wait_for(lambda: len(self.lines_with(text)) >= count, timeout):
                raise AssertionError(
                    f"timed out waiting for {count} line(s) with {text!r}; "
                    f"stdout={self.stdout!r} stderr={self.stderr!r} rc={self.returncode}"
                )
            return self.lines_with(text)

    def __enter__(self) -> RuntimeProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """End the runtime and every process it forked."""
        for sent in (signal.SIGTERM, signal.SIGKILL):
            if self.returncode is not None:
                return
            os.killpg(self.process.pid, sent)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                continue


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


running = RuntimeProcess
"""``with running(handler, env, **options) as runtime``: the runtime for the block, then stopped."""
