"""The AZ in every JSON line of a Powertools ``Logger``, even with ``clear_state=True``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from lambda_metadata import inject_az

logger = Logger(service="orders")


@logger.inject_lambda_context(clear_state=True)
@inject_az
def handler(event: dict[str, Any], context: Any) -> str:
    logger.info("hello")  # {"level": "INFO", ..., "availability_zone_id": "use1-az1"}
    return str(context.lambda_metadata.availability_zone_id)


if __name__ == "__main__":
    from awslambdaric.lambda_context import LambdaContext

    from lambda_metadata.testing import MetadataEndpoint

    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        context = LambdaContext("local-1", None, None, 4_102_444_800_000, "arn:aws:lambda:local")
        handler({}, context)
