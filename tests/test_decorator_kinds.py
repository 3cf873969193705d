"""``@inject_az`` on every kind of handler: functions, methods, coroutines, wrapped callables."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest
import wrapt
from awslambdaric.lambda_context import LambdaContext

from lambda_metadata import inject_az, metadata_of
from lambda_metadata.testing import MetadataEndpoint


def az(context: object) -> str | None:
    metadata = metadata_of(context)
    return None if metadata is None else metadata.availability_zone_id


def plain(event: object, context: object) -> str | None:
    return az(context)


async def coroutine(event: object, context: object) -> str | None:
    await asyncio.sleep(0)
    return az(context)


def prefixed(prefix: str, event: object, context: object) -> str | None:
    return az(context)


async def async_prefixed(prefix: str, event: object, context: object) -> str | None:
    return az(context)


class Handlers:
    """A class-based handler in every shape, the decorator inside and outside."""

    @inject_az
    def method(self, event: Any, context: Any) -> str | None:
        assert isinstance(self, Handlers)
        return az(context)

    @classmethod
    @inject_az
    def class_outer(cls, event: Any, context: Any) -> str | None:
        assert cls is Handlers
        return az(context)

    @inject_az
    @classmethod
    def class_inner(cls, event: Any, context: Any) -> str | None:
        assert cls is Handlers
        return az(context)

    @staticmethod
    @inject_az
    def static_outer(event: Any, context: Any) -> str | None:
        return az(context)

    @inject_az
    @staticmethod
    def static_inner(event: Any, context: Any) -> str | None:
        return az(context)

    @inject_az
    def __call__(self, event: Any, context: Any) -> str | None:
        return az(context)

    @inject_az
    async def async_method(self, event: Any, context: Any) -> str | None:
        return az(context)

    async def undecorated(self, event: Any, context: Any) -> str | None:
        return az(context)


@wrapt.decorator
async def async_passthrough(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    return await wrapped(*args, **kwargs)


def wraps_async(function: Any) -> Any:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await function(*args, **kwargs)

    return wrapper


def marked() -> Any:
    mark = getattr(inspect, "markcoroutinefunction", None)  # new in Python 3.12
    if mark is None:
        return pytest.param(None, marks=pytest.mark.skip("no inspect.markcoroutinefunction"))
    return inject_az(mark(lambda event, context: coroutine(event, context)))


SHAPES = {
    "function": inject_az(plain),
    "empty-call": inject_az()(plain),
    "options": inject_az(strict=True, log_records=True, timeout=2.0)(plain),
    "nested": inject_az(inject_az(strict=True)(plain)),
    "coroutine": inject_az(coroutine),
    "method": Handlers().method,
    "unbound-method": lambda event, context: Handlers.method(Handlers(), event, context),
    "class-outer": Handlers.class_outer,
    "class-outer-instance": Handlers().class_outer,
    "class-inner": Handlers.class_inner,
    "class-inner-instance": Handlers().class_inner,
    "static-outer": Handlers.static_outer,
    "static-inner": Handlers.static_inner,
    "static-inner-instance": Handlers().static_inner,
    "callable-instance": Handlers(),
    "async-method": Handlers().async_method,
    "partial": inject_az(functools.partial(prefixed, "x")),
    "async-partial": inject_az(functools.partial(async_prefixed, "x")),
    "wrapt-wrapped": inject_az(async_passthrough(coroutine)),
    "functools-wraps": inject_az(wraps_async(coroutine)),
    "bound-method": inject_az(Handlers().undecorated),
}
CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "positional": lambda handler, context: handler({}, context),
    "context-by-name": lambda handler, context: handler({}, context=context),
    "both-by-name": lambda handler, context: handler(event={}, context=context),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("handler", [*SHAPES.values(), marked()], ids=[*SHAPES, "marked"])
def test_every_shape_finds_the_context_and_gives_it_back(
    lambda_metadata_endpoint: MetadataEndpoint, handler: Any, call: Callable[[Any, Any], Any]
) -> None:
    context = LambdaContext("request-1", None, None, 4_102_444_800_000, "arn:aws:lambda:fn")
    seen = call(handler, context)
    if inspect.iscoroutinefunction(handler):  # a coroutine stays one, and is awaited
        seen = asyncio.run(seen)
    assert seen == "use1-az1"
    assert not hasattr(context, "lambda_metadata")


def wraps_generator(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return (yield from function(*args, **kwargs))

    return wrapper


def chunks(event: object, context: Any) -> Any:
    yield context


async def async_chunks(event: object, context: Any) -> Any:
    yield context


@pytest.mark.parametrize("decorate", [inject_az, inject_az(strict=True)], ids=["bare", "options"])
@pytest.mark.parametrize(
    "function",
    [chunks, async_chunks, wraps_generator(chunks), functools.partial(async_chunks, {})],
    ids=["generator", "async-generator", "functools-wraps", "partial"],
)
def test_a_generator_function_is_refused_when_decorated(function: Any, decorate: Any) -> None:
    """Lambda calls handler(event, context) and uses its return value: no generator handlers."""
    with pytest.raises(TypeError, match=r"generator function .*uses what it returns"):
        decorate(function)
