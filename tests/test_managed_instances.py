"""Lambda Managed Instances: awslambdaric forks workers; each must get the metadata, none hang."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fake_runtime import FakeRuntimeAPI, running, runtime_environment

from lambda_metadata import get_lambda_metadata
from lambda_metadata._constants import API_ENV, TOKEN_ENV
from lambda_metadata.errors import MetadataTimeoutError
from lambda_metadata.testing import MetadataEndpoint

FORK_WITH_THREADS = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"  # the emulator's threads
)


@pytest.mark.runtime
def test_each_worker_of_the_real_runtime_gets_the_metadata() -> None:
    pytest.importorskip("awslambdaric", minversion="4.0")  # 4.0 added the forked workers
    with MetadataEndpoint() as endpoint, FakeRuntimeAPI() as api:
        env = runtime_environment(
            api,
            endpoint.environ,
            initialization_type="lambda-managed-instances",
            AWS_LAMBDA_MAX_CONCURRENCY="2",
        )
        with running("az_function.handler", env) as runtime:
            init_lines = runtime.wait_for_lines("init az=use1-az1", count=2)
            api.wait_until(lambda: api.polling == 2, 15, "both workers to ask for an invocation")
            request_ids = [api.submit({"n": n}) for n in range(2)]
            results = [api.result(request_id) for request_id in request_ids]

            init_pids = {line.rsplit("pid=", 1)[1] for line in init_lines}
            assert len(init_pids) == 2  # two forked workers, each importing the function
            assert str(runtime.process.pid) not in init_pids
            assert {str(r["pid"]) for r in results} == init_pids
            assert {r["availability_zone_id"] for r in results} == {"use1-az1"}
            assert endpoint.request_count == 2  # one per worker at init, none on the warm path
            assert api.init_errors == api.invocation_errors == []


def in_forked_child(code: str) -> dict[str, object]:
    """Fork, run ``code`` in the child with ``get_lambda_metadata`` at hand, return its JSON."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running pytest's teardown
        os.close(read_end)
        try:
            namespace: dict[str, Any] = {"get_lambda_metadata": get_lambda_metadata}
            exec(code, namespace)
            report = namespace["report"]
        except BaseException as exc:  # the parent must hear of any failure
            report = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)  # type: ignore[no-any-return]


@pytest.fixture
def silent_listener() -> Iterator[tuple[socket.socket, threading.Event]]:
    """Accepts connections and never answers; the event is set once one is accepted."""
    accepted = threading.Event()
    held: list[socket.socket] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.05)
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                try:
                    held.append(listener.accept()[0])
                    accepted.set()
                except TimeoutError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield listener, accepted
        stop.set()
        thread.join(2)
    for conn in held:
        conn.close()


@FORK_WITH_THREADS
def test_a_forked_worker_inherits_the_cached_value_without_a_request(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    assert get_lambda_metadata().availability_zone_id == "use1-az1"

    report = in_forked_child("report = {'az': get_lambda_metadata().availability_zone_id}")

    assert report == {"az": "use1-az1"}
    assert lambda_metadata_endpoint.request_count == 1


@FORK_WITH_THREADS
def test_a_worker_forked_mid_fetch_fetches_for_itself(
    lambda_metadata_endpoint: MetadataEndpoint,
    silent_listener: tuple[socket.socket, threading.Event],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listener, accepted = silent_listener
    host, port = listener.getsockname()[:2]
    monkeypatch.setenv(API_ENV, f"{host}:{port}")
    in_flight = threading.Thread(target=_fetch_ignoring_errors, daemon=True)
    in_flight.start()
    assert accepted.wait(5)  # the parent's fetch now holds the single flight

    report = in_forked_child(
        f"import os\n"
        f"os.environ[{API_ENV!r}] = {lambda_metadata_endpoint.address!r}\n"
        f"os.environ[{TOKEN_ENV!r}] = {lambda_metadata_endpoint.token!r}\n"
        "report = {'az': get_lambda_metadata(timeout=2).availability_zone_id}"
    )

    assert report == {"az": "use1-az1"}  # not a timeout waiting on the parent's flight
    assert lambda_metadata_endpoint.request_count == 1
    in_flight.join(5)


def _fetch_ignoring_errors() -> None:
    with contextlib.suppress(MetadataTimeoutError):  # the silent listener never answers
        get_lambda_metadata(timeout=1)
