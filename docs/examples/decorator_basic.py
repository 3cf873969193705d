"""A handler that reads its Availability Zone ID from the context."""

from __future__ import annotations

from typing import Any

from lambda_metadata import inject_az


@inject_az
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    metadata = context.lambda_metadata  # a LambdaMetadata, or None outside Lambda
    zone = metadata.availability_zone_id if metadata else "unknown"
    return {"availability_zone_id": zone}


if __name__ == "__main__":  # run it locally against the endpoint emulator
    from types import SimpleNamespace

    from lambda_metadata.testing import MetadataEndpoint

    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        print(handler({}, SimpleNamespace(aws_request_id="local-1")))
