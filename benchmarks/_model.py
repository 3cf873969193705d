"""What a benchmark group produces: figures, the ratios between them, and targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from benchmarks._stats import Summary, format_ns

Comparison = Literal["at_least", "at_most"]
Kind = Literal["ratio", "difference"]


@dataclass(frozen=True, slots=True)
class Settings:
    """How much to measure; ``quick`` is for CI and only checks that the suite runs."""

    mode: Literal["quick", "full"]
    warmup: int
    """Samples (or rounds, or processes) run and thrown away before measuring."""
    call_samples: int
    """Timing samples per subject of an in-process per-call benchmark."""
    calls_per_sample: int
    """Calls in one timing sample of a per-call benchmark."""
    fetch_rounds: int
    """Rounds of a first-fetch benchmark; each round times one fetch per subject."""
    process_runs: int
    """Fresh processes per subject of a cold-start benchmark."""

    @classmethod
    def quick(cls) -> Settings:
        return cls(
            "quick",
            warmup=2,
            call_samples=5,
            calls_per_sample=200,
            fetch_rounds=100,
            process_runs=3,
        )

    @classmethod
    def full(cls) -> Settings:
        return cls(
            "full",
            warmup=5,
            call_samples=60,
            calls_per_sample=20_000,
            fetch_rounds=3_000,
            process_runs=60,
        )


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured subject: what it is and the summary of its samples (ns)."""

    key: str
    label: str
    summary: Summary


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator`` median ÷ ``denominator`` median, with an optional target.

    With ``kind="difference"`` it is ``numerator`` median - ``denominator`` median in ns (the
    median alone when ``denominator`` is ``None``), for the targets given in milliseconds.
    """

    label: str
    numerator: str
    denominator: str | None
    value: float
    comparison: Comparison | None = None
    threshold: float | None = None
    kind: Kind = "ratio"

    @property
    def passed(self) -> bool | None:
        """Whether the target is met; ``None`` when this ratio is for information only."""
        if self.comparison is None or self.threshold is None:
            return None
        if self.comparison == "at_least":
            return self.value >= self.threshold
        return self.value <= self.threshold

    @property
    def target(self) -> str | None:
        if self.comparison is None or self.threshold is None:
            return None
        sign = "≥" if self.comparison == "at_least" else "≤"
        if self.kind == "difference":
            return f"{sign} {format_ns(self.threshold)}"
        return f"{sign} {self.threshold:g}\u00d7"


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The outcome of one benchmark group."""

    key: str
    title: str
    sample: str
    """What one sample is, e.g. "one call, averaged over 20000 calls"."""
    floor: str | None
    """Key of the figure the others are divided by in the table, if any."""
    figures: tuple[Figure, ...]
    ratios: tuple[Ratio, ...]
    notes: tuple[str, ...] = field(default=())

    def figure(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def as_json(self) -> dict[str, Any]:
        floor = self.figure(self.floor).summary.median if self.floor else None
        return {
            "key": self.key,
            "title": self.title,
            "sample": self.sample,
            "unit": "ns",
            "floor": self.floor,
            "figures": [
                {
                    "key": f.key,
                    "label": f.label,
                    "n": f.summary.n,
                    "median": f.summary.median,
                    "q1": f.summary.q1,
                    "q3": f.summary.q3,
                    "min": f.summary.min,
                    "max": f.summary.max,
                    "ratio_to_floor": None if floor is None else f.summary.median / floor,
                }
                for f in self.figures
            ],
            "ratios": [
                {
                    "label": r.label,
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "kind": r.kind,
                    "value": r.value,
                    "target": None
                    if r.comparison is None
                    else {"comparison": r.comparison, "threshold": r.threshold},
                    "passed": r.passed,
                }
                for r in self.ratios
            ],
            "notes": list(self.notes),
        }


def ratio(
    figures: tuple[Figure, ...],
    label: str,
    numerator: str,
    denominator: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> Ratio:
    """The ratio of two figures' medians, with a target if ``at_least`` or ``at_most`` is given."""
    medians = {f.key: f.summary.median for f in figures}
    comparison: Comparison | None = None
    threshold: float | None = None
    if at_least is not None:
        comparison, threshold = "at_least", at_least
    elif at_most is not None:
        comparison, threshold = "at_most", at_most
    return Ratio(
        label,
        numerator,
        denominator,
        medians[numerator] / medians[denominator],
        comparison,
        threshold,
    )


def difference(
    figures: tuple[Figure, ...],
    label: str,
    minuend: str,
    subtrahend: str | None = None,
    *,
    at_most_ns: float | None = None,
) -> Ratio:
    """``minuend`` median - ``subtrahend`` median (or the median alone), in ns, with a target."""
    medians = {f.key: f.summary.median for f in figures}
    value = medians[minuend] - (medians[subtrahend] if subtrahend else 0.0)
    return Ratio(
        label,
        minuend,
        subtrahend,
        value,
        None if at_most_ns is None else "at_most",
        at_most_ns,
        kind="difference",
    )
