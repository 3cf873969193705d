"""Decorated handlers keep their exact types: sync, async, methods, under Powertools' decorators,
called with ``lambda_context()``; options are keyword-only."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from typing_extensions import assert_type

from lambda_metadata import LambdaMetadata, inject_az, metadata_of
from lambda_metadata.testing import FakeLambdaContext, lambda_context

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")


@inject_az
def exact(event: dict[str, Any], context: LambdaContext, /) -> str:
    return str(event["name"]) + context.aws_request_id


# Positional-only parameters make the function's type spellable as a Callable: the decorator
# hands back exactly the type it was given.
assert_type(exact, Callable[[dict[str, Any], LambdaContext], str])


@inject_az
def handler(event: dict[str, Any], context: LambdaContext) -> str:
    return str(event["name"]) + context.aws_request_id


assert_type(handler({"name": "x"}, LambdaContext()), str)
assert_type(handler(event={"name": "x"}, context=LambdaContext()), str)  # the names survive


@logger.inject_lambda_context(clear_state=True)
@inject_az(strict=True, timeout=0.5, log_records=False)
def powertools_handler(event: dict[str, Any], context: LambdaContext) -> str:
    metadata = metadata_of(context)
    assert_type(metadata, LambdaMetadata | None)
    assert metadata is not None  # strict=True: the handler never runs without it
    logger.info("zone", extra={"zone": metadata.availability_zone_id})
    return metadata.availability_zone_id


@inject_az(metrics=metrics)
@metrics.log_metrics(capture_cold_start_metric=True)
def counted_handler(event: dict[str, object], context: LambdaContext) -> int:
    metrics.add_metric(name="Orders", unit="Count", value=1)
    return 1


local = lambda_context(function_name="orders", timeout=3)
assert_type(local, FakeLambdaContext)
assert_type(local.get_remaining_time_in_millis(), int)
assert_type(powertools_handler({}, local), str)  # a LambdaContext when Powertools is installed


@inject_az
async def async_handler(event: dict[str, Any], context: LambdaContext, /) -> int:
    return len(event)


assert_type(async_handler, Callable[[dict[str, Any], LambdaContext], Coroutine[Any, Any, int]])


@inject_az()
async def async_handler_with_parentheses(event: object, context: LambdaContext) -> None:
    return None


async def call_it() -> None:
    assert_type(await async_handler_with_parentheses({}, LambdaContext()), None)


class Service:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    @inject_az
    def handle(self, event: dict[str, Any], context: LambdaContext) -> str:
        return self.prefix

    @staticmethod
    @inject_az
    def static(event: dict[str, Any], context: LambdaContext) -> bytes:
        return b""

    @classmethod
    @inject_az(strict=False)
    def build(cls, event: dict[str, Any], context: LambdaContext) -> Service:
        return cls("x")


assert_type(Service("p").handle({}, LambdaContext()), str)
assert_type(Service.static({}, LambdaContext()), bytes)
assert_type(Service.build({}, LambdaContext()), Service)


# Wrong uses: each ignore must hide a real error, or --warn-unused-ignores fails the check.
inject_az(strict="yes")  # type: ignore[call-overload]
inject_az(timeout="1s")  # type: ignore[call-overload]
inject_az(handler, strict=True)  # type: ignore[call-overload]
inject_az(42)  # type: ignore[call-overload]
inject_az(metrics="orders")  # type: ignore[call-overload]
handler({}, LambdaContext(), "extra")  # type: ignore[call-arg]
handler(evnt={}, context=LambdaContext())  # type: ignore[call-arg]
handler("event", LambdaContext())  # type: ignore[arg-type]
x: int = handler({}, LambdaContext())  # type: ignore[assignment]
