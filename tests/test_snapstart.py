"""SnapStart hooks: registered once under snap-start only, run as awslambdaric runs them."""

from __future__ import annotations

import json
import os

import pytest
from conftest import EXAMPLES, run_python

from lambda_metadata._constants import INITIALIZATION_TYPE_ENV

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
