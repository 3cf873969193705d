"""The emulator follows AWS's reference, ``impair()`` is its one impairment, and the pytest
plugin works as a user sees it."""

from __future__ import annotations

import http.client
import json
import math
import os
import threading
import time
from typing import Any

import pytest

from lambda_metadata import LambdaMetadataError, get_lambda_metadata
from lambda_metadata.errors import MetadataTimeoutError
from lambda_metadata.testing import Impairment, InvalidImpairmentError, MetadataEndpoint

PATH = "/2026-01-15/metadata/execution-environment"


def _request(
    endpoint: MetadataEndpoint, method: str = "GET", path: str = PATH, token: str | None = ""
) -> http.client.HTTPResponse:
    host, port = endpoint.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token or endpoint.token}"
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


def test_answers_like_the_reference() -> None:
    with MetadataEndpoint(availability_zone_id="apne1-az2") as endpoint:
        host, port = endpoint.address.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", PATH, headers={"Authorization": f"Bearer {endpoint.token}"})
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "application/json"
        assert response.getheader("Cache-Control") == "private, max-age=43200, immutable"
        assert json.loads(response.read()) == {"AvailabilityZoneID": "apne1-az2"}


@pytest.mark.parametrize(
    ("method", "path", "token", "status"),
    [
        ("GET", PATH, None, 401),
        ("GET", PATH, "wrong", 401),
        ("POST", PATH, "", 405),
        ("PUT", PATH, "", 405),
        ("DELETE", PATH, "", 405),
        ("GET", "/2026-01-15/metadata/other", "", 404),
    ],
)
def test_refuses_what_the_reference_refuses(
    method: str, path: str, token: str | None, status: int
) -> None:
    with MetadataEndpoint() as endpoint:
        assert _request(endpoint, method, path, token).status == status
        assert endpoint.requests[0].status == status


def _statuses(endpoint: MetadataEndpoint, count: int) -> list[int]:
    return [_request(endpoint).status for _ in range(count)]


@pytest.mark.parametrize(("times", "statuses"), [(None, [503] * 3), (2, [503, 503, 200])])
def test_impair_answers_the_next_authorized_gets(
    lambda_metadata_endpoint: MetadataEndpoint, times: int | None, statuses: list[int]
) -> None:
    endpoint = lambda_metadata_endpoint
    endpoint.impair(status=503, times=times)  # 503: AWS's emulator before metadata is set
    # what the reference refuses is refused as before, and not counted
    assert _request(endpoint, token="wrong").status == 401
    assert _request(endpoint, "POST").status == 405
    assert _request(endpoint, path="/other").status == 404
    assert _statuses(endpoint, 3) == statuses


def test_an_impairment_is_replaced_and_ends_with_its_block_heal_or_reset(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    endpoint = lambda_metadata_endpoint
    with endpoint.impair(status=500, times=3) as impairment:
        assert impairment == Impairment(endpoint, 500, 0.0, 3)
        assert _statuses(endpoint, 1) == [500]
        endpoint.impair(status=404, times=1)  # replaces the first, and its count
        assert _statuses(endpoint, 2) == [404, 200]
        endpoint.impair(status=500)
    assert _statuses(endpoint, 1) == [200]  # leaving the block heals
    for end in (endpoint.heal, endpoint.reset):
        endpoint.impair(status=500)
        end()
        assert _statuses(endpoint, 1) == [200]


@pytest.mark.parametrize(
    "options",
    [{"status": 200}, {"status": 399}, {"status": 499}, {"status": 600}, {"status": True},
     {"status": 500.0}, {"status": "500"}, {"delay": -1}, {"delay": math.inf},
     {"delay": math.nan}, {"delay": "1"}, {"delay": True}, {"times": 0}, {"times": True},
     {"times": 1.0}],
)  # fmt: skip
def test_impair_refuses_what_it_cannot_apply(
    lambda_metadata_endpoint: MetadataEndpoint, options: dict[str, Any]
) -> None:
    with pytest.raises(InvalidImpairmentError) as info:
        lambda_metadata_endpoint.impair(**options)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, LambdaMetadataError)  # a handler's except never hides it
    assert _statuses(lambda_metadata_endpoint, 1) == [200]  # nothing was applied


def test_a_delay_holds_every_answer_while_the_impairment_lasts(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    endpoint = lambda_metadata_endpoint
    endpoint.impair(delay=0.3, times=1)
    for token, status in (("wrong", 401), ("", 200)):  # a refusal waits too, and does not count
        started = time.monotonic()
        assert _request(endpoint, token=token).status == status
        assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert _statuses(endpoint, 1) == [200]
    assert time.monotonic() - started < 0.3, "the GET it held was its last"


def test_a_delay_past_the_deadline_is_a_timeout_and_a_long_one_a_hang(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    with lambda_metadata_endpoint.impair(delay=0.05):
        assert get_lambda_metadata(timeout=2).availability_zone_id == "use1-az1"
    for delay in (0.3, 3600):  # 3600: longer than any deadline
        with lambda_metadata_endpoint.impair(delay=delay), pytest.raises(MetadataTimeoutError):
            get_lambda_metadata(refresh=True, timeout=0.1)
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"


def test_environment_context_manager_restores_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", "before:1")
    monkeypatch.delenv("AWS_LAMBDA_METADATA_TOKEN", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    with (
        MetadataEndpoint() as endpoint,
        endpoint.environment(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start") as environ,
    ):
        assert environ == {**endpoint.environ, "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
        assert {name: os.environ[name] for name in environ} == environ
    assert os.environ["AWS_LAMBDA_METADATA_API"] == "before:1"
    assert "AWS_LAMBDA_METADATA_TOKEN" not in os.environ
    assert os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"


def test_plugin_fixture_in_a_users_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import pytest
        from lambda_metadata import get_lambda_metadata, MetadataUnavailableError

        def test_uses_the_endpoint(lambda_metadata_endpoint):
            lambda_metadata_endpoint.availability_zone_id = "euw1-az1"
            assert get_lambda_metadata().availability_zone_id == "euw1-az1"
            assert lambda_metadata_endpoint.request_count == 1
            lambda_metadata_endpoint.impair(status=500)

        def test_endpoint_and_cache_were_reset_between_tests(lambda_metadata_endpoint):
            assert get_lambda_metadata().availability_zone_id == "use1-az1"

        def test_env_restored_after_fixture():
            assert "AWS_LAMBDA_METADATA_API" not in os.environ

        def test_outside_lambda(no_lambda_metadata):
            with pytest.raises(MetadataUnavailableError):
                get_lambda_metadata()
        """
    )
    # The one subprocess run of the suite: a fresh pytest finds the plugin by its entry point.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_a_request_still_in_flight_at_reset_is_not_logged_after_it() -> None:
    with MetadataEndpoint() as endpoint:
        endpoint.impair(delay=0.3)
        slow = threading.Thread(target=_request, args=(endpoint,))
        slow.start()
        while not endpoint.requests_started:
            time.sleep(0.01)
        endpoint.reset()  # the next test begins while the old answer is still being delayed
        slow.join()
        assert endpoint.requests == []
        assert endpoint.request_count == 0
