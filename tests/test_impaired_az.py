"""The "Find an impaired Availability Zone" page: its handler's EMF, and its alarms as deployed
(opt-in with the SAM example's, ``-m sam``: it needs cfn-lint, as .ci/run gives it)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag
from conftest import EXAMPLES, load_example, load_module

from lambda_metadata.testing import MetadataEndpoint, lambda_context

TEMPLATE = EXAMPLES / "impaired_az.yaml"
ALARMED = {"Requests", "Errors", "Latency"}  # the metrics the template's alarms read


@pytest.fixture
def example() -> Iterator[ModuleType]:
    """The example, loaded before ``capsys`` replaces stdout: its Logger keeps the stream."""
    reset_cold_start_flag()  # type: ignore[no-untyped-call]
    module = load_example("metrics_per_az")
    yield module
    module.metrics.clear_metrics()


@pytest.mark.parametrize(("event", "errors"), [({"order": "o-1"}, 0.0), ({}, 1.0)])
def test_the_handler_writes_per_zone_what_the_template_alarms_on(
    example: ModuleType,
    lambda_metadata_endpoint: MetadataEndpoint,
    capsys: pytest.CaptureFixture[str],
    event: dict[str, Any],
    errors: float,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    with pytest.raises(ValueError, match="no order") if errors else contextlib.nullcontext():
        example.handler(event, lambda_context())
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [blob] = [line for line in lines if "Requests" in line]

    [directive] = blob["_aws"]["CloudWatchMetrics"]
    assert {metric["Name"] for metric in directive["Metrics"]} == ALARMED
    assert sorted(directive["Dimensions"]) == [["AZ-ID", "service"]]  # as the alarms name them
    assert (blob["AZ-ID"], blob["service"], blob["Errors"]) == ("use1-az2", "orders", [errors])
    template = TEMPLATE.read_text()
    assert [name for name in ALARMED if f"MetricName: {name}" not in template] == []
    assert template.count("Name: AZ-ID") == 4  # errors, requests, latency, and the unknown zone


@pytest.mark.sam
def test_the_template_lints_clean_and_the_linter_sees_inside_the_loop(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("cfnlint", reason="uv run --with cfn-lint")
    lint_template = load_module(EXAMPLES.parent.parent / "scripts" / "lint_template.py")
    assert lint_template.main([str(TEMPLATE)]) == 0
    assert "0 cfn-lint finding(s)" in capsys.readouterr().out

    # a composite alarm naming an alarm the loop does not make is found, once per zone
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        TEMPLATE.read_text().replace("${Latency&{ZoneId}.Arn}", "${Lag&{ZoneId}.Arn}")
    )
    findings = lint_template.lint(lint_template.transform(lint_template.load(broken)))
    assert len(findings) == 3  # the default parameter names three zones
    assert all("Laguse1az" in finding for finding in findings)
