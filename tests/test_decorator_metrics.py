"""``@inject_az(metrics=...)``: the EMF a real Powertools ``Metrics`` prints carries ``AZ-ID``."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag

from lambda_metadata import LambdaMetadataError, inject_az
from lambda_metadata.testing import MetadataEndpoint, lambda_context

CLOUDWATCH_MAX_DIMENSIONS = 30
"""Dimensions a CloudWatch metric may have (EMF's limit: 30 per dimension set)."""


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    """A Metrics of its own namespace, cleared after the test (Powertools shares the sets)."""
    metrics = Metrics(namespace="Shop", service="orders")
    reset_cold_start_flag()  # type: ignore[no-untyped-call]
    yield metrics
    metrics.clear_metrics()
    metrics.clear_default_dimensions()


def emf(printed: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in printed.splitlines() if line.startswith('{"_aws"')]


def assert_zonal(blobs: list[dict[str, Any]], zone: str) -> None:
    """Each blob's every dimension set names AZ-ID, and the value is on the root."""
    for blob in blobs:
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dimensions in directive["Dimensions"]:
                assert "AZ-ID" in dimensions, blob
                assert len(dimensions) <= CLOUDWATCH_MAX_DIMENSIONS
                assert all(isinstance(blob[name], str) for name in dimensions)
        assert blob["AZ-ID"] == zone


def decorate(metrics: Metrics, order: str, **options: Any) -> Callable[..., str]:
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
    first = emf(capsys.readouterr().out)
    assert handler({}, lambda_context()) == "ok"
    second = emf(capsys.readouterr().out)

    names = [[m["Name"] for m in b["_aws"]["CloudWatchMetrics"][0]["Metrics"]] for b in first]
    assert sorted(names) == [["ColdStart"], ["Orders"]]
    cold_start = next(blob for blob in first if "ColdStart" in blob)
    assert (cold_start["function_name"], cold_start["service"]) == ("test-function", "orders")
    assert [list(blob)[-1] for blob in second] == ["Orders"]
    assert_zonal(first + second, zone or "unknown")


def test_the_dimension_count_stays_within_cloudwatchs_limit(
    metrics: Metrics, lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics.set_default_dimensions(**{f"d{i}": "x" for i in range(27)})  # + service + AZ-ID: 29
    handler = decorate(metrics, "documented")

    handler({}, lambda_context())

    blobs = emf(capsys.readouterr().out)
    assert_zonal([blob for blob in blobs if "Orders" in blob], "use1-az1")
    assert len(blobs[-1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == 29


@pytest.mark.parametrize("strict", [False, True])
def test_a_dimension_powertools_refuses_follows_the_failure_policy(
    metrics: Metrics,
    lambda_metadata_endpoint: MetadataEndpoint,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    strict: bool,
) -> None:
    metrics.set_default_dimensions(**{f"d{i}": "x" for i in range(28)})  # + service: full
    handler = decorate(metrics, "documented", strict=strict)

    if strict:
        with pytest.raises(LambdaMetadataError, match="AZ-ID"):
            handler({}, lambda_context())
        return
    with caplog.at_level("WARNING", logger="lambda_metadata"):
        assert handler({}, lambda_context()) == "ok"
    orders = next(blob for blob in emf(capsys.readouterr().out) if "Orders" in blob)
    assert "AZ-ID" not in orders
    assert len(orders["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == 29
    assert "AZ-ID" in caplog.text


def test_decorating_twice_keeps_one_zonal_cold_start(
    metrics: Metrics, lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = decorate(metrics, "documented")
    decorate(metrics, "documented")

    handler({}, lambda_context())

    cold_start = next(blob for blob in emf(capsys.readouterr().out) if "ColdStart" in blob)
    assert cold_start["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["function_name", "service", "AZ-ID"]
    ]


class Dimensioned:
    def add_dimension(self, name: str, value: str) -> None: ...


@pytest.mark.parametrize("wrong", [Dimensioned(), Metrics], ids=["duck", "the-class"])
def test_anything_but_a_powertools_metrics_is_refused_when_applied(wrong: Any) -> None:
    with pytest.raises(TypeError, match="Powertools Metrics"):
        inject_az(metrics=wrong)


def test_without_the_option_no_dimension_is_added(
    metrics: Metrics, lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    @inject_az
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_metric(name="Orders", unit="Count", value=1)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        handler({}, lambda_context())
    assert all("AZ-ID" not in blob for blob in emf(capsys.readouterr().out))
