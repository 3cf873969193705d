"""``@inject_az`` against the endpoint emulator: every kind of handler, the context, the failure
policy, the switch."""

from __future__ import annotations

import asyncio
import functools
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
from aws_lambda_powertools import Metrics
from awslambdaric.lambda_context import LambdaContext

from lambda_metadata import clear_metadata_cache, get_lambda_metadata, inject_az, metadata_of
from lambda_metadata.errors import (
    InvalidArgumentError,
    MetadataTimeoutError,
    MetadataUnavailableError,
)
from lambda_metadata.testing import FakeClock, MetadataEndpoint, lambda_context

ENV = "LAMBDA_METADATA_DISABLED"


def az(context: object) -> str | None:
    metadata = metadata_of(context)
    return None if metadata is None else metadata.availability_zone_id


def handler(event: object, context: Any) -> str | None:
    """Docstring of the handler."""
    return az(context)


plain = inject_az(handler)


async def coroutine(event: object, context: Any) -> str | None:
    await asyncio.sleep(0)
    return az(context)


def by_position(context: object) -> str | None:
    return plain({}, context)


@inject_az
def renamed(evt: object, ctx: Any) -> str | None:
    return az(ctx)


@inject_az
def keyword_only(event: object, *, context: Any) -> str | None:
    return az(context)


@inject_az
def optional(event: object, context: Any = None) -> str | None:
    return az(context)


@dataclass(frozen=True)
class FrozenContext:
    aws_request_id: str = "frozen-1"


class SlottedContext:
    __slots__ = ()


CONTEXTS = {  # a call, the context it is given, what the handler sees
    "by-position-named-otherwise": (lambda c: renamed({}, c), lambda_context, "use1-az1"),
    "keyword-only": (lambda c: keyword_only({}, context=c), lambda_context, "use1-az1"),
    "spec-mock": (by_position, lambda: mock.Mock(spec=lambda_context()), "use1-az1"),
    "restores-the-callers-own": (
        by_position,
        lambda: SimpleNamespace(lambda_metadata="the caller's"),
        "use1-az1",
    ),
    # Not looked for: a context passed by another name, or none at all; passed on as it is: a
    # context that refuses new attributes (Lambda's own takes them).
    "by-another-name": (lambda c: renamed({}, ctx=c), lambda_context, None),
    "missing": (lambda c: optional({}), lambda_context, None),
    "none": (lambda c: optional({}, None), lambda: None, None),
    "frozen": (by_position, FrozenContext, None),
    "slots": (by_position, SlottedContext, None),
    "spec-set-mock": (by_position, lambda: mock.Mock(spec_set=lambda_context()), None),
}


@pytest.mark.parametrize(("call", "make", "seen"), CONTEXTS.values(), ids=CONTEXTS.keys())
def test_the_context_is_found_set_for_the_call_and_given_back_as_it_was(
    lambda_metadata_endpoint: MetadataEndpoint, call: Any, make: Any, seen: str | None
) -> None:
    context = make()
    before = getattr(context, "lambda_metadata", "missing")
    assert call(context) == seen
    assert getattr(context, "lambda_metadata", "missing") == before


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
    "function": plain,
    "empty-call": inject_az()(handler),
    "options": inject_az(strict=True, log_records=True, timeout=2.0)(handler),
    "nested": inject_az(inject_az(strict=True)(handler)),
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


untyped: Any = inject_az  # for the wrong calls, which mypy would refuse
Refusal = tuple[Callable[[], object], type[Exception], str]
REFUSED: dict[str, Refusal] = {  # a decoration, what it raises, what that says
    "option-by-position": (lambda: untyped(True), TypeError, "keyword-only"),
    "strict-not-a-bool": (lambda: untyped(strict="yes"), TypeError, "strict"),
    "tracer": (lambda: untyped(tracer=object()), TypeError, "Powertools Tracer"),
    "metrics-duck": (
        lambda: untyped(metrics=type("Duck", (), {"add_dimension": print})()),
        TypeError,
        "Powertools Metrics",
    ),
    "metrics-class": (lambda: untyped(metrics=Metrics), TypeError, "Powertools Metrics"),
}
GENERATOR_REFUSED = "generator function .*uses what it returns"
GENERATORS = {"generator": chunks, "async-generator": async_chunks}
GENERATORS |= {
    "functools-wraps": wraps_generator(chunks),
    "partial": functools.partial(async_chunks, {}),
}
for name, function in GENERATORS.items():  # Lambda uses what a handler returns: no generators
    for options, decorate in (("bare", inject_az), ("options", inject_az(strict=True))):
        refusal = (functools.partial(decorate, function), TypeError, GENERATOR_REFUSED)
        REFUSED[f"{name}-{options}"] = refusal


@pytest.mark.parametrize(("decorate", "error", "match"), REFUSED.values(), ids=REFUSED.keys())
def test_a_wrong_option_or_a_generator_is_refused_at_decoration(
    decorate: Callable[[], object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        decorate()


def test_introspection_is_preserved() -> None:
    assert (plain.__name__, plain.__qualname__, plain.__doc__) == ("handler",) * 2 + (
        handler.__doc__,
    )
    assert plain.__wrapped__ is handler  # type: ignore[attr-defined]
    assert inspect.signature(plain) == inspect.signature(handler)


@pytest.mark.parametrize(
    ("ends", "seen", "left"),
    [((1, 0), ["use1-az1", "use1-az1"], False), ((0, 1), ["use1-az1", None], True)],
    ids=["nested-leaves-it-clean", "first-out-first-takes-it-away"],
)
def test_overlapping_async_invocations_on_one_context_each_put_back_what_they_found(
    lambda_metadata_endpoint: MetadataEndpoint, ends: tuple[int, int], seen: list[Any], left: bool
) -> None:
    """Lambda gives each invocation its own context; tasks sharing one are the caller's choice."""
    context = SimpleNamespace()

    @inject_az
    async def handler(event: asyncio.Event, context: Any) -> str | None:
        await event.wait()
        return az(context)

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


def test_a_coroutine_runs_when_awaited_and_a_sync_handler_nested_in_it_gives_back_its_context(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    events: list[str] = []

    @inject_az(strict=True)
    async def outer(event: Any, context: Any) -> tuple[object, object]:
        events.append("start")
        await asyncio.sleep(0)
        events.append("end")
        return plain(event, context), az(context)

    context = lambda_context()
    running = outer({}, context)
    assert events == []  # nothing runs until awaited
    assert asyncio.run(running) == ("use1-az1", "use1-az1")
    assert events == ["start", "end"]
    assert not hasattr(context, "lambda_metadata")


@pytest.mark.parametrize("coroutine", [False, True], ids=["def", "async-def"])
def test_handler_exceptions_pass_through_untouched(
    lambda_metadata_endpoint: MetadataEndpoint, coroutine: bool
) -> None:
    error = ValueError("the handler's own")

    def handler(event: Any, context: Any) -> None:
        raise error

    async def async_handler(event: Any, context: Any) -> None:
        raise error

    decorated = inject_az(strict=True)(async_handler if coroutine else handler)
    context = lambda_context()
    run: Any = asyncio.run if coroutine else lambda result: result
    with pytest.raises(ValueError, match="own") as caught:
        run(decorated({}, context))
    assert caught.value is error
    frames = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert frames[-1] in ("handler", "async_handler")
    assert error.__context__ is None
    assert not hasattr(context, "lambda_metadata")


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    records = [r for r in caplog.records if r.name == "lambda_metadata"]
    return [r.getMessage() for r in records if r.levelno == logging.WARNING]


def test_outside_lambda_handlers_run_with_none_and_one_warning_is_logged(
    no_lambda_metadata: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="lambda_metadata")
    assert metadata_of(lambda_context()) is metadata_of(None) is metadata_of(object()) is None
    async_plain = inject_az(otel=True)(coroutine)  # its extras skipped without metadata
    results = [plain({}, lambda_context()) for _ in range(3)]
    assert [*results, asyncio.run(async_plain({}, lambda_context()))] == [None] * 4
    (warning,) = warnings_of(caplog)
    assert "MetadataUnavailableError" in warning


def test_one_warning_per_failure_streak(
    lambda_metadata_endpoint: MetadataEndpoint,
    caplog: pytest.LogCaptureFixture,
    fake_clock: FakeClock,
) -> None:
    caplog.set_level(logging.WARNING, logger="lambda_metadata")
    # 404s: never retried, so each failure is one answered request whatever the deadline, and
    # the deadline can be long enough for the recovery on a loaded machine.
    decorated = inject_az(timeout=5)(handler)
    lambda_metadata_endpoint.cache_control = "no-store"  # every call asks the endpoint
    lambda_metadata_endpoint.impair(status=404)
    assert [decorated({}, lambda_context()) for _ in range(2)] == [None, None]
    lambda_metadata_endpoint.heal()
    fake_clock.advance(1.0)  # past the fail-fast window the failure opened
    assert decorated({}, lambda_context()) == "use1-az1"
    lambda_metadata_endpoint.impair(status=404)
    assert [decorated({}, lambda_context()) for _ in range(2)] == [None, None]
    warnings = warnings_of(caplog)
    assert len(warnings) == 2
    assert all(
        "MetadataHTTPError" in w and lambda_metadata_endpoint.token not in w for w in warnings
    )


def test_the_warm_path_makes_no_request_and_expires_at_exactly_the_max_age(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    """The warm path expires a value when ``get_lambda_metadata()`` does, not a tick later; as
    after a SnapStart restore, the AZ changes while the runtime's context object may not."""
    lambda_metadata_endpoint.max_age = 2
    fetched_at = fake_clock.now
    first = [inject_az(lambda e, c: metadata_of(c))({}, lambda_context()) for _ in range(5)]
    assert first[0] is get_lambda_metadata()
    assert all(metadata is first[0] for metadata in first)
    fake_clock.advance(1.5)
    context = lambda_context()
    assert plain({}, context) == "use1-az1"
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    fake_clock.now = fetched_at + 2  # the expiry's own sum, so exactly equal
    assert plain({}, context) == "use1-az2"
    assert not hasattr(context, "lambda_metadata")
    assert lambda_metadata_endpoint.request_count == 2


def test_timeout_bounds_the_fetch_and_strict_raises_the_typed_error_without_the_handler(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    called = []

    def record(event: Any, context: Any) -> Any:
        called.append(True)
        return metadata_of(context)

    # Slower than the option, faster than the default (1 s): ignoring the option gives metadata.
    lambda_metadata_endpoint.cache_control = "no-store"
    with lambda_metadata_endpoint.impair(delay=0.5):
        assert inject_az(timeout=0.1)(record)({}, lambda_context()) is None
        clear_metadata_cache()  # ends the fail-fast window the timeout opened
        with pytest.raises(MetadataTimeoutError, match=r"within the 0\.1 s deadline"):
            inject_az(strict=True, timeout=0.1)(record)({}, lambda_context())
    monkeypatch.delenv("AWS_LAMBDA_METADATA_API")
    clear_metadata_cache()  # ends the fail-fast window the timeout opened
    with pytest.raises(MetadataUnavailableError):
        inject_az(strict=True)(record)({}, lambda_context())
    assert called == [True]


VALUES = {"true": "off", "1": "off", "TRUE": "off", " True ": "off", "": "on", "false": "on"}
VALUES |= {"0": "on", "FALSE": "on", "yes": "refused", "on": "refused", "ture": "refused"}


@pytest.mark.parametrize("form", ["bare", "options", "metrics"])
@pytest.mark.parametrize(("value", "state"), [*VALUES.items(), ("2", "refused")])
def test_lambda_metadata_disabled_is_read_when_applied(
    monkeypatch: pytest.MonkeyPatch,
    lambda_metadata_endpoint: MetadataEndpoint,
    value: str,
    state: str,
    form: str,
) -> None:
    monkeypatch.setenv(ENV, value)
    metrics = Metrics(namespace="Shop")
    cold_start = metrics.provider.add_cold_start_metric
    options: dict[str, dict[str, Any]] = {
        "bare": {},
        "options": {"strict": True, "otel": True},
        "metrics": {"metrics": metrics},
    }
    if state == "refused":
        with pytest.raises(InvalidArgumentError, match=ENV):
            inject_az(**options[form])(handler)
        return
    decorated = inject_az(**options[form])(handler)
    monkeypatch.setenv(ENV, "false" if state == "off" else "true")  # read once, never again
    assert (decorated is handler) is (state == "off")
    assert decorated({}, lambda_context()) == (None if state == "off" else "use1-az1")
    metrics.clear_metrics()  # the AZ-ID it added, unflushed: Powertools shares the dimension set
    assert lambda_metadata_endpoint.request_count == (0 if state == "off" else 1)
    if state == "off":
        assert metrics.provider.add_cold_start_metric == cold_start  # no dimension either
        assert get_lambda_metadata().availability_zone_id == "use1-az1"  # unchanged


@pytest.mark.wrapt_matrix
def test_runs_on_the_expected_wrapt_major() -> None:
    """CI sets LAMBDA_METADATA_EXPECT_WRAPT to the major it installed (1 or 2)."""
    expected = os.environ.get("LAMBDA_METADATA_EXPECT_WRAPT")
    if expected is None:
        pytest.skip("LAMBDA_METADATA_EXPECT_WRAPT is not set")
    assert wrapt.__version__.split(".")[0] == expected  # type: ignore[attr-defined]
