"""A small Lambda function for the end-to-end tests: the AZ it sees at init and per invocation."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from lambda_metadata import get_lambda_metadata

logger = logging.getLogger("az_function")
logger.setLevel(logging.INFO)

INIT_AZ = get_lambda_metadata().availability_zone_id
logger.info("init az=%s pid=%d", INIT_AZ, os.getpid())


def handler(event: Any, context: Any) -> dict[str, Any]:
    az = get_lambda_metadata().availability_zone_id
    logger.info("invocation az=%s", az)
    return {
        "availability_zone_id": az,
        "init_availability_zone_id": INIT_AZ,
        "request_id": context.aws_request_id,
        "pid": os.getpid(),
        "snapshot_restore_py_imported": "snapshot_restore_py" in sys.modules,
    }
