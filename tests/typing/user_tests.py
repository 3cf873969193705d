"""The pytest fixtures and the emulator, typed as a user's tests use them."""

from __future__ import annotations

from typing_extensions import assert_type

from lambda_metadata import get_lambda_metadata
from lambda_metadata.testing import (
    Impairment,
    MetadataEndpoint,
    run_after_restore_hooks,
    run_before_snapshot_hooks,
)


def test_handler_sees_the_endpoint(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = "euw1-az2"
    assert get_lambda_metadata().availability_zone_id == "euw1-az2"
    assert_type(lambda_metadata_endpoint.request_count, int)
    assert_type(lambda_metadata_endpoint.environ, dict[str, str])


def test_outside_lambda(no_lambda_metadata: None) -> None:
    run_before_snapshot_hooks()
    run_after_restore_hooks()


def own_endpoint() -> str:
    with MetadataEndpoint(availability_zone_id="use1-az3") as endpoint:
        assert_type(endpoint, MetadataEndpoint)
        with endpoint.impair(status=500, times=2) as impairment:
            assert_type(impairment, Impairment)
        return endpoint.address


MetadataEndpoint(availability_zone_id=3)  # type: ignore[arg-type]


def wrong_status(endpoint: MetadataEndpoint) -> None:
    endpoint.impair(status="500")  # type: ignore[arg-type]
