"""LambdaMetadata: frozen, slotted, deeply read-only, forward compatible."""

from __future__ import annotations

import dataclasses

import pytest

from lambda_metadata import LambdaMetadata, clear_metadata_cache, get_lambda_metadata
from lambda_metadata.testing import MetadataEndpoint


def test_is_a_frozen_slotted_dataclass() -> None:
    metadata = LambdaMetadata(availability_zone_id="use1-az1")
    assert dataclasses.is_dataclass(metadata)
    assert not hasattr(metadata, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        metadata.availability_zone_id = "use1-az2"  # type: ignore[misc]
    assert metadata.raw == {}


def test_repr_equality_and_hash() -> None:
    a = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "New": 1})
    b = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "New": 1})
    assert repr(a) == "LambdaMetadata(availability_zone_id='use1-az1')"
    assert a == b
    assert hash(a) == hash(b)
    assert {a, b} == {a}


def test_unknown_fields_are_kept_read_only(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.extra_fields = {
        "FutureField": "x",
        "Nested": {"List": [1, {"Deep": True}]},
    }
    metadata = get_lambda_metadata()
    assert metadata.availability_zone_id == "use1-az1"
    assert metadata.raw["FutureField"] == "x"
    assert metadata.raw["Nested"]["List"] == (1, {"Deep": True})
    with pytest.raises(TypeError):
        metadata.raw["FutureField"] = "y"  # type: ignore[index]
    with pytest.raises(TypeError):
        metadata.raw["Nested"]["List"] = []
    with pytest.raises(TypeError):
        metadata.raw["Nested"]["List"][1]["Deep"] = False


def test_returned_objects_survive_cache_clear(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.extra_fields = {"Other": "kept"}
    first = get_lambda_metadata()
    clear_metadata_cache()
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    second = get_lambda_metadata()
    assert first.availability_zone_id == "use1-az1"
    assert first.raw == {"AvailabilityZoneID": "use1-az1", "Other": "kept"}
    assert second.availability_zone_id == "use1-az2"
