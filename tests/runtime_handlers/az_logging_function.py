"""A function decorated as a user would: a Powertools ``Logger`` (JSON) outside ``@inject_az``,
stdlib logging with ``%(availability_zone_id)s``. It logs at init, per invocation and in two
after-restore hooks, which run in the order registered: ``early_hook`` before the library's
refresh (registered before ``lambda_metadata`` is imported), ``late_hook`` after it."""

from __future__ import annotations

import logging
import sys
from typing import Any

import snapshot_restore_py  # type: ignore[import-untyped]
from aws_lambda_powertools import Logger

STDLIB_FORMAT = "STDLIB az=%(availability_zone_id)s logger=%(name)s %(message)s"
NO_FACTORY = "no-factory"  # the stdlib lines of a record the log-record factory did not see

stdlib_handler = logging.StreamHandler(sys.stdout)
stdlib_handler.setFormatter(
    logging.Formatter(STDLIB_FORMAT, defaults={"availability_zone_id": NO_FACTORY})
)
logging.getLogger().addHandler(stdlib_handler)  # every propagating record, the library's too
app = logging.getLogger("az_app")
app.setLevel(logging.INFO)

logger = Logger(service="az-function")  # JSON lines on stdout; does not propagate


def both(message: str) -> None:
    app.info(message)
    logger.info(message)


def early_hook() -> None:
    both("phase=early-hook")


snapshot_restore_py.register_after_restore(early_hook)

from lambda_metadata import get_lambda_metadata, inject_az  # noqa: E402  (after early_hook)


@snapshot_restore_py.register_after_restore  # type: ignore[untyped-decorator]
def late_hook() -> None:
    both("phase=late-hook")


@logger.inject_lambda_context(clear_state=True, log_event=True)  # logs before @inject_az runs
@inject_az
def handler(event: Any, context: Any) -> dict[str, Any]:
    both(f"phase=invocation n={event.get('n')}")
    metadata = context.lambda_metadata
    return {
        "context_availability_zone_id": None if metadata is None else metadata.availability_zone_id,
        "availability_zone_id": get_lambda_metadata().availability_zone_id,
        "request_id": context.aws_request_id,
    }


INIT_AZ = get_lambda_metadata().availability_zone_id  # init code that reads the AZ
both("phase=init")
