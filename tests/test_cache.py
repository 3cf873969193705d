"""The cache: Cache-Control, refresh, stale-on-error, single flight, fork safety."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings

import pytest

from lambda_metadata import clear_metadata_cache, get_lambda_metadata
from lambda_metadata.errors import MetadataServerError, MetadataUnauthorizedError
from lambda_metadata.testing import MetadataEndpoint


def test_fetched_once_then_cached(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    first = get_lambda_metadata()
    for _ in range(100):
        assert get_lambda_metadata() is first
    assert lambda_metadata_endpoint.request_count == 1


def test_refresh_bypasses_and_replaces_the_cache(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    get_lambda_metadata()
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    assert get_lambda_metadata().availability_zone_id == "use1-az1"
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az2"
    assert get_lambda_metadata().availability_zone_id == "use1-az2"
    assert lambda_metadata_endpoint.request_count == 2


def test_clear_makes_the_next_call_fetch(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    get_lambda_metadata()
    clear_metadata_cache()
    get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 2


def test_max_age_expires_on_the_monotonic_clock(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.max_age = 1
    get_lambda_metadata()
    get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 1
    time.sleep(1.05)
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    assert get_lambda_metadata().availability_zone_id == "use1-az2"
    assert lambda_metadata_endpoint.request_count == 2


@pytest.mark.parametrize(
    "header", ["no-store", "no-cache", "private, no-cache", "max-age=0", "private, max-age=0"]
)
def test_no_caching_directives_fetch_every_time(
    header: str, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    lambda_metadata_endpoint.cache_control = header
    for _ in range(3):
        get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 3


@pytest.mark.parametrize("header", [None, "private, immutable", "max-age=banana"])
def test_no_usable_max_age_caches_for_the_process_lifetime(
    header: str | None, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    lambda_metadata_endpoint.max_age = None
    lambda_metadata_endpoint.cache_control = header
    for _ in range(3):
        get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 1


def test_expired_value_is_served_when_refresh_fails_with_one_warning(
    lambda_metadata_endpoint: MetadataEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    lambda_metadata_endpoint.max_age = 1
    good = get_lambda_metadata()
    time.sleep(1.05)
    lambda_metadata_endpoint.status = 500
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        assert get_lambda_metadata(timeout=0.2) is good
        assert get_lambda_metadata(timeout=0.2) is good
        assert get_lambda_metadata(timeout=0.2) is good
    warnings_logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_logged) == 1
    assert "serving the last good value 'use1-az1'" in warnings_logged[0].getMessage()
    requests_after_failure = lambda_metadata_endpoint.request_count
    assert get_lambda_metadata() is good
    assert lambda_metadata_endpoint.request_count == requests_after_failure, (
        "a failed refresh is not retried on every call"
    )


def test_explicit_refresh_failure_raises_but_keeps_the_value(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    good = get_lambda_metadata()
    lambda_metadata_endpoint.status = 500
    with pytest.raises(MetadataServerError):
        get_lambda_metadata(refresh=True, timeout=0.2)
    assert get_lambda_metadata() is good


def test_failure_with_nothing_cached_raises(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.status = 500
    with pytest.raises(MetadataServerError):
        get_lambda_metadata(timeout=0.2)
    lambda_metadata_endpoint.status = 200
    assert get_lambda_metadata().availability_zone_id == "use1-az1"


def _call_from_threads(count: int) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            outcome: object = get_lambda_metadata(timeout=5)
        except Exception as exc:
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_fifty_concurrent_first_calls_make_one_request(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.delay = 0.2
    results = _call_from_threads(50)
    assert len(results) == 50
    assert {id(r) for r in results} == {id(results[0])}
    assert lambda_metadata_endpoint.request_count == 1


def test_fifty_concurrent_callers_share_one_failure(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "wrong")
    lambda_metadata_endpoint.delay = 0.2
    results = _call_from_threads(50)
    assert len(results) == 50
    assert all(isinstance(r, MetadataUnauthorizedError) for r in results)
    assert lambda_metadata_endpoint.request_count == 1


def test_clear_during_a_fetch_does_not_store_the_old_answer(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.delay = 0.3
    in_flight = threading.Thread(target=get_lambda_metadata)
    in_flight.start()
    time.sleep(0.1)
    clear_metadata_cache()  # a SnapStart snapshot while a fetch is on the wire
    in_flight.join()
    lambda_metadata_endpoint.delay = 0
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    assert get_lambda_metadata().availability_zone_id == "use1-az2"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_child_forked_mid_fetch_gets_a_working_cache(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.delay = 1.0
    in_flight = threading.Thread(target=get_lambda_metadata, kwargs={"timeout": 5})
    in_flight.start()
    deadline = time.monotonic() + 2
    while not lambda_metadata_endpoint.requests_started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lambda_metadata_endpoint.requests_started == 1, "fork while the fetch is in flight"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads, 3.12+
        pid = os.fork()
    if pid == 0:  # the child: the parent's fetch thread does not exist here
        code = 1
        try:
            metadata = get_lambda_metadata(timeout=3)
            code = 0 if metadata.availability_zone_id == "use1-az1" else 2
        finally:
            sys.stdout.flush()
            os._exit(code)
    in_flight.join()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, 9)
        pytest.fail("the child hung on a lock inherited mid-fetch")
    assert os.waitstatus_to_exitcode(status) == 0
    assert lambda_metadata_endpoint.request_count == 2, "parent and child each fetched once"
