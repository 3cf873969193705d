"""What docs/migration.md says about living next to Powertools holds."""

from __future__ import annotations

import dataclasses
import json
import os
from unittest import mock

import pytest
from aws_lambda_powertools.utilities import metadata as powertools
from conftest import EXAMPLES, run_python

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
)
from lambda_metadata.errors import MetadataConnectionError
from lambda_metadata.testing import MetadataEndpoint


def test_our_warnings_are_powertools_json_lines() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "POWERTOOLS_"))}
    result = run_python(str(EXAMPLES / "powertools_logs.py"), env=env)
    assert result.stderr == ""
    warning, info = (json.loads(line) for line in result.stdout.splitlines())
    assert (warning["level"], warning["name"]) == ("WARNING", "lambda_metadata")
    assert warning["service"] == "orders"
    assert "MetadataUnavailableError" in warning["message"]
    assert (info["message"], info["availability_zone_id"]) == ("handled", "-")  # no metadata


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_powertools_dev_changes_nothing_in_lambda_and_invents_no_az_outside(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("POWERTOOLS_DEV", value)
    lambda_metadata_endpoint.availability_zone_id = "euw1-az2"
    assert get_lambda_metadata().availability_zone_id == "euw1-az2"
    assert lambda_metadata_endpoint.request_count == 1
    monkeypatch.delenv("AWS_LAMBDA_METADATA_API")
    clear_metadata_cache()
    with pytest.raises(MetadataUnavailableError):
        get_lambda_metadata()
    assert powertools.get_lambda_metadata().availability_zone_id is None  # theirs


def test_the_differences_the_page_lists_and_what_to_use_instead() -> None:
    # Same names, different classes: an ``except`` for one does not catch the other.
    assert not issubclass(LambdaMetadataError, powertools.LambdaMetadataError)
    assert not issubclass(powertools.LambdaMetadataError, LambdaMetadataError)
    assert LambdaMetadata is not powertools.LambdaMetadata  # type: ignore[comparison-overlap]
    # ``status_code``: None here, -1 there, when there is no HTTP status; by position in both.
    assert LambdaMetadataError("x").status_code is None
    assert powertools.LambdaMetadataError("x").status_code == -1
    assert LambdaMetadataError("x", 500).status_code == 500
    assert powertools.LambdaMetadataError("x", 500).status_code == 500
    # ``raw`` is public here, ``_raw`` there; the AZ ID is a str here, Optional there.
    metadata = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "Next": 1})
    assert dict(metadata.raw) == {"AvailabilityZoneID": "use1-az1", "Next": 1}
    assert type(metadata.availability_zone_id) is str
    assert powertools.LambdaMetadata().availability_zone_id is None
    # built with an AZ and raw, not a dataclass: what to use instead of replace() and asdict()
    assert not dataclasses.is_dataclass(metadata)
    with pytest.raises(TypeError):
        LambdaMetadata()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        LambdaMetadata(availability_zone_id="use1-az1", _raw={})  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        dataclasses.replace(metadata, availability_zone_id="use1-az2")  # type: ignore[type-var]
    with pytest.raises(TypeError):
        dataclasses.asdict(metadata)  # type: ignore[call-overload]
    moved = LambdaMetadata("use1-az2", metadata.raw)  # instead of replace()
    assert (moved.availability_zone_id, moved.raw) == ("use1-az2", metadata.raw)
    as_dict = {"availability_zone_id": metadata.availability_zone_id, "raw": dict(metadata.raw)}
    assert json.loads(json.dumps(as_dict)) == {  # instead of asdict()
        "availability_zone_id": "use1-az1",
        "raw": {"AvailabilityZoneID": "use1-az1", "Next": 1},
    }
    match metadata:
        case LambdaMetadata(zone_id, _):
            assert zone_id == "use1-az1"


# -- "Tests written for Powertools": what breaks when only the import changes ---------------------


def test_patching_powertools_private_fetch_reaches_nothing(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # and the endpoint fixture replaces the patches: test_emulator.py runs the docs' tests
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", "127.0.0.1:1")  # every connect is refused
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "test-token")
    target = "aws_lambda_powertools.utilities.metadata.lambda_metadata._fetch_metadata"
    with (
        mock.patch(target, return_value={"AvailabilityZoneID": "use1-az1"}) as fetch,
        pytest.raises(MetadataConnectionError),
    ):
        get_lambda_metadata(timeout=0.2)  # the page: within the default 1 s deadline
    assert fetch.call_count == 0
    # The next "outside Lambda" test, in the fail-fast window: the cached failure, not
    # MetadataUnavailableError, until the cache is cleared (as the fixtures do).
    monkeypatch.delenv("AWS_LAMBDA_METADATA_API")
    monkeypatch.delenv("AWS_LAMBDA_METADATA_TOKEN")
    with pytest.raises(MetadataConnectionError):
        get_lambda_metadata()
    clear_metadata_cache()
    with pytest.raises(MetadataUnavailableError):
        get_lambda_metadata()
