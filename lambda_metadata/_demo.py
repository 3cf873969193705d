"""``lambda-metadata demo``: a Lambda function's life, end to end, on a local endpoint.

No AWS account and no network: the emulator runs in this process on 127.0.0.1.
A sample handler decorated with ``@inject_az`` goes through a SnapStart init,
a few invocations, a snapshot (the registered before-snapshot hooks run) and a
restore in another Availability Zone (the after-restore hooks run), then more
invocations. Everything a user would look at is printed: the JSON log lines,
the context's metadata, the requests the endpoint received and the latencies.
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from ._cache import get_lambda_metadata
from ._constants import INITIALIZATION_TYPE_ENV, SNAP_START
from ._logging import PLACEHOLDER, RECORD_ATTRIBUTE

__all__ = ["run_demo"]

INIT_AZ = "use1-az1"
RESTORED_AZ = "use1-az2"
INVOCATIONS = 3
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(slots=True)
class DemoContext:
    """The attributes of a Lambda context that the sample handler and Powertools read."""

    aws_request_id: str
    function_name: str = "lambda-metadata-demo"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:lambda-metadata-demo"
    )


class _JsonLines(logging.Formatter):
    """A minimal JSON formatter for when Powertools is not installed."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                RECORD_ATTRIBUTE: getattr(record, RECORD_ATTRIBUTE, PLACEHOLDER),
            }
        )


def run_demo(*, logger_kind: str = "auto", out: TextIO | None = None) -> int:
    """Run the demo, printing to ``out`` (stdout); returns the exit code.

    A log line written to a closed pipe is dropped without the traceback ``logging``
    prints by default; the next line printed raises ``BrokenPipeError`` for the caller.
    """
    raise_exceptions = logging.raiseExceptions
    logging.raiseExceptions = False
    try:
        return _run_demo(logger_kind, out)
    finally:
        logging.raiseExceptions = raise_exceptions


def _run_demo(logger_kind: str, out: TextIO | None) -> int:
    from .testing import MetadataEndpoint

    stream = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=stream, flush=True)

    say("lambda-metadata demo: one function's life on a local metadata endpoint")
    say("(no AWS account, no network: the endpoint emulator runs in this process on 127.0.0.1)")
    with (
        MetadataEndpoint(availability_zone_id=INIT_AZ) as endpoint,
        endpoint.environment(**{INITIALIZATION_TYPE_ENV: SNAP_START}),
    ):
        from .snapstart import register_hooks
        from .testing import run_after_restore_hooks, run_before_snapshot_hooks

        register_hooks()  # what `import lambda_metadata` does under snap-start
        log_kind, logger, handler = _sample_function(logger_kind, stream)

        say()
        say(f"== Init ({INITIALIZATION_TYPE_ENV}={SNAP_START}, endpoint in {INIT_AZ}, {log_kind})")
        started = time.perf_counter_ns()
        metadata = get_lambda_metadata()
        first_call_ns = time.perf_counter_ns() - started
        logger.info("init: module imported, metadata fetched")
        say(f"   get_lambda_metadata() -> {metadata!r}")

        say()
        say("== Invocations")
        _invoke(handler, say, "before")
        _between_invocations(logger)
        cached_ns = _cached_call_ns()

        say()
        say("== SnapStart snapshot: the before-snapshot hooks run (our hook drops the cache)")
        run_before_snapshot_hooks()
        logger.info("snapshot taken")
        requests_before_restore = endpoint.request_count
        endpoint.availability_zone_id = RESTORED_AZ
        say(f"== Restore in another Availability Zone ({RESTORED_AZ}): after-restore hooks run")
        run_after_restore_hooks()
        logger.info("restored")

        say()
        say("== Invocations after the restore")
        _invoke(handler, say, "after")

        requests = endpoint.request_count
        say()
        say("== Summary")
        say(
            f"   requests to the endpoint: {requests} "
            f"(init: {requests_before_restore}, restore: {requests - requests_before_restore}; "
            f"{2 * INVOCATIONS} invocations served from the cache)"
        )
        say(
            f"   first call: {first_call_ns / 1e6:.3f} ms "
            "(HTTP on loopback, and the first import of socket and json)"
        )
        say(
            f"   cached call: {cached_ns:.0f} ns "
            f"(about {first_call_ns / max(cached_ns, 1):,.0f}x faster than the first call)"
        )
        say(f"   availability_zone_id: {INIT_AZ} before the snapshot, {RESTORED_AZ} after restore")
    return 0


def _sample_function(logger_kind: str, stream: TextIO) -> tuple[str, Any, Handler]:
    """Build the decorated sample handler as a user would write it, with its logger."""
    from . import inject_az

    use_powertools = logger_kind == "powertools"
    if logger_kind == "auto":
        import importlib.util

        use_powertools = importlib.util.find_spec("aws_lambda_powertools") is not None
    if use_powertools:
        from aws_lambda_powertools import Logger

        logger = Logger(service="lambda-metadata-demo", stream=stream)

        @inject_az
        @logger.inject_lambda_context(clear_state=True)
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            logger.info("handling an event", extra={"n": event["n"]})
            return {"availability_zone_id": context.lambda_metadata.availability_zone_id}

        return "Powertools Logger", logger, handler

    std_logger = logging.getLogger("lambda_metadata.demo")
    std_logger.propagate = False
    std_logger.setLevel(logging.INFO)
    output = logging.StreamHandler(stream)
    output.setFormatter(_JsonLines())
    std_logger.handlers[:] = [output]

    @inject_az
    def std_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        std_logger.info("handling event %d", event["n"])
        return {"availability_zone_id": context.lambda_metadata.availability_zone_id}

    return "standard logging, JSON formatter", std_logger, std_handler


def _invoke(handler: Handler, say: Callable[[str], None], phase: str) -> None:
    for n in range(1, INVOCATIONS + 1):
        context = DemoContext(aws_request_id=f"demo-{phase}-{n}")
        result = handler({"n": n}, context)
        zone = result[RECORD_ATTRIBUTE]
        say(f"   invocation {n}: context.lambda_metadata.availability_zone_id = {zone!r}")


def _between_invocations(logger: Any) -> None:
    """Drop the last invocation's keys (request id, ...): Lambda runs hooks outside any."""
    clear_state = getattr(logger, "clear_state", None)  # Powertools; the stdlib logger has none
    if clear_state is not None:
        clear_state()


def _cached_call_ns(rounds: int = 5, number: int = 20_000) -> float:
    """Median nanoseconds of a cached ``get_lambda_metadata()`` call."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        for _ in range(number):
            get_lambda_metadata()
        timings.append((time.perf_counter_ns() - started) / number)
    return statistics.median(timings)
