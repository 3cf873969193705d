"""Lambda Managed Instances: awslambdaric forks workers; each must get the metadata, none hang."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

import pytest
from fake_runtime import FakeRuntimeAPI, running, runtime_environment
from raw_http import RawServer, hold

from lambda_metadata import clear_metadata_cache, get_lambda_metadata
from lambda_metadata.errors import LambdaMetadataError
from lambda_metadata.testing import MetadataEndpoint


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
            # Not snap-start: no hooks (on-demand too: test_snapstart.py's table), no restore.
            assert {r["snapshot_restore_py_imported"] for r in results} == {False}
            assert "GET /2018-06-01/runtime/restore/next" not in api.paths


def _zone_id() -> str:
    return get_lambda_metadata(timeout=2).availability_zone_id


def in_forked_child(env: Mapping[str, str] = {}, call: Callable[[], object] = _zone_id) -> object:
    """Fork; in the child, with ``env`` set, ``call()``; return its JSON or the error's words."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running pytest's teardown
        os.close(read_end)
        try:
            os.environ.update(env)
            report = call()
        except BaseException as exc:  # the parent must hear of any failure
            report = f"{type(exc).__name__}: {exc}"
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_inherits_the_cached_value_and_a_worker_forked_mid_fetch_fetches(
    raw_server: Callable[[Callable[[socket.socket], object]], RawServer],
) -> None:
    with MetadataEndpoint() as endpoint:
        with endpoint.environment():
            assert get_lambda_metadata().availability_zone_id == "use1-az1"
        assert in_forked_child() == "use1-az1"
        assert endpoint.request_count == 1  # the child's came from the inherited cache
        clear_metadata_cache()
        server = raw_server(hold)  # accepts, and answers nothing while the client waits
        in_flight = threading.Thread(target=_fetch_ignoring_errors, daemon=True)
        in_flight.start()
        deadline = time.monotonic() + 5
        while server.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.connections == 1  # the parent's fetch now holds the single flight
        assert in_forked_child(endpoint.environ) == "use1-az1"  # not a timeout on that flight
        assert endpoint.request_count == 2
    in_flight.join(5)


def _fetch_ignoring_errors() -> None:
    with contextlib.suppress(LambdaMetadataError):  # the held server never answers in time
        get_lambda_metadata(timeout=1)
