"""``@inject_az`` tells coroutines from plain handlers (and refuses generators) without ``inspect``
for plain functions, and still right for partials, methods and other wrappers."""

from __future__ import annotations

import asyncio
import functools
import inspect
from types import SimpleNamespace
from typing import Any

import pytest
import wrapt

import lambda_metadata
from lambda_metadata.testing import MetadataEndpoint


async def _async_handler(prefix: str, event: object, context: Any) -> object:
    return context.lambda_metadata.availability_zone_id


def _sync_handler(prefix: str, event: object, context: Any) -> object:
    return context.lambda_metadata.availability_zone_id


@wrapt.decorator
async def _async_passthrough(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    return await wrapped(*args, **kwargs)


def _wraps_async(function: Any) -> Any:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await function(*args, **kwargs)

    return wrapper


async def _plain_async(event: object, context: Any) -> object:
    return context.lambda_metadata.availability_zone_id


class _Service:
    async def handle(self, event: object, context: Any) -> object:
        return context.lambda_metadata.availability_zone_id


def _marked() -> Any:
    mark = getattr(inspect, "markcoroutinefunction", None)  # new in Python 3.12
    if mark is None:
        return pytest.param(None, marks=pytest.mark.skip("no inspect.markcoroutinefunction"))

    def handler(event: object, context: Any) -> Any:
        return _plain_async(event, context)

    return mark(handler)


@pytest.mark.parametrize(
    "function",
    [
        functools.partial(_async_handler, "x"),
        _async_passthrough(_plain_async),
        _wraps_async(_plain_async),
        _Service().handle,
        _marked(),
    ],
    ids=["partial", "wrapt-wrapped", "functools-wraps", "bound-method", "marked"],
)
def test_a_coroutine_function_in_any_wrapping_is_awaited(
    lambda_metadata_endpoint: MetadataEndpoint, function: Any
) -> None:
    handler = lambda_metadata.inject_az(function)
    assert inspect.iscoroutinefunction(handler)
    assert asyncio.run(handler({}, SimpleNamespace())) == "use1-az1"
    assert asyncio.run(handler({}, context=SimpleNamespace())) == "use1-az1"


def test_a_partial_of_a_plain_function_finds_the_context_after_the_event(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    handler = lambda_metadata.inject_az(functools.partial(_sync_handler, "x"))
    assert handler({}, SimpleNamespace()) == "use1-az1"
    assert handler({}, context=SimpleNamespace()) == "use1-az1"


def _wraps_generator(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return (yield from function(*args, **kwargs))

    return wrapper


def _chunks(event: object, context: Any) -> Any:
    yield context


async def _async_chunks(event: object, context: Any) -> Any:
    yield context


@pytest.mark.parametrize(
    "function",
    [_chunks, _async_chunks, _wraps_generator(_chunks), functools.partial(_async_chunks, {})],
    ids=["generator", "async-generator", "functools-wraps", "partial"],
)
def test_a_generator_function_is_refused_when_decorated(function: Any) -> None:
    """Lambda calls handler(event, context) and uses its return value: no generator handlers."""
    with pytest.raises(TypeError, match=r"generator function .*uses its return value"):
        lambda_metadata.inject_az(function)
    with pytest.raises(TypeError, match="generator function"):
        lambda_metadata.inject_az(strict=True)(function)
