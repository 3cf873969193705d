"""``@inject_az(metrics=...)``: the ``AZ-ID`` dimension on a Powertools ``Metrics`` instance.

Loaded only when the option is used, and only then does it import Powertools' metrics.
Each invocation adds ``AZ-ID`` to the metrics that ``@metrics.log_metrics`` flushes at its
end; the ``ColdStart`` metric, which Powertools writes as a blob of its own with only
``function_name`` and ``service``, gets it as well. Without metadata the value is
``UNKNOWN``: every metric of the function keeps one dimension set, so a sum over the
``AZ-ID`` values is the whole, and no zone's alarm counts what no zone can be named for.
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


__all__ = ["AZ_ID_DIMENSION", "UNKNOWN", "zonal_metrics"]

AZ_ID_DIMENSION = "AZ-ID"
"""The dimension's name, as in AWS's *Advanced Multi-AZ Resilience Patterns*."""

UNKNOWN = "unknown"
"""The dimension's value when the metadata cannot be had: never a real AZ ID."""

_ZONAL = "_lambda_metadata_zonal"
"""Marks our ``add_cold_start_metric``, so that a second decorated handler does not wrap it."""


def zonal_metrics(metrics: Dimensioned) -> Callable[[LambdaMetadata | None], None]:
    """Check ``metrics`` and make its cold-start metric zonal; return the per-invocation step.

    Raises:
        TypeError: ``metrics`` is not a Powertools ``Metrics`` (or its EMF provider).
    """
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
        AmazonCloudWatchEMFProvider,
    )

    provider = getattr(metrics, "provider", metrics)  # Metrics, or an EphemeralMetrics
    if not isinstance(provider, AmazonCloudWatchEMFProvider):
        raise TypeError(
            "inject_az(metrics=...) takes a Powertools Metrics (CloudWatch EMF), got "
            f"{type(metrics).__name__}"
        )
    if not getattr(provider.add_cold_start_metric, _ZONAL, False):
        provider.add_cold_start_metric = _zonal_cold_start(provider)  # type: ignore[method-assign]
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.constants import MAX_DIMENSIONS

    add_dimension, dimensions = metrics.add_dimension, provider.dimension_set

    def add_zone(metadata: LambdaMetadata | None) -> None:
        zone = UNKNOWN if metadata is None else metadata.availability_zone_id
        # Powertools adds "service" when it serializes: a set full without it fails the flush
        taken = len(dimensions) + bool(provider.service and "service" not in dimensions)
        if taken >= MAX_DIMENSIONS and AZ_ID_DIMENSION not in dimensions:
            raise LambdaMetadataError(
                f"no room for the {AZ_ID_DIMENSION} dimension: {taken} of the "
                f"{MAX_DIMENSIONS} dimensions Powertools allows are taken"
            )
        add_dimension(AZ_ID_DIMENSION, zone)

    return add_zone


def _zonal_cold_start(provider: Any) -> Callable[..., None]:
    """Powertools' ``add_cold_start_metric`` (3.x), with ``AZ-ID`` beside its two dimensions.

    Powertools writes ``ColdStart`` with ``single_metric`` and no way to add a dimension,
    so this writes the same blob (``function_name`` as Powertools resolves it, ``service``
    when set) and the AZ of the cached metadata: the one this invocation saw, whatever
    the order of the decorators.
    """
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import resolve_cold_start_function_name

    def add_cold_start_metric(context: Any) -> None:
        metadata = cached_metadata()
        name = resolve_cold_start_function_name(provider.function_name, context)
        with single_metric(
            name="ColdStart", unit=MetricUnit.Count, value=1, namespace=provider.namespace
        ) as metric:
            metric.add_dimension(name="function_name", value=name)
            if provider.service:
                metric.add_dimension(name="service", value=str(provider.service))
            zone = UNKNOWN if metadata is None else metadata.availability_zone_id
            metric.add_dimension(name=AZ_ID_DIMENSION, value=zone)

    setattr(add_cold_start_metric, _ZONAL, True)
    return add_cold_start_metric
