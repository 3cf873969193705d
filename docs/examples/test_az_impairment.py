"""Rehearse an AZ impairment: run with pytest, with lambda-metadata installed.

The ``lambda_metadata_endpoint`` fixture comes from lambda-metadata's pytest
plugin: set the zone it reports, or ``impair()`` it for one ``with`` block.
"""

from __future__ import annotations

import pytest
from same_az_valkey import read_order  # the code under test

from lambda_metadata import get_lambda_metadata
from lambda_metadata.errors import MetadataTimeoutError
from lambda_metadata.testing import MetadataEndpoint


@pytest.mark.parametrize("zone_id", ["apne1-az1", "apne1-az2", "apne1-az4"])
def test_reads_go_to_the_node_in_our_zone(
    lambda_metadata_endpoint: MetadataEndpoint, zone_id: str
) -> None:
    lambda_metadata_endpoint.availability_zone_id = zone_id
    assert read_order()[0].availability_zone_id == zone_id


def test_a_zone_with_no_node_falls_back_to_the_configured_order(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = "apne1-az3"
    assert [node.role for node in read_order()] == ["replica", "replica", "primary"]


def test_reads_still_work_when_the_endpoint_fails(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    with lambda_metadata_endpoint.impair(status=500):
        assert len(read_order()) == 3  # degraded, not down
    assert {request.status for request in lambda_metadata_endpoint.requests} == {500}


def test_reads_still_work_when_the_endpoint_hangs(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    with lambda_metadata_endpoint.impair(delay=3600):  # a hang: longer than any deadline
        with pytest.raises(MetadataTimeoutError):
            get_lambda_metadata(timeout=0.2)
        assert len(read_order()) == 3
