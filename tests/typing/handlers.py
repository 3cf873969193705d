"""Decorated handlers keep their exact types: sync, async, methods; options are keyword-only."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from typing_extensions import assert_type

from lambda_metadata import inject_az

logger = Logger()


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
def powertools_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return {"az": "use1-az1"}


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
