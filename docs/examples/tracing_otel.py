"""Put the AZ on OpenTelemetry spans.

Needs ``pip install "lambda-metadata[otel,ec2]"`` plus an OpenTelemetry SDK and exporter
(for instance the AWS Distro for OpenTelemetry Lambda layer).
"""

from __future__ import annotations

from opentelemetry import trace

from lambda_metadata.az_names import get_availability_zone_name
from lambda_metadata.tracing import set_span_availability_zone

tracer = trace.get_tracer("orders")


def handler(event: dict[str, object], context: object) -> str:
    with tracer.start_as_current_span("handle order"):
        # lambda_metadata.availability_zone_id = "use1-az1" and
        # cloud.availability_zone = "us-east-1b" (this account's name for that zone)
        set_span_availability_zone(zone_name=get_availability_zone_name())
    return "ok"
