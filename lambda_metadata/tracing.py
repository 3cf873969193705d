"""Put the AZ on traces: X-Ray annotations (Powertools ``Tracer``) and OpenTelemetry attributes.

Neither aws_lambda_powertools nor opentelemetry is imported here at import
time: the Tracer is used through its ``put_annotation`` method, and
``opentelemetry.trace`` is imported only to find the current span.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from ._cache import get_lambda_metadata
from ._constants import DEFAULT_TIMEOUT, check_timeout
from ._log import FailureStreak
from ._model import LambdaMetadata
from .errors import LambdaMetadataError, MissingOptionalDependencyError

if TYPE_CHECKING:
    from opentelemetry.trace import Span

__all__ = [
    "OTEL_AVAILABILITY_ZONE",
    "OTEL_AVAILABILITY_ZONE_ID",
    "XRAY_AVAILABILITY_ZONE_ID",
    "XRAY_AVAILABILITY_ZONE_NAME",
    "annotate_tracer",
    "set_span_availability_zone",
]

XRAY_AVAILABILITY_ZONE_ID = "availability_zone_id"
"""X-Ray annotation key for the AZ ID (annotation keys allow letters, digits and ``_``)."""
XRAY_AVAILABILITY_ZONE_NAME = "availability_zone_name"
"""X-Ray annotation key for the AZ name, when one is given."""
OTEL_AVAILABILITY_ZONE = "cloud.availability_zone"
"""OpenTelemetry semantic convention attribute; its values are AZ names (``us-east-1c``)."""
OTEL_AVAILABILITY_ZONE_ID = "lambda_metadata.availability_zone_id"
"""Our own attribute for the AZ ID, which the semantic conventions have no name for."""


_xray_streak = FailureStreak()
_otel_streak = FailureStreak()


class Annotatable(Protocol):
    """What ``annotate_tracer`` needs: a Powertools ``Tracer``, or X-Ray's ``xray_recorder``."""

    def put_annotation(self, key: str, value: str) -> None:
        """Annotate the current trace entity."""


def annotate_tracer(
    tracer: Annotatable,
    *,
    metadata: LambdaMetadata | None = None,
    zone_name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    strict: bool = False,
) -> None:
    """Annotate the current X-Ray segment or subsegment with ``availability_zone_id``.

    With Powertools, call it inside a handler wrapped by
    ``@tracer.capture_lambda_handler``: the annotation lands on its ``## handler``
    subsegment, searchable in X-Ray as ``annotation.availability_zone_id``.
    A disabled Tracer (``Tracer(disabled=True)``, or outside Lambda) is left
    alone without reading the metadata.

    Args:
        tracer: a Powertools ``Tracer`` (or ``aws_xray_sdk.core.xray_recorder``).
        metadata: the metadata to use; by default ``get_lambda_metadata()``.
        zone_name: also annotate ``availability_zone_name`` with this AZ name,
            e.g. from ``get_availability_zone_name()``.
        timeout: deadline for ``get_lambda_metadata()`` when ``metadata`` is not given.
        strict: raise when the tracer fails. By default a failing tracer (any
            ``Exception`` from it) is logged, once per failure streak, and ignored.

    Raises:
        InvalidArgumentError: ``timeout`` is not a positive, finite number (also a ``ValueError``).
        LambdaMetadataError: the metadata could not be read; with ``strict``, also
            when the tracer failed (the tracer's exception is its ``__cause__``).
    """
    if timeout is not DEFAULT_TIMEOUT:
        check_timeout(timeout)
    try:
        if getattr(tracer, "disabled", False):
            return
        if metadata is None:
            metadata = get_lambda_metadata(timeout=timeout)
        tracer.put_annotation(key=XRAY_AVAILABILITY_ZONE_ID, value=metadata.availability_zone_id)
        if zone_name is not None:
            tracer.put_annotation(key=XRAY_AVAILABILITY_ZONE_NAME, value=zone_name)
    except LambdaMetadataError:
        raise
    except Exception as exc:
        if _is_facade_mutation(exc):
            _facade.failed(
                "lambda_metadata: annotate_tracer() ran outside any X-Ray subsegment, and "
                "Lambda's own segment cannot be annotated; call it inside a handler wrapped by "
                "@tracer.capture_lambda_handler (that decorator must be the outer one)"
            )
            return
        _tracing_failed(_xray_streak, "annotate the X-Ray trace", exc, strict=strict)
        return
    _xray_streak.succeeded()


def _tracing_failed(streak: FailureStreak, what: str, exc: Exception, *, strict: bool) -> None:
    """A tracer or span raised: a typed error with ``strict``, else one warning per streak."""
    if strict:
        raise LambdaMetadataError(
            f"could not {what} with the AZ: {type(exc).__name__}: {exc}"
        ) from exc
    streak.failed(
        "lambda_metadata: could not %s with the AZ (%s: %s); carrying on without it",
        what,
        type(exc).__name__,
        exc,
    )


_facade = FailureStreak()
"""Annotating Lambda's own segment: a mistake of where the call is, so warned once, ever."""


def _is_facade_mutation(exc: Exception) -> bool:
    """Lambda's own segment is read-only in X-Ray: annotating it outside a subsegment fails."""
    try:
        exceptions = import_module("aws_xray_sdk.core.exceptions.exceptions")
    except ImportError:
        return False
    return isinstance(exc, exceptions.FacadeSegmentMutationException)


def set_span_availability_zone(
    span: Span | None = None,
    *,
    metadata: LambdaMetadata | None = None,
    zone_name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    strict: bool = False,
) -> None:
    """Set the AZ on an OpenTelemetry span (by default the current one).

    The AZ ID goes to ``lambda_metadata.availability_zone_id``. The semantic
    convention ``cloud.availability_zone`` holds AZ *names* (``us-east-1c``), so
    it is set only when ``zone_name`` is given, never to an AZ ID. A span that
    is not recording is left alone without reading the metadata.

    Args:
        span: the span to set; by default ``opentelemetry.trace.get_current_span()``.
        metadata: the metadata to use; by default ``get_lambda_metadata()``.
        zone_name: the AZ name for ``cloud.availability_zone``, e.g. from
            ``get_availability_zone_name()``.
        timeout: deadline for ``get_lambda_metadata()`` when ``metadata`` is not given.
        strict: raise when the span fails. By default a failing span (any
            ``Exception`` from it) is logged, once per failure streak, and ignored.

    Raises:
        InvalidArgumentError: ``timeout`` is not a positive, finite number (also a ``ValueError``).
        MissingOptionalDependencyError: no span given and opentelemetry-api is not installed.
        LambdaMetadataError: the metadata could not be read; with ``strict``, also
            when the span failed (its exception is the ``__cause__``).
    """
    if timeout is not DEFAULT_TIMEOUT:
        check_timeout(timeout)
    try:
        if span is None:
            span = _current_span()
        if not span.is_recording():
            return
        if metadata is None:
            metadata = get_lambda_metadata(timeout=timeout)
        span.set_attribute(OTEL_AVAILABILITY_ZONE_ID, metadata.availability_zone_id)
        if zone_name is not None:
            span.set_attribute(OTEL_AVAILABILITY_ZONE, zone_name)
    except LambdaMetadataError:
        raise
    except Exception as exc:
        _tracing_failed(_otel_streak, "set the OpenTelemetry span", exc, strict=strict)
        return
    _otel_streak.succeeded()


def _current_span() -> Span:
    try:
        trace = import_module("opentelemetry.trace")
    except ImportError as exc:
        raise MissingOptionalDependencyError(
            "setting the AZ on the current OpenTelemetry span needs opentelemetry-api: "
            'pip install "lambda-metadata[otel]"'
        ) from exc
    span: Span = trace.get_current_span()
    return span
