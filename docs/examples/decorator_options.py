"""Options, class-based handlers, and a decorated coroutine (run it with asyncio.run)."""

from __future__ import annotations

import asyncio

from lambda_metadata import inject_az, metadata_of


class OrderHandler:
    """A class-based handler: methods are decorated like functions."""

    def __init__(self, table: str) -> None:
        self.table = table

    @inject_az(strict=True, timeout=0.5)  # raise instead of running without metadata
    def __call__(self, event: dict[str, object], context: object) -> str:
        metadata = metadata_of(context)
        assert metadata is not None  # strict=True: the handler never runs without it
        return f"{self.table} in {metadata.availability_zone_id}"


handler = OrderHandler("orders")


@inject_az  # not a Lambda entry point on its own: see "async def handlers" on the decorator page
async def async_handler(event: dict[str, object], context: object) -> str | None:
    await asyncio.sleep(0)  # awaited like the undecorated coroutine
    metadata = metadata_of(context)
    return metadata.availability_zone_id if metadata else None


if __name__ == "__main__":
    from lambda_metadata.testing import MetadataEndpoint, lambda_context

    with MetadataEndpoint(availability_zone_id="euw1-az2") as endpoint, endpoint.environment():
        context = lambda_context()
        print(handler({}, context))
        print(asyncio.run(async_handler({}, context)))
