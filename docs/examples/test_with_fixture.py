"""Testing your function with the bundled endpoint (docs: Testing your functions)."""

from __future__ import annotations

import pytest

from lambda_metadata import get_lambda_metadata
from lambda_metadata.errors import MetadataHTTPError
from lambda_metadata.testing import MetadataEndpoint


def my_handler(event: dict[str, str], context: object) -> str:
    return get_lambda_metadata().availability_zone_id


def test_handler_sees_the_zone(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = "euw1-az2"
    assert my_handler({}, None) == "euw1-az2"
    assert lambda_metadata_endpoint.request_count == 1


def test_handler_when_the_endpoint_fails(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.impair(status=500)
    with pytest.raises(MetadataHTTPError):
        my_handler({}, None)


def test_with_a_standalone_endpoint() -> None:
    from lambda_metadata import clear_metadata_cache

    with MetadataEndpoint(availability_zone_id="apne1-az4") as endpoint, endpoint.environment():
        clear_metadata_cache()
        assert my_handler({}, None) == "apne1-az4"
    clear_metadata_cache()
