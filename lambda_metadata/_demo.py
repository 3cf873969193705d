"""``lambda-metadata demo``: a Lambda function's life, end to end, on a local endpoint.

No AWS account and no network: the emulator runs in this process on 127.0.0.1.
A sample handler decorated with ``@inject_az`` goes through a SnapStart init,
a few invocations, a snapshot (the registered before-snapshot hooks run) and a
restore in another Availability Zone (the after-restore hooks run), then more
invocations. Everything a user would look at is printed: the JSON log lines,
the context's metadata, the requests the endpoint received and the latencies.
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from ._cache import get_lambda_metadata
from ._constants import INITIALIZATION_TYPE_ENV, SNAP_START

__all__ = ["run_demo"]

INIT_AZ = "use1-az1"
RESTORED_AZ = "use1-az2"
INVOCATIONS = 3
_JSON_LINE = (
    '{"level": "%(levelname)s", "message": "%(message)s", "logger": "%(name)s", '
    '"availability_zone_id": "%(availability_zone_id)s"}'
)
"""The standard library's log lines as JSON (the demo's messages need no escaping)."""


def run_demo(*, logger_kind: str = "auto", out: TextIO | None = None) -> int:
    """Run the demo, printing to ``out`` (stdout); returns the exit code.

    A log line written to a closed pipe is dropped without the traceback ``logging``
    prints by default; the next line printed raises ``BrokenPipeError`` for the caller.
    """
    raise_exceptions = logging.raiseExceptions
    logging.raiseExceptions = False
    try:
        return _run_demo(logger_kind, out or sys.stdout)
    finally:
        logging.raiseExceptions = raise_exceptions


def _run_demo(logger_kind: str, stream: TextIO) -> int:
    from .snapstart import register_hooks
    from .testing import MetadataEndpoint, run_after_restore_hooks, run_before_snapshot_hooks

    def say(text: str = "") -> None:
        print(text, file=stream, flush=True)

    say("lambda-metadata demo: one function's life on a local metadata endpoint")
    say("(no AWS account, no network: the endpoint emulator runs in this process on 127.0.0.1)")
    with (
        MetadataEndpoint(availability_zone_id=INIT_AZ) as endpoint,
        endpoint.environment(**{INITIALIZATION_TYPE_ENV: SNAP_START}),
    ):
        register_hooks()  # what `import lambda_metadata` does under snap-start
        log_kind, logger, handler = _sample_function(logger_kind, stream)

        say(
            f"\n== Init ({INITIALIZATION_TYPE_ENV}={SNAP_START}, endpoint in {INIT_AZ}, {log_kind})"
        )
        started = time.perf_counter_ns()
        metadata = get_lambda_metadata()
        first_call_ns = time.perf_counter_ns() - started
        logger.info("init: module imported, metadata fetched")
        say(f"   get_lambda_metadata() -> {metadata!r}")

        say("\n== Invocations")
        _invoke(handler, say, "before")
        if hasattr(logger, "clear_state"):  # Lambda runs hooks outside any invocation's keys
            logger.clear_state()
        cached_ns = statistics.median(_cached_call_ns() for _ in range(5))

        say("\n== SnapStart snapshot: the before-snapshot hooks run (our hook drops the cache)")
        run_before_snapshot_hooks()
        logger.info("snapshot taken")
        at_restore = endpoint.request_count
        endpoint.availability_zone_id = RESTORED_AZ
        say(f"== Restore in another Availability Zone ({RESTORED_AZ}): after-restore hooks run")
        run_after_restore_hooks()
        logger.info("restored")

        say("\n== Invocations after the restore")
        _invoke(handler, say, "after")

        requests = endpoint.request_count
        say("\n== Summary")
        say(
            f"   requests to the endpoint: {requests} (init: {at_restore}, restore: "
            f"{requests - at_restore}; {2 * INVOCATIONS} invocations served from the cache)"
        )
        say(
            f"   first call: {first_call_ns / 1e6:.3f} ms "
            "(HTTP on loopback, and the client's first imports)"
        )
        say(
            f"   cached call: {cached_ns:.0f} ns "
            f"(about {first_call_ns / max(cached_ns, 1):,.0f}x faster than the first call)"
        )
        say(f"   availability_zone_id: {INIT_AZ} before the snapshot, {RESTORED_AZ} after restore")
    return 0


def _sample_function(kind: str, stream: TextIO) -> tuple[str, Any, Callable[..., str]]:
    """The decorated sample handler as a user would write it, and its logger."""
    import importlib.util

    from . import inject_az, metadata_of

    def zone(context: Any) -> str:
        metadata = metadata_of(context)
        return "-" if metadata is None else metadata.availability_zone_id

    if kind == "powertools" or (
        kind == "auto" and importlib.util.find_spec("aws_lambda_powertools") is not None
    ):
        from aws_lambda_powertools import Logger

        logger = Logger(service="lambda-metadata-demo", stream=stream)

        @inject_az
        @logger.inject_lambda_context(clear_state=True)
        def handler(event: dict[str, Any], context: Any) -> str:
            logger.info("handling an event", extra={"n": event["n"]})
            return zone(context)

        return "Powertools Logger", logger, handler

    std_logger = logging.getLogger("lambda_metadata.demo")
    std_logger.propagate = False
    std_logger.setLevel(logging.INFO)
    output = logging.StreamHandler(stream)
    output.setFormatter(logging.Formatter(_JSON_LINE))
    std_logger.handlers[:] = [output]

    @inject_az
    def std_handler(event: dict[str, Any], context: Any) -> str:
        std_logger.info("handling event %d", event["n"])
        return zone(context)

    return "standard logging, JSON formatter", std_logger, std_handler


def _invoke(handler: Callable[..., str], say: Callable[[str], None], phase: str) -> None:
    from .testing import lambda_context

    for n in range(1, INVOCATIONS + 1):
        zone = handler({"n": n}, lambda_context(aws_request_id=f"demo-{phase}-{n}"))
        say(f"   invocation {n}: context.lambda_metadata.availability_zone_id = {zone!r}")


def _cached_call_ns(number: int = 20_000) -> float:
    """Nanoseconds of a cached ``get_lambda_metadata()`` call, on average over ``number``."""
    started = time.perf_counter_ns()
    for _ in range(number):
        get_lambda_metadata()
    return (time.perf_counter_ns() - started) / number
