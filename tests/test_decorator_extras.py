"""@inject_az's extras: the AZ name, X-Ray, OpenTelemetry, and the ``AZ-ID`` metric dimension."""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag
from conftest import run_python

from lambda_metadata import LambdaMetadataError, inject_az, metadata_of
from lambda_metadata.az_names import cached_availability_zone_name
from lambda_metadata.errors import AvailabilityZoneNameError
from lambda_metadata.testing import MetadataEndpoint, lambda_context
from lambda_metadata.tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
)

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

ZONE_ID, ZONE_NAME = "use1-az1", "us-east-1b"  # as tests/fake_ec2.py names it


def zone(event: object, context: object) -> str | None:
    metadata = metadata_of(context)
    return None if metadata is None else metadata.availability_zone_id


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "extras failed" in r.getMessage()]


def zone_and_name(event: object, context: object) -> tuple[str | None, str | None]:
    return zone(event, context), cached_availability_zone_name()


@pytest.mark.usefixtures("ec2")
@pytest.mark.parametrize(
    ("zone_id", "strict"),
    [(ZONE_ID, False), ("use1-az99", False), ("use1-az99", True)],  # EC2 knows no use1-az99
    ids=["resolved", "unknown-warns-once", "unknown-raises-when-strict"],
)
def test_resolve_name(
    lambda_metadata_endpoint: MetadataEndpoint,
    caplog: pytest.LogCaptureFixture,
    zone_id: str,
    strict: bool,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = zone_id
    handler = inject_az(resolve_name=True, strict=strict)(zone_and_name)
    if strict:
        with pytest.raises(AvailabilityZoneNameError):
            handler({}, lambda_context())
        return
    name = ZONE_NAME if zone_id == ZONE_ID else None
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        assert [handler({}, lambda_context()) for _ in range(3)] == [(zone_id, name)] * 3
    assert len(failures(caplog)) == (name is None)  # one streak
    assert lambda_metadata_endpoint.request_count == 1


def test_otel_option_sets_the_span_attribute(
    otel: tuple[TracerProvider, InMemorySpanExporter], lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    provider, exporter = otel
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"

    @inject_az(otel=True)
    async def handler(event: dict[str, Any], context: Any) -> str | None:
        return zone(event, context)

    with provider.get_tracer("test").start_as_current_span("handler"):
        assert asyncio.run(handler({}, lambda_context())) == "use1-az2"
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes[OTEL_AVAILABILITY_ZONE_ID] == "use1-az2"
    assert OTEL_AVAILABILITY_ZONE not in span.attributes, "an AZ ID is not an AZ name"


@pytest.mark.parametrize(
    ("hidden", "option", "extra"),
    [("boto3", "resolve_name", "ec2"), ("opentelemetry", "otel", "otel")],
)
def test_a_missing_extra_fails_at_decoration(hidden: str, option: str, extra: str) -> None:
    program = (
        f"import sys\nsys.modules[{hidden!r}] = None  # as if not installed\n"
        "from lambda_metadata import inject_az\n"
        "from lambda_metadata.errors import MissingOptionalDependencyError\n"
        f"try:\n    inject_az({option}=True)\nexcept MissingOptionalDependencyError as error:\n"
        "    print(error)\n"
    )
    assert f'pip install "lambda-metadata[{extra}]"' in run_python("-c", program).stdout


# -- metrics=: the EMF a real Powertools Metrics prints carries AZ-ID ---------------------


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    """A Metrics of its own namespace, cleared after the test (Powertools shares the sets)."""
    metrics = Metrics(namespace="Shop", service="orders")
    reset_cold_start_flag()  # type: ignore[no-untyped-call]
    yield metrics
    metrics.clear_metrics()
    metrics.clear_default_dimensions()


def emf(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines if line.startswith('{"_aws"')]


def dimension_sets(blob: dict[str, Any]) -> list[list[str]]:
    return [d for directive in blob["_aws"]["CloudWatchMetrics"] for d in directive["Dimensions"]]


def decorate(metrics: Metrics, order: str = "documented", **options: Any) -> Callable[..., str]:
    def handler(event: dict[str, Any], context: Any) -> str:
        metrics.add_metric(name="Orders", unit="Count", value=1)
        return "ok"

    log_metrics = metrics.log_metrics(capture_cold_start_metric=True)
    if order == "documented":  # @inject_az above @metrics.log_metrics
        return inject_az(metrics=metrics, **options)(log_metrics(handler))  # type: ignore[no-any-return]
    return log_metrics(inject_az(metrics=metrics, **options)(handler))  # type: ignore[no-any-return]


@pytest.mark.parametrize("order", ["documented", "log_metrics_above"])
@pytest.mark.parametrize("zone", ["use1-az4", None], ids=["metadata", "no-metadata"])
def test_every_flushed_metric_carries_the_zone_cold_start_included(
    metrics: Metrics,
    lambda_metadata_endpoint: MetadataEndpoint,
    capsys: pytest.CaptureFixture[str],
    order: str,
    zone: str | None,
) -> None:
    if zone is None:
        lambda_metadata_endpoint.impair(status=404)
    else:
        lambda_metadata_endpoint.availability_zone_id = zone
    handler = decorate(metrics, order)
    assert handler({}, lambda_context()) == "ok"
    first = emf(capsys)
    assert handler({}, lambda_context()) == "ok"
    second = emf(capsys)
    names = [[m["Name"] for m in b["_aws"]["CloudWatchMetrics"][0]["Metrics"]] for b in first]
    assert sorted(names) == [["ColdStart"], ["Orders"]]
    cold_start = next(blob for blob in first if "ColdStart" in blob)
    assert (cold_start["function_name"], cold_start["service"]) == ("test-function", "orders")
    assert [list(blob)[-1] for blob in second] == ["Orders"]
    for blob in first + second:  # each dimension set names AZ-ID, and the value is on the root
        assert blob["AZ-ID"] == (zone or "unknown")
        for dimensions in dimension_sets(blob):  # within CloudWatch's limit, each value a string
            assert "AZ-ID" in dimensions
            assert len(dimensions) <= 30
            assert all(isinstance(blob[name], str) for name in dimensions)


@pytest.mark.parametrize(("defaults", "strict"), [(27, False), (28, False), (28, True)])
def test_the_dimension_count_stays_within_cloudwatchs_limit(
    metrics: Metrics,
    lambda_metadata_endpoint: MetadataEndpoint,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    defaults: int,
    strict: bool,
) -> None:
    """With service and AZ-ID, 27 defaults make 29 of the 30 allowed; 28 leave no room for it,
    and the failure policy decides."""
    metrics.set_default_dimensions(**{f"d{i}": "x" for i in range(defaults)})
    handler = decorate(metrics, strict=strict)
    if strict:
        with pytest.raises(LambdaMetadataError, match="AZ-ID"):
            handler({}, lambda_context())
        return
    with caplog.at_level("WARNING", logger="lambda_metadata"):
        assert handler({}, lambda_context()) == "ok"
    orders = next(blob for blob in emf(capsys) if "Orders" in blob)
    assert [len(d) for d in dimension_sets(orders)] == [29]
    assert ("AZ-ID" in orders) is ("AZ-ID" in dimension_sets(orders)[0]) is (defaults == 27)
    assert ("AZ-ID" in caplog.text) is (defaults == 28)


def test_no_option_adds_no_dimension_and_decorating_twice_keeps_one_zonal_cold_start(
    metrics: Metrics, lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    def orders(event: Any, context: Any) -> None:
        metrics.add_metric(name="Orders", unit="Count", value=1)

    handler = inject_az(metrics.log_metrics(capture_cold_start_metric=True)(orders))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        handler({}, lambda_context())
    assert all("AZ-ID" not in blob for blob in emf(capsys))
    reset_cold_start_flag()  # type: ignore[no-untyped-call]
    decorate(metrics)
    decorate(metrics)({}, lambda_context())
    cold_start = next(blob for blob in emf(capsys) if "ColdStart" in blob)
    assert dimension_sets(cold_start) == [["function_name", "service", "AZ-ID"]]
