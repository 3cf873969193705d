"""The SnapStart page's example runs as its docs say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"


def test_snapstart_rehearsal_example_runs() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "snapstart_rehearsal.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 0, done.stderr
    assert "'cache_node': 'cache-az2.example.internal'" in done.stdout
