"""What the docs warn against: an ``async def`` handler given to the runtime as is."""

from __future__ import annotations

from typing import Any

from lambda_metadata import inject_az


@inject_az
async def handler(event: Any, context: Any) -> dict[str, Any]:
    return {"availability_zone_id": context.lambda_metadata.availability_zone_id}
