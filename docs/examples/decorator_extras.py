"""@inject_az with its opt-in extras: the AZ name and an X-Ray annotation (docs: Decorator).

Needs ``pip install "lambda-metadata[tracer,ec2]"``: Powertools' Tracer needs aws-xray-sdk.
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import inject_az, metadata_of
from lambda_metadata.az_names import cached_availability_zone_name

tracer = Tracer(service="orders")


@tracer.capture_lambda_handler  # outermost, so its "## handler" subsegment is open
@inject_az(resolve_name=True, tracer=tracer)  # needs lambda-metadata[ec2] and the IAM permission
def handler(event: dict[str, object], context: LambdaContext) -> dict[str, str | None]:
    metadata = metadata_of(context)
    return {
        "availability_zone_id": metadata.availability_zone_id if metadata else None,
        "availability_zone_name": cached_availability_zone_name(),  # resolved already, no I/O
    }
