"""The outage group: a decorated handler invoked all through a 30 s endpoint outage.

The endpoint answers 500 throughout. Time between invocations is simulated on
a fake clock (``lambda_metadata._cache.set_clock``), so 30 s of traffic runs in
a few seconds; the attempts themselves take real time (the first one retries
inside the fetch deadline, each later one makes a single request). Each
invocation is classed as an attempt (the emulator saw a request during it) or as
fail-fast (no request), and the fail-fast ones are what the 1 ms target is about.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from aws_lambda_powertools.utilities import metadata as powertools

from benchmarks._decorators import EVENT, lambda_context
from benchmarks._endpoint import Endpoint, lambda_environment
from benchmarks._model import Figure, GroupResult, Settings, ratio
from benchmarks._stats import Summary, format_ns
from lambda_metadata import _cache, clear_metadata_cache, inject_az
from lambda_metadata.testing import MetadataEndpoint

OUTAGE_SECONDS = 30.0
TARGET_NS = 1e6
"""Issue 14: at most 1 ms per invocation outside the attempts."""

LABELS = {
    "ours": "@inject_az during the outage, fail-fast invocations",
    "powertools": "Powertools get_lambda_metadata() in the handler during the outage",
    "floor": "floor: the undecorated handler",
}


class _Clock:
    """The fake monotonic clock the cache reads: moves only when the simulation says so."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


def _handler(event: Any, context: Any) -> Any:
    return event


def _powertools_handler(event: Any, context: Any) -> Any:
    """What a handler without negative caching does: ask on every invocation, carry on without."""
    with suppress(powertools.LambdaMetadataError):
        powertools.get_lambda_metadata(timeout=1.0)
    return event


@contextmanager
def _quiet_library_logger() -> Iterator[None]:
    """The default policy's one warning goes nowhere rather than to stderr."""
    logger = logging.getLogger("lambda_metadata")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _chunk_means(values: list[float], chunks: int) -> list[float]:
    size = max(1, len(values) // chunks)
    return [
        sum(part) / len(part) for part in (values[i * size : (i + 1) * size] for i in range(chunks))
    ]


def outage(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """A 30 s outage: per-invocation cost outside the attempts, attempts and requests made."""
    quick = settings.mode == "quick"
    timeout = 0.1 if quick else 1.0  # quick: shorter attempts, same windows
    samples = settings.call_samples
    invocations = samples * (100 if quick else 200)
    step = OUTAGE_SECONDS / invocations
    powertools_every = invocations // samples
    context = lambda_context()
    ours: Callable[..., Any] = inject_az(timeout=timeout)(_handler)
    clock = _Clock()
    clock_ns = time.perf_counter_ns
    fail_fast: list[float] = []
    floor: list[float] = []
    powertools_ns: list[float] = []
    attempts: list[tuple[float, float, int]] = []  # (fake time, real ns, requests)
    with MetadataEndpoint() as failing, _quiet_library_logger():
        failing.impair(status=500)
        with lambda_environment(Endpoint(environ=failing.environ)):
            _cache.set_clock(clock)
            try:
                started_at = clock.now
                for index in range(invocations):
                    before = failing.requests_started
                    begin = clock_ns()
                    result = ours(EVENT, context)
                    cost = clock_ns() - begin
                    made = failing.requests_started - before
                    if result is not EVENT:
                        raise RuntimeError("the decorated handler did not run")
                    if made:
                        attempts.append((clock.now - started_at, cost, made))
                    else:
                        fail_fast.append(cost)
                    begin = clock_ns()
                    _handler(EVENT, context)
                    floor.append(clock_ns() - begin)
                    if index % powertools_every == powertools_every // 2:
                        powertools.clear_metadata_cache()
                        begin = clock_ns()
                        _powertools_handler(EVENT, context)
                        powertools_ns.append(clock_ns() - begin)
                    clock.now += step
                requests = failing.requests_started
            finally:
                _cache.set_clock(None)
                clear_metadata_cache()
    powertools_requests = len(powertools_ns)
    ours_requests = requests - powertools_requests
    figures = (
        Figure("ours", LABELS["ours"], Summary.of(_chunk_means(fail_fast, samples))),
        Figure("powertools", LABELS["powertools"], Summary.of(powertools_ns)),
        Figure("floor", LABELS["floor"], Summary.of(_chunk_means(floor, samples))),
    )
    fail_fast_median = Summary.of(fail_fast).median
    verdict = "pass" if fail_fast_median <= TARGET_NS else "**miss**"
    attempt_costs = Summary.of([cost for _, cost, _ in attempts])
    when = ", ".join(f"{at:.1f}" for at, _, _ in attempts)
    return GroupResult(
        key="outage",
        title="During an outage (the endpoint answers 500 for 30 s)",
        sample=(
            f"ours and the floor: the mean of one of {samples} equal runs of the {len(fail_fast)} "
            f"fail-fast invocations; Powertools: one invocation, one every {powertools_every}"
        ),
        floor="floor",
        figures=figures,
        ratios=(
            ratio(figures, "Powertools per invocation ÷ ours", "powertools", "ours"),
            ratio(figures, "ours ÷ the floor", "ours", "floor"),
        ),
        notes=(
            f"{invocations} invocations of a default @inject_az(timeout={timeout:g}) handler, one "
            f"every {step * 1e3:g} ms of a simulated 30 s outage (a fake clock), made "
            f"{len(attempts)} attempts and {ours_requests} requests in all; a handler that asks "
            f"on every invocation would make {invocations} requests or more.",
            f"Attempts began at t = {when} s of simulated time, one as each fail-fast window "
            "(0.5 s doubling) ended; the fake clock stands still during an attempt. The first "
            "attempt of the streak spends up to the deadline on the client's retries of the "
            "500; each later one makes a single request. Median attempt "
            f"{format_ns(attempt_costs.median)}.",
            f"Outside the attempts an invocation costs {format_ns(fail_fast_median)} (median of "
            f"all {len(fail_fast)}): target ≤ 1 ms, {verdict}.",
        ),
    )
