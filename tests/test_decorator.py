"""``@inject_az`` against the real endpoint emulator: forms, binding, context, failure policy."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
import wrapt
from awslambdaric.lambda_context import LambdaContext

import lambda_metadata
from lambda_metadata import (
    LambdaMetadata,
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
    inject_az,
)
from lambda_metadata.errors import MetadataHTTPError, MetadataTimeoutError
from lambda_metadata.testing import FakeClock, MetadataEndpoint


def lambda_context() -> LambdaContext:
    """The context class the real Python runtime (awslambdaric) hands to handlers."""
    return LambdaContext("request-1", None, None, 4_102_444_800_000, "arn:aws:lambda:fn")


@inject_az
def plain(event: dict[str, Any], context: Any) -> LambdaMetadata | None:
    """Return what the handler sees."""
    metadata: LambdaMetadata | None = context.lambda_metadata
    return metadata


# -- forms -----------------------------------------------------------------


def test_bare_decorator_puts_the_cached_metadata_on_the_context(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    seen = plain({}, lambda_context())

    assert seen is get_lambda_metadata()
    assert seen is not None
    assert seen.availability_zone_id == "use1-az1"


@pytest.mark.parametrize(
    "decorate",
    [inject_az(), inject_az(strict=True, log_records=True, timeout=2.0)],
    ids=["empty-call", "options"],
)
def test_called_forms_decorate_the_same_way(
    lambda_metadata_endpoint: MetadataEndpoint,
    decorate: Callable[[Callable[..., str]], Callable[..., str]],
) -> None:
    @decorate
    def handler(event: Any, context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    assert handler({}, lambda_context()) == "use1-az1"


def test_introspection_is_preserved() -> None:
    def handler(event: dict[str, Any], context: object, *, extra: int = 1) -> str:
        """Docstring of the handler."""
        return "ok"

    decorated = inject_az(handler)

    assert decorated.__name__ == "handler"
    assert decorated.__qualname__ == handler.__qualname__
    assert decorated.__doc__ == "Docstring of the handler."
    assert decorated.__wrapped__ is handler  # type: ignore[attr-defined]
    assert inspect.signature(decorated) == inspect.signature(handler)


def test_options_are_keyword_only_and_checked_when_applied() -> None:
    with pytest.raises(TypeError, match="keyword-only"):
        inject_az(True)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="strict"):
        inject_az(strict="yes")  # type: ignore[call-overload]
    for timeout in (0, -1, float("inf"), float("nan"), True):
        with pytest.raises(ValueError, match="timeout"):
            inject_az(timeout=timeout)


# -- binding ---------------------------------------------------------------


def test_event_and_context_may_be_passed_by_name(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    context = lambda_context()
    assert plain(event={}, context=context) is get_lambda_metadata()
    assert plain({}, context=context) is get_lambda_metadata()
    assert plain(context=context, event={}) is get_lambda_metadata()


def test_context_is_found_by_position_when_named_otherwise(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    @inject_az
    def handler(evt: Any, ctx: Any) -> str:
        return str(ctx.lambda_metadata.availability_zone_id)

    assert handler({}, lambda_context()) == "use1-az1"
    assert handler({}, ctx=lambda_context()) == "use1-az1"


def test_keyword_only_context(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    @inject_az
    def handler(event: Any, *, context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    assert handler({}, context=lambda_context()) == "use1-az1"


def test_missing_or_none_context_still_runs_the_handler(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    @inject_az
    def handler(event: Any, context: Any = None) -> Any:
        return context

    assert handler({}) is None
    assert handler({}, None) is None


class Handlers:
    """A class-based handler in every shape, with the decorator inside and outside."""

    def __init__(self) -> None:
        self.calls = 0

    @inject_az
    def method(self, event: Any, context: Any) -> str:
        self.calls += 1
        return str(context.lambda_metadata.availability_zone_id)

    @classmethod
    @inject_az
    def class_outer(cls, event: Any, context: Any) -> str:
        assert cls is Handlers
        return str(context.lambda_metadata.availability_zone_id)

    @inject_az
    @classmethod
    def class_inner(cls, event: Any, context: Any) -> str:
        assert cls is Handlers
        return str(context.lambda_metadata.availability_zone_id)

    @staticmethod
    @inject_az
    def static_outer(event: Any, context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    @inject_az
    @staticmethod
    def static_inner(event: Any, context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    @inject_az
    def __call__(self, event: Any, context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    @inject_az
    async def async_method(self, event: Any, context: Any) -> str:
        await asyncio.sleep(0)
        return str(context.lambda_metadata.availability_zone_id)


@pytest.mark.parametrize(
    "name", ["method", "class_outer", "class_inner", "static_outer", "static_inner"]
)
def test_methods_through_instance_and_class(
    lambda_metadata_endpoint: MetadataEndpoint, name: str
) -> None:
    handlers = Handlers()
    context = lambda_context()

    assert getattr(handlers, name)({}, context) == "use1-az1"
    assert getattr(handlers, name)(event={}, context=context) == "use1-az1"
    if name == "method":
        assert Handlers.method(handlers, {}, context) == "use1-az1"
        assert handlers.calls == 3
    else:
        assert getattr(Handlers, name)({}, context) == "use1-az1"


def test_callable_instance_and_async_method(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    handlers = Handlers()

    assert handlers({}, lambda_context()) == "use1-az1"
    assert inspect.iscoroutinefunction(handlers.async_method)
    assert asyncio.run(handlers.async_method({}, lambda_context())) == "use1-az1"


# -- async -----------------------------------------------------------------


def test_async_handler_is_a_coroutine_function_and_is_awaited(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    events: list[str] = []

    @inject_az(strict=True)
    async def handler(event: Any, context: Any) -> str:
        events.append("start")
        await asyncio.sleep(0)
        events.append("end")
        return str(context.lambda_metadata.availability_zone_id)

    assert inspect.iscoroutinefunction(handler)
    context = lambda_context()
    coroutine = handler({}, context)
    assert events == []  # nothing runs until awaited
    assert asyncio.run(coroutine) == "use1-az1"
    assert events == ["start", "end"]
    assert not hasattr(context, "lambda_metadata")


def test_async_handler_exception_and_default_policy(no_lambda_metadata: None) -> None:
    error = RuntimeError("boom")

    @inject_az
    async def handler(event: Any, context: Any) -> None:
        assert context.lambda_metadata is None
        raise error

    with pytest.raises(RuntimeError) as caught:
        asyncio.run(handler({}, lambda_context()))
    assert caught.value is error


# -- the context -----------------------------------------------------------


@dataclass(frozen=True)
class FrozenContext:
    aws_request_id: str = "frozen-1"

    def get_remaining_time_in_millis(self) -> int:
        return 1234


class SlottedContext:
    __slots__ = ("aws_request_id",)

    def __init__(self) -> None:
        self.aws_request_id = "slotted-1"

    def get_remaining_time_in_millis(self) -> int:
        return 1234


def refusing_contexts() -> list[Any]:
    spec_set = mock.Mock(spec_set=lambda_context())
    spec_set.aws_request_id = "mock-1"
    spec_set.get_remaining_time_in_millis.return_value = 1234
    return [FrozenContext(), SlottedContext(), spec_set]


@pytest.mark.parametrize("context", refusing_contexts(), ids=["frozen", "slots", "mock-spec-set"])
def test_a_context_that_refuses_attributes_is_proxied_transparently(
    lambda_metadata_endpoint: MetadataEndpoint, context: Any
) -> None:
    seen: dict[str, Any] = {}

    @inject_az
    def handler(event: Any, context: Any) -> str:
        seen["context"] = context
        seen["remaining"] = context.get_remaining_time_in_millis()
        seen["request_id"] = context.aws_request_id
        return str(context.lambda_metadata.availability_zone_id)

    assert handler({}, context) == "use1-az1"
    proxy = seen["context"]
    assert proxy.__wrapped__ is context
    assert isinstance(proxy, context.__class__)
    assert seen["remaining"] == 1234
    assert seen["request_id"] == context.aws_request_id
    assert not hasattr(context, "lambda_metadata")


def test_proxy_by_keyword_and_nested_decorators(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    @inject_az
    @inject_az(strict=True)
    def handler(event: Any, context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    assert handler(event={}, context=SlottedContext()) == "use1-az1"
    assert handler({}, lambda_context()) == "use1-az1"


def test_a_spec_mock_context_works(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    context = mock.Mock(spec=lambda_context())

    assert plain({}, context) is get_lambda_metadata()


def test_a_reused_context_never_shows_a_stale_zone(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    """As after a SnapStart restore: the AZ changes, the runtime's context object may not."""
    context = lambda_context()
    first = plain({}, context)
    assert not hasattr(context, "lambda_metadata")

    lambda_metadata_endpoint.availability_zone_id = "euw1-az3"
    clear_metadata_cache()
    second = plain({}, context)

    assert first is not None
    assert second is not None
    assert (first.availability_zone_id, second.availability_zone_id) == ("use1-az1", "euw1-az3")
    assert not hasattr(context, "lambda_metadata")


def test_an_attribute_the_caller_set_is_restored(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    context = SimpleNamespace(lambda_metadata="the caller's")

    assert plain({}, context) is get_lambda_metadata()
    assert context.lambda_metadata == "the caller's"


@pytest.mark.parametrize(
    ("ends", "seen", "left"),
    [((1, 0), ["use1-az1", "use1-az1"], False), ((0, 1), ["use1-az1", None], True)],
    ids=["nested-leaves-it-clean", "first-out-first-takes-it-away"],
)
def test_overlapping_async_invocations_on_one_context_each_put_back_what_they_found(
    lambda_metadata_endpoint: MetadataEndpoint,
    ends: tuple[int, int],
    seen: list[str | None],
    left: bool,
) -> None:
    """Lambda gives each invocation its own context; tasks sharing one are the caller's choice."""
    context = SimpleNamespace()

    @inject_az
    async def handler(event: asyncio.Event, context: Any) -> str | None:
        await event.wait()
        metadata = lambda_metadata.metadata_of(context)
        return None if metadata is None else metadata.availability_zone_id

    async def overlap() -> list[str | None]:
        gates = [asyncio.Event(), asyncio.Event()]
        tasks = [asyncio.create_task(handler(gate, context)) for gate in gates]
        await asyncio.sleep(0)  # both are inside the handler now
        results: list[str | None] = [None, None]
        for i in ends:
            gates[i].set()
            results[i] = await tasks[i]
        return results

    assert asyncio.run(overlap()) == seen
    assert hasattr(context, "lambda_metadata") is left


def test_nested_sync_inside_async_restores_exactly(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    context = lambda_context()

    @inject_az
    async def outer(event: dict[str, Any], context: Any) -> tuple[object, object]:
        inner = plain(event, context)
        return inner, context.lambda_metadata

    inner, still = asyncio.run(outer({}, context))
    assert inner is still is get_lambda_metadata()
    assert not hasattr(context, "lambda_metadata")


# -- failure policy --------------------------------------------------------


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "lambda_metadata" and r.levelno == logging.WARNING
    ]


def test_outside_lambda_the_handler_runs_and_one_warning_is_logged(
    no_lambda_metadata: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="lambda_metadata")
    results = [plain({}, lambda_context()) for _ in range(3)]

    assert results == [None, None, None]
    (warning,) = warnings_of(caplog)
    assert "MetadataUnavailableError" in warning.getMessage()


def test_one_warning_per_failure_streak(
    lambda_metadata_endpoint: MetadataEndpoint,
    caplog: pytest.LogCaptureFixture,
    fake_clock: FakeClock,
) -> None:
    caplog.set_level(logging.WARNING, logger="lambda_metadata")
    # 404s: never retried, so each failure is one answered request whatever the deadline, and
    # the deadline can be long enough for the recovery on a loaded machine.
    handler = inject_az(timeout=5)(plain.__wrapped__)  # type: ignore[attr-defined]
    lambda_metadata_endpoint.cache_control = "no-store"  # every call asks the endpoint
    lambda_metadata_endpoint.impair(status=404)
    assert [handler({}, lambda_context()) for _ in range(2)] == [None, None]
    lambda_metadata_endpoint.heal()
    fake_clock.advance(1.0)  # past the fail-fast window the failure opened
    recovered = handler({}, lambda_context())
    lambda_metadata_endpoint.impair(status=404)
    assert [handler({}, lambda_context()) for _ in range(2)] == [None, None]

    assert recovered is not None
    assert recovered.availability_zone_id == "use1-az1"
    warnings = warnings_of(caplog)
    assert len(warnings) == 2
    assert all("MetadataHTTPError" in w.getMessage() for w in warnings)
    assert all(lambda_metadata_endpoint.token not in w.getMessage() for w in warnings)


def test_a_decorated_handler_sees_a_new_value_at_exactly_the_max_age(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    """The warm path expires a value when ``get_lambda_metadata()`` does, not a tick later."""
    lambda_metadata_endpoint.max_age = 2
    fetched_at = fake_clock.now
    first = plain({}, lambda_context())
    fake_clock.advance(1.5)
    assert plain({}, lambda_context()) is first
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    fake_clock.now = fetched_at + 2  # the expiry's own sum, so exactly equal
    seen = plain({}, lambda_context())
    assert seen is not None
    assert seen.availability_zone_id == "use1-az2"
    assert lambda_metadata_endpoint.request_count == 2


def test_timeout_option_bounds_the_fetch(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    # Slower than the option, faster than the default (1 s): ignoring the option gives metadata.
    lambda_metadata_endpoint.impair(delay=0.5)
    lambda_metadata_endpoint.cache_control = "no-store"

    @inject_az(timeout=0.1)
    def handler(event: Any, context: Any) -> Any:
        return context.lambda_metadata

    @inject_az(strict=True, timeout=0.1)
    def strict(event: Any, context: Any) -> Any:
        return context.lambda_metadata

    assert handler({}, lambda_context()) is None
    lambda_metadata.clear_metadata_cache()  # ends the fail-fast window the timeout opened
    with pytest.raises(MetadataTimeoutError, match=r"within the 0\.1 s deadline"):
        strict({}, lambda_context())


def test_strict_raises_the_typed_error_and_skips_the_handler(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    called = []

    @inject_az(strict=True, timeout=5)
    def handler(event: Any, context: Any) -> None:
        called.append(True)

    lambda_metadata_endpoint.impair(status=404)  # never retried: one answered request
    with pytest.raises(MetadataHTTPError) as caught:
        handler({}, lambda_context())
    assert caught.value.status_code == 404

    monkeypatch.delenv("AWS_LAMBDA_METADATA_API")
    clear_metadata_cache()  # ends the fail-fast window the 404 opened
    with pytest.raises(MetadataUnavailableError):
        handler({}, lambda_context())
    assert called == []


def test_handler_exceptions_pass_through_untouched(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    error = ValueError("the handler's own")

    @inject_az(strict=True)
    def handler(event: Any, context: Any) -> None:
        raise error

    context = lambda_context()
    with pytest.raises(ValueError, match="own") as caught:
        handler({}, context)

    assert caught.value is error
    frames = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert frames[-1] == "handler"
    assert error.__context__ is None
    assert not hasattr(context, "lambda_metadata")


def test_warm_path_makes_no_request(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    seen = [plain({}, lambda_context()) for _ in range(5)]

    assert lambda_metadata_endpoint.request_count == 1
    assert seen[0] is not None
    assert seen[0].availability_zone_id == "use1-az1"
    assert all(metadata is seen[0] for metadata in seen), "every warm call has the cached value"


# -- packaging -------------------------------------------------------------


def test_inject_az_loads_on_first_access_and_is_listed() -> None:
    # What it imports, and what import lambda_metadata does not, is in test_import.py.
    assert lambda_metadata.inject_az is inject_az
    assert "inject_az" in lambda_metadata.__all__
    assert "inject_az" in dir(lambda_metadata)
    with pytest.raises(AttributeError, match="no_such_name"):
        lambda_metadata.no_such_name  # noqa: B018


@pytest.mark.wrapt_matrix
def test_runs_on_the_expected_wrapt_major() -> None:
    """CI sets LAMBDA_METADATA_EXPECT_WRAPT to the major it installed (1 or 2)."""
    expected = os.environ.get("LAMBDA_METADATA_EXPECT_WRAPT")
    if expected is None:
        pytest.skip("LAMBDA_METADATA_EXPECT_WRAPT is not set")
    assert wrapt.__version__.split(".")[0] == expected  # type: ignore[attr-defined]
