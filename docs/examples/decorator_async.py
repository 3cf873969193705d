"""asyncio on Lambda: the runtime calls a plain function, which runs the decorated coroutine."""

from __future__ import annotations

import asyncio
from typing import Any

from lambda_metadata import inject_az


@inject_az
async def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    await asyncio.sleep(0)  # your own awaits: aiohttp, aiobotocore, an async database driver...
    metadata = context.lambda_metadata  # a LambdaMetadata, or None outside Lambda
    return {
        "availability_zone_id": metadata.availability_zone_id if metadata else None,
        "request_id": context.aws_request_id,
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function Lambda calls (``decorator_async.handler``): a plain ``def``, not ``async``."""
    return asyncio.run(handle(event, context))


if __name__ == "__main__":  # run it locally against the endpoint emulator
    from types import SimpleNamespace

    from lambda_metadata.testing import MetadataEndpoint

    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        print(handler({}, SimpleNamespace(aws_request_id="local-1")))
