"""The results as Markdown tables: targets first, then each group's figures and ratios."""

from __future__ import annotations

from benchmarks._model import GroupResult, Ratio
from benchmarks._stats import format_ns
from benchmarks._suite import SuiteResult


def render(result: SuiteResult) -> str:
    """The whole run as Markdown (readable in a terminal, pasted as-is into the docs)."""
    m = result.machine
    lines = [
        f"# lambda-metadata benchmarks ({result.settings.mode} run)",
        "",
        f"{m['implementation']} {m['python']} · {m['cpus']} CPUs · {m['cpu_model']} · "
        f"{m['platform']} · lambda-metadata {m['lambda_metadata']} · "
        f"aws-lambda-powertools {m['aws_lambda_powertools']} · wrapt {m['wrapt']} · "
        f"awslambdaric {m['awslambdaric']}",
        "",
        "## Targets",
        "",
        "| group | measure | value | target | result |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for group in result.groups:
        lines.extend(
            f"| {group.title} | {r.label} | {_value(r)} | {r.target} | {_verdict(r)} |"
            for r in group.ratios
            if r.target is not None
        )
    for group in result.groups:
        lines.extend(["", *_group(group)])
    return "\n".join(lines) + "\n"


def _group(group: GroupResult) -> list[str]:
    floor = group.figure(group.floor).summary.median if group.floor else None
    lines = [
        f"## {group.title}",
        "",
        f"Each sample: {group.sample}.",
        "",
        "| subject | median | IQR (q1 … q3) | min … max | n |"
        + (" \u00d7 floor |" if floor else ""),
        "| --- | ---: | ---: | ---: | ---: |" + (" ---: |" if floor else ""),
    ]
    for figure in group.figures:
        s = figure.summary
        row = (
            f"| {figure.label} | {format_ns(s.median)} | {format_ns(s.q1)} … {format_ns(s.q3)} "
            f"| {format_ns(s.min)} … {format_ns(s.max)} | {s.n} |"
        )
        if floor:
            row += f" {_times(s.median / floor)} |"
        lines.append(row)
    lines.extend(["", "| measure | value | target | result |", "| --- | ---: | --- | --- |"])
    lines.extend(
        f"| {r.label} | {_value(r)} | {r.target or '—'} | {_verdict(r)} |" for r in group.ratios
    )
    if group.notes:
        lines.append("")
        lines.extend(f"- {note}" for note in group.notes)
    return lines


def _value(r: Ratio) -> str:
    if r.kind == "difference":
        return format_ns(r.value) if r.value >= 0 else "-" + format_ns(-r.value)
    return _times(r.value)


def _times(value: float) -> str:
    return f"{value:.2f}\u00d7" if value < 10 else f"{value:.1f}\u00d7"


def _verdict(r: Ratio) -> str:
    passed = r.passed
    if passed is None:
        return "info"
    return "met" if passed else "**missed**"
