"""What many test files share: child interpreters, the docs' examples, the X-Ray and OTel
stand-ins, the fake Lambda runtime and a metadata endpoint. The raw-socket servers are in
raw_http.py, the AWS stand-ins in fake_ec2.py (both loaded below as plugins)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from lambda_metadata.testing import FakeClock, MetadataEndpoint

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

pytest_plugins = ["pytester", "raw_http", "fake_ec2"]

ROOT = Path(__file__).resolve().parent.parent  # or the copy CI's wheel and sdist runs use
EXAMPLES = ROOT / "docs" / "examples"  # the docs' examples: real files that tests run
RESTORE_LIMIT = 10.0  # seconds Lambda allows for the whole restore, after-restore hooks included


def run(*command: object, ok: bool = True, **options: Any) -> subprocess.CompletedProcess[str]:
    """Run ``command`` to its end, its output captured as text; ``options`` go to
    ``subprocess.run`` (60 s unless ``timeout``). With ``ok``, a failure shows the output."""
    options = {"timeout": 60, **options}
    done = subprocess.run(list(map(str, command)), capture_output=True, text=True, **options)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def run_python(*args: object, **options: Any) -> subprocess.CompletedProcess[str]:
    """``run`` this interpreter with ``args``."""
    return run(sys.executable, *args, **options)


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Import the file ``path`` as a fresh module named ``name`` (its stem by default), listed
    in ``sys.modules`` only if no module of that name is (a dataclass looks its module up)."""
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def load_example(name: str) -> ModuleType:
    """Import ``docs/examples/<name>.py`` as a fresh module."""
    return load_module(EXAMPLES / f"{name}.py", f"docs_example_{name}")


# -- X-Ray and OTel stand-ins for the tracing integrations ------------------------------------


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


# -- the end-to-end runtime tests, and the clock ----------------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's wheel, built once (CI's run of a built wheel has no source: its wheel)."""
    if os.environ.get("LAMBDA_METADATA_WHEEL"):
        return Path(os.environ["LAMBDA_METADATA_WHEEL"])
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    out = tmp_path_factory.mktemp("dist")
    run(uv, "build", "--wheel", "--out-dir", out, ROOT, timeout=600)
    (built,) = out.glob("lambda_metadata-*.whl")
    return built


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


@pytest.fixture
def fake_clock(lambda_metadata_clock: FakeClock) -> FakeClock:
    """The public ``lambda_metadata_clock`` fixture by its short name."""
    return lambda_metadata_clock


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per core (2 to 8) for ``-n auto``: the suite mostly waits."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest's ``pytester``, its runs without hypothesis's plugin, which no user's suite here
    uses (it imports all of hypothesis in each run's summary: 0.4 s of CPU)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    return pytester
