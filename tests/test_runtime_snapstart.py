"""End to end: the real awslambdaric runtime, a fake Runtime API and the metadata emulator."""

from __future__ import annotations

import pytest

pytest.importorskip("awslambdaric")  # 4.x needs Python 3.10+; it is in the dev group

from conftest import RESTORE_LIMIT
from fake_runtime import FakeRuntimeAPI, running, runtime_environment

from lambda_metadata.testing import MetadataEndpoint

pytestmark = pytest.mark.runtime
HANDLER = "az_function.handler"
RESTORE = "GET /2018-06-01/runtime/restore/next"


def test_restore_in_another_zone_is_seen_by_every_invocation_and_log_line(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint
) -> None:
    env = runtime_environment(api, endpoint.environ, initialization_type="snap-start")
    with running(HANDLER, env) as runtime:
        assert api.restore_requested.wait(15), runtime.stderr
        [init_line] = runtime.wait_for_lines("init az=")
        assert "init az=use1-az1" in init_line
        assert endpoint.request_count == 1  # init

        endpoint.availability_zone_id = "use1-az2"  # the snapshot is restored elsewhere
        api.release_restore()
        results = [api.invoke({"n": n}) for n in range(3)]

        assert [r["availability_zone_id"] for r in results] == ["use1-az2"] * 3
        assert results[0]["init_availability_zone_id"] == "use1-az1"  # computed at init: stale
        lines = runtime.wait_for_lines("invocation az=", count=3)
        for result, line in zip(results, lines, strict=True):
            assert f"\t{result['request_id']}\t" in line
            assert "invocation az=use1-az2" in line
        assert endpoint.request_count == 2  # init, after restore; none on the warm path
        assert api.init_errors == api.restore_errors == api.invocation_errors == []
        assert runtime.stderr == []
        assert runtime.returncode is None


@pytest.mark.parametrize("failure", ["hanging", "down"])
def test_endpoint_failing_during_restore_does_not_fail_the_restore(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint, failure: str
) -> None:
    env = runtime_environment(api, endpoint.environ, initialization_type="snap-start")
    with running(HANDLER, env) as runtime:
        assert api.restore_requested.wait(15), runtime.stderr
        port = int(endpoint.address.rsplit(":", 1)[1])
        if failure == "hanging":
            endpoint.impair(delay=30.0)
        else:
            endpoint.stop()
        api.release_restore()
        api.wait_until(lambda: api.polling > 0, RESTORE_LIMIT, "the restore to finish in time")

        if failure == "hanging":
            endpoint.heal()
        else:
            endpoint = MetadataEndpoint(port=port, token=endpoint.token).start()
        endpoint.availability_zone_id = "use1-az2"
        try:
            result = api.invoke({})
        finally:
            endpoint.stop()

        assert result["availability_zone_id"] == "use1-az2"
        [warning] = runtime.lines_with("[WARNING]")
        assert "lambda_metadata" in warning
        assert endpoint.token not in "\n".join(runtime.stdout + runtime.stderr)
        assert api.restore_errors == []
        assert runtime.returncode is None  # not 65 (Runtime.AfterRestoreError)


def test_on_demand_init_registers_no_hooks(api: FakeRuntimeAPI, endpoint: MetadataEndpoint) -> None:
    env = runtime_environment(api, endpoint.environ, initialization_type="on-demand")
    with running(HANDLER, env) as runtime:
        result = api.invoke({})

        assert result["availability_zone_id"] == "use1-az1"
        assert result["snapshot_restore_py_imported"] is False
        assert RESTORE not in api.paths
        assert endpoint.request_count == 1
        assert runtime.returncode is None
