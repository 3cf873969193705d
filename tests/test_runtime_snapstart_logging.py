"""End to end: after a restore in another AZ, the context, the cache and every log line agree.

The real awslambdaric runtime runs ``az_logging_function``: a Powertools ``Logger``
with ``inject_lambda_context(clear_state=True)`` outside ``@inject_az``, stdlib
logging with ``%(availability_zone_id)s`` in its format, and two after-restore hooks
of its own, one running before the library's refresh and one after it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("awslambdaric")  # 4.x needs Python 3.10+; it is in the dev group

from conftest import RESTORE_LIMIT
from fake_runtime import FakeRuntimeAPI, RuntimeProcess, running, runtime_environment

from lambda_metadata.testing import MetadataEndpoint

pytestmark = pytest.mark.runtime
HANDLER = "az_logging_function.handler"
INVOCATIONS = 3


def stdlib_zones(runtime: RuntimeProcess, phase: str, count: int = 1) -> list[str]:
    """The AZ in each stdlib line of ``phase`` (``STDLIB az=<az> logger=az_app phase=...``)."""
    lines = runtime.wait_for_lines(f"logger=az_app phase={phase}", count)
    return [line.removeprefix("STDLIB az=").split(" ", 1)[0] for line in lines]


def powertools_records(runtime: RuntimeProcess, phase: str, count: int = 1) -> list[Any]:
    """Each Powertools JSON line of ``phase``, parsed."""
    lines = runtime.wait_for_lines(f'"message":"phase={phase}', count)
    return [json.loads(line) for line in lines]


def event_zones(runtime: RuntimeProcess, count: int) -> list[str]:
    """The AZ in each event line that ``inject_lambda_context(log_event=True)`` logs."""
    lines = runtime.wait_for_lines('"message":{"n":', count)
    return [json.loads(line)["availability_zone_id"] for line in lines]


def powertools_zones(runtime: RuntimeProcess, phase: str, count: int = 1) -> list[str]:
    return [record["availability_zone_id"] for record in powertools_records(runtime, phase, count)]


def start_and_snapshot(runtime: RuntimeProcess, api: FakeRuntimeAPI) -> None:
    """Wait for init and the before-snapshot hooks: the runtime asks for ``restore/next``."""
    assert api.restore_requested.wait(15), (runtime.stdout, runtime.stderr)


def test_after_a_restore_in_another_zone_everything_reports_the_new_zone(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint
) -> None:
    env = runtime_environment(api, endpoint.environ, initialization_type="snap-start")
    with running(HANDLER, env) as runtime:
        start_and_snapshot(runtime, api)
        assert stdlib_zones(runtime, "init") == ["use1-az1"]
        assert powertools_zones(runtime, "init") == ["use1-az1"]
        assert endpoint.request_count == 1  # init

        endpoint.availability_zone_id = "use1-az2"  # the snapshot is restored elsewhere
        api.release_restore()
        results = [api.invoke({"n": n}) for n in range(INVOCATIONS)]

        for result in results:
            assert result["context_availability_zone_id"] == "use1-az2"
            assert result["availability_zone_id"] == "use1-az2"
        assert stdlib_zones(runtime, "invocation", INVOCATIONS) == ["use1-az2"] * INVOCATIONS
        records = powertools_records(runtime, "invocation", INVOCATIONS)
        assert [r["availability_zone_id"] for r in records] == ["use1-az2"] * INVOCATIONS
        assert [r["function_request_id"] for r in records] == [r["request_id"] for r in results]
        assert event_zones(runtime, INVOCATIONS) == ["use1-az2"] * INVOCATIONS
        assert endpoint.request_count == 2  # init and restore; none on the warm path

        # The window between the restore and the library's refresh: a hook that runs
        # before it sees no AZ (the cache was emptied before the snapshot), never the old
        # one; a hook that runs after it sees the new one.
        assert stdlib_zones(runtime, "early-hook") == ["-"]
        assert powertools_zones(runtime, "early-hook") == ["-"]
        assert stdlib_zones(runtime, "late-hook") == ["use1-az2"]
        assert powertools_zones(runtime, "late-hook") == ["use1-az2"]
        assert not [line for line in runtime.stdout if "use1-az1" in line and "init" not in line]
        assert runtime.lines_with("az=no-factory") == []  # every record went through the factory
        assert api.init_errors == api.restore_errors == api.invocation_errors == []
        assert runtime.stderr == []
        assert runtime.returncode is None


def test_endpoint_down_during_restore_then_the_first_invocation_fetches_the_new_zone(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint
) -> None:
    env = runtime_environment(api, endpoint.environ, initialization_type="snap-start")
    with running(HANDLER, env) as runtime:
        start_and_snapshot(runtime, api)
        assert stdlib_zones(runtime, "init") == ["use1-az1"]
        port = int(endpoint.address.rsplit(":", 1)[1])
        endpoint.stop()
        api.release_restore()
        api.wait_until(lambda: api.polling > 0, RESTORE_LIMIT, "the restore to finish in time")

        back = MetadataEndpoint(
            port=port, token=endpoint.token, availability_zone_id="use1-az2"
        ).start()
        try:
            results = [api.invoke({"n": n}) for n in range(INVOCATIONS)]
        finally:
            back.stop()

        for result in results:
            assert result["context_availability_zone_id"] == "use1-az2"
            assert result["availability_zone_id"] == "use1-az2"
        assert stdlib_zones(runtime, "invocation", INVOCATIONS) == ["use1-az2"] * INVOCATIONS
        assert powertools_zones(runtime, "invocation", INVOCATIONS) == ["use1-az2"] * INVOCATIONS
        assert back.request_count == 1  # the first invocation's lazy fetch, then cache hits
        # The event line of the first invocation is logged outside @inject_az, before its fetch.
        assert event_zones(runtime, INVOCATIONS) == ["-"] + ["use1-az2"] * (INVOCATIONS - 1)

        # Until that fetch, nothing claims an AZ: the refresh's warning and both hooks say "-".
        [warning] = runtime.lines_with("logger=lambda_metadata ")
        assert warning.startswith("STDLIB az=- logger=lambda_metadata ")
        assert "after the SnapStart restore failed" in warning
        assert stdlib_zones(runtime, "early-hook") == stdlib_zones(runtime, "late-hook") == ["-"]
        assert powertools_zones(runtime, "early-hook") == ["-"]
        assert powertools_zones(runtime, "late-hook") == ["-"]
        assert endpoint.token not in "\n".join(runtime.stdout + runtime.stderr)
        assert api.restore_errors == api.invocation_errors == []
        assert runtime.returncode is None  # not 65 (Runtime.AfterRestoreError)
