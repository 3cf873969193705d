"""The one place that summarises and reports: pyperf statistics, the run's JSON, its Markdown
tables and its SVG chart, every figure drawn from the JSON."""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any
from xml.sax.saxutils import escape

import pyperf

from benchmarks._harness import Samples

PACKAGES = ("lambda-metadata", "aws-lambda-powertools", "wrapt", "awslambdaric", "pyperf")
MACHINE_KEYS = ("date", "cpu_count", "cpu_model_name", "load_avg_1min", "platform")
"""What pyperf's metadata tells of the machine and the moment that the report keeps."""


@dataclass(frozen=True, slots=True)
class Measure:
    """``numerator``'s median ÷ ``denominator``'s, or, without one, the median itself in ns."""

    label: str
    numerator: str
    denominator: str | None = None
    at_most: float | None = None
    at_least: float | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """What a group measures: its subjects' labels (the first is ours), floor and measures."""

    key: str
    title: str
    sample: str
    labels: Mapping[str, str]
    measures: tuple[Measure, ...]
    floor: str | None = "floor"
    chart: tuple[tuple[str, str, str], ...] = ()
    """Rows of the chart: (label, ours, Powertools), drawn as Powertools' median ÷ ours."""


def benchmark(name: str, values: Sequence[float]) -> pyperf.Benchmark:
    """Samples (ns) as a pyperf benchmark named ``name`` (pyperf keeps seconds)."""
    meta = {"name": name, "unit": "second"}
    return pyperf.Benchmark(
        [pyperf.Run([v / 1e9 for v in values], metadata=meta, collect_metadata=False)]
    )


def _summary(key: str, label: str, bench: pyperf.Benchmark) -> dict[str, Any]:
    """A subject's median, quartiles and extremes, in ns."""
    values = bench.get_values()
    return {"key": key, "label": label, "n": len(values)} | {
        stat: 1e9 * value
        for stat, value in zip(
            ("median", "q1", "q3", "min", "max"),
            (bench.median(), bench.percentile(25), bench.percentile(75), min(values), max(values)),
            strict=True,
        )
    }


def group_json(group: Group, samples: Samples, facts: Mapping[str, Any]) -> dict[str, Any]:
    """One group's result: each subject's median and spread (ns), its measures and chart rows."""
    subjects = [
        _summary(key, label, benchmark(f"{group.key}/{key}", samples[key]))
        for key, label in group.labels.items()
    ]
    median = {subject["key"]: subject["median"] for subject in subjects}
    measures = []
    for m in group.measures:
        value = (
            median[m.numerator] / median[m.denominator] if m.denominator else median[m.numerator]
        )
        judged = m.at_most is not None or m.at_least is not None
        passed = (m.at_most is None or value <= m.at_most) and (
            m.at_least is None or value >= m.at_least
        )
        unit = "x" if m.denominator else "ns"
        measures.append(
            asdict(m) | {"unit": unit, "value": value, "passed": passed if judged else None}
        )
    chart = [
        {"label": label, "ours": ours, "powertools": pt, "value": median[pt] / median[ours]}
        for label, ours, pt in group.chart
    ]
    return {
        **{name: getattr(group, name) for name in ("key", "title", "sample", "floor")},
        **{"subjects": subjects, "measures": measures, "chart": chart, "facts": dict(facts)},
    }


def machine() -> dict[str, Any]:
    """Where and when the figures came from: pyperf's metadata and the packages' versions."""
    found = pyperf.Run([1.0], metadata={"name": "machine"}).get_metadata()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        **{key: found.get(key) for key in MACHINE_KEYS},
        **{name: _version(name) for name in PACKAGES},
    }


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def format_ns(value: float) -> str:
    """A duration in ns with three digits: ``412 ns``, ``1.23 µs``, ``45.6 ms``, ``-2.00 ms``."""
    if value < 0:
        return "-" + format_ns(-value)
    scale, unit = next(
        ((s, u) for s, u in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")) if value >= s * 0.9995),
        (1, "ns"),
    )
    value /= scale
    return f"{value:.{0 if value >= 100 else 1 if value >= 10 else 2}f} {unit}"


def format_times(value: float) -> str:
    """A ratio: ``0.90×``, ``17.0×``, ``201×``."""
    return f"{value:.{0 if value >= 100 else 1 if value >= 10 else 2}f}\u00d7"


def _value(measure: Mapping[str, Any], value: float) -> str:
    return format_times(value) if measure["unit"] == "x" else format_ns(value)


def _target(measure: Mapping[str, Any]) -> str:
    parts = [
        f"{sign} {_value(measure, measure[key])}"
        for sign, key in (("≥", "at_least"), ("≤", "at_most"))
        if measure[key] is not None
    ]
    return ", ".join(parts) or "—"


def render(run: Mapping[str, Any]) -> str:
    """The run as Markdown: what ran where, every measure with its verdict, each group's table."""
    m = run["machine"]
    lines = [
        f"{run['mode'].capitalize()} run of {str(m['date'])[:16]}: {m['implementation']} "
        f"{m['python']}, {m['cpu_count']} CPUs ({m['cpu_model_name']}), load {m['load_avg_1min']}; "
        + ", ".join(f"{name} {m[name]}" for name in PACKAGES)
        + ".",
        "",
        "| group | measure | value | target | result |",
        "| --- | --- | ---: | --- | --- |",
    ]
    verdicts = {None: "info", True: "met", False: "**missed**"}
    for group in run["groups"]:
        for measure in group["measures"]:
            lines.append(
                f"| {group['title']} | {measure['label']} | {_value(measure, measure['value'])} "
                f"| {_target(measure)} | {verdicts[measure['passed']]} |"
            )
    for group in run["groups"]:
        floor = next((s for s in group["subjects"] if s["key"] == group["floor"]), None)
        lines += [
            "",
            f"### {group['title']}",
            "",
            # A snippet section, so another page can include this group's figures by its key:
            # --8<-- "docs/benchmarks/run.md:decorator". Hidden in the page, dropped by snippets.
            f"<!-- --8<-- [start:{group['key']}] -->",
            f"Each sample: {group['sample']}.",
            "",
            "| subject | median | IQR | " + ("× floor |" if floor else "n |"),
            "| --- | ---: | ---: | ---: |",
        ]
        for s in group["subjects"]:
            last = format_times(s["median"] / floor["median"]) if floor else s["n"]
            lines.append(
                f"| {s['label']} | {format_ns(s['median'])} "
                f"| {format_ns(s['q1'])} … {format_ns(s['q3'])} | {last} |"
            )
        if group["measures"]:
            lines += [
                "",
                "Against its targets: "
                + "; ".join(
                    f"{m['label']} {_value(m, m['value'])} ({_target(m)}, {verdicts[m['passed']]})"
                    for m in group["measures"]
                )
                + ".",
            ]
        if group["facts"].get("summary"):
            lines += ["", group["facts"]["summary"]]
        lines += ["", f"<!-- --8<-- [end:{group['key']}] -->"]
    return "\n".join(lines) + "\n"


def render_matrix(cells: Sequence[Mapping[str, Any]]) -> str:
    """The matrix as Markdown: a row per Python x wrapt cell, a column per measure."""
    measures = [m for g in cells[0]["groups"] for m in g["measures"]] if cells else []
    lines = [
        "Targets: " + "; ".join(f"{m['label']} {_target(m)}" for m in measures) + ".",
        "",
        "| Python | wrapt | " + " | ".join(m["label"] for m in measures) + " |",
        "| --- | --- |" + " ---: |" * len(measures),
    ]
    for cell in cells:
        values = [cell["machine"]["python"], cell["machine"]["wrapt"]] + [
            _value(m, m["value"]) + (" (**missed**)" if m["passed"] is False else "")
            for g in cell["groups"]
            for m in g["measures"]
        ]
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


WIDTH, LEFT, RIGHT, ROW, TOP = 760, 350, 700, 26, 64
"""The chart's width, its bars' left and right bounds, a row's height, the first row's top."""


def chart(run: Mapping[str, Any]) -> str:
    """A bar per chart row, on a log scale from 1×: how many times less time ours takes."""
    rows = [row for group in run["groups"] for row in group["chart"]]
    values = [row["value"] for row in rows]
    low = math.floor(math.log10(min([*values, 1.0])))
    high = math.ceil(math.log10(max([*values, 10.0])))

    def x(value: float) -> float:
        return round(LEFT + (math.log10(value) - low) * (RIGHT - LEFT) / (high - low), 1)

    bottom, m = TOP + ROW * len(rows), run["machine"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {bottom + 10}" '
        f'width="{WIDTH}" height="{bottom + 10}" font-family="sans-serif" font-size="13">',
        f"<title>Powertools' time ÷ ours, side by side in one {run['mode']} run "
        f"({m['implementation']} {m['python']}), log scale: right of 1×, ours is faster</title>",
        '<text x="0" y="16" font-weight="bold">How many times less time ours takes than '
        f'Powertools</text><text x="0" y="34" font-size="11">Medians side by side in one '
        f"{run['mode']} run, {m['implementation']} {m['python']}; log scale</text>",
    ]
    for power in range(low, high + 1):
        at, grey = x(10.0**power), "#555" if power == 0 else "#ddd"
        out.append(
            f'<g class="tick"><line x1="{at}" y1="{TOP - 6}" x2="{at}" y2="{bottom}" '
            f'stroke="{grey}"/><text x="{at}" y="{TOP - 10}" text-anchor="middle">'
            f"{format_times(10.0**power)}</text></g>"
        )
    for index, row in enumerate(rows):
        y, one, end = TOP + ROW * index, x(1.0), x(row["value"])
        out.append(
            f'<g class="row"><text class="label" x="{LEFT - 8}" y="{y + 17}" text-anchor="end">'
            f'{escape(row["label"].replace("`", ""))}</text><rect class="bar" x="{min(one, end)}" '
            f'y="{y + 5}" width="{abs(end - one):.1f}" height="{ROW - 10}" '
            f'fill="{"#2b7bba" if end >= one else "#d9822b"}"/><text class="value" x="{WIDTH}" '
            f'y="{y + 17}" text-anchor="end">{format_times(row["value"])}</text></g>'
        )
    return "\n".join([*out, "</svg>"]) + "\n"


def suite(groups: Sequence[tuple[str, Samples]]) -> pyperf.BenchmarkSuite:
    """Every sample of a run as one pyperf suite, for ``python -m pyperf stats|compare_to``."""
    return pyperf.BenchmarkSuite(
        [benchmark(f"{group}/{key}", values) for group, s in groups for key, values in s.items()]
    )
