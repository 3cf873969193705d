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
from conftest import EXAMPLES

from lambda_metadata import LambdaMetadataError, get_lambda_metadata
from lambda_metadata.errors import MetadataTimeoutError
from lambda_metadata.testing import (
    Impairment,
    InvalidImpairmentError,
    MetadataEndpoint,
    RecordedRequest,
)

PATH = "/2026-01-15/metadata/execution-environment"


def request(
    endpoint: MetadataEndpoint, method: str = "GET", path: str = PATH, token: str | None = ""
) -> tuple[http.client.HTTPResponse, bytes]:
    """One request, with the endpoint's token when ``token`` is empty, none when ``None``."""
    host, port = endpoint.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {} if token is None else {"Authorization": f"Bearer {token or endpoint.token}"}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    return response, response.read()


def statuses(endpoint: MetadataEndpoint, count: int) -> list[int]:
    return [request(endpoint)[0].status for _ in range(count)]


REFUSED = [  # method, path, token (None: no header), the reference's status
    ("GET", PATH, None, 401),
    ("GET", PATH, "wrong", 401),
    *[(method, PATH, "", 405) for method in ("POST", "PUT", "DELETE")],
    ("GET", "/2026-01-15/metadata/other", "", 404),
]


def test_answers_like_the_reference_and_impair_answers_the_next_authorized_gets(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    endpoint = lambda_metadata_endpoint
    endpoint.impair(status=503, times=2)  # 503: AWS's emulator before metadata is set
    for method, path, token, status in REFUSED:  # refused as before, and not counted
        response = request(endpoint, method, path, token)[0]
        assert (response.status, response.getheader("Content-Type")) == (status, "application/json")
    assert endpoint.requests == [RecordedRequest(m, p, t == "", s) for m, p, t, s in REFUSED]
    assert statuses(endpoint, 2) == [503, 503]
    endpoint.availability_zone_id = "apne1-az2"
    response, body = request(endpoint)
    assert (response.status, response.getheader("Content-Type")) == (200, "application/json")
    assert response.getheader("Cache-Control") == "private, max-age=43200, immutable"
    assert json.loads(body) == {"AvailabilityZoneID": "apne1-az2"}
    assert endpoint.requests[-1] == RecordedRequest("GET", PATH, True, 200)
    with endpoint.impair(status=500, times=3) as impairment:
        assert impairment == Impairment(endpoint, 500, 0.0, 3)
        assert statuses(endpoint, 1) == [500]
        endpoint.impair(status=404, times=1)  # replaces the first, and its count
        assert statuses(endpoint, 2) == [404, 200]
        endpoint.impair(status=500)  # times=None: all of them
        assert statuses(endpoint, 3) == [500] * 3
    assert statuses(endpoint, 1) == [200]  # leaving the block heals
    for end in (endpoint.heal, endpoint.reset):
        endpoint.impair(status=500)
        end()
        assert statuses(endpoint, 1) == [200]


BAD_OPTIONS: dict[str, list[Any]] = {
    "status": [200, 399, 499, 600, True, 500.0, "500"],
    "delay": [-1, math.inf, math.nan, "1", True],
    "times": [0, True, 1.0],
}


@pytest.mark.parametrize("option", BAD_OPTIONS)
def test_impair_refuses_what_it_cannot_apply(
    lambda_metadata_endpoint: MetadataEndpoint, option: str
) -> None:
    for value in BAD_OPTIONS[option]:
        with pytest.raises(InvalidImpairmentError) as info:
            lambda_metadata_endpoint.impair(**{option: value})
        assert isinstance(info.value, ValueError)
        assert not isinstance(info.value, LambdaMetadataError)  # an except never hides it
    assert statuses(lambda_metadata_endpoint, 1) == [200]  # nothing was applied


def test_a_delay_holds_every_answer_while_it_lasts_and_past_a_deadline_is_a_timeout(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    endpoint = lambda_metadata_endpoint
    endpoint.impair(delay=0.3, times=1)
    for token, status in (("wrong", 401), ("", 200)):  # a refusal waits too, and does not count
        started = time.monotonic()
        assert request(endpoint, token=token)[0].status == status
        assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert statuses(endpoint, 1) == [200]
    assert time.monotonic() - started < 0.3, "the GET it held was its last"
    with endpoint.impair(delay=3600), pytest.raises(MetadataTimeoutError):  # a hang, healed
        get_lambda_metadata(refresh=True, timeout=0.1)
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"


def test_plugin_fixtures_in_a_users_test_suite(pytester: pytest.Pytester) -> None:
    # The docs' tests switched from Powertools' patches (docs/migration.md), and what they leave.
    pytester.makepyfile(
        test_switched=(EXAMPLES / "test_from_powertools.py").read_text(),
        test_left="""
        import os
        from lambda_metadata import get_lambda_metadata

        def test_leaves_a_zone_and_an_impairment(lambda_metadata_endpoint):
            lambda_metadata_endpoint.availability_zone_id = "euw1-az1"
            assert get_lambda_metadata().availability_zone_id == "euw1-az1"
            lambda_metadata_endpoint.impair(status=500)

        def test_endpoint_and_cache_were_reset_between_tests(lambda_metadata_endpoint):
            assert get_lambda_metadata().availability_zone_id == "use1-az1"

        def test_env_restored_after_fixture():
            assert "AWS_LAMBDA_METADATA_API" not in os.environ
        """,
    )
    # The one subprocess run of the suite: a fresh pytest finds the plugin by its entry point.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=8)


def test_environment_is_put_back_and_a_request_in_flight_at_reset_is_not_logged_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_METADATA_API", "before:1")
    monkeypatch.delenv("AWS_LAMBDA_METADATA_TOKEN", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    with MetadataEndpoint() as endpoint:
        with endpoint.environment(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start") as environ:
            assert environ == {**endpoint.environ, "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
            assert {name: os.environ[name] for name in environ} == environ
        endpoint.impair(delay=0.3)
        slow = threading.Thread(target=request, args=(endpoint,))
        slow.start()
        while not endpoint.requests_started:
            time.sleep(0.01)
        endpoint.reset()  # the next test begins while the old answer is still being delayed
        slow.join()
        assert (endpoint.requests, endpoint.request_count) == ([], 0)
    assert os.environ["AWS_LAMBDA_METADATA_API"] == "before:1"
    assert "AWS_LAMBDA_METADATA_TOKEN" not in os.environ
    assert os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
