"""The benchmark harness: its logic, and the committed run the docs show instead of typed figures
(fast, default run); one quick run of the whole suite checked against what the report promises
(``-m bench``; CI runs it once). No time is asserted."""

from __future__ import annotations

import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_python

from benchmarks import _report as report
from benchmarks._groups import GROUPS, _read_imports
from benchmarks._harness import imported_after, importtime, interleave

RUN = ROOT / "docs" / "benchmarks"
SVG = "{http://www.w3.org/2000/svg}"
FIGURE = re.compile(r"\d(?:[.,]\d+)?\s*(?:×|ms\b|µs|ns\b)")
"""A timing or a ratio typed into prose: 1.49 times, 10.8 ms, 732 ns."""


def test_rounds_interleave_subjects_in_rotating_order_and_drop_the_warmup() -> None:
    seen: list[str] = []

    def sample(key: str) -> dict[str, float]:
        seen.append(key)
        return {key: float(len(seen)), f"{key}+": 0.5} if key == "b" else {key: float(len(seen))}

    samples = interleave(["a", "b", "c"], rounds=2, warmup=1, sample=sample)
    assert seen == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert samples == {"b": [4.0, 9.0], "b+": [0.5, 0.5], "c": [5.0, 7.0], "a": [6.0, 8.0]}


# A made-up `-X importtime` output after the runtime's imports: the decorator path imports wrapt,
# which imports asyncio; d is a second top-level import.
IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:        10 |         10 | bootstrap
import time:         5 |          5 |     asyncio
import time:         7 |         12 |   wrapt
import time:         3 |         15 | lambda_metadata._decorator
import time:         4 |          4 | d
"""


def test_importtime_sums_the_top_level_imports_after_the_prelude() -> None:
    assert importtime(IMPORTTIME)[1:3] == [("asyncio", 2, 5), ("wrapt", 1, 12)]
    assert imported_after(IMPORTTIME, "bootstrap") == 19_000.0
    with pytest.raises(RuntimeError, match="absent"):
        imported_after(IMPORTTIME, "absent")
    stderr = IMPORTTIME.replace("bootstrap", "awslambdaric.bootstrap")
    # the decorator path's own share: its total minus wrapt's, both from the same process
    assert _read_imports("decorator", "", stderr) == {"decorator": 19_000.0, "own": 7_000.0}
    assert _read_imports("ours", "", stderr) == {"ours": 19_000.0}


def test_durations_print_with_three_digits() -> None:
    durations = [report.format_ns(ns) for ns in (412, 999.7, 1234, 45.6e6, -2e6)]
    assert durations == ["412 ns", "1.00 µs", "1.23 µs", "45.6 ms", "-2.00 ms"]


def _run(**medians: float) -> dict[str, Any]:
    group = report.Group(
        "g",
        "Group",
        "one thing",
        {key: f"label {key}" for key in medians},
        (
            report.Measure("ours ÷ Powertools", "ours", "powertools", at_most=0.6),
            report.Measure("ours adds", "ours", at_most=1e6),
            report.Measure("ours ÷ floor", "ours", "floor"),
        ),
        chart=(("Row", "ours", "powertools"),),
    )
    samples = {key: [m * 0.9, m, m * 1.2] for key, m in medians.items()}
    machine = {"date": "2026-12-04 00:00", "cpu_count": 2, "cpu_model_name": "x"}
    machine |= {"implementation": "CPython", "python": "3.11.7", "load_avg_1min": 1.0}
    machine |= dict.fromkeys(report.PACKAGES, "1.0")
    return {"mode": "quick", "machine": machine, "groups": [report.group_json(group, samples, {})]}


def test_a_group_gives_medians_quartiles_ratios_verdicts_chart_rows_and_narrow_tables() -> None:
    run = _run(ours=2e6, powertools=4e6, floor=1e6)
    group = run["groups"][0]
    ours = group["subjects"][0]
    assert (ours["n"], ours["median"], ours["min"], ours["max"]) == (3, 2e6, 1.8e6, 2.4e6)
    assert ours["q1"] <= ours["median"] <= ours["q3"]
    verdicts = [(m["label"], m["unit"], m["value"], m["passed"]) for m in group["measures"]]
    assert verdicts == [
        ("ours ÷ Powertools", "x", 0.5, True),
        ("ours adds", "ns", 2e6, False),
        ("ours ÷ floor", "x", 2.0, None),
    ]
    assert group["chart"] == [
        {"label": "Row", "ours": "ours", "powertools": "powertools"} | {"value": 2.0}
    ]
    text = report.render(run)
    assert "| Group | ours ÷ Powertools | 0.50× | ≤ 0.60× | met |" in text
    assert "| Group | ours adds | 2.00 ms | ≤ 1.00 ms | **missed** |" in text
    assert "| Group | ours ÷ floor | 2.00× | — | info |" in text
    assert "| label ours | 2.00 ms | 1.90 ms … 2.20 ms | 2.00× |" in text
    widths = {line.count("|") - 1 for line in text.splitlines() if line.startswith("|")}
    assert max(widths) <= 5


def _bars(svg: str) -> list[tuple[str, str, float]]:
    """(label, printed value, value read back from the bar's geometry) of every row."""
    groups = list(ET.fromstring(svg).iter(f"{SVG}g"))
    ticks: dict[str | None, float] = {}
    for tick in (g for g in groups if g.get("class") == "tick"):
        line = tick.find(f"{SVG}line")
        assert line is not None
        ticks[tick.findtext(f"{SVG}text")] = float(line.attrib["x1"])
    one, ten = ticks["1.00×"], ticks["10.0×"]
    bars = []
    for row in (g for g in groups if g.get("class") == "row"):
        label, value = (t.text or "" for t in row.iter(f"{SVG}text"))
        rect = row.find(f"{SVG}rect")
        assert rect is not None
        left, width = float(rect.attrib["x"]), float(rect.attrib["width"])
        end = left + width if left >= one else left
        bars.append((label, value, 10 ** ((end - one) / (ten - one))))
    return bars


def _check_chart(run: dict[str, Any], svg: str) -> None:
    rows = [row for group in run["groups"] for row in group["chart"]]
    bars = _bars(svg)
    assert [label for label, _, _ in bars] == [row["label"].replace("`", "") for row in rows]
    for (_, printed, drawn), row in zip(bars, rows, strict=True):
        assert printed == report.format_times(row["value"])
        assert math.isclose(drawn, row["value"], rel_tol=0.01), (row, drawn)


def test_the_chart_draws_each_row_at_its_value() -> None:
    run = _run(ours=2e6, powertools=4e6, floor=1e6)
    slower = _run(ours=4e6, powertools=1e6, floor=1e6)["groups"][0]
    run["groups"].append(slower | {"chart": [slower["chart"][0] | {"label": "Slower"}]})
    _check_chart(run, report.chart(run))


def test_the_matrix_has_a_row_per_cell_and_a_column_per_measure() -> None:
    cells = [_run(ours=2e6, powertools=4e6, floor=1e6), _run(ours=2e6, powertools=1e6, floor=1)]
    lines = report.render_matrix(cells).splitlines()
    assert lines[0] == "Targets: ours ÷ Powertools ≤ 0.60×; ours adds ≤ 1.00 ms; ours ÷ floor —."
    assert lines[2] == "| Python | wrapt | ours ÷ Powertools | ours adds | ours ÷ floor |"
    assert lines[4] == "| 3.11.7 | 1.0 | 0.50× | 2.00 ms (**missed**) | 2.00× |"
    assert lines[5].startswith("| 3.11.7 | 1.0 | 2.00× (**missed**) |")


# ----------------------------------------------- the committed run the benchmarks page shows


def test_the_docs_show_the_committed_run_generated_from_its_json_and_type_no_figure() -> None:
    run = json.loads((RUN / "run.json").read_text(encoding="utf-8"))
    assert run["mode"] == "full"
    assert [group["key"] for group in run["groups"]] == list(GROUPS)
    markdown = (RUN / "run.md").read_text(encoding="utf-8")
    assert markdown == report.render(run)
    svg = (RUN / "ratios.svg").read_text(encoding="utf-8")
    assert svg == report.chart(run)
    _check_chart(run, svg)
    cells = json.loads((RUN / "matrix.json").read_text(encoding="utf-8"))
    assert (RUN / "matrix.md").read_text(encoding="utf-8") == report.render_matrix(cells)
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for name in ("run.md", "matrix.md"):
        assert f'--8<-- "docs/benchmarks/{name}"' in page
    assert "](benchmarks/ratios.svg)" in page.split("\n## ")[0]  # the chart opens the page
    # README and the decorator page show the committed run's chart and tables, typing no figure
    speed = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Speed\n", 1)[1]
    speed = speed.split("\n## ", 1)[0]
    assert "](docs/benchmarks/ratios.svg)" in speed  # the committed run's chart
    decorator = (ROOT / "docs" / "decorator.md").read_text(encoding="utf-8")
    assert '--8<-- "docs/benchmarks/run.md:decorator"' in decorator
    assert '--8<-- "docs/benchmarks/matrix.md"' in decorator
    assert not FIGURE.findall(speed + decorator)
    section = markdown.split("<!-- --8<-- [start:decorator] -->", 1)[1].split("[end:decorator]")[0]
    for included in ("`@inject_az`", "bare `@wrapt.decorator`", "Against its targets:"):
        assert included in section


# ------------------------------------------- one quick run of the whole suite (-m bench)

# (group, numerator, denominator, at_most, at_least): the documented targets, and at most 1 ms
# per fail-fast invocation during an outage.
TARGETS = {
    ("cached", "powertools", "ours", None, 10),
    ("cached", "ours", "floor", 5, None),
    ("first_fetch", "ours", "floor", 1.08, None),
    ("decorator", "ours", "wrapt", 1.5, None),
    ("decorator", "powertools", "ours", None, 3),
    ("cold_start", "ours", "powertools", 0.8, None),
    ("cold_start_runtime", "ours", "powertools", 0.6, None),
    ("cold_start_decorated", "ours", "powertools", 0.8, None),
    ("cold_start_decorated_runtime", "ours", "powertools", 0.8, None),
    ("import_time", "ours", None, 3e6, None),
    ("import_time", "own", None, 2e6, None),
    ("outage", "ours", None, 1e6, None),
}


@pytest.mark.bench
@pytest.mark.timeout(600)  # a minute on a quiet machine
def test_a_quick_run_reports_every_group_judges_every_target_and_writes_its_files(
    tmp_path: Path,
) -> None:
    done = run_python(
        *("-m", "benchmarks", "--quick", "--json", "--out", tmp_path),
        cwd=ROOT,
        env=dict(os.environ, POWERTOOLS_DEV="true"),  # the suite must undo this for Powertools
        timeout=600,
    )
    run = json.loads(done.stdout)
    assert run["mode"] == "quick"
    assert [group["key"] for group in run["groups"]] == list(GROUPS)
    assert run["machine"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert run["machine"]["aws-lambda-powertools"] >= "3.37"
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8")) == run
    assert (tmp_path / "run.md").read_text(encoding="utf-8") == report.render(run)
    _check_chart(run, (tmp_path / "ratios.svg").read_text(encoding="utf-8"))
    found = set()
    for group in run["groups"]:
        median = {subject["key"]: subject["median"] for subject in group["subjects"]}
        assert {"ours", "powertools"} <= set(median), group["key"]
        for subject in group["subjects"]:
            assert 0 < subject["min"] <= subject["q1"] <= subject["median"] <= subject["q3"]
            assert subject["n"] >= 3, (group["key"], subject["key"])
        for m in group["measures"]:
            num, den = m["numerator"], m["denominator"]
            assert math.isclose(m["value"], median[num] / median[den] if den else median[num])
            found.add((group["key"], num, den, m["at_most"], m["at_least"]))
        for row in group["chart"]:
            assert math.isclose(row["value"], median[row["powertools"]] / median[row["ours"]])
    assert found == TARGETS
    [outage] = [group["facts"] for group in run["groups"] if group["key"] == "outage"]
    assert outage["attempts"] == 6  # 30 s: windows of 0.5, 1, 2, 4, 8 and 16 s
    assert "made 6 attempts" in outage["summary"]
