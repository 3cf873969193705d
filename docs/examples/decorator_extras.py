"""@inject_az with its opt-in extras: the AZ name and an X-Ray annotation (docs: Decorator).

Needs ``pip install "lambda-metadata[tracer,ec2]"``: Powertools' Tracer needs aws-xray-sdk.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer

from lambda_metadata import cached_availability_zone_name, inject_az

tracer = Tracer(service="orders")


@tracer.capture_lambda_handler  # outermost, so its "## handler" subsegment is open
@inject_az(resolve_name=True, tracer=tracer)  # needs lambda-metadata[ec2] and the IAM permission
def handler(event: dict[str, Any], context: Any) -> dict[str, str | None]:
    return {
        "availability_zone_id": context.lambda_metadata.availability_zone_id,
        "availability_zone_name": cached_availability_zone_name(),  # resolved already, no I/O
    }
