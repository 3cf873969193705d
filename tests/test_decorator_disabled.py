"""``LAMBDA_METADATA_DISABLED``: read when ``@inject_az`` is applied, it hands the handler back."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from aws_lambda_powertools import Metrics

from lambda_metadata import get_lambda_metadata, inject_az, metadata_of
from lambda_metadata.errors import InvalidArgumentError
from lambda_metadata.testing import MetadataEndpoint, lambda_context

ENV = "LAMBDA_METADATA_DISABLED"


def handler(event: dict[str, Any], context: Any) -> object:
    return metadata_of(context)


@pytest.mark.parametrize("value", ["true", "1", "TRUE", " True "])
@pytest.mark.parametrize("form", ["bare", "options", "metrics"])
def test_disabled_passes_the_handler_through(
    monkeypatch: pytest.MonkeyPatch,
    lambda_metadata_endpoint: MetadataEndpoint,
    value: str,
    form: str,
) -> None:
    monkeypatch.setenv(ENV, value)
    metrics = Metrics(namespace="Shop")
    cold_start = metrics.provider.add_cold_start_metric
    decorator = {
        "bare": inject_az,
        "options": inject_az(strict=True, resolve_name=True, otel=True),
        "metrics": inject_az(metrics=metrics),
    }[form]

    decorated = decorator(handler)

    assert decorated is handler
    assert decorated({}, lambda_context()) is None
    assert lambda_metadata_endpoint.request_count == 0
    assert metrics.provider.add_cold_start_metric == cold_start  # no dimension either
    assert get_lambda_metadata().availability_zone_id == "use1-az1"  # unchanged


@pytest.mark.parametrize("value", ["", "false", "0", "FALSE"])
def test_other_accepted_values_leave_it_on(
    monkeypatch: pytest.MonkeyPatch, lambda_metadata_endpoint: MetadataEndpoint, value: str
) -> None:
    monkeypatch.setenv(ENV, value)

    decorated = inject_az(handler)

    assert decorated is not handler
    assert metadata_of_call(decorated) == "use1-az1"


def metadata_of_call(decorated: Any) -> str:
    metadata = decorated({}, lambda_context())
    return str(metadata.availability_zone_id)


@pytest.mark.parametrize("value", ["yes", "on", "ture", "2"])
def test_any_other_value_is_refused_when_applied(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV, value)
    with pytest.raises(InvalidArgumentError, match=ENV):
        inject_az(handler)


def test_it_is_read_when_applied_never_per_invocation(
    monkeypatch: pytest.MonkeyPatch, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    decorated = inject_az(handler)
    monkeypatch.setenv(ENV, "true")
    assert metadata_of_call(decorated) == "use1-az1"
    monkeypatch.setenv(ENV, "false")
    assert inject_az(handler)({}, lambda_context()) is not None


@pytest.mark.parametrize("value", ["true", "false"])
def test_disabled_installs_no_log_record_factory(
    lambda_metadata_endpoint: MetadataEndpoint, value: str
) -> None:
    code = textwrap.dedent(
        """
        import json, logging, os
        from lambda_metadata import inject_az
        inject_az(lambda event, context: None)
        record = logging.makeLogRecord({})
        print(json.dumps(getattr(record, "availability_zone_id", None)))
        """
    )
    env = {**lambda_metadata_endpoint.environ, ENV: value}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == (None if value == "true" else "-")
