"""``@inject_az``, the handler decorator, built on wrapt: loaded when it is first used."""

from __future__ import annotations

import functools
import logging
import os

import wrapt

from . import _cache
from ._constants import CONTEXT_ATTRIBUTE, DEFAULT_TIMEOUT, DISABLED_ENV, check_timeout
from ._log import FailureStreak
from .errors import InvalidArgumentError, LambdaMetadataError, MissingOptionalDependencyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, overload

    from ._metrics import Dimensioned
    from ._model import LambdaMetadata
    from .tracing import Annotatable

    _P = ParamSpec("_P")
    _Method = staticmethod[Any, Any] | classmethod[Any, Any, Any]
    _Handler = TypeVar("_Handler", bound="Callable[..., Any] | _Method")
    _AddExtras = Callable[[LambdaMetadata | None], None]
    _Tracer = Annotatable | None
    _Metrics = Dimensioned | None

    class _OptionalArguments(Protocol[_P]):  # @d or @d(...), as in wrapt's docs
        @overload
        def __call__(self, wrapped: _Handler, /) -> _Handler: ...
        @overload
        def __call__(
            self, wrapped: None = None, /, *args: _P.args, **kwargs: _P.kwargs
        ) -> Callable[[_Handler], _Handler]: ...


_MISSING: Any = object()
logging.getLogger("lambda_metadata")  # for Powertools' copy_config_to_registered_loggers
_no_metadata = FailureStreak()  # the decorator's own failures; a cache clear starts a new streak


def _optional_arguments(decorator: Callable[Concatenate[Any, _P], Any]) -> _OptionalArguments[_P]:
    """Type ``decorator`` for both of its forms, its options written once, in its signature."""
    return decorator  # type: ignore[return-value]


@_optional_arguments
def inject_az(
    wrapped: _Handler | None = None,
    /,
    *,
    strict: bool = False,
    log_records: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    resolve_name: bool = False,
    tracer: Annotatable | None = None,
    otel: bool = False,
    metrics: Dimensioned | None = None,
) -> _Handler | Callable[[_Handler], _Handler]:
    """Decorate a Lambda handler: ``context.lambda_metadata`` holds the ``LambdaMetadata``.

    Bare (``@inject_az``) or with options (``@inject_az(strict=True)``), on a ``def`` or an
    ``async def`` (Lambda does not await it: run it with ``asyncio.run(...)``), not a generator.
    The context is the argument named ``context``, else the one after the event. With
    ``LAMBDA_METADATA_DISABLED=true`` (or ``1``) it checks its options and returns the handler.

    Args:
        strict: raise the ``LambdaMetadataError`` when metadata cannot be had or an extra fails;
            by default the handler runs without, and a warning is logged per failure streak.
        log_records: install the log-record factory that adds ``availability_zone_id``.
        timeout: overall deadline in seconds for a fetch, retries included.
        resolve_name: resolve the AZ name through EC2 (extra ``ec2``), for
            ``cached_availability_zone_name()``; it blocks an event loop.
        tracer: a Powertools ``Tracer`` whose segment gets the AZ annotations (put
            ``@tracer.capture_lambda_handler`` above).
        otel: set the AZ on the current OpenTelemetry span (extra ``otel``).
        metrics: a Powertools ``Metrics`` whose metrics get the dimension ``AZ-ID`` (put
            ``@inject_az`` above ``@metrics.log_metrics``).
    """
    switches = {"strict": strict, "log_records": log_records, "resolve_name": resolve_name}
    for name, value in (*switches.items(), ("otel", otel)):
        if not isinstance(value, bool):
            raise TypeError(f"inject_az({name}=...) must be True or False")
    check_timeout(timeout, "inject_az(timeout=...)")
    switch = os.environ.get(DISABLED_ENV, "").strip().lower()  # read when applied, not per call
    if switch not in ("", "false", "0", "true", "1"):
        raise InvalidArgumentError(
            f"{DISABLED_ENV} must be true or 1 (off), false, 0 or empty (on), got {switch[:40]!r}"
        )
    disabled = switch in ("true", "1")
    if wrapped is None:  # called with options: wrapt's pattern for optional arguments
        if not disabled:  # the extras are checked now, at inject_az(...), used or not
            _extras(strict, timeout, resolve_name, tracer, otel, metrics)
        options = {"timeout": timeout, "tracer": tracer, "otel": otel, "metrics": metrics}
        return functools.partial(inject_az, **switches, **options)
    target: Any = wrapped  # a function, or a method, staticmethod or classmethod object
    function = getattr(target, "__func__", target)
    if not callable(function):
        raise TypeError(
            f"inject_az decorates a handler, got {type(wrapped).__name__}: options are keyword-only"
        )
    if disabled:
        return wrapped
    extras = _extras(strict, timeout, resolve_name, tracer, otel, metrics)
    import inspect  # after wrapt, which imports it: nothing to load here

    if inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function):
        raise TypeError(
            f"inject_az refuses a generator function ({function!r}): Lambda uses what it returns"
        )
    if log_records:
        from ._logging import install_log_record_factory

        install_log_record_factory()
    coroutine = inspect.iscoroutinefunction(function)
    wrapper = _wrapper(coroutine, strict, timeout, extras, _position(function))
    return wrapt.FunctionWrapper(target, wrapper)


def _position(function: Any) -> int:
    """Where the handler's ``context`` is (``self``/``cls`` counted), else the event's successor."""
    import inspect  # loaded by wrapt already

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a callable without a signature: (event, context)
        return 1
    names = [p.name for p in parameters if p.kind <= p.POSITIONAL_OR_KEYWORD]
    if "context" in names:
        return names.index("context")
    return 2 if names[:1] in (["self"], ["cls"]) else 1


def _metadata(strict: bool, timeout: float) -> LambdaMetadata | None:
    """The metadata, or ``None`` under the default policy (and a warning per failure streak)."""
    try:
        metadata = _cache.get_lambda_metadata(timeout=timeout)
    except LambdaMetadataError as exc:
        if strict:
            raise
        message = "lambda_metadata: no metadata for this invocation (%s: %s); handlers run without"
        _no_metadata.failed(message, type(exc).__name__, exc, epoch=_cache.generation())
        return None
    _no_metadata.succeeded()
    return metadata


def _wrapper(
    coroutine: bool, strict: bool, timeout: float, extras: _AddExtras | None, position: int
) -> Callable[..., Any]:
    """The wrapper: the context's attribute set for the call (if it takes it), then put back. The
    ``def``'s warm path is written out, constants bound as defaults: docs/decorator.md, Cost."""

    def inject_az_wrapper(
        wrapped: Callable[..., Any],
        instance: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        _fresh: Callable[[], LambdaMetadata | None] = _cache.fresh_metadata,
        _missing: object = _MISSING,
        _position: int = position,
        _add: _AddExtras | None = extras,
    ) -> Any:
        metadata = _fresh()
        if metadata is None:
            metadata = _metadata(strict, timeout)
        if kwargs and "context" in kwargs:
            context = kwargs["context"]
        else:
            try:
                context = args[_position if instance is None else _position - 1]  # wrapt took self
            except IndexError:
                context = None
        previous = getattr(context, "lambda_metadata", _missing)
        try:
            try:  # noqa: SIM105 - contextlib.suppress would cost a call on every invocation
                context.lambda_metadata = metadata
            except (AttributeError, TypeError):
                pass
            if _add is not None:
                _add(metadata)
            return wrapped(*args, **kwargs)
        finally:
            try:
                if previous is _missing:
                    del context.lambda_metadata
                else:
                    context.lambda_metadata = previous
            except (AttributeError, TypeError):
                pass

    async def inject_az_async_wrapper(
        wrapped: Callable[..., Any], instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        metadata = _cache.fresh_metadata() or _metadata(strict, timeout)
        index = position if instance is None else position - 1
        context = kwargs.get("context", args[index] if index < len(args) else None)
        previous = _swap(context, metadata)
        try:
            if extras is not None:
                extras(metadata)
            return await wrapped(*args, **kwargs)
        finally:
            _swap(context, previous)

    return inject_az_async_wrapper if coroutine else inject_az_wrapper


def _swap(context: Any, value: object) -> object:
    """Put ``value`` (``_MISSING``: none) in the context's attribute if it can; return the old.
    The ``def``'s wrapper takes these steps written out: two calls cost its warm path 14%."""
    previous = getattr(context, CONTEXT_ATTRIBUTE, _MISSING)
    try:
        if value is _MISSING:
            delattr(context, CONTEXT_ATTRIBUTE)
        else:
            setattr(context, CONTEXT_ATTRIBUTE, value)
    except (AttributeError, TypeError):
        pass
    return previous


def _extras(
    strict: bool, timeout: float, resolve_name: bool, tracer: _Tracer, otel: bool, metrics: _Metrics
) -> _AddExtras | None:
    """The extras of a handler, checked when the decorator is applied; ``None`` without any.
    They run inside the handler's call: a ``@tracer.capture_lambda_handler`` above has begun."""
    annotate = resolve_name or otel or tracer is not None
    if not annotate and metrics is None:
        return None
    if tracer is not None and not callable(getattr(tracer, "put_annotation", None)):
        raise TypeError(
            f"inject_az(tracer=...) takes a Powertools Tracer, got {type(tracer).__name__}"
        )
    import importlib.util

    for wanted, module, extra in ((resolve_name, "boto3", "ec2"), (otel, "opentelemetry", "otel")):
        if wanted and importlib.util.find_spec(module) is None:
            raise MissingOptionalDependencyError(
                f'inject_az: {module} is not installed: pip install "lambda-metadata[{extra}]"'
            )
    from ._metrics import zonal_metrics
    from .az_names import get_availability_zone_name
    from .tracing import annotate_tracer, set_span_availability_zone

    add_zone = None if metrics is None else zonal_metrics(metrics)
    streak = FailureStreak()

    def add_extras(metadata: LambdaMetadata | None) -> None:
        try:
            if add_zone is not None:  # without metadata too: the dimension says "unknown"
                add_zone(metadata)
            if metadata is None or not annotate:  # the decorator's own policy had the failure
                return
            name = get_availability_zone_name(timeout=timeout) if resolve_name else None
            if tracer is not None:
                annotate_tracer(tracer, metadata=metadata, zone_name=name, strict=True)
            if otel:
                set_span_availability_zone(metadata=metadata, zone_name=name, strict=True)
        except Exception as exc:  # not BaseException: an interrupt still ends the invocation
            if strict:
                raise
            streak.failed(
                "lambda_metadata: @inject_az extras failed (%s: %s)", type(exc).__name__, exc
            )
            return
        streak.succeeded()

    return add_extras
