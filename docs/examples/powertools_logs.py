"""Our warnings as Powertools JSON lines, next to yours (docs: Coming from Powertools).

Needs ``pip install "lambda-metadata[powertools]"``.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import inject_az, metadata_of

logger = Logger(service="orders")
# After the import above, so the "lambda_metadata" logger exists: it gets the same JSON output.
copy_config_to_registered_loggers(source_logger=logger, include={"lambda_metadata"})


@inject_az
@logger.inject_lambda_context
def handler(event: dict[str, object], context: LambdaContext) -> str | None:
    metadata = metadata_of(context)
    logger.info("handled", extra={"zone": metadata.availability_zone_id if metadata else None})
    return metadata.availability_zone_id if metadata else None


if __name__ == "__main__":
    from lambda_metadata.testing import lambda_context

    # No endpoint here: @inject_az warns once, as a JSON line of service "orders", and runs on.
    handler({}, lambda_context())
