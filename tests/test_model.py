"""LambdaMetadata: frozen, slotted, deeply read-only, forward compatible."""

from __future__ import annotations

import copy
import pickle

import pytest

from lambda_metadata import LambdaMetadata, clear_metadata_cache, get_lambda_metadata
from lambda_metadata.errors import InvalidMetadataError
from lambda_metadata.testing import MetadataEndpoint


def test_is_frozen_and_slotted() -> None:
    metadata = LambdaMetadata(availability_zone_id="use1-az1")
    assert not hasattr(metadata, "__dict__")
    with pytest.raises(AttributeError, match="immutable"):
        metadata.availability_zone_id = "use1-az2"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        metadata.raw = {}  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del metadata.raw
    with pytest.raises(AttributeError):
        metadata.other = 1
    assert metadata.raw == {}


def test_built_directly_it_is_deeply_immutable() -> None:
    source = {"AvailabilityZoneID": "use1-az1", "Nested": {"List": [1, {"Deep": True}]}}
    metadata = LambdaMetadata("use1-az1", source)
    source["Nested"]["List"].append(2)  # type: ignore[index]
    source["Other"] = "added later"
    assert metadata.raw == {
        "AvailabilityZoneID": "use1-az1",
        "Nested": {"List": (1, {"Deep": True})},
    }
    with pytest.raises(TypeError):
        metadata.raw["Nested"]["List"][1]["Deep"] = False
    with pytest.raises(TypeError):
        LambdaMetadata("use1-az1", {"Set": {1, 2}})


@pytest.mark.parametrize("zone_id", ["use1-az1", "usw2-lax1-az1", "use1-wl1-bos-wlz1", "apse2-az3"])
def test_real_az_id_formats_are_accepted(zone_id: str) -> None:
    assert LambdaMetadata(zone_id).availability_zone_id == zone_id


@pytest.mark.parametrize(
    "zone_id",
    [
        1,
        None,
        b"use1-az1",
        "",
        " use1-az1",
        "use1 az1",
        "use1-az1\n",
        "use1-az1\nforged",
        "use1\x1b[31m",
        "use1\ud800",
        "x" * 65,
        "-use1",
        "use1-",
        "use1/az1",
        "us\u00e91",
    ],
)
def test_bad_az_ids_are_refused_when_built_directly(zone_id: object) -> None:
    with pytest.raises(InvalidMetadataError):
        LambdaMetadata(zone_id)  # type: ignore[arg-type]


def test_pickle_and_copy_keep_value_and_immutability() -> None:
    metadata = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "N": {"L": [1]}})
    again = pickle.loads(pickle.dumps(metadata))
    assert again == metadata
    assert again.raw["N"]["L"] == (1,)
    with pytest.raises(TypeError):
        again.raw["N"]["x"] = 1
    assert copy.copy(metadata) is metadata
    assert copy.deepcopy(metadata) is metadata


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
