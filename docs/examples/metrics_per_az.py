"""Count requests and errors, and time each request, per Availability Zone.

Needs ``pip install "lambda-metadata[powertools]"``. Every metric the invocation flushes carries
the dimension ``AZ-ID`` (``unknown`` when the metadata cannot be had), the ``ColdStart`` metric
included: the alarms of ``impaired_az.yaml`` watch ``Requests``, ``Errors`` and ``Latency``.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import inject_az

logger = Logger(service="orders")
metrics = Metrics(namespace="LambdaMetadataExample", service="orders")


@inject_az(metrics=metrics)  # above both: the AZ is known before they log or flush
@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started, failed = time.perf_counter(), 1
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    try:
        result = {"order": process(event)}
        failed = 0
        return result
    finally:  # Errors is 0 on success too: the error rate has a value every minute with traffic
        metrics.add_metric(name="Errors", unit=MetricUnit.Count, value=failed)
        elapsed = (time.perf_counter() - started) * 1000
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed)


def process(event: dict[str, Any]) -> str:
    if "order" not in event:
        raise ValueError("no order in the event")
    return str(event["order"])
