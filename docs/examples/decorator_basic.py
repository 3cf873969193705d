"""A handler that reads its Availability Zone ID from the context."""

from __future__ import annotations

from lambda_metadata import inject_az, metadata_of


@inject_az
def handler(event: dict[str, object], context: object) -> dict[str, str]:
    metadata = metadata_of(context)  # context.lambda_metadata, typed: LambdaMetadata | None
    zone = metadata.availability_zone_id if metadata else "unknown"  # None outside Lambda
    return {"availability_zone_id": zone}


if __name__ == "__main__":  # run it locally against the endpoint emulator
    from lambda_metadata.testing import MetadataEndpoint, lambda_context

    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        print(handler({}, lambda_context()))
