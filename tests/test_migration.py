"""What docs/migration.md says about living next to Powertools holds."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import socket
from unittest import mock

import pytest
from aws_lambda_powertools.utilities import metadata as powertools_metadata
from conftest import EXAMPLES, run_python

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
)
from lambda_metadata.errors import MetadataConnectionError, MetadataHTTPError
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


# -- "Tests written for Powertools": what breaks when only the import changes ---------------------


def test_patching_powertools_private_fetch_reaches_nothing(
    no_lambda_metadata: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: every connect is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", f"127.0.0.1:{port}")
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


def test_the_endpoint_fixture_replaces_the_patches(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_switched=(EXAMPLES / "test_from_powertools.py").read_text())
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_status_code_by_position_as_in_powertools() -> None:
    assert LambdaMetadataError("x", 500).status_code == 500
    assert powertools_metadata.LambdaMetadataError("x", 500).status_code == 500  # theirs
    assert LambdaMetadataError("x", status_code=404).status_code == 404
    error = MetadataHTTPError("x", 503)
    assert pickle.loads(pickle.dumps(error)).status_code == 503


def test_metadata_is_built_with_an_az_and_raw() -> None:
    with pytest.raises(TypeError):
        LambdaMetadata()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        LambdaMetadata(availability_zone_id="use1-az1", _raw={})  # type: ignore[call-arg]
    made = LambdaMetadata(availability_zone_id="use1-az1")  # a mock's return_value still works
    assert made.availability_zone_id == "use1-az1"
    assert dict(made.raw) == {}


def test_not_a_dataclass_and_what_to_use_instead() -> None:
    metadata = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "Next": 1})
    assert not dataclasses.is_dataclass(metadata)
    with pytest.raises(TypeError):
        dataclasses.replace(metadata, availability_zone_id="use1-az2")  # type: ignore[type-var]
    with pytest.raises(TypeError):
        dataclasses.asdict(metadata)  # type: ignore[call-overload]
    moved = LambdaMetadata("use1-az2", metadata.raw)  # instead of replace()
    assert moved.availability_zone_id == "use1-az2"
    assert moved.raw == metadata.raw
    as_dict = {"availability_zone_id": metadata.availability_zone_id, "raw": dict(metadata.raw)}
    assert json.loads(json.dumps(as_dict)) == {  # instead of asdict()
        "availability_zone_id": "use1-az1",
        "raw": {"AvailabilityZoneID": "use1-az1", "Next": 1},
    }
    match metadata:
        case LambdaMetadata(zone_id, _):
            assert zone_id == "use1-az1"
