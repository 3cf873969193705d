"""SnapStart hooks: registered once under snap-start only, run as awslambdaric runs them."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator

import pytest
import snapshot_restore_py  # type: ignore[import-untyped]
from conftest import RESTORE_LIMIT, run_python

from lambda_metadata import get_lambda_metadata
from lambda_metadata._cache import cached_metadata
from lambda_metadata._constants import API_ENV, INITIALIZATION_TYPE_ENV, TOKEN_ENV
from lambda_metadata.errors import MetadataTimeoutError
from lambda_metadata.snapstart import refresh_after_restore, register_hooks
from lambda_metadata.testing import (
    MetadataEndpoint,
    run_after_restore_hooks,
    run_before_snapshot_hooks,
)


def run_code(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter whose environment holds only ``env`` (and PATH)."""
    return run_python("-c", code, env={"PATH": os.environ.get("PATH", ""), **env}).stdout


@pytest.fixture
def snapstart_registry() -> Iterator[None]:
    """Empty hook registries for the test, the previous content restored afterwards."""
    before, after = (
        snapshot_restore_py.get_before_snapshot(),
        snapshot_restore_py.get_after_restore(),
    )
    saved = before[:], after[:]
    before.clear()
    after.clear()
    yield
    before[:], after[:] = saved


def warnings_from_library(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "lambda_metadata" and r.levelno == logging.WARNING
    ]


COUNT_OUR_HOOKS = """
import json
import lambda_metadata, lambda_metadata.snapstart
from lambda_metadata.testing import run_before_snapshot_hooks
import snapshot_restore_py as s
names = lambda hooks: [f"{f.__module__}.{f.__qualname__}" for f, _, _ in hooks]
report = {"again": lambda_metadata.snapstart.register_hooks(),
          "before": names(s.get_before_snapshot()), "after": names(s.get_after_restore())}
run_before_snapshot_hooks()  # the runtime empties the before-snapshot list
report["after, once the snapshot is taken"] = names(s.get_after_restore())
print(json.dumps(report))
"""


def test_snap_start_registers_each_hook_once() -> None:
    result = json.loads(run_code(COUNT_OUR_HOOKS, **{INITIALIZATION_TYPE_ENV: "snap-start"}))

    assert result == {
        "again": False,
        "before": ["lambda_metadata.snapstart.drop_cache_before_snapshot"],
        "after": ["lambda_metadata.snapstart.refresh_after_restore"],
        "after, once the snapshot is taken": ["lambda_metadata.snapstart.refresh_after_restore"],
    }


@pytest.mark.parametrize(
    "initialization_type",
    [None, "on-demand", "provisioned-concurrency", "lambda-managed-instances"],
)
def test_other_initialization_types_do_not_import_snapshot_restore_py(
    initialization_type: str | None,
) -> None:
    env = {} if initialization_type is None else {INITIALIZATION_TYPE_ENV: initialization_type}
    code = "import sys, lambda_metadata; print('snapshot_restore_py' in sys.modules)"

    assert run_code(code, **env).strip() == "False"


def test_hooks_run_by_the_runtime_move_the_cache_to_the_new_zone(
    lambda_metadata_endpoint: MetadataEndpoint, snapstart_registry: None
) -> None:
    assert register_hooks() is True
    assert get_lambda_metadata().availability_zone_id == "use1-az1"

    run_before_snapshot_hooks()
    assert cached_metadata() is None
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    run_after_restore_hooks()

    refreshed = cached_metadata()  # stored by the hook, before any invocation asks
    assert refreshed is not None
    assert refreshed.availability_zone_id == "use1-az2"
    assert get_lambda_metadata().availability_zone_id == "use1-az2"
    assert lambda_metadata_endpoint.request_count == 2  # init, restore; the warm call is a hit


def test_failed_refresh_after_restore_leaves_the_cache_empty_and_warns_once(
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    monkeypatch.setenv(TOKEN_ENV, "a-token-the-endpoint-refuses")
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"

    refresh_after_restore()  # returns: a raising hook would abort the restore

    assert cached_metadata() is None  # the pre-snapshot use1-az1 is not served after restore
    [warning] = warnings_from_library(caplog)
    assert "a-token-the-endpoint-refuses" not in warning.getMessage()
    monkeypatch.setenv(TOKEN_ENV, lambda_metadata_endpoint.token)
    assert get_lambda_metadata().availability_zone_id == "use1-az2"


def test_refresh_after_restore_gives_up_on_a_silent_endpoint_inside_the_restore_limit(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts in the kernel, never answers
        host, port = silent.getsockname()[:2]
        monkeypatch.setenv(API_ENV, f"{host}:{port}")
        monkeypatch.setenv(TOKEN_ENV, "silent-server-token")
        hook = threading.Thread(target=refresh_after_restore, daemon=True)
        hook.start()
        hook.join(RESTORE_LIMIT)

        assert not hook.is_alive()
    [warning] = warnings_from_library(caplog)
    assert isinstance(warning.args, tuple)
    assert isinstance(warning.args[0], MetadataTimeoutError)
    assert cached_metadata() is None
