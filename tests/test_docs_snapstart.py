"""The SnapStart page's example runs as its docs say."""

from __future__ import annotations

import os

from conftest import EXAMPLES, run_python


def test_snapstart_rehearsal_example_runs() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    done = run_python(str(EXAMPLES / "snapstart_rehearsal.py"), env=env, timeout=30)

    assert "'cache_node': 'cache-az2.example.internal'" in done.stdout
