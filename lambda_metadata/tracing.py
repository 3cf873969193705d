"""Put the AZ on traces: X-Ray annotations (Powertools ``Tracer``) and OpenTelemetry attributes.

A tracer or span that raises (any ``Exception``) is logged once per failure streak and ignored;
with ``strict`` it is a ``LambdaMetadataError`` whose ``__cause__`` is that exception."""

from __future__ import annotations

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
_facade = FailureStreak()  # annotating Lambda's own segment: a misplaced call, warned once ever


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
    """Annotate the current X-Ray subsegment with the AZ ID, and ``zone_name`` if given.

    Call it inside ``@tracer.capture_lambda_handler``. ``metadata`` defaults to
    ``get_lambda_metadata(timeout=timeout)``; a disabled Tracer is left alone, unread.

    Raises:
        LambdaMetadataError: a bad ``timeout``, no metadata, or with ``strict`` the tracer failed.
    """
    if timeout is not DEFAULT_TIMEOUT:
        check_timeout(timeout)
    try:
        if not getattr(tracer, "disabled", False):
            zone_id = (metadata or get_lambda_metadata(timeout=timeout)).availability_zone_id
            tracer.put_annotation(key=XRAY_AVAILABILITY_ZONE_ID, value=zone_id)
            if zone_name is not None:
                tracer.put_annotation(key=XRAY_AVAILABILITY_ZONE_NAME, value=zone_name)
            _xray_streak.succeeded()
    except Exception as exc:
        _failed(_xray_streak, "annotate the X-Ray trace with the AZ", exc, strict=strict)


def set_span_availability_zone(
    span: Span | None = None,
    *,
    metadata: LambdaMetadata | None = None,
    zone_name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    strict: bool = False,
) -> None:
    """Set the AZ on an OpenTelemetry span (by default the current one), as ``annotate_tracer``.

    The ID goes to ``lambda_metadata.availability_zone_id``; ``cloud.availability_zone`` holds
    names, so only ``zone_name`` goes there. A span not recording is left alone, unread.

    Raises:
        MissingOptionalDependencyError: no span given and opentelemetry-api is not installed.
        LambdaMetadataError: a bad ``timeout``, no metadata, or with ``strict`` the span failed.
    """
    if timeout is not DEFAULT_TIMEOUT:
        check_timeout(timeout)
    try:
        span = _current_span() if span is None else span
        if span.is_recording():
            zone_id = (metadata or get_lambda_metadata(timeout=timeout)).availability_zone_id
            span.set_attribute(OTEL_AVAILABILITY_ZONE_ID, zone_id)
            if zone_name is not None:
                span.set_attribute(OTEL_AVAILABILITY_ZONE, zone_name)
            _otel_streak.succeeded()
    except Exception as exc:
        _failed(_otel_streak, "set the AZ on the OpenTelemetry span", exc, strict=strict)


def _failed(streak: FailureStreak, what: str, exc: Exception, *, strict: bool) -> None:
    if isinstance(exc, LambdaMetadataError):
        raise exc
    if type(exc).__name__ == "FacadeSegmentMutationException":  # X-Ray: Lambda's own segment
        _facade.failed(
            "lambda_metadata: annotate_tracer() ran outside any X-Ray subsegment (Lambda's own "
            "segment is read-only): call it inside @tracer.capture_lambda_handler, kept outermost"
        )
    elif strict:
        raise LambdaMetadataError(f"could not {what}: {type(exc).__name__}: {exc}") from exc
    else:
        streak.failed("lambda_metadata: could not %s (%s: %s)", what, type(exc).__name__, exc)


def _current_span() -> Span:
    try:
        from opentelemetry.trace import get_current_span
    except ImportError as exc:
        raise MissingOptionalDependencyError(
            'finding the current span needs opentelemetry-api: pip install "lambda-metadata[otel]"'
        ) from exc
    return get_current_span()
