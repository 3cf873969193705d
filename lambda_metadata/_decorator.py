"""``@inject_az``: the handler decorator that puts the metadata on the context.

Built on wrapt so that signatures, names, ``__wrapped__``, methods and
``inspect.iscoroutinefunction`` behave as on the undecorated handler. This
module imports wrapt (and, with wrapt 2.x, asyncio), so ``lambda_metadata``
loads it only when ``inject_az`` is first used. Beyond wrapt it costs next to
nothing on a cold start: no ``typing`` or ``inspect`` at import (a plain
function's code flags say what kind it is), and the extras' code (AZ names,
tracing) loads only when their options are used.
"""

from __future__ import annotations

import logging
import sys

import wrapt

from . import _cache
from ._constants import CONTEXT_ATTRIBUTE, DEFAULT_TIMEOUT, check_timeout
from ._log import FailureStreak
from .errors import LambdaMetadataError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeVar, overload

    from ._enrich import InvocationExtras
    from ._model import LambdaMetadata
    from .tracing import Annotatable

    _Handler = TypeVar(
        "_Handler", bound="Callable[..., Any] | staticmethod[Any, Any] | classmethod[Any, Any, Any]"
    )
else:

    def overload(function):  # typing.overload's only job is for the type checker
        return function


__all__ = ["CONTEXT_ATTRIBUTE", "inject_az"]

_MISSING: Any = object()
_KEYWORD_ONLY_INDEX = sys.maxsize
"""``_ContextSlot.index`` of a keyword-only context: past any real ``args``, never found there."""
logging.getLogger("lambda_metadata")
"""Registered at import, so Powertools' ``copy_config_to_registered_loggers`` finds it."""
_no_metadata = FailureStreak()
"""The decorator's own failures; a cache clear (a new generation) starts a new streak."""
_FUNCTION = type(lambda: None)
_CO_GENERATOR = 0x20
_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200
"""``code.co_flags`` bits (``inspect.CO_*``), stable across CPython versions."""


class _Options:
    """The decorator's options, checked once when it is applied.

    A plain slotted class, not a dataclass: ``dataclasses`` is a heavy import and
    creating a dataclass costs far more than a plain class, on a cold-start path.
    """

    __slots__ = ("log_records", "strict", "timeout")

    def __init__(self, *, strict: bool, log_records: bool, timeout: float) -> None:
        for name, value in (("strict", strict), ("log_records", log_records)):
            if not isinstance(value, bool):
                raise TypeError(f"inject_az({name}=...) must be True or False")
        check_timeout(timeout, "inject_az(timeout=...)")
        self.strict = strict
        self.log_records = log_records
        self.timeout = timeout


class _ContextSlot:
    """Where the context argument is: its parameter name and position (``self``/``cls`` counted)."""

    __slots__ = ("index", "name")

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index


if TYPE_CHECKING:
    _Proxy = wrapt.ObjectProxy[Any]
else:  # wrapt 1.x's ObjectProxy is not subscriptable at runtime
    _Proxy = wrapt.ObjectProxy


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


@overload
def inject_az(wrapped: _Handler, /) -> _Handler: ...


@overload
def inject_az(  # noqa: F811 - ruff does not see the runtime ``overload`` as typing's
    wrapped: None = None,
    /,
    *,
    strict: bool = False,
    log_records: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    resolve_name: bool = False,
    tracer: Annotatable | None = None,
    otel: bool = False,
) -> Callable[[_Handler], _Handler]: ...


def inject_az(  # noqa: F811
    wrapped: Any = None,
    /,
    *,
    strict: bool = False,
    log_records: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    resolve_name: bool = False,
    tracer: Annotatable | None = None,
    otel: bool = False,
) -> Any:
    """Decorate a Lambda handler: ``context.lambda_metadata`` holds the ``LambdaMetadata``.

    Use it bare (``@inject_az``) or with options (``@inject_az(strict=True)``).
    Plain functions, coroutines, generators, instance, class and static methods
    work; ``event`` and ``context`` may be passed by position or by name. The
    Lambda runtime does not await coroutines: Lambda's entry point stays a plain
    ``def`` that runs a decorated coroutine with ``asyncio.run(...)``.

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

    The extras follow ``strict``: by default no failure of theirs (any
    ``Exception``) reaches the handler, and one warning is logged per failure streak.
    """
    options = _Options(strict=strict, log_records=log_records, timeout=timeout)
    extras: InvocationExtras | None = None
    if resolve_name is not False or tracer is not None or otel is not False:
        from ._enrich import InvocationExtras

        extras = InvocationExtras(
            resolve_name=resolve_name, tracer=tracer, otel=otel, strict=strict, timeout=timeout
        )
    if wrapped is None:

        def apply(handler: _Handler) -> _Handler:
            decorated: _Handler = _decorate(handler, options, extras)
            return decorated

        return apply
    return _decorate(wrapped, options, extras)


def _decorate(wrapped: Any, options: _Options, extras: InvocationExtras | None) -> Any:
    function = getattr(wrapped, "__func__", wrapped)  # staticmethod / classmethod objects
    if not callable(function):
        raise TypeError(
            f"inject_az decorates a handler function, got {type(wrapped).__name__}; "
            "options are keyword-only: @inject_az(strict=True)"
        )
    if options.log_records:
        from ._logging import install_log_record_factory

        install_log_record_factory()
    slot = _context_slot(function)
    kind = _kind(function)
    is_async = kind == _CO_COROUTINE
    if extras is not None and extras.wanted:  # an inner layer: the default warm path pays nothing
        wrapped = wrapt.decorator(_extras_wrapper(extras, slot, is_async=is_async))(wrapped)
    if is_async:
        return wrapt.decorator(_async_wrapper(options, slot))(wrapped)
    if kind == _CO_GENERATOR:
        return wrapt.decorator(_generator_wrapper(options, slot))(wrapped)
    if kind == _CO_ASYNC_GENERATOR:
        return wrapt.decorator(_async_generator_wrapper(options, slot))(wrapped)
    return wrapt.decorator(_sync_wrapper(options, slot))(wrapped)


def _is_plain_function(function: object) -> bool:
    """A ``def`` with no attributes of its own: no ``__wrapped__``, ``__signature__`` or
    coroutine mark for ``inspect`` to follow, so its code object says everything."""
    return type(function) is _FUNCTION and not function.__dict__


def _kind(function: Callable[..., Any]) -> int:
    """``_CO_COROUTINE``, ``_CO_GENERATOR``, ``_CO_ASYNC_GENERATOR`` or 0 (a plain function).

    A plain function's code flags answer; anything else (a partial, a bound method,
    a wrapt wrapper, a callable object) asks ``inspect``, imported only then.
    """
    if _is_plain_function(function):
        flags: int = function.__code__.co_flags
        for flag in (_CO_COROUTINE, _CO_GENERATOR, _CO_ASYNC_GENERATOR):
            if flags & flag:
                return flag
        return 0
    import inspect

    if inspect.iscoroutinefunction(function):
        return _CO_COROUTINE
    if inspect.isgeneratorfunction(function):
        return _CO_GENERATOR
    if inspect.isasyncgenfunction(function):
        return _CO_ASYNC_GENERATOR
    return 0


def _extras_wrapper(extras: InvocationExtras, slot: _ContextSlot, *, is_async: bool) -> Any:
    """Runs inside the main wrapper, so the context already holds the metadata."""
    if is_async:

        async def add_extras_async(
            wrapped: Any, instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> Any:
            context, _ = _find_context(slot, instance, args, kwargs)
            extras.add(getattr(context, CONTEXT_ATTRIBUTE, None))
            return await wrapped(*args, **kwargs)

        return add_extras_async

    def add_extras(
        wrapped: Any, instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        context, _ = _find_context(slot, instance, args, kwargs)
        extras.add(getattr(context, CONTEXT_ATTRIBUTE, None))
        return wrapped(*args, **kwargs)

    return add_extras


def _parameters(function: Callable[..., Any]) -> tuple[list[str], list[str]] | None:
    """The names of the positional and of the keyword-only parameters; ``None`` if unknown."""
    if _is_plain_function(function):
        code = function.__code__
        names = code.co_varnames
        positional = code.co_argcount
        return list(names[:positional]), list(
            names[positional : positional + code.co_kwonlyargcount]
        )
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a callable without a signature
        return None
    by_position = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return (
        [p.name for p in parameters if p.kind in by_position],
        [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY],
    )


def _context_slot(function: Callable[..., Any]) -> _ContextSlot:
    """Find the context parameter by name: ``context``, else the one after the event."""
    found = _parameters(function)
    if found is None:  # a callable without a signature: (event, context)
        return _ContextSlot("context", 1)
    positional, keyword_only = found
    if "context" in positional:
        return _ContextSlot("context", positional.index("context"))
    if "context" in keyword_only:
        return _ContextSlot("context", _KEYWORD_ONLY_INDEX)
    offset = 1 if positional and positional[0] in ("self", "cls") else 0
    index = offset + 1
    name = positional[index] if index < len(positional) else "context"
    return _ContextSlot(name, index)


def _metadata(options: _Options) -> LambdaMetadata | None:
    """The metadata, or ``None`` under the default policy when it cannot be had.

    One warning per failure streak: a success, or ``clear_metadata_cache()`` (a
    SnapStart restore, a test), ends the streak.
    """
    try:
        metadata = _cache.get_lambda_metadata(timeout=options.timeout)
    except LambdaMetadataError as exc:
        if options.strict:
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


def _find_context(
    slot: _ContextSlot, instance: object, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[object, int]:
    """The context (``None`` if not passed) and its index in ``args`` (-1: in ``kwargs``)."""
    if kwargs and slot.name in kwargs:
        return kwargs[slot.name], -1
    index = slot.index if instance is None else slot.index - 1  # wrapt took self/cls
    if 0 <= index < len(args):
        return args[index], index
    return None, -1


def _proxied(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    slot: _ContextSlot,
    index: int,
    context: object,
    metadata: LambdaMetadata | None,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call's arguments with the context replaced by a ``_ContextProxy``."""
    proxy = _ContextProxy(context, metadata)
    if index < 0:
        return args, {**kwargs, slot.name: proxy}
    return (*args[:index], proxy, *args[index + 1 :]), kwargs


def _restore(context: Any, previous: object) -> None:
    """Put the context back as the caller gave it, so no AZ outlives the invocation."""
    try:
        if previous is _MISSING:
            delattr(context, CONTEXT_ATTRIBUTE)
        else:
            setattr(context, CONTEXT_ATTRIBUTE, previous)
    except (AttributeError, TypeError):
        pass


def _sync_wrapper(options: _Options, slot: _ContextSlot) -> Callable[..., Any]:
    # The warm path (a cached value, a context that takes attributes) runs on every
    # invocation, so it is inlined and its constants are bound as defaults (fast locals).
    def inject_az_wrapper(
        wrapped: Callable[..., Any],
        instance: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        _name: str = slot.name,
        _position: int = slot.index,
        _fresh: Callable[[], LambdaMetadata | None] = _cache.fresh_metadata,
        _missing: object = _MISSING,
    ) -> Any:
        metadata = _fresh()
        if metadata is None:
            metadata = _metadata(options)
        context: Any
        if kwargs and _name in kwargs:
            context, index = kwargs[_name], -1
        else:
            index = _position if instance is None else _position - 1  # wrapt took self/cls
            try:
                context = args[index]
            except IndexError:
                context = None
        if context is None:
            return wrapped(*args, **kwargs)
        # CONTEXT_ATTRIBUTE, spelled as attribute syntax: faster than getattr/setattr with a name
        previous = getattr(context, "lambda_metadata", _missing)
        try:
            context.lambda_metadata = metadata
        except (AttributeError, TypeError):
            args, kwargs = _proxied(args, kwargs, slot, index, context, metadata)
            return wrapped(*args, **kwargs)
        try:
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


_running: dict[int, list[Any]] = {}
"""``id(context)`` -> [invocations running with it that may interleave, its attribute before them].

A coroutine or generator invocation can be suspended while another one using
the same context object runs, so "restore what I found" would put back the
other's value. The first one in records the original; the last one out restores it.
"""


def _enter(context: Any, metadata: LambdaMetadata | None) -> bool:
    """Set the attribute for an invocation that may interleave; ``False`` if the context refuses."""
    key = id(context)
    entry = _running.get(key)
    previous = getattr(context, CONTEXT_ATTRIBUTE, _MISSING) if entry is None else None
    try:
        setattr(context, CONTEXT_ATTRIBUTE, metadata)
    except (AttributeError, TypeError):
        return False
    if entry is None:
        _running[key] = [1, previous]
    else:
        entry[0] += 1
    return True


def _leave(context: Any) -> None:
    """End an invocation begun by ``_enter``; the last one out puts the context back."""
    key = id(context)
    entry = _running[key]
    entry[0] -= 1
    if entry[0] == 0:
        del _running[key]
        _restore(context, entry[1])


def _metadata_now(options: _Options) -> LambdaMetadata | None:
    metadata = _cache.fresh_metadata()
    return _metadata(options) if metadata is None else metadata


def _async_wrapper(options: _Options, slot: _ContextSlot) -> Callable[..., Any]:
    async def inject_az_wrapper(
        wrapped: Callable[..., Any], instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        metadata = _metadata_now(options)
        context, index = _find_context(slot, instance, args, kwargs)
        if context is None:
            return await wrapped(*args, **kwargs)
        if not _enter(context, metadata):
            args, kwargs = _proxied(args, kwargs, slot, index, context, metadata)
            return await wrapped(*args, **kwargs)
        try:
            return await wrapped(*args, **kwargs)
        finally:
            _leave(context)

    return inject_az_wrapper


def _generator_wrapper(options: _Options, slot: _ContextSlot) -> Callable[..., Any]:
    """For a ``def`` handler with ``yield``: the attribute is there while its body runs."""

    def inject_az_wrapper(
        wrapped: Callable[..., Any], instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        metadata = _metadata_now(options)
        context, index = _find_context(slot, instance, args, kwargs)
        if context is None:
            return (yield from wrapped(*args, **kwargs))
        if not _enter(context, metadata):
            args, kwargs = _proxied(args, kwargs, slot, index, context, metadata)
            return (yield from wrapped(*args, **kwargs))
        try:
            return (yield from wrapped(*args, **kwargs))
        finally:
            _leave(context)

    return inject_az_wrapper


def _async_generator_wrapper(options: _Options, slot: _ContextSlot) -> Callable[..., Any]:
    """For an ``async def`` handler with ``yield``: values sent in and errors thrown in pass on."""

    async def inject_az_wrapper(
        wrapped: Callable[..., Any], instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        metadata = _metadata_now(options)
        context, index = _find_context(slot, instance, args, kwargs)
        entered = context is not None and _enter(context, metadata)
        if context is not None and not entered:
            args, kwargs = _proxied(args, kwargs, slot, index, context, metadata)
        inner = wrapped(*args, **kwargs)
        try:
            value = await inner.__anext__()
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    await inner.aclose()
                    raise
                except BaseException as exc:  # thrown in by the caller: the handler decides
                    value = await inner.athrow(exc)
                else:
                    value = await inner.asend(sent)
        except StopAsyncIteration:
            return
        finally:
            if entered:
                _leave(context)

    return inject_az_wrapper
