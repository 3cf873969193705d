"""The emulator follows AWS's reference, and the pytest plugin works as a user sees it."""

from __future__ import annotations

import http.client
import json

import pytest

from lambda_metadata.testing import MetadataEndpoint

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


def test_not_ready_answers_503_like_aws_emulator() -> None:
    with MetadataEndpoint() as endpoint:
        endpoint.ready = False
        assert _request(endpoint).status == 503


def test_environment_context_manager_restores_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

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

        def test_cache_was_cleared_between_tests(lambda_metadata_endpoint):
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
    import threading
    import time

    with MetadataEndpoint() as endpoint:
        endpoint.delay = 0.3
        slow = threading.Thread(target=_request, args=(endpoint,))
        slow.start()
        while not endpoint.requests_started:
            time.sleep(0.01)
        endpoint.reset()  # the next test begins while the old answer is still being delayed
        slow.join()
        assert endpoint.requests == []
        assert endpoint.request_count == 0
