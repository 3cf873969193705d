"""What docs/migration.md says about living next to Powertools holds."""

from __future__ import annotations

import json
import os
import pickle

import pytest
from aws_lambda_powertools.utilities import metadata as powertools_metadata
from conftest import EXAMPLES, run_python

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
    get_lambda_metadata,
)
from lambda_metadata.errors import MetadataHTTPError
from lambda_metadata.testing import MetadataEndpoint


def test_our_warnings_are_powertools_json_lines() -> None:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "POWERTOOLS_"))
    }
    result = run_python(str(EXAMPLES / "powertools_logs.py"), env=environ)
    assert result.stderr == ""
    warning, info = (json.loads(line) for line in result.stdout.splitlines())
    assert warning["level"] == "WARNING"
    assert warning["name"] == "lambda_metadata"
    assert warning["service"] == "orders"
    assert "MetadataUnavailableError" in warning["message"]
    assert info["message"] == "handled"
    assert info["availability_zone_id"] == "-"  # the placeholder: no metadata


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_powertools_dev_has_no_effect_in_lambda(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("POWERTOOLS_DEV", value)
    lambda_metadata_endpoint.availability_zone_id = "euw1-az2"
    assert get_lambda_metadata().availability_zone_id == "euw1-az2"
    assert lambda_metadata_endpoint.request_count == 1


def test_powertools_dev_invents_no_az_outside_lambda(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    with pytest.raises(MetadataUnavailableError):
        get_lambda_metadata()
    assert powertools_metadata.get_lambda_metadata().availability_zone_id is None  # theirs


def test_the_differences_the_page_lists() -> None:
    # Same names, different classes: an ``except`` for one does not catch the other.
    assert not issubclass(LambdaMetadataError, powertools_metadata.LambdaMetadataError)
    assert not issubclass(powertools_metadata.LambdaMetadataError, LambdaMetadataError)
    assert LambdaMetadata is not powertools_metadata.LambdaMetadata  # type: ignore[comparison-overlap]
    # ``status_code``: None here, -1 there, when there is no HTTP status.
    assert LambdaMetadataError("x").status_code is None
    assert powertools_metadata.LambdaMetadataError("x").status_code == -1
    # ``raw`` is public here, ``_raw`` there; the AZ ID is a str here, Optional there.
    ours = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "Next": 1})
    assert dict(ours.raw) == {"AvailabilityZoneID": "use1-az1", "Next": 1}
    assert type(ours.availability_zone_id) is str
    assert powertools_metadata.LambdaMetadata().availability_zone_id is None


def test_status_code_by_position_as_in_powertools() -> None:
    assert LambdaMetadataError("x", 500).status_code == 500
    assert powertools_metadata.LambdaMetadataError("x", 500).status_code == 500  # theirs
    assert LambdaMetadataError("x", status_code=404).status_code == 404
    error = MetadataHTTPError("x", 503)
    assert pickle.loads(pickle.dumps(error)).status_code == 503
