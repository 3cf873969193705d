"""Faults on the emulator: another AZ, an error status, a hang, and the env var."""

from __future__ import annotations

import math
import os
import textwrap
from typing import Any

import pytest
from conftest import EXAMPLES, run_python

from lambda_metadata import LambdaMetadataError, get_lambda_metadata
from lambda_metadata.errors import MetadataHTTPError, MetadataTimeoutError
from lambda_metadata.testing import (
    FAULT_ENV,
    HANG_SECONDS,
    Fault,
    InvalidFaultError,
    MetadataEndpoint,
    inject_fault,
)


def test_report_another_zone_then_restore(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    with inject_fault(lambda_metadata_endpoint, Fault(availability_zone_id="use1-az5")):
        assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az5"
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"


def test_error_status(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    fault = Fault(status=404)  # not retried, so the error is exactly this status
    with inject_fault(lambda_metadata_endpoint, fault), pytest.raises(MetadataHTTPError) as info:
        get_lambda_metadata()
    assert info.value.status_code == 404
    # refresh=True: past any fail-fast window the failure opened
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az1"


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("timeout", [0.3, 0.8])
def test_server_error_status_is_always_a_server_error(
    lambda_metadata_endpoint: MetadataEndpoint, status: int, timeout: float
) -> None:
    """Retried until the deadline; even when the deadline ends during a retry, the 5xx is said.

    The deadlines leave the first answer time to arrive on a loaded machine (a first request
    that does not come back in time is rightly a timeout).
    """
    with (
        inject_fault(lambda_metadata_endpoint, Fault(status=status)),
        pytest.raises(MetadataHTTPError) as info,
    ):
        get_lambda_metadata(timeout=timeout)
    assert not isinstance(info.value, MetadataTimeoutError)
    assert info.value.status_code == status
    # this test's requests: a fetch an earlier test left running carries an older token
    requests = lambda_metadata_endpoint.requests
    assert {request.status for request in requests if request.authorized} == {status}


def test_a_delay_past_the_timeout_is_a_timeout(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    with (
        inject_fault(lambda_metadata_endpoint, Fault(delay=0.3)),
        pytest.raises(MetadataTimeoutError),
    ):
        get_lambda_metadata(timeout=0.1)
    with inject_fault(lambda_metadata_endpoint, Fault(delay=0.05)):
        assert get_lambda_metadata(refresh=True, timeout=2).availability_zone_id == "use1-az1"


def test_hang_is_a_timeout(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    with inject_fault(lambda_metadata_endpoint, Fault.hang()), pytest.raises(MetadataTimeoutError):
        get_lambda_metadata(timeout=0.2)
    assert lambda_metadata_endpoint.delay == 0


def test_none_changes_nothing(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    with inject_fault(lambda_metadata_endpoint, None) as endpoint:
        assert endpoint is lambda_metadata_endpoint
        assert get_lambda_metadata().availability_zone_id == "use1-az1"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("status=503", Fault(status=503)),
        ("hang", Fault(delay=HANG_SECONDS)),
        (" az=use1-az2 , delay=0.25 ", Fault(availability_zone_id="use1-az2", delay=0.25)),
        ("availability_zone_id=use1-az3,status=500", Fault("use1-az3", 500)),
        ("HANG,az=use1-az2", Fault.hang(availability_zone_id="use1-az2")),
        (",,", Fault()),
    ],
)
def test_parse(text: str, fault: Fault) -> None:
    assert Fault.parse(text) == fault


@pytest.mark.parametrize(
    "text", ["status", "status=", "status=abc", "delay=x", "delay=-1", "delay=inf", "hang=1",
             "oops=1", "status=200", "status=299", "status=600", "status=499", "az= "],
)  # fmt: skip
def test_parse_refuses_what_it_cannot_apply(text: str) -> None:
    with pytest.raises(InvalidFaultError) as info:
        Fault.parse(text)
    assert not isinstance(info.value, LambdaMetadataError)  # a handler's except never hides it
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "options",
    [
        {"status": True},
        {"status": 500.0},
        {"delay": math.nan},
        {"delay": "1"},
        {"availability_zone_id": ""},
        {"availability_zone_id": 3},
    ],
)
def test_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidFaultError):
        Fault(**options)


def test_from_environ() -> None:
    assert Fault.from_environ({}) is None
    assert Fault.from_environ({FAULT_ENV: "  "}) is None
    assert Fault.from_environ({FAULT_ENV: "status=500"}) == Fault(status=500)


def run_pytest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, **env: str
) -> pytest.RunResult:
    """Run ``source`` as a user's test file, in-process, with ``env`` set."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(test_user=source)
    return pytester.runpytest("-q", "-p", "no:cacheprovider")


def test_the_fixture_applies_the_env_var(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = textwrap.dedent(
        """
        from lambda_metadata import get_lambda_metadata

        def test_zone(lambda_metadata_endpoint):
            assert get_lambda_metadata().availability_zone_id == "use1-az9"
        """
    )

    result = run_pytest(pytester, monkeypatch, source, **{FAULT_ENV: "az=use1-az9"})

    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)


def test_a_bad_env_var_fails_the_fixture_clearly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "def test_zone(lambda_metadata_endpoint):\n    pass\n"

    result = run_pytest(pytester, monkeypatch, source, **{FAULT_ENV: "status=banana"})

    assert result.ret == 1
    assert "InvalidFaultError" in result.stdout.str()
    assert FAULT_ENV in result.stdout.str()


# -- the docs' examples ------------------------------------------------------


def test_impairment_example_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(same_az_valkey=(EXAMPLES / "same_az_valkey.py").read_text())
    result = run_pytest(pytester, monkeypatch, (EXAMPLES / "test_az_impairment.py").read_text())

    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert "6 passed" in result.stdout.str()


def test_valkey_example_prints_same_az_first() -> None:
    result = run_python(
        str(EXAMPLES / "same_az_valkey.py"),
        env={name: value for name, value in os.environ.items() if name != "CACHE_NODES"},
    )

    assert [line.split()[:2] for line in result.stdout.splitlines()] == [
        ["apne1-az2", "replica"],
        ["apne1-az1", "replica"],
        ["apne1-az4", "primary"],
    ]
