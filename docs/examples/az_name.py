"""Match this function's AZ against APIs that speak AZ names, such as ElastiCache.

Needs ``pip install "lambda-metadata[ec2]"`` and the ``ec2:DescribeAvailabilityZones``
permission on the function's execution role.
"""

from __future__ import annotations

from lambda_metadata import get_lambda_metadata
from lambda_metadata.az_names import get_availability_zone_name
from lambda_metadata.errors import AvailabilityZoneNameError


def handler(event: dict[str, object], context: object) -> dict[str, str | None]:
    zone_id = get_lambda_metadata().availability_zone_id  # use1-az1: the same in every account
    try:
        zone_name = get_availability_zone_name()  # us-east-1b: this account's name for it
    except AvailabilityZoneNameError as exc:
        print(exc)  # the message says which permission to add
        zone_name = None
    return {"availability_zone_id": zone_id, "availability_zone_name": zone_name}
