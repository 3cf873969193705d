"""asyncio handlers under the real awslambdaric runtime: what works, what the runtime refuses."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("awslambdaric")  # 4.x needs Python 3.10+; it is in the dev group

from conftest import EXAMPLES
from fake_runtime import HANDLERS_DIR, FakeRuntimeAPI, running, runtime_environment

from lambda_metadata.testing import MetadataEndpoint

pytestmark = pytest.mark.runtime


def test_the_documented_pattern_returns_the_az(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint
) -> None:
    """docs/examples/decorator_async.py as Lambda runs it: a sync entry point, asyncio.run."""
    path = os.pathsep.join([str(EXAMPLES), str(HANDLERS_DIR)])
    env = runtime_environment(
        api, endpoint.environ, initialization_type="on-demand", PYTHONPATH=path
    )
    with running("decorator_async.handler", env) as runtime:
        results = [api.invoke({"n": n}) for n in range(3)]
        assert runtime.returncode is None, runtime.stderr

    assert [r["availability_zone_id"] for r in results] == ["use1-az1"] * 3
    assert [r["request_id"] for r in results] == ["request-1", "request-2", "request-3"]
    assert api.invocation_errors == api.init_errors == []
    assert endpoint.request_count == 1  # the warm invocations read the cache


def test_an_async_def_handler_is_not_awaited_by_the_runtime(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint
) -> None:
    """Why the docs say so: the runtime JSON-encodes the coroutine it gets back, and fails."""
    env = runtime_environment(api, endpoint.environ, initialization_type="on-demand")
    with running("async_direct_function.handler", env) as runtime:
        request_id = api.submit({})
        api.wait_until(lambda: len(api.invocation_errors) == 1, 15, "the invocation error")
        assert runtime.returncode is None

    (error,) = api.invocation_errors
    assert request_id in error.path
    assert error.json()["errorType"] == "Runtime.MarshalError"
    assert "coroutine is not JSON serializable" in error.json()["errorMessage"], error.json()
