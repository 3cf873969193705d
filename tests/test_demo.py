"""`lambda-metadata demo` end to end, as a new user runs it: output parsed, exit code checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SCRIPT = str(Path(sys.executable).with_name("lambda-metadata"))


PHASES = ["Init", "Invocations", "SnapStart", "Restore", "Invocations after", "Summary"]


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ([SCRIPT, "demo"], "Powertools Logger"),  # auto: Powertools, which is installed
        ([sys.executable, "-m", "lambda_metadata", "demo", "--logger", "powertools"], "Powertools"),
        ([sys.executable, "-m", "lambda_metadata", "demo", "--logger", "stdlib"], "standard"),
    ],
)
def test_demo_shows_the_az_everywhere_and_the_restore(command: list[str], kind: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert time.monotonic() - started < 30, "a few seconds on a quiet machine"
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    parts = re.split(r"^== ", done.stdout, flags=re.M)[1:]  # the output at its headings
    phases = {prefix: next(part for part in parts if part.startswith(prefix)) for prefix in PHASES}
    assert f"endpoint in use1-az1, {kind}" in phases["Init"]
    for phase, zone in [("Invocations", "use1-az1"), ("Invocations after", "use1-az2")]:
        logs = json_lines(phases[phase])
        assert [line["availability_zone_id"] for line in logs] == [zone] * 3
        assert phases[phase].count(f"context.lambda_metadata.availability_zone_id = {zone!r}") == 3
        if kind != "standard":
            assert all("function_request_id" in line for line in logs)
    assert json_lines(phases["Init"])[0]["availability_zone_id"] == "use1-az1"
    assert json_lines(phases["SnapStart"])[0]["availability_zone_id"] == "-", "cache dropped"
    for line in json_lines(phases["SnapStart"]) + json_lines(phases["Restore"]):
        assert not {"function_request_id", "cold_start"} & set(line), "hooks run outside calls"
    summary = phases["Summary"]
    assert "requests to the endpoint: 2 (init: 1, restore: 1;" in summary
    first = float(re.search(r"first call: ([0-9.]+) ms", summary)[1])  # type: ignore[index]
    cached = float(re.search(r"cached call: ([0-9.]+) ns", summary)[1])  # type: ignore[index]
    assert first * 1e6 > cached > 0
