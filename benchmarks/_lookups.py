"""The two in-process groups: the cached call and the first fetch."""

from __future__ import annotations

import http.client
import json
import os

from aws_lambda_powertools.utilities import metadata as powertools

import lambda_metadata
from benchmarks._endpoint import API_ENV, METADATA_PATH, TOKEN_ENV, Endpoint, lambda_environment
from benchmarks._model import Figure, GroupResult, Settings, ratio
from benchmarks._stats import Summary
from benchmarks._timing import per_call, per_round

_GLOBAL: object = None
"""What the floor of the cached call returns."""

LABELS = {
    "ours": "lambda_metadata.get_lambda_metadata()",
    "powertools": "Powertools get_lambda_metadata()",
}


def _module_global() -> object:
    """The floor of a cached lookup: a Python call returning a module global."""
    return _GLOBAL


def bare_http_client_get() -> str:
    """The floor of a fetch: one ``http.client`` GET with the same header, JSON decoded."""
    host, _, port = os.environ[API_ENV].rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=1.0)
    try:
        connection.request(
            "GET", METADATA_PATH, headers={"Authorization": "Bearer " + os.environ[TOKEN_ENV]}
        )
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"the endpoint answered {response.status}")
        zone: str = json.loads(response.read())["AvailabilityZoneID"]
    finally:
        connection.close()
    return zone


def _zone_of(result: object) -> object:
    return result if isinstance(result, str) else getattr(result, "availability_zone_id", None)


def _checker(endpoint: Endpoint) -> _Check:
    return _Check(endpoint.availability_zone_id)


class _Check:
    """Refuse a subject whose answer is not the endpoint's zone (e.g. Powertools' empty object)."""

    def __init__(self, expected: str) -> None:
        self.expected = expected

    def __call__(self, key: str, result: object) -> None:
        if _zone_of(result) != self.expected:
            raise RuntimeError(
                f"{key} returned {result!r}, not the endpoint's {self.expected!r}: "
                "it did not really fetch, so its time would mean nothing"
            )


def cached_call(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """A warm-cache lookup, the hot path: ours vs Powertools vs returning a module global."""
    global _GLOBAL
    check = _checker(endpoint)
    with lambda_environment(endpoint):
        lambda_metadata.clear_metadata_cache()
        powertools.clear_metadata_cache()
        warm = lambda_metadata.get_lambda_metadata()
        check("ours", warm)
        check("powertools", powertools.get_lambda_metadata())
        _GLOBAL = warm
        try:
            samples = per_call(
                {
                    "ours": lambda_metadata.get_lambda_metadata,
                    "powertools": powertools.get_lambda_metadata,
                    "floor": _module_global,
                },
                samples=settings.call_samples,
                calls=settings.calls_per_sample,
                warmup=settings.warmup,
            )
        finally:
            _GLOBAL = None
            lambda_metadata.clear_metadata_cache()
            powertools.clear_metadata_cache()
    figures = (
        Figure("ours", LABELS["ours"], Summary.of(samples["ours"])),
        Figure("powertools", LABELS["powertools"], Summary.of(samples["powertools"])),
        Figure(
            "floor", "floor: a function returning a module global", Summary.of(samples["floor"])
        ),
    )
    return GroupResult(
        key="cached",
        title="Cached call (warm cache)",
        sample=f"ns per call, the mean of {settings.calls_per_sample} calls (timeit, GC off); "
        f"{settings.call_samples} samples per subject, interleaved",
        floor="floor",
        figures=figures,
        ratios=(
            ratio(
                figures, "ours is N\u00d7 faster than Powertools", "powertools", "ours", at_least=10
            ),
            ratio(figures, "ours ÷ floor", "ours", "floor", at_most=5),
            ratio(figures, "Powertools ÷ floor", "powertools", "floor"),
        ),
        notes=(
            "Powertools rebuilds a LambdaMetadata and reads two environment variables on every "
            "call; ours reads one module global and the monotonic clock (Cache-Control max-age).",
        ),
    )


def first_fetch(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """One HTTP fetch with an empty cache: ours vs Powertools vs a bare ``http.client`` GET."""
    check = _checker(endpoint)
    with lambda_environment(endpoint):
        samples = per_round(
            {
                "ours": (
                    lambda_metadata.clear_metadata_cache,
                    lambda_metadata.get_lambda_metadata,
                ),
                "powertools": (powertools.clear_metadata_cache, powertools.get_lambda_metadata),
                "floor": (_nothing, bare_http_client_get),
            },
            rounds=settings.fetch_rounds,
            warmup=settings.warmup,
            check=check,
        )
        lambda_metadata.clear_metadata_cache()
        powertools.clear_metadata_cache()
    figures = (
        Figure("ours", LABELS["ours"] + ", cache cleared", Summary.of(samples["ours"])),
        Figure(
            "powertools",
            LABELS["powertools"] + ", cache cleared",
            Summary.of(samples["powertools"]),
        ),
        Figure(
            "floor",
            "floor: bare http.client GET + json.loads",
            Summary.of(samples["floor"]),
        ),
    )
    return GroupResult(
        key="first_fetch",
        title="First fetch (one HTTP round trip to the local emulator)",
        sample=f"ns of one fetch; {settings.fetch_rounds} rounds, each timing every subject "
        "once in rotating order, cache cleared (untimed) before each",
        floor="floor",
        figures=figures,
        ratios=(
            ratio(figures, "ours ÷ bare http.client", "ours", "floor", at_most=1.08),
            ratio(figures, "Powertools ÷ bare http.client", "powertools", "floor"),
            ratio(figures, "Powertools ÷ ours", "powertools", "ours"),
        ),
        notes=(
            "The emulator runs in its own process on 127.0.0.1, so most of each figure is the "
            "loopback round trip and the emulator's Python HTTP server, the same for all three.",
        ),
    )


def _nothing() -> None:
    return None
