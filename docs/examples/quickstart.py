"""A Lambda handler that reads its Availability Zone ID (docs: Getting started)."""

from __future__ import annotations

from typing import Any

from lambda_metadata import get_lambda_metadata


def handler(event: dict[str, Any], context: object) -> dict[str, str]:
    metadata = get_lambda_metadata()  # one request per execution environment, then cached
    return {"availability_zone_id": metadata.availability_zone_id}
