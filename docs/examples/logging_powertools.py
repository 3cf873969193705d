"""The AZ in every JSON line of a Powertools ``Logger``, even with ``clear_state=True``.

Needs ``pip install "lambda-metadata[powertools]"``.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import inject_az, metadata_of

logger = Logger(service="orders")


@inject_az
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, object], context: LambdaContext) -> str | None:
    logger.info("hello")  # {"level": "INFO", ..., "availability_zone_id": "use1-az1"}
    metadata = metadata_of(context)  # typed LambdaMetadata | None; or context.lambda_metadata
    return metadata.availability_zone_id if metadata else None


if __name__ == "__main__":
    from lambda_metadata.testing import MetadataEndpoint, lambda_context

    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        handler({}, lambda_context(aws_request_id="local-1"))
