"""Put the AZ on traces: X-Ray annotations (a Powertools ``Tracer``) and OpenTelemetry attributes.

Neither aws_lambda_powertools nor opentelemetry is imported by this module;
``set_span_availability_zone`` imports ``opentelemetry.trace`` (extra ``otel``)
only to find the current span when none is given.
"""

from ._tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_NAME,
    annotate_tracer,
    set_span_availability_zone,
)

__all__ = [
    "OTEL_AVAILABILITY_ZONE",
    "OTEL_AVAILABILITY_ZONE_ID",
    "XRAY_AVAILABILITY_ZONE_ID",
    "XRAY_AVAILABILITY_ZONE_NAME",
    "annotate_tracer",
    "set_span_availability_zone",
]

annotate_tracer.__module__ = set_span_availability_zone.__module__ = __name__
