from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import inject_az, metadata_of

logger = Logger()


@inject_az  # or @inject_az(strict=True, timeout=0.5)
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, object], context: LambdaContext) -> str | None:
    logger.info("hello")  # the JSON line carries "availability_zone_id": "use1-az1"
    metadata = metadata_of(context)  # LambdaMetadata | None, typed for mypy --strict
    return metadata.availability_zone_id if metadata else None
