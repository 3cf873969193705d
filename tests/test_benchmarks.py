"""The benchmark suite runs in quick mode and reports what it promises; no time is asserted."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The targets of issue 7 that the suite checks, as (group, numerator, denominator, comparison,
# threshold): the cached call at least 10 times faster than Powertools and at most 5 times the
# floor, the first fetch at most 1.15 times a bare http.client GET, @inject_az at most 1.5 times a
# bare wrapt pass-through and at least 3 times faster than Powertools' inject_lambda_context, every
# cold start (bare, and after the Lambda runtime's imports; plain and decorated) at most 0.8 times
# Powertools'.
TARGETS = {
    ("cached", "powertools", "ours", "at_least", 10.0),
    ("cached", "ours", "floor", "at_most", 5.0),
    ("first_fetch", "ours", "floor", "at_most", 1.15),
    ("decorator", "ours", "wrapt", "at_most", 1.5),
    ("decorator", "powertools", "ours", "at_least", 3.0),
    ("cold_start", "ours", "powertools", "at_most", 0.8),
    ("cold_start_runtime", "ours", "powertools", "at_most", 0.8),
    ("cold_start_decorated", "ours", "powertools", "at_most", 0.8),
    ("cold_start_decorated_runtime", "ours", "powertools", "at_most", 0.8),
}
QUICK_SAMPLES = {
    "cached": 5,
    "first_fetch": 100,
    "decorator": 5,
    "cold_start": 3,
    "cold_start_runtime": 3,
    "cold_start_decorated": 3,
    "cold_start_decorated_runtime": 3,
    "import_time": 3,
    "outage": 5,
}
FLOORED = [key for key in QUICK_SAMPLES if key != "import_time"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, POWERTOOLS_DEV="true")  # the suite must undo this for Powertools
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_run("--json").stdout)
    return data


def test_quick_run_reports_every_group_with_its_mode_and_machine(report: dict[str, Any]) -> None:
    assert report["mode"] == "quick"
    assert [group["key"] for group in report["groups"]] == list(QUICK_SAMPLES)
    machine = report["machine"]
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert machine["cpus"] >= 1
    assert machine["aws_lambda_powertools"] >= "3.37"


def test_every_figure_is_a_median_with_its_spread(report: dict[str, Any]) -> None:
    for group in report["groups"]:
        assert group["unit"] == "ns"
        keys = [figure["key"] for figure in group["figures"]]
        assert {"ours", "powertools"} <= set(keys), group["key"]
        for figure in group["figures"]:
            assert figure["n"] == QUICK_SAMPLES[group["key"]]
            assert 0 < figure["min"] <= figure["q1"] <= figure["median"]
            assert figure["median"] <= figure["q3"] <= figure["max"]
            assert figure["label"]


def test_groups_with_a_floor_give_each_figure_its_ratio_to_it(report: dict[str, Any]) -> None:
    groups = {group["key"]: group for group in report["groups"]}
    for key in FLOORED:
        group = groups[key]
        assert group["floor"] == "floor"
        floor = next(f for f in group["figures"] if f["key"] == "floor")
        for figure in group["figures"]:
            assert math.isclose(figure["ratio_to_floor"], figure["median"] / floor["median"])
    assert groups["import_time"]["floor"] is None


def test_ratios_are_of_medians_and_targets_are_judged(report: dict[str, Any]) -> None:
    found = set()
    for group in report["groups"]:
        medians = {figure["key"]: figure["median"] for figure in group["figures"]}
        for ratio in group["ratios"]:
            value = medians[ratio["numerator"]] / medians[ratio["denominator"]]
            assert math.isclose(ratio["value"], value)
            target = ratio["target"]
            if target is None:
                assert ratio["passed"] is None
                continue
            comparison, threshold = target["comparison"], target["threshold"]
            pair = (ratio["numerator"], ratio["denominator"])
            found.add((group["key"], *pair, comparison, threshold))
            met = value >= threshold if comparison == "at_least" else value <= threshold
            assert ratio["passed"] is met
    assert found == TARGETS


def test_the_table_shows_targets_first_then_figures_and_ratios() -> None:
    table = _run("--group", "cached").stdout
    assert table.startswith("# lambda-metadata benchmarks (quick run)")
    targets, _, group = table.partition("## Cached call")
    assert "## Targets" in targets
    assert "| ours is N\u00d7 faster than Powertools |" in targets
    assert "| floor: a function returning a module global |" in group
    assert "\u00d7 floor |" in group
    rows = [line for line in targets.splitlines() if line.startswith("| Cached call")]
    assert len(rows) == 2
    for row in rows:
        assert row.endswith(("| pass |", "| **miss** |")), row


def test_the_decorator_group_compares_four_ways_of_calling_one_handler(
    report: dict[str, Any],
) -> None:
    group = next(g for g in report["groups"] if g["key"] == "decorator")
    assert [f["key"] for f in group["figures"]] == ["ours", "wrapt", "powertools", "floor"]
    labels = {f["key"]: f["label"] for f in group["figures"]}
    assert "@inject_az" in labels["ours"]
    assert "wrapt" in labels["wrapt"]
    assert "inject_lambda_context" in labels["powertools"]
    pairs = {(r["numerator"], r["denominator"]) for r in group["ratios"]}
    assert pairs == {
        ("ours", "wrapt"),
        ("powertools", "ours"),
        ("ours", "floor"),
        ("wrapt", "floor"),
        ("powertools", "floor"),
    }
    assert any("Above the floor, ours adds" in note for note in group["notes"])


def test_decorated_cold_starts_time_import_decorate_and_one_invocation(
    report: dict[str, Any],
) -> None:
    groups = {group["key"]: group for group in report["groups"]}
    for key in ("cold_start_decorated", "cold_start_decorated_runtime"):
        labels = {f["key"]: f["label"] for f in groups[key]["figures"]}
        assert list(labels) == ["ours", "powertools", "floor"]
        assert "@inject_az" in labels["ours"]
        assert "inject_lambda_context" in labels["powertools"]
        assert "get_lambda_metadata" in labels["powertools"]


def test_import_time_includes_the_decorator_path(report: dict[str, Any]) -> None:
    group = next(g for g in report["groups"] if g["key"] == "import_time")
    labels = {f["key"]: f["label"] for f in group["figures"]}
    assert labels["ours_decorator"] == "from lambda_metadata import inject_az"
    assert labels["powertools_logger"] == "from aws_lambda_powertools import Logger"
    pairs = {(r["numerator"], r["denominator"]) for r in group["ratios"]}
    assert ("ours_decorator", "powertools_logger") in pairs


def test_the_outage_group_counts_attempts_and_requests(report: dict[str, Any]) -> None:
    group = next(g for g in report["groups"] if g["key"] == "outage")
    assert [f["key"] for f in group["figures"]] == ["ours", "powertools", "floor"]
    notes = " ".join(group["notes"])
    assert "made 6 attempts" in notes  # 30 s: windows of 0.5, 1, 2, 4, 8 and 16 s
    assert "target ≤ 1 ms" in notes
