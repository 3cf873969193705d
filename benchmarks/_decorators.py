"""The in-process decorator group: ``@inject_az`` per call on the warm path, side by side."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

import wrapt
from aws_lambda_powertools import Logger
from awslambdaric.lambda_context import LambdaContext

import lambda_metadata
from benchmarks._endpoint import Endpoint, lambda_environment
from benchmarks._model import Figure, GroupResult, Settings, ratio
from benchmarks._stats import Summary, format_ns
from benchmarks._timing import per_call
from lambda_metadata import inject_az

EVENT: dict[str, Any] = {"key": "value"}

LABELS = {
    "ours": "@inject_az (metadata cached)",
    "wrapt": "bare @wrapt.decorator pass-through",
    "powertools": "Powertools @logger.inject_lambda_context",
    "floor": "floor: the undecorated handler",
}


def _handler(event: Any, context: Any) -> Any:
    """What every subject wraps: a handler that does nothing, so only the wrapping is measured."""
    return event


@wrapt.decorator
def _pass_through(
    wrapped: Callable[..., Any], instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    return wrapped(*args, **kwargs)


def lambda_context() -> LambdaContext:
    """A real context, as the awslambdaric runtime builds it for an invocation."""
    return LambdaContext(
        "8f507cfc-0000-4000-8000-000000000000",
        None,
        None,
        2**62,
        "arn:aws:lambda:us-east-1:123456789012:function:bench",
    )


def _null_logger() -> Logger:
    """A real Powertools Logger whose handler writes to a null stream (it logs nothing anyway)."""
    return Logger(
        service="benchmarks", logger_handler=logging.StreamHandler(io.StringIO()), level="INFO"
    )


def decorator_overhead(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """One warm invocation through each decorator, and through none (the floor)."""
    context = lambda_context()
    logger = _null_logger()
    subjects: dict[str, Callable[..., Any]] = {
        "ours": inject_az(_handler),
        "wrapt": _pass_through(_handler),
        "powertools": logger.inject_lambda_context(_handler),
        "floor": _handler,
    }
    with lambda_environment(endpoint):
        lambda_metadata.clear_metadata_cache()
        try:
            _check(endpoint, context, logger)
            samples = per_call(
                subjects,
                samples=settings.call_samples,
                calls=settings.calls_per_sample,
                warmup=settings.warmup,
                args=(EVENT, context),
            )
            if hasattr(context, "lambda_metadata"):
                raise RuntimeError("@inject_az left lambda_metadata on the context")
        finally:
            lambda_metadata.clear_metadata_cache()
    figures = tuple(Figure(key, LABELS[key], Summary.of(samples[key])) for key in subjects)
    medians = {f.key: f.summary.median for f in figures}
    ours_extra = medians["ours"] - medians["floor"]
    wrapt_extra = medians["wrapt"] - medians["floor"]
    return GroupResult(
        key="decorator",
        title="Decorator per call (warm: metadata cached)",
        sample=f"ns per call of handler(event, context), the mean of {settings.calls_per_sample} "
        f"calls (timeit, GC off); {settings.call_samples} samples per subject, interleaved",
        floor="floor",
        figures=figures,
        ratios=(
            ratio(figures, "ours ÷ bare wrapt", "ours", "wrapt", at_most=1.5),
            ratio(
                figures,
                "ours is N\u00d7 faster than Powertools",
                "powertools",
                "ours",
                at_least=3,
            ),
            ratio(figures, "ours ÷ floor", "ours", "floor"),
            ratio(figures, "bare wrapt ÷ floor", "wrapt", "floor"),
            ratio(figures, "Powertools ÷ floor", "powertools", "floor"),
        ),
        notes=(
            "Every subject wraps the same do-nothing handler and is called with the same event "
            "and the same awslambdaric LambdaContext; ours is checked (untimed) to hand the "
            "handler the endpoint's zone and to leave the context as it found it.",
            f"Above the floor, ours adds {_ns(ours_extra)} per call and a bare wrapt "
            f"pass-through {_ns(wrapt_extra)}"
            + (f" ({ours_extra / wrapt_extra:.2f}\u00d7)." if wrapt_extra > 0 else "."),
            "Powertools' decorator builds a context model and appends four keys to the logger "
            "on every call; it logs nothing unless log_event is set.",
        ),
    )


def _check(endpoint: Endpoint, context: LambdaContext, logger: Logger) -> None:
    """Refuse to time a subject that does not do its job."""

    @inject_az
    def probe(event: Any, context: Any) -> Any:
        return context.lambda_metadata

    seen = probe(EVENT, context)
    if getattr(seen, "availability_zone_id", None) != endpoint.availability_zone_id:
        raise RuntimeError(f"@inject_az handed the handler {seen!r}, not the endpoint's zone")
    if hasattr(context, "lambda_metadata"):
        raise RuntimeError("@inject_az left lambda_metadata on the context")
    logger.inject_lambda_context(_handler)(EVENT, context)
    if logger.get_current_keys().get("function_request_id") != context.aws_request_id:
        raise RuntimeError("Powertools' inject_lambda_context did not add the context's keys")


def _ns(value: float) -> str:
    return format_ns(value) if value >= 0 else "-" + format_ns(-value)
