"""``lambda-metadata demo``: a decorated handler through a SnapStart init, invocations, a
snapshot and a restore in another AZ, on the emulator in this process (no AWS, no network)."""

from __future__ import annotations

import importlib.util
import logging
import sys
import timeit
from collections.abc import Callable
from typing import Any

from . import inject_az, testing
from ._cache import get_lambda_metadata
from .snapstart import register_hooks

__all__ = ["run_demo"]

AZS = ("use1-az1", "use1-az2")  # the AZ ID of the init, then of the restore
_JSON_LINE = (  # the standard library's lines as JSON (the demo's messages need no escaping)
    '{"level": "%(levelname)s", "message": "%(message)s", "logger": "%(name)s", '
    '"availability_zone_id": "%(availability_zone_id)s"}'
)


def run_demo(*, logger_kind: str = "auto") -> int:
    """Run the demo, printing to stdout; returns the exit code.

    A log line written to a closed pipe is dropped without the traceback ``logging`` prints
    (``logging.raiseExceptions`` is turned off for the process); the next line printed raises
    ``BrokenPipeError`` for the caller.
    """
    logging.raiseExceptions = False
    print("lambda-metadata demo: one function's life on a local metadata endpoint")
    print("(no AWS account, no network: the endpoint emulator runs in this process on 127.0.0.1)")
    with (
        testing.MetadataEndpoint(availability_zone_id=AZS[0]) as endpoint,
        endpoint.environment(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start"),
    ):
        register_hooks()  # what `import lambda_metadata` does under snap-start
        kind, logger, handler = _sample_function(logger_kind)
        print(
            f"\n== Init (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start, endpoint in {AZS[0]}, {kind})"
        )
        first_ms = timeit.timeit(get_lambda_metadata, number=1) * 1e3
        logger.info("init: module imported, metadata fetched")
        print(f"   get_lambda_metadata() -> {get_lambda_metadata()!r}")
        _invoke(handler, "Invocations", "before")
        if kind == "Powertools Logger":  # Lambda runs hooks outside any invocation's keys
            logger.clear_state()
        runs = timeit.repeat(get_lambda_metadata, number=20_000)  # 5 runs, seconds each
        print("\n== SnapStart snapshot: the before-snapshot hooks run (our hook drops the cache)")
        testing.run_before_snapshot_hooks()
        logger.info("snapshot taken")
        at_restore = endpoint.request_count
        endpoint.availability_zone_id = AZS[1]
        print(f"== Restore in another Availability Zone ({AZS[1]}): after-restore hooks run")
        testing.run_after_restore_hooks()
        logger.info("restored")
        _invoke(handler, "Invocations after the restore", "after")
        restored = endpoint.request_count - at_restore
    cached_ns = sorted(runs)[2] * 1e9 / 20_000  # the median
    ratio = first_ms * 1e6 / cached_ns
    print("\n== Summary")
    print(f"   requests to the endpoint: {at_restore + restored} (init: {at_restore}, ", end="")
    print(f"restore: {restored}; 6 invocations served from the cache)")
    print(f"   first call: {first_ms:.3f} ms (HTTP on loopback, and the client's first imports)")
    print(f"   cached call: {cached_ns:.0f} ns (about {ratio:,.0f}x faster than the first call)")
    print(f"   availability_zone_id: {AZS[0]} before the snapshot, {AZS[1]} after restore")
    return 0


def _sample_function(kind: str) -> tuple[str, Any, Callable[..., str]]:
    # the decorated sample handler as a user would write it, and its logger
    logger: Any = logging.getLogger("lambda_metadata.demo")

    def handler(event: dict[str, Any], context: Any) -> str:
        logger.info("handling an event", extra={"n": event["n"]})
        return str(context.lambda_metadata.availability_zone_id)

    if kind == "powertools" or (
        kind == "auto" and importlib.util.find_spec("aws_lambda_powertools")
    ):
        from aws_lambda_powertools import Logger

        logger = Logger(service="lambda-metadata-demo", stream=sys.stdout)
        with_context = logger.inject_lambda_context(handler, clear_state=True)
        return "Powertools Logger", logger, inject_az(with_context)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers[:] = [logging.StreamHandler(sys.stdout)]
    logger.handlers[0].setFormatter(logging.Formatter(_JSON_LINE))
    return "standard logging, JSON formatter", logger, inject_az(handler)


def _invoke(handler: Callable[..., str], heading: str, phase: str) -> None:
    print(f"\n== {heading}")
    for n in (1, 2, 3):
        zone = handler({"n": n}, testing.lambda_context(aws_request_id=f"demo-{phase}-{n}"))
        print(f"   invocation {n}: context.lambda_metadata.availability_zone_id = {zone!r}")
