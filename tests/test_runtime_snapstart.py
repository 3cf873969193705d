"""End to end: the real awslambdaric runtime, a fake Runtime API and the metadata emulator,
through init, snapshot, a restore in another AZ and invocations (the functions, and what they
log, are described in runtime_handlers/)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

pytest.importorskip("awslambdaric")  # 4.x needs Python 3.10+; it is in the dev group

from conftest import RESTORE_LIMIT
from fake_runtime import FakeRuntimeAPI, RuntimeProcess, running, runtime_environment

from lambda_metadata.testing import MetadataEndpoint

pytestmark = pytest.mark.runtime
N = 3
"""Invocations after the restore."""


@contextmanager
def snapshotted(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint, handler: str = "az_logging_function.handler"
) -> Iterator[RuntimeProcess]:
    """Run ``handler`` under snap-start, from when init and the before-snapshot hooks ran."""
    env = runtime_environment(api, endpoint.environ, initialization_type="snap-start")
    with running(handler, env) as runtime:
        assert api.restore_requested.wait(15), (runtime.stdout, runtime.stderr)
        yield runtime


def zones(runtime: RuntimeProcess, phase: str, count: int = 1) -> tuple[list[str], list[str]]:
    """The AZ in each stdlib line and in each Powertools JSON line of ``phase``."""
    stdlib = runtime.wait_for_lines(f"logger=az_app phase={phase}", count)
    json_lines = runtime.wait_for_lines(f'"message":"phase={phase}', count)
    return (
        [line.removeprefix("STDLIB az=").split(" ", 1)[0] for line in stdlib],
        [json.loads(line)["availability_zone_id"] for line in json_lines],
    )


def invoke(api: FakeRuntimeAPI) -> list[dict[str, str]]:
    """Invoke ``N`` times; each response's AZs are the restored zone's."""
    results = [api.invoke({"n": n}) for n in range(N)]
    for result in results:
        assert result["availability_zone_id"] == "use1-az2"
        assert result.get("context_availability_zone_id", "use1-az2") == "use1-az2"
    return results


def test_a_value_computed_at_init_is_stale_after_a_restore_but_the_cache_is_not(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint
) -> None:
    with snapshotted(api, endpoint, "az_function.handler") as runtime:
        assert "init az=use1-az1" in runtime.wait_for_lines("init az=")[0]
        endpoint.availability_zone_id = "use1-az2"  # the snapshot is restored elsewhere
        api.release_restore()
        results = invoke(api)

        assert results[0]["init_availability_zone_id"] == "use1-az1"  # computed at init: stale
        lines = runtime.wait_for_lines("invocation az=", count=N)
        for result, line in zip(results, lines, strict=True):
            assert f"\t{result['request_id']}\t" in line
            assert "invocation az=use1-az2" in line
        assert endpoint.request_count == 2  # init, after restore; none on the warm path
        assert api.init_errors == api.restore_errors == api.invocation_errors == []
        assert (runtime.stderr, runtime.returncode) == ([], None)


@pytest.mark.parametrize(("failure", "late"), [(None, "use1-az2"), ("hanging", "-"), ("down", "-")])
def test_after_a_restore_in_another_zone_everything_reports_the_new_zone(
    api: FakeRuntimeAPI, endpoint: MetadataEndpoint, failure: str | None, late: str
) -> None:
    """With the endpoint failing during the restore, nothing claims an AZ until the first
    invocation fetches the new zone; the restore still succeeds."""
    with snapshotted(api, endpoint) as runtime:
        assert zones(runtime, "init") == (["use1-az1"], ["use1-az1"])
        assert endpoint.request_count == 1  # init
        port = int(endpoint.address.rsplit(":", 1)[1])
        if failure == "hanging":
            endpoint.impair(delay=30.0)
        elif failure == "down":
            endpoint.stop()
        endpoint.availability_zone_id = "use1-az2"  # the snapshot is restored elsewhere
        api.release_restore()
        api.wait_until(lambda: api.polling > 0, RESTORE_LIMIT, "the restore to finish in time")
        if failure is not None:  # back, as it was before the restore, answering the new zone
            if failure == "hanging":
                endpoint.reset(token=endpoint.token)
            else:
                endpoint = MetadataEndpoint(port=port, token=endpoint.token).start()
            endpoint.availability_zone_id = "use1-az2"
        try:
            results = invoke(api)
        finally:
            endpoint.stop()

        assert zones(runtime, "invocation", N) == (["use1-az2"] * N, ["use1-az2"] * N)
        records = [
            json.loads(line) for line in runtime.wait_for_lines('"message":"phase=invocation', N)
        ]
        assert [r["function_request_id"] for r in records] == [r["request_id"] for r in results]
        # After a failed refresh the first invocation's event line is logged before its fetch.
        events = [json.loads(line) for line in runtime.wait_for_lines('"message":{"n":', N)]
        assert [e["availability_zone_id"] for e in events] == [late] + ["use1-az2"] * (N - 1)
        assert endpoint.request_count == (2 if failure is None else 1)  # none on the warm path
        # Between the restore and the library's refresh, a hook sees no AZ (the cache was
        # emptied before the snapshot), never the old one; after it, the new one if it came.
        assert zones(runtime, "early-hook") == (["-"], ["-"])
        assert zones(runtime, "late-hook") == ([late], [late])
        assert not [line for line in runtime.stdout if "use1-az1" in line and "init" not in line]
        assert runtime.lines_with("az=no-factory") == []  # every record went through the factory
        warnings = runtime.lines_with("logger=lambda_metadata ")
        assert len(warnings) == (failure is not None)
        for warning in warnings:
            assert warning.startswith("STDLIB az=- logger=lambda_metadata ")
            assert "after the SnapStart restore failed" in warning
        assert endpoint.token not in "\n".join(runtime.stdout + runtime.stderr)
        assert api.init_errors == api.restore_errors == api.invocation_errors == []
        assert (runtime.stderr, runtime.returncode) == ([], None)  # not 65 (AfterRestoreError)
