"""The AZ in standard-library log lines: ``%(availability_zone_id)s`` in any format."""

from __future__ import annotations

import logging
import sys
from typing import Any

from lambda_metadata import inject_az

FORMAT = "%(levelname)s az=%(availability_zone_id)s %(name)s: %(message)s"
# `defaults` covers records logged before the first @inject_az installs the factory.
formatter = logging.Formatter(FORMAT, defaults={"availability_zone_id": "-"})

# In Lambda the runtime has already put a handler on the root logger: you may give
# it the formatter instead (logging.getLogger().handlers[0].setFormatter(formatter)).
stream = logging.StreamHandler(sys.stdout)
stream.setFormatter(formatter)
logger = logging.getLogger("app")
logger.addHandler(stream)
logger.setLevel(logging.INFO)
logger.propagate = False

logger.info("loading")  # before any @inject_az: az=- (from `defaults`)


@inject_az
def handler(event: dict[str, Any], context: Any) -> str:
    logger.info("processing order %s", event["order_id"])
    return "ok"


if __name__ == "__main__":
    from types import SimpleNamespace

    from lambda_metadata.testing import MetadataEndpoint

    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        handler({"order_id": 42}, SimpleNamespace(aws_request_id="local-1"))
        logger.info("after the invocation")
