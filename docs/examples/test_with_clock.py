"""A user's test: move past max-age and the fail-fast window without sleeping."""

import pytest

from lambda_metadata import LambdaMetadataError, get_lambda_metadata


def test_a_new_zone_after_max_age(lambda_metadata_endpoint, lambda_metadata_clock):
    lambda_metadata_endpoint.max_age = 60
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    lambda_metadata_clock.advance(59)
    assert get_lambda_metadata().availability_zone_id == "use1-az1"  # still fresh
    lambda_metadata_clock.advance(1)
    assert get_lambda_metadata().availability_zone_id == "use1-az2"  # max-age is over


def test_recovery_after_an_outage(lambda_metadata_endpoint, lambda_metadata_clock):
    lambda_metadata_endpoint.impair(status=500)
    with pytest.raises(LambdaMetadataError):
        get_lambda_metadata(timeout=0.2)
    with pytest.raises(LambdaMetadataError):  # inside the fail-fast window: no request
        get_lambda_metadata()
    lambda_metadata_endpoint.heal()
    lambda_metadata_clock.advance(1)  # past the first fail-fast window (0.5 s)
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
