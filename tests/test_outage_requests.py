"""About one request per fail-fast window: only the first attempt of a failure streak retries."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from test_az_name import ScriptedEC2

from lambda_metadata import LambdaMetadata, get_lambda_metadata, inject_az, metadata_of
from lambda_metadata._constants import API_ENV, TOKEN_ENV
from lambda_metadata._flight import MAX_WINDOW
from lambda_metadata.az_names import get_availability_zone_name
from lambda_metadata.errors import (
    AvailabilityZoneNameError,
    InvalidMetadataError,
    MetadataConnectionError,
    MetadataHTTPError,
)
from lambda_metadata.testing import FakeClock, MetadataEndpoint, lambda_context


def test_only_the_first_attempt_of_a_failure_streak_retries(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    endpoint = lambda_metadata_endpoint
    # The first attempt retries three 500s, then stops at a bad body (never retried): every
    # request is answered, and so counted, before the error is raised, however loaded the machine.
    endpoint.impair(status=500, times=3)
    endpoint.body = b"not json"
    with pytest.raises(InvalidMetadataError):
        get_lambda_metadata(timeout=10)
    assert endpoint.request_count == 4
    endpoint.impair(status=500)
    for window in (0.5, 1.0, 2.0):
        fake_clock.advance(window + 0.01)
        with pytest.raises(MetadataHTTPError, match="gave up after 1 attempt within"):
            get_lambda_metadata(timeout=10)
    assert endpoint.request_count == 4 + 3
    endpoint.reset(token=endpoint.token)
    endpoint.cache_control = "no-store"
    fake_clock.advance(4.01)
    assert get_lambda_metadata(timeout=10).availability_zone_id == "use1-az1"  # streak over
    endpoint.impair(status=503, times=1)  # the next streak's first attempt retries
    assert get_lambda_metadata(timeout=10).availability_zone_id == "use1-az1"
    assert endpoint.request_count == 3


def test_a_fetch_hung_past_its_deadline_is_abandoned_to_the_next_caller(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    pytest.importorskip("boto3")  # imported now, not in the 3 s before the flight is abandoned
    ec2 = ScriptedEC2("slow-ok", "ok")  # a client with no timeout of its own, stuck
    get_lambda_metadata()
    hung = threading.Thread(
        target=get_availability_zone_name, kwargs={"client": ec2, "timeout": 1}, daemon=True
    )
    hung.start()
    assert ec2.entered.wait(10)
    seen = time.monotonic()
    with pytest.raises(AvailabilityZoneNameError, match=r"in flight did not finish within 0\.2 s"):
        get_availability_zone_name(client=ec2, timeout=0.2)  # joined it: no call of its own
    assert ec2.calls == 1
    time.sleep(seen + 1 + 2.05 - time.monotonic())  # past the leader's deadline, and 2 s more
    assert get_availability_zone_name(client=ec2, timeout=5) == "us-east-1b"  # a new leader
    assert ec2.calls == 2
    ec2.release.set()
    hung.join(5)
    assert get_availability_zone_name(client=ec2) == "us-east-1b"
    assert ec2.calls == 2


# -- a long outage: failures in a row, past the 1,024 where 2.0**failures overflowed --------------

# 100,000 failures (about 70 days of one-minute windows) take seconds of CPU: the soak group
# (-m soak) runs them once in CI; every suite run goes past the old overflow.
FAILURES = pytest.mark.parametrize(
    "failures", [2_000, pytest.param(100_000, marks=pytest.mark.soak)], ids=["2k", "100k"]
)


@FAILURES
def test_a_long_outage_costs_one_request_a_window_and_never_stops_the_handler(
    no_lambda_metadata: None,
    monkeypatch: pytest.MonkeyPatch,
    fake_clock: FakeClock,
    failures: int,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    monkeypatch.setenv(API_ENV, f"127.0.0.1:{port}")  # nothing listens: every request refused
    monkeypatch.setenv(TOKEN_ENV, "outage-token")
    contexts: list[object] = []

    @inject_az
    def handler(event: object, context: object) -> None:
        contexts.append(metadata_of(context))

    context = lambda_context()
    for _ in range(failures):
        fake_clock.advance(MAX_WINDOW)  # the window is over: this invocation asks again
        handler({}, context)
        with contextlib.suppress(MetadataConnectionError):  # anything else fails the test
            get_lambda_metadata()  # inside the new window: the same failure, no request
            pytest.fail("a value during the outage")
    assert contexts == [None] * failures  # the handler ran every time
    with MetadataEndpoint(port=port) as endpoint, endpoint.environment():
        fake_clock.advance(MAX_WINDOW - 0.1)
        with pytest.raises(MetadataConnectionError):
            get_lambda_metadata()  # still inside the window: no request
        assert endpoint.request_count == 0
        fake_clock.advance(0.1)  # the window never outgrows a minute
        handler({}, context)
        assert isinstance(contexts[-1], LambdaMetadata)  # the first answer ends the outage
        assert contexts[-1].availability_zone_id == "use1-az1"
        assert endpoint.request_count == 1


@FAILURES
def test_a_long_outage_of_ec2_keeps_the_name_lookup_bounded(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock, failures: int
) -> None:
    lambda_metadata_endpoint.max_age = None  # the AZ ID stays cached through the whole outage
    ec2 = ScriptedEC2(*["RequestLimitExceeded"] * failures, "ok")
    for _ in range(failures):
        fake_clock.advance(MAX_WINDOW)
        with pytest.raises(AvailabilityZoneNameError, match="RequestLimitExceeded"):
            get_availability_zone_name(client=ec2)
        with pytest.raises(AvailabilityZoneNameError, match="RequestLimitExceeded"):
            get_availability_zone_name(client=ec2, timeout=0.2)  # inside the window: no call
    assert ec2.calls == failures
    fake_clock.advance(MAX_WINDOW - 0.1)
    with pytest.raises(AvailabilityZoneNameError):
        get_availability_zone_name(client=ec2)
    assert ec2.calls == failures
    fake_clock.advance(0.1)
    assert get_availability_zone_name(client=ec2) == "us-east-1b"
    assert ec2.calls == failures + 1
