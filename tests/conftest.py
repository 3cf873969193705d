"""Shared test helpers: raw-socket servers that misbehave in ways http.server cannot."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from fake_ec2 import FakeEC2, install

from lambda_metadata._constants import API_ENV, TOKEN_ENV
from lambda_metadata.testing import FakeClock, MetadataEndpoint

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

pytest_plugins = ["pytester"]


def _write_bytecode() -> None:
    """Let every process of the run (this one, xdist workers, child interpreters) write the
    bytecode it compiles, beside the sources as Python does by default.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (as on this project's machines) each of those
    processes would otherwise compile pytest, botocore, Powertools and the tests from source
    again. The bytecode goes to the venv and the tree's ``__pycache__`` (git ignores it); the
    standard library's, compiled when Python was installed, is used as it is, which a
    ``PYTHONPYCACHEPREFIX`` would not do. Runs on the controller before the workers start, so
    they inherit it. A ``PYTHONPYCACHEPREFIX`` already set means the caller manages bytecode
    (scripts/mutate.py writes none): then nothing changes.
    """
    if os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


_write_bytecode()


def _freeze_after_full_collection(phase: str, info: dict[str, int]) -> None:
    """Move what survives a full collection out of the collector's reach (``gc.freeze``).

    A worker's heap grows to hundreds of thousands of long-lived objects (pytest, botocore's
    models, moto, hypothesis, the collected items), and every later full collection walked all
    of them again: about 0.3 s each, 1-3 s of CPU per worker. Right after a full collection the
    younger generations are empty, so only survivors are frozen: no garbage is kept. Objects
    frozen still go when their last reference does; only a cycle among them would outlive its
    use, which a test process can afford (about 30 MB more at peak).
    """
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


gc.callbacks.append(_freeze_after_full_collection)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Freeze the heap before the interpreter exits: its final collections would walk it all
    (1-1.5 s in a worker that ran moto, which the run's end waits for)."""
    gc.freeze()


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
    import traceback

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


EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
"""The docs' examples: real files that tests run (the one copy of this path)."""

RESTORE_LIMIT = 10.0
"""Seconds Lambda allows for the whole SnapStart restore, after-restore hooks included."""


def run_python(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with ``args`` in a fresh process, output captured as text.

    ``env`` replaces the environment (``None``: inherit it). With ``ok`` the exit code must
    be 0, and a failure shows the child's stderr.
    """
    done = subprocess.run(
        [sys.executable, *args],
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def load_example(name: str) -> ModuleType:
    """Import ``docs/examples/<name>.py`` as a fresh module."""
    spec = importlib.util.spec_from_file_location(f"docs_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- AWS and X-Ray stand-ins for the optional integrations -----------------------------------


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Fake credentials and region, no config files: enough for a client a ``Stubber`` answers."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    new_default_boto3_session()


@functools.cache
def _shared_botocore_loader() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


def new_default_boto3_session() -> None:
    """A fresh boto3 default session (credentials, region and client cache all new) that
    shares one botocore data loader with the other tests: the service models are parsed
    once per test process instead of once per test (about 0.2 s of CPU each)."""
    import boto3
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_botocore_loader())
    boto3.setup_default_session(botocore_session=session)


@pytest.fixture
def ec2(aws_credentials: None) -> FakeEC2:
    """``aws_credentials``, and EC2's zone lookups answered in this process (tests/fake_ec2.py):
    a ``FakeEC2`` whose ``calls`` lists the zone IDs asked for."""
    return install()


@pytest.fixture
def aws(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``aws_credentials``, and every AWS call answered by moto (slow to start: only if needed)."""
    from moto import mock_aws

    # moto's EC2 otherwise builds tens of thousands of sample AMIs per region, per test
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():  # which sets boto3's default session aside: make a new one inside
        new_default_boto3_session()
        yield


class XRayDaemon:
    """A UDP socket on 127.0.0.1 standing in for the X-Ray daemon; reads what the SDK sends."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(5)
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"

    def lambda_environment(self, *, task_root: str, **extra: str) -> dict[str, str]:
        """What Lambda sets for an actively traced function, pointed at this daemon."""
        return {
            "LAMBDA_TASK_ROOT": task_root,
            "_X_AMZN_TRACE_ID": (
                "Root=1-6b042abe-ef65925e47bf38650a2740d1;Parent=53995c3f42cd8ad8;Sampled=1"
            ),
            "AWS_XRAY_DAEMON_ADDRESS": self.address,
            "PATH": "",
            **extra,
        }

    def entities(self, count: int) -> list[dict[str, Any]]:
        received = []
        for _ in range(count):
            datagram = self.socket.recv(65536).decode()
            header, _, body = datagram.partition("\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            received.append(json.loads(body))
        return received


@pytest.fixture
def xray() -> Iterator[XRayDaemon]:
    from aws_lambda_powertools import Tracer
    from aws_xray_sdk import global_sdk_config
    from aws_xray_sdk.core import xray_recorder

    daemon = XRayDaemon()
    Tracer._reset_config()  # type: ignore[no-untyped-call]  # options are class-wide
    global_sdk_config.set_sdk_enabled(True)  # a Tracer(disabled=True) turns the SDK off globally
    xray_recorder.configure(daemon_address=daemon.address, sampling=False)
    try:
        yield daemon
    finally:
        xray_recorder.configure(daemon_address="127.0.0.1:2000", sampling=True)
        Tracer._reset_config()  # type: ignore[no-untyped-call]
        daemon.socket.close()


@pytest.fixture
def otel() -> tuple[TracerProvider, InMemorySpanExporter]:
    """An OTel SDK tracer provider whose finished spans its in-memory exporter keeps."""
    from opentelemetry.sdk.trace import TracerProvider  # the SDK is slow to import: on use
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


# -- the end-to-end runtime tests ------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[Any]:
    """A fake Lambda Runtime API on 127.0.0.1 for a real awslambdaric child process."""
    from fake_runtime import FakeRuntimeAPI

    with FakeRuntimeAPI() as fake:
        yield fake


@pytest.fixture
def endpoint() -> Iterator[MetadataEndpoint]:
    """A metadata endpoint of the runtime tests' own, answering use1-az1."""
    with MetadataEndpoint(availability_zone_id="use1-az1") as emulator:
        yield emulator


# -- parallel runs: pyproject's addopts ask pytest-xdist for ``-n auto`` -----------------------


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per core (2 to 8): the suite mostly waits on servers, deadlines and child
    runtimes, so more workers than cores end sooner. ``-n 0`` runs it in one process."""
    import os

    return max(2, min(8, 2 * (os.cpu_count() or 1)))


# -- opt-in groups: deselected (not skipped) unless asked for ---------------------------------

OPT_IN = (
    "bench",  # uv run pytest -m bench tests/test_benchmarks.py
    "wheel",  # uv run pytest -m wheel
    "browser",  # uv run --with playwright pytest -m browser
    "docs_site",  # uv run pytest -m docs_site (CI runs it with the browser group: one site build)
    "mypy",  # uv run pytest -m mypy (CI runs it beside its own mypy step)
    "soak",  # uv run pytest -m soak: the long-outage tests at 100,000 failures
    "wrapt_matrix",  # selected when CI's wrapt matrix sets LAMBDA_METADATA_EXPECT_WRAPT
    "installed",  # selected when CI's wheel and sdist runs set LAMBDA_METADATA_EXPECT_INSTALLED
    "sam",  # uv run --with cfn-lint --with aws-sam-translator pytest -m sam (.ci/run has it)
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the opt-in groups unless ``-m`` names them (or CI sets their variable)."""
    import os

    asked = config.getoption("markexpr") or ""
    wanted = {marker for marker in OPT_IN if marker in asked}
    if os.environ.get("LAMBDA_METADATA_EXPECT_WRAPT"):
        wanted.add("wrapt_matrix")
    if os.environ.get("LAMBDA_METADATA_EXPECT_INSTALLED"):
        wanted.add("installed")
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        opt_in = {marker for marker in OPT_IN if item.get_closest_marker(marker)}
        (drop if opt_in - wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# -- time for the cache's expiries and fail-fast windows, moved on without sleeping -----------

# The public seam (``lambda_metadata.testing.FakeClock``, fixture ``lambda_metadata_clock``) is
# what the suite uses; ``fake_clock`` is its short name here.


@pytest.fixture
def fake_clock(lambda_metadata_clock: FakeClock) -> FakeClock:
    """The cache reads this ``FakeClock`` for the test's duration."""
    return lambda_metadata_clock


# -- pytester: the runs of a user's suite (in process, or in a child interpreter) ---------------


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest's ``pytester``, its runs without hypothesis's plugin, which no user's suite here
    uses. The plugin imports all of hypothesis in each run's summary (0.4 s of CPU, more on a
    fresh checkout), and an in-process run drops what it imported again when it ends."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    return pytester
