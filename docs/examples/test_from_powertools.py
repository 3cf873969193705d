"""Tests that patched Powertools' private ``_fetch_metadata``, after the switch (docs: Coming from
Powertools): the local endpoint answers instead, and its counter replaces the mock's."""

from __future__ import annotations

import pytest

from lambda_metadata import (
    LambdaMetadataError,
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
)
from lambda_metadata.testing import MetadataEndpoint


def handler(event: dict[str, str], context: object) -> str:
    return get_lambda_metadata().availability_zone_id


def test_returns_the_az_id(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    assert handler({}, None) == "use1-az1"  # the endpoint's default; set availability_zone_id
    assert lambda_metadata_endpoint.request_count == 1  # was: mock_fetch.assert_called_once()


def test_caches_across_invocations(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    handler({}, None)
    handler({}, None)
    assert lambda_metadata_endpoint.request_count == 1


def test_fetches_again_after_clearing_the_cache(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    handler({}, None)
    clear_metadata_cache()
    handler({}, None)
    assert lambda_metadata_endpoint.request_count == 2


def test_endpoint_error(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.impair(status=404)  # was: side_effect=LambdaMetadataError(...)
    with pytest.raises(LambdaMetadataError, match="404") as caught:
        handler({}, None)
    assert caught.value.status_code == 404


def test_outside_lambda(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError):  # Powertools: an empty LambdaMetadata
        handler({}, None)
