"""``@inject_az``: the handler decorator that puts the metadata on the context.

Built on wrapt so that signatures, names, ``__wrapped__``, methods and
``inspect.iscoroutinefunction`` behave as on the undecorated handler. This
module imports wrapt (and, with wrapt 2.x, asyncio), so ``lambda_metadata``
loads it only when ``inject_az`` is first used. Beyond wrapt it costs next to
nothing on a cold start: no ``typing`` or ``inspect`` for a plain function (its
code object says what it is), and the extras' code (AZ names, tracing) loads
only when their options are used.
"""

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
    from typing import Any, TypeVar, overload

    from ._metrics import Dimensioned
    from ._model import LambdaMetadata
    from .tracing import Annotatable

    _Handler = TypeVar(
        "_Handler", bound="Callable[..., Any] | staticmethod[Any, Any] | classmethod[Any, Any, Any]"
    )
    _Proxy = wrapt.ObjectProxy[Any]
    _AddExtras = Callable[[LambdaMetadata | None], None]
else:  # wrapt 1.x's ObjectProxy is not subscriptable at runtime
    _Proxy = wrapt.ObjectProxy

__all__ = ["inject_az"]

_MISSING: Any = object()
_KEYWORD_ONLY = 1 << 30
"""The position of a keyword-only context: past any real ``args``, never found there."""
_FUNCTION = type(lambda: None)
_CO_GENERATOR, _CO_COROUTINE, _CO_ASYNC_GENERATOR = 0x20, 0x80, 0x200
"""``code.co_flags`` bits (``inspect.CO_*``), stable across CPython versions."""
logging.getLogger("lambda_metadata")
"""Registered at import, so Powertools' ``copy_config_to_registered_loggers`` finds it."""
_no_metadata = FailureStreak()
"""The decorator's own failures; a cache clear (a new generation) starts a new streak."""


if TYPE_CHECKING:

    @overload
    def inject_az(wrapped: _Handler, /) -> _Handler: ...

    @overload
    def inject_az(
        wrapped: None = None,
        /,
        *,
        strict: bool = False,
        log_records: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        resolve_name: bool = False,
        tracer: Annotatable | None = None,
        otel: bool = False,
        metrics: Dimensioned | None = None,
    ) -> Callable[[_Handler], _Handler]: ...


def inject_az(
    wrapped: Any = None,
    /,
    *,
    strict: bool = False,
    log_records: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    resolve_name: bool = False,
    tracer: Annotatable | None = None,
    otel: bool = False,
    metrics: Dimensioned | None = None,
) -> Any:
    """Decorate a Lambda handler: ``context.lambda_metadata`` holds the ``LambdaMetadata``.

    Use it bare (``@inject_az``) or with options (``@inject_az(strict=True)``).
    Plain functions, coroutines, instance, class and static methods work; ``event``
    and ``context`` may be passed by position or by name. Lambda calls
    ``handler(event, context)`` and uses what it returns, so a generator function
    is refused with ``TypeError``. The Lambda runtime does not await coroutines:
    Lambda's entry point stays a plain ``def`` that runs a decorated coroutine
    with ``asyncio.run(...)``.

    Args:
        strict: raise the ``LambdaMetadataError`` when metadata cannot be had. By
            default the handler runs anyway with ``context.lambda_metadata = None``
            and one warning is logged on the ``lambda_metadata`` logger per failure streak.
        log_records: when applied, install (once per process) the log-record
            factory that adds ``availability_zone_id`` to every log record.
        timeout: overall deadline in seconds for a fetch, retries included.
        resolve_name: before the handler runs, resolve this account's AZ name
            (extra ``ec2``; needs ``ec2:DescribeAvailabilityZones``), once per
            cached metadata; read it with ``cached_availability_zone_name()``.
            The EC2 call is synchronous: in a coroutine it blocks the event loop.
        tracer: a Powertools ``Tracer`` whose current segment gets the
            ``availability_zone_id`` annotation (and the name, with ``resolve_name``).
            Put ``@tracer.capture_lambda_handler`` above ``@inject_az``.
        otel: set the AZ on the current OpenTelemetry span (extra ``otel``).
        metrics: a Powertools ``Metrics`` whose metrics, flushed by ``@metrics.log_metrics``,
            carry the dimension ``AZ-ID`` (``unknown`` without metadata), the ``ColdStart``
            metric included. Put ``@inject_az`` above ``@metrics.log_metrics``.

    With ``LAMBDA_METADATA_DISABLED`` set to ``true`` or ``1`` when it is applied, the
    decorator checks its options and returns the handler itself: no fetch, no log-record
    factory, no extras.

    The extras follow ``strict``: by default no failure of theirs (any
    ``Exception``) reaches the handler, and one warning is logged per failure streak.
    """
    switches = {"strict": strict, "log_records": log_records, "resolve_name": resolve_name}
    for name, value in (*switches.items(), ("otel", otel)):
        if not isinstance(value, bool):
            raise TypeError(f"inject_az({name}=...) must be True or False")
    check_timeout(timeout, "inject_az(timeout=...)")
    disabled = _disabled()
    if wrapped is None:  # called with options: wrapt's pattern for optional arguments
        if not disabled:  # the extras are checked now, at inject_az(...), used or not
            _extras(resolve_name, tracer, otel, metrics, strict, timeout)
        options = {"timeout": timeout, "tracer": tracer, "otel": otel, "metrics": metrics}
        return functools.partial(inject_az, **switches, **options)
    function = getattr(wrapped, "__func__", wrapped)  # staticmethod / classmethod objects
    if not callable(function):
        raise TypeError(
            f"inject_az decorates a handler function, got {type(wrapped).__name__}; "
            "options are keyword-only: @inject_az(strict=True)"
        )
    if disabled:
        return wrapped
    extras = _extras(resolve_name, tracer, otel, metrics, strict, timeout)
    flags, name, position = _inspect(function)
    if flags & (_CO_GENERATOR | _CO_ASYNC_GENERATOR):
        raise TypeError(
            f"inject_az cannot decorate a generator function ({function!r}): Lambda calls "
            "handler(event, context) and uses its return value; return a list instead"
        )
    if log_records:
        from ._logging import install_log_record_factory

        install_log_record_factory()
    make = _async_wrapper if flags & _CO_COROUTINE else _sync_wrapper
    return wrapt.FunctionWrapper(wrapped, make(strict, timeout, extras, name, position))


def _disabled() -> bool:
    """Whether ``LAMBDA_METADATA_DISABLED`` turns the decorator off: ``true`` or ``1``, in any
    case and with spaces around; unset, empty, ``false`` or ``0`` leave it on.

    Raises:
        InvalidArgumentError: any other value, refused rather than guessed at: a switch that
            does not say what it means is a mistake to show when the handler is loaded.
    """
    value = os.environ.get(DISABLED_ENV, "").strip().lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise InvalidArgumentError(
        f"{DISABLED_ENV} must be true or 1 (disabled), or false, 0 or empty (enabled), got "
        f"{value[:40]!r}"
    )


def _inspect(function: Any) -> tuple[int, str, int]:
    """A handler's code flags, and its context's parameter name and position (``self``/``cls``
    counted): the parameter named ``context``, else the one after the event.

    A ``def`` with no attributes of its own (no ``__wrapped__``, ``__signature__`` or
    coroutine mark to follow) is read from its code object; anything else (a partial, a
    bound method, a wrapper, a callable object) from ``inspect``, imported only then.
    """
    if type(function) is _FUNCTION and not function.__dict__:
        code = function.__code__
        flags, count = code.co_flags, code.co_argcount
        positional = code.co_varnames[:count]
        keyword_only = code.co_varnames[count : count + code.co_kwonlyargcount]
    else:
        import inspect

        flags = (
            inspect.iscoroutinefunction(function) * _CO_COROUTINE
            | inspect.isgeneratorfunction(function) * _CO_GENERATOR
            | inspect.isasyncgenfunction(function) * _CO_ASYNC_GENERATOR
        )
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):  # a callable without a signature: (event, context)
            return flags, "context", 1
        positional = tuple(p.name for p in parameters if p.kind <= p.POSITIONAL_OR_KEYWORD)
        keyword_only = tuple(p.name for p in parameters if p.kind == p.KEYWORD_ONLY)
    if "context" in positional:
        return flags, "context", positional.index("context")
    if "context" in keyword_only:
        return flags, "context", _KEYWORD_ONLY
    index = 2 if positional[:1] in (("self",), ("cls",)) else 1
    return flags, (positional[index] if index < len(positional) else "context"), index


def _metadata(strict: bool, timeout: float) -> LambdaMetadata | None:
    """The metadata, or ``None`` under the default policy when it cannot be had.

    One warning per failure streak: a success, or ``clear_metadata_cache()`` (a
    SnapStart restore, a test), ends the streak.
    """
    try:
        metadata = _cache.get_lambda_metadata(timeout=timeout)
    except LambdaMetadataError as exc:
        if strict:
            raise
        _no_metadata.failed(
            "lambda_metadata: no metadata for this invocation (%s: %s); the handler runs "
            "with context.lambda_metadata = None until the endpoint answers",
            type(exc).__name__,
            exc,
            epoch=_cache.generation(),
        )
        return None
    _no_metadata.succeeded()
    return metadata


class _ContextProxy(_Proxy):
    """A context that refuses new attributes, seen through a proxy that adds ``lambda_metadata``.

    Every attribute and method of the original stays reachable, ``isinstance``
    still holds, and ``__wrapped__`` is the original object.
    """

    def __init__(self, context: object, metadata: LambdaMetadata | None) -> None:
        super().__init__(context)
        self._self_lambda_metadata = metadata

    @property
    def lambda_metadata(self) -> LambdaMetadata | None:
        """The metadata of this invocation, or ``None`` when it could not be had."""
        return self._self_lambda_metadata


def _find_context(
    name: str, position: int, instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """The context passed by ``name`` or at ``position`` (``self``/``cls`` counted), or None."""
    if kwargs and name in kwargs:
        return kwargs[name]
    index = position if instance is None else position - 1  # wrapt took self/cls
    return args[index] if index < len(args) else None


def _proxied(
    args: tuple[Any, ...], kwargs: dict[str, Any], name: str, context: object, metadata: Any
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call's arguments with the context replaced by a ``_ContextProxy``."""
    proxy = _ContextProxy(context, metadata)
    if kwargs.get(name) is context:
        return args, {**kwargs, name: proxy}
    return tuple(proxy if arg is context else arg for arg in args), kwargs


def _sync_wrapper(
    strict: bool, timeout: float, extras: _AddExtras | None, name: str, position: int
) -> Callable[..., Any]:
    """The wrapper of a plain handler; ``_async_wrapper`` takes the same steps around an ``await``.

    Its warm path (a cached value, a context that takes attributes) runs on every
    invocation, so it is written out rather than shared with the coroutine's, and
    its constants are bound as defaults (fast locals): see docs/decorator.md, Cost.
    """

    def inject_az_wrapper(
        wrapped: Callable[..., Any],
        instance: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        _fresh: Callable[[], LambdaMetadata | None] = _cache.fresh_metadata,
        _missing: object = _MISSING,
        _name: str = name,
        _position: int = position,
        _add: _AddExtras | None = extras,
    ) -> Any:
        metadata = _fresh()
        if metadata is None:
            metadata = _metadata(strict, timeout)
        if kwargs and _name in kwargs:  # _find_context written out: the call cost 5% here
            context = kwargs[_name]
        else:
            index = _position if instance is None else _position - 1  # wrapt took self/cls
            try:
                context = args[index]
            except IndexError:
                return wrapped(*args, **kwargs)
        if context is None:
            return wrapped(*args, **kwargs)
        # CONTEXT_ATTRIBUTE, spelled as attribute syntax: faster than getattr/setattr with a name
        previous = getattr(context, "lambda_metadata", _missing)
        try:
            context.lambda_metadata = metadata
        except (AttributeError, TypeError):
            args, kwargs = _proxied(args, kwargs, name, context, metadata)
            if _add is not None:
                _add(metadata)
            return wrapped(*args, **kwargs)
        try:
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

    return inject_az_wrapper


def _async_wrapper(
    strict: bool, timeout: float, extras: _AddExtras | None, name: str, position: int
) -> Callable[..., Any]:
    """The wrapper of an ``async def`` handler: the attribute stays set while it is awaited.

    Invocations that overlap on one context object each put back what they found
    (docs/decorator.md says what that means).
    """

    async def inject_az_wrapper(
        wrapped: Callable[..., Any], instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        metadata = _cache.fresh_metadata() or _metadata(strict, timeout)
        context = _find_context(name, position, instance, args, kwargs)
        if context is None:
            return await wrapped(*args, **kwargs)
        previous = getattr(context, CONTEXT_ATTRIBUTE, _MISSING)
        try:
            setattr(context, CONTEXT_ATTRIBUTE, metadata)
        except (AttributeError, TypeError):
            args, kwargs = _proxied(args, kwargs, name, context, metadata)
            context = None  # the caller's object is untouched: nothing to put back
        try:
            if extras is not None:
                extras(metadata)
            return await wrapped(*args, **kwargs)
        finally:
            if context is not None:
                _put_back(context, previous)

    return inject_az_wrapper


def _put_back(context: object, previous: object) -> None:
    """Leave the context as the invocation found it, so no AZ outlives the invocation."""
    try:
        if previous is _MISSING:
            delattr(context, CONTEXT_ATTRIBUTE)
        else:
            setattr(context, CONTEXT_ATTRIBUTE, previous)
    except (AttributeError, TypeError):
        pass


def _extras(
    resolve_name: bool,
    tracer: Annotatable | None,
    otel: bool,
    metrics: Dimensioned | None,
    strict: bool,
    timeout: float,
) -> _AddExtras | None:
    """The opt-in extras of one decorated handler (the AZ name, X-Ray and OTel annotations,
    the metrics' dimension), checked when the decorator is applied; ``None`` when none is
    asked for.

    What it returns runs once per invocation, inside the handler's call (so a
    ``@tracer.capture_lambda_handler`` above has its subsegment open). No failure of
    an extra (any ``Exception``: EC2, a tracer, a span, the metrics) reaches the handler
    unless ``strict``; one warning is logged per failure streak.
    """
    annotate = resolve_name or otel or tracer is not None
    if not annotate and metrics is None:
        return None
    if tracer is not None and not callable(getattr(tracer, "put_annotation", None)):
        raise TypeError(
            "inject_az(tracer=...) takes a Powertools Tracer (or anything with "
            f"put_annotation), got {type(tracer).__name__}"
        )
    import importlib.util

    for wanted, module, option, extra in (
        (resolve_name, "boto3", "resolve_name=True", "ec2"),
        (otel, "opentelemetry", "otel=True", "otel"),
    ):
        if wanted and importlib.util.find_spec(module) is None:
            raise MissingOptionalDependencyError(
                f'inject_az({option}) needs {module}: pip install "lambda-metadata[{extra}]"'
            )
    add_zone = None
    if metrics is not None:
        from ._metrics import zonal_metrics

        add_zone = zonal_metrics(metrics)
    streak = FailureStreak()

    def add_extras(metadata: LambdaMetadata | None) -> None:
        try:
            if add_zone is not None:  # without metadata too: the dimension says "unknown"
                add_zone(metadata)
            if metadata is None or not annotate:  # the decorator's own policy had the failure
                return
            from .az_names import get_availability_zone_name
            from .tracing import annotate_tracer, set_span_availability_zone

            name = get_availability_zone_name(timeout=timeout) if resolve_name else None
            if tracer is not None:
                annotate_tracer(tracer, metadata=metadata, zone_name=name, strict=True)
            if otel:
                set_span_availability_zone(metadata=metadata, zone_name=name, strict=True)
        except Exception as exc:  # not BaseException: an interrupt still ends the invocation
            if strict:
                raise
            streak.failed(
                "lambda_metadata: @inject_az could not add the AZ name, trace annotations "
                "or metric dimension (%s: %s); the handler runs without them",
                type(exc).__name__,
                exc,
            )
            return
        streak.succeeded()

    return add_extras
