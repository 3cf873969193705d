"""`lambda-metadata demo` end to end, as a new user runs it: output parsed, exit code checked."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import pytest


def _run_demo(*args: str, console_script: bool = False) -> tuple[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    if console_script:
        script = shutil.which("lambda-metadata", path=os.path.dirname(sys.executable))
        assert script, "the console script is installed next to the interpreter"
        command = [script, "demo", *args]
    else:
        command = [sys.executable, "-m", "lambda_metadata", "demo", *args]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout, elapsed


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _phases(output: str) -> dict[str, str]:
    """The output split at its '== ' headings."""
    parts = re.split(r"^== ", output, flags=re.M)
    return {part.split("\n", 1)[0]: part for part in parts[1:]}


@pytest.mark.parametrize("logger", ["powertools", "stdlib"])
def test_demo_shows_the_az_everywhere_and_the_restore(logger: str) -> None:
    output, elapsed = _run_demo("--logger", logger)
    assert elapsed < 30, "a few seconds on a quiet machine"
    phases = _phases(output)
    invocations = phases["Invocations"]
    after = phases["Invocations after the restore"]

    before_logs = _json_lines(invocations)
    after_logs = _json_lines(after)
    assert len(before_logs) == len(after_logs) == 3
    assert {line["availability_zone_id"] for line in before_logs} == {"use1-az1"}
    assert {line["availability_zone_id"] for line in after_logs} == {"use1-az2"}
    assert invocations.count("context.lambda_metadata.availability_zone_id = 'use1-az1'") == 3
    assert after.count("context.lambda_metadata.availability_zone_id = 'use1-az2'") == 3

    init = next(k for k in phases if k.startswith("Init"))
    assert _json_lines(phases[init])[0]["availability_zone_id"] == "use1-az1"
    snapshot = next(k for k in phases if k.startswith("SnapStart snapshot"))
    assert _json_lines(phases[snapshot])[0]["availability_zone_id"] == "-", "cache dropped"

    summary = phases["Summary"]
    assert "requests to the endpoint: 2 (init: 1, restore: 1;" in summary
    first = float(re.search(r"first call: ([0-9.]+) ms", summary)[1])  # type: ignore[index]
    cached = float(re.search(r"cached call: ([0-9.]+) ns", summary)[1])  # type: ignore[index]
    assert first * 1e6 > cached > 0
    if logger == "powertools":
        assert all("function_request_id" in line for line in before_logs + after_logs)
    restore = next(k for k in phases if k.startswith("Restore in another"))
    for hook_line in (*_json_lines(phases[snapshot]), *_json_lines(phases[restore])):
        assert "function_request_id" not in hook_line, "hooks run outside any invocation"
        assert "cold_start" not in hook_line


def test_demo_through_the_console_script() -> None:
    output, _ = _run_demo(console_script=True)
    assert "requests to the endpoint: 2" in output
    assert "Powertools Logger" in output, "auto picks Powertools when it is installed"


def test_demo_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lambda_metadata", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "SnapStart" in done.stdout
    assert "--logger" in done.stdout
