"""Options, class-based handlers, and a decorated coroutine (run it with asyncio.run)."""

from __future__ import annotations

import asyncio
from typing import Any

from lambda_metadata import inject_az


class OrderHandler:
    """A class-based handler: methods are decorated like functions."""

    def __init__(self, table: str) -> None:
        self.table = table

    @inject_az(strict=True, timeout=0.5)  # raise instead of running without metadata
    def __call__(self, event: dict[str, Any], context: Any) -> str:
        return f"{self.table} in {context.lambda_metadata.availability_zone_id}"


handler = OrderHandler("orders")


@inject_az  # not a Lambda entry point on its own: see "async def handlers" on the decorator page
async def async_handler(event: dict[str, Any], context: Any) -> str:
    await asyncio.sleep(0)  # awaited like the undecorated coroutine
    return str(context.lambda_metadata.availability_zone_id)


if __name__ == "__main__":
    from types import SimpleNamespace

    from lambda_metadata.testing import MetadataEndpoint

    with MetadataEndpoint(availability_zone_id="euw1-az2") as endpoint, endpoint.environment():
        context = SimpleNamespace(aws_request_id="local-1")
        print(handler({}, context))
        print(asyncio.run(async_handler({}, context)))
