"""SnapStart hooks: registered once under snap-start only, run as awslambdaric runs them."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from conftest import EXAMPLES, RESTORE_LIMIT, run_python

from lambda_metadata import get_lambda_metadata
from lambda_metadata._cache import cached_metadata
from lambda_metadata._constants import API_ENV, INITIALIZATION_TYPE_ENV, TOKEN_ENV
from lambda_metadata.errors import MetadataHTTPError, MetadataTimeoutError
from lambda_metadata.snapstart import refresh_after_restore
from lambda_metadata.testing import MetadataEndpoint

HOOKS = """
import json, sys
import lambda_metadata
report = {"imported": "snapshot_restore_py" in sys.modules}
if report["imported"]:
    import snapshot_restore_py as s
    from lambda_metadata.snapstart import register_hooks
    from lambda_metadata.testing import run_before_snapshot_hooks
    names = lambda hooks: [f"{f.__module__}.{f.__qualname__}" for f, _, _ in hooks]
    report.update(again=register_hooks(), before=names(s.get_before_snapshot()))
    report["after"] = names(s.get_after_restore())
    run_before_snapshot_hooks()  # the runtime empties the before-snapshot list
    report["after, once the snapshot is taken"] = names(s.get_after_restore())
    s.get_after_restore().clear()
    report["into empty lists"] = register_hooks()
print(json.dumps(report))
"""


@pytest.mark.parametrize(
    "initialization_type",
    [None, "on-demand", "provisioned-concurrency", "lambda-managed-instances", "snap-start"],
)
def test_only_snap_start_imports_snapshot_restore_py_and_registers_each_hook_once(
    initialization_type: str | None,
) -> None:
    env = {} if initialization_type is None else {INITIALIZATION_TYPE_ENV: initialization_type}
    report = json.loads(run_python("-c", HOOKS, env={"PATH": os.environ["PATH"], **env}).stdout)

    if initialization_type != "snap-start":
        assert report == {"imported": False}
        return
    after = ["lambda_metadata.snapstart.refresh_after_restore"]
    assert report == {
        "imported": True,
        "again": False,
        "before": ["lambda_metadata.snapstart.drop_cache_before_snapshot"],
        "after": after,
        "after, once the snapshot is taken": after,
        "into empty lists": True,
    }


def test_the_rehearsal_example_of_the_docs_runs() -> None:
    env = {"PATH": os.environ["PATH"], INITIALIZATION_TYPE_ENV: "snap-start"}
    done = run_python(str(EXAMPLES / "snapstart_rehearsal.py"), env=env, timeout=30)
    assert "'cache_node': 'cache-az2.example.internal'" in done.stdout


@pytest.mark.parametrize(
    ("failure", "error"), [("refused", MetadataHTTPError), ("silent", MetadataTimeoutError)]
)
def test_a_failed_refresh_after_restore_empties_the_cache_warns_once_and_opens_no_window(
    failure: str,
    error: type[Exception],
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    monkeypatch.setenv(TOKEN_ENV, "a-token-the-endpoint-refuses")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts in the kernel, never answers
        if failure == "silent":
            monkeypatch.setenv(API_ENV, "{}:{}".format(*silent.getsockname()[:2]))
        started = time.monotonic()
        refresh_after_restore()  # returns: a raising hook would abort the restore
        assert time.monotonic() - started < RESTORE_LIMIT

    assert cached_metadata() is None  # the pre-snapshot use1-az1 is not served after restore
    [warning] = [r for r in caplog.records if r.name == "lambda_metadata" and r.levelno >= 30]
    assert isinstance(warning.args, tuple)
    assert isinstance(warning.args[0], error)
    assert "a-token-the-endpoint-refuses" not in warning.getMessage()
    monkeypatch.setenv(API_ENV, lambda_metadata_endpoint.address)
    monkeypatch.setenv(TOKEN_ENV, lambda_metadata_endpoint.token)
    assert get_lambda_metadata().availability_zone_id == "use1-az2"  # at once: no window
