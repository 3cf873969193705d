"""How a Powertools user writes a handler, checked by ``mypy --strict`` (test_typing_user.py)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import LambdaMetadata, get_lambda_metadata, inject_az, metadata_of
from lambda_metadata.testing import FakeLambdaContext, lambda_context

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")


@logger.inject_lambda_context(clear_state=True)
@inject_az
def handler(event: dict[str, object], context: LambdaContext) -> str | None:
    metadata: LambdaMetadata | None = metadata_of(context)
    if metadata is None:
        return None
    zone: str = metadata.availability_zone_id
    logger.info("zone", extra={"zone": zone})
    return zone


@inject_az(strict=True, timeout=0.5)
def strict_handler(event: dict[str, object], context: LambdaContext) -> str:
    metadata = metadata_of(context)
    assert metadata is not None  # strict=True: the handler never runs without it
    return metadata.availability_zone_id


@inject_az(metrics=metrics)
@metrics.log_metrics(capture_cold_start_metric=True)
def counted_handler(event: dict[str, object], context: LambdaContext) -> int:
    metrics.add_metric(name="Orders", unit="Count", value=1)
    return 1


def call_locally() -> str | None:
    context: FakeLambdaContext = lambda_context(function_name="orders", timeout=3)
    remaining: int = context.get_remaining_time_in_millis()
    assert remaining > 0
    direct: str = get_lambda_metadata().availability_zone_id
    assert direct
    return handler({}, context)  # a LambdaContext subclass when Powertools is installed
