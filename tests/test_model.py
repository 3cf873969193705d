"""LambdaMetadata: frozen, slotted, deeply read-only, forward compatible; bad bodies refused."""

from __future__ import annotations

import copy
import pickle

import pytest

from lambda_metadata import LambdaMetadata
from lambda_metadata.errors import InvalidMetadataError

NESTED = {"AvailabilityZoneID": "use1-az1", "Nested": {"List": [1, {"Deep": True}]}}


def test_is_frozen_slotted_and_deeply_immutable_however_it_is_made() -> None:
    source = copy.deepcopy(NESTED)
    built = LambdaMetadata("use1-az1", source)
    source["Nested"]["List"].append(2)  # type: ignore[index]
    for metadata in [
        built,
        pickle.loads(pickle.dumps(built)),
        LambdaMetadata.from_response(NESTED),
    ]:
        assert not hasattr(metadata, "__dict__")
        assert metadata.raw == {**NESTED, "Nested": {"List": (1, {"Deep": True})}}
        for name in ["availability_zone_id", "raw"]:
            with pytest.raises(AttributeError, match="immutable"):
                setattr(metadata, name, "use1-az2")
        with pytest.raises(AttributeError, match="immutable"):
            del metadata.raw
        with pytest.raises(AttributeError):
            metadata.other = 1
        with pytest.raises(TypeError):
            metadata.raw["Nested"]["List"][1]["Deep"] = False
        assert copy.copy(metadata) is metadata
        assert copy.deepcopy(metadata) is metadata
    assert LambdaMetadata("use1-az1").raw == {}
    with pytest.raises(TypeError):
        LambdaMetadata("use1-az1", {"Set": {1, 2}})


def test_repr_equality_and_hash() -> None:
    a = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "New": 1})
    b = LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "New": 1})
    assert repr(a) == "LambdaMetadata(availability_zone_id='use1-az1')"
    assert a == b
    assert hash(a) == hash(b)
    assert {a, b} == {a}
    assert a != LambdaMetadata("use1-az1")


def test_what_json_cannot_hold_is_refused() -> None:
    with pytest.raises(InvalidMetadataError, match="must be a non-empty string of at most 64"):
        LambdaMetadata(b"use1-az1")  # type: ignore[arg-type]
    with pytest.raises(InvalidMetadataError, match="non-JSON values"):
        LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1", "Set": {1}})
    with pytest.raises(InvalidMetadataError, match=r"field: \[1\]"):
        LambdaMetadata.from_response({1: "use1-az1"})
