"""About one request per fail-fast window: only the first attempt of a failure streak retries."""

from __future__ import annotations

import pytest

from lambda_metadata import get_lambda_metadata
from lambda_metadata.errors import MetadataServerError
from lambda_metadata.testing import FakeClock, MetadataEndpoint


def test_a_start_during_the_brief_503_still_gets_the_zone(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    lambda_metadata_endpoint.fail_next(503, times=2)
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    assert lambda_metadata_endpoint.request_count == 3  # retried inside the first deadline


def test_later_attempts_of_a_streak_make_one_request_each(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    lambda_metadata_endpoint.status = 500
    with pytest.raises(MetadataServerError):
        get_lambda_metadata(timeout=0.2)
    first = lambda_metadata_endpoint.request_count
    assert first > 1  # the first attempt retried
    for window in (0.5, 1.0, 2.0):
        fake_clock.advance(window + 0.01)
        with pytest.raises(MetadataServerError, match="gave up after 1 attempt within"):
            get_lambda_metadata(timeout=0.2)
    assert lambda_metadata_endpoint.request_count == first + 3


def test_a_new_streak_retries_again(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    lambda_metadata_endpoint.cache_control = "no-store"  # every call asks the endpoint
    lambda_metadata_endpoint.status = 500
    with pytest.raises(MetadataServerError):
        get_lambda_metadata(timeout=0.2)
    fake_clock.advance(0.51)
    lambda_metadata_endpoint.status = 200
    assert get_lambda_metadata(timeout=0.2).availability_zone_id == "use1-az1"  # streak over
    lambda_metadata_endpoint.fail_next(503)  # the next streak's first attempt retries past it
    assert get_lambda_metadata(timeout=0.2).availability_zone_id == "use1-az1"
