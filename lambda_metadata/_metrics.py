"""``@inject_az(metrics=...)``: the ``AZ-ID`` dimension on a Powertools ``Metrics`` instance.

Each invocation adds ``AZ-ID`` to what ``@metrics.log_metrics`` flushes, the ``ColdStart`` blob
included. Without metadata it is ``UNKNOWN``: every metric keeps one dimension set, so a sum over
the ``AZ-ID`` values is the whole, and no zone's alarm counts what no zone can be named for.
"""

from __future__ import annotations

from ._cache import cached_metadata
from .errors import LambdaMetadataError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol

    from ._model import LambdaMetadata

    class Dimensioned(Protocol):
        """What ``inject_az(metrics=...)`` is typed to take: checked as a Powertools ``Metrics``."""

        def add_dimension(self, name: str, value: str) -> None: ...


AZ_ID_DIMENSION = "AZ-ID"  # as in AWS's *Advanced Multi-AZ Resilience Patterns*
UNKNOWN = "unknown"  # the value without metadata: never a real AZ ID
_ZONAL = "_lambda_metadata_zonal"  # marks our add_cold_start_metric: never wrapped twice


def zonal_metrics(metrics: Dimensioned) -> Callable[[LambdaMetadata | None], None]:
    """Check ``metrics`` (``TypeError`` if not a Powertools ``Metrics``), make its cold-start
    metric zonal, and return the per-invocation step."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
        AmazonCloudWatchEMFProvider,
    )

    provider = getattr(metrics, "provider", metrics)  # Metrics, or an EphemeralMetrics
    if not isinstance(provider, AmazonCloudWatchEMFProvider):
        raise TypeError(
            f"inject_az(metrics=...) takes a Powertools Metrics, got {type(metrics).__name__}"
        )
    if not getattr(provider.add_cold_start_metric, _ZONAL, False):
        provider.add_cold_start_metric = _zonal_cold_start(provider)  # type: ignore[method-assign]
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.constants import MAX_DIMENSIONS

    add_dimension, dimensions = metrics.add_dimension, provider.dimension_set

    def add_zone(metadata: LambdaMetadata | None) -> None:
        # Powertools adds "service" when it serializes: a set full without it fails the flush
        taken = len(dimensions) + bool(provider.service and "service" not in dimensions)
        if taken >= MAX_DIMENSIONS and AZ_ID_DIMENSION not in dimensions:
            raise LambdaMetadataError(
                f"no room for the {AZ_ID_DIMENSION} dimension: {taken} of {MAX_DIMENSIONS} taken"
            )
        add_dimension(AZ_ID_DIMENSION, getattr(metadata, "availability_zone_id", UNKNOWN))

    return add_zone


def _zonal_cold_start(provider: Any) -> Callable[..., None]:
    """Powertools' ``add_cold_start_metric`` (3.x), which has no way to add a dimension: the same
    blob (``function_name``, ``service`` when set), with the ``AZ-ID`` of the cached metadata."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import resolve_cold_start_function_name

    def add_cold_start_metric(context: Any) -> None:
        name = resolve_cold_start_function_name(provider.function_name, context)
        zone = getattr(cached_metadata(), "availability_zone_id", UNKNOWN)
        with single_metric(
            name="ColdStart", unit=MetricUnit.Count, value=1, namespace=provider.namespace
        ) as metric:
            metric.add_dimension(name="function_name", value=name)
            if provider.service:
                metric.add_dimension(name="service", value=str(provider.service))
            metric.add_dimension(name=AZ_ID_DIMENSION, value=zone)

    setattr(add_cold_start_metric, _ZONAL, True)
    return add_cold_start_metric
