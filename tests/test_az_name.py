"""AZ names through EC2 DescribeAvailabilityZones (no network): a scripted client, boto3's own
answered by tests/fake_ec2.py (the ``ec2`` fixture), and moto where IAM is checked."""

from __future__ import annotations

import json
import runpy
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import EXAMPLES
from fake_ec2 import FakeEC2, new_default_boto3_session
from test_managed_instances import in_forked_child

from lambda_metadata import (
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
)
from lambda_metadata.az_names import (
    EC2_PERMISSION,
    cached_availability_zone_name,
    get_availability_zone_name,
)
from lambda_metadata.errors import AvailabilityZoneNameError, MissingOptionalDependencyError
from lambda_metadata.testing import FakeClock, MetadataEndpoint
from lambda_metadata.tracing import set_span_availability_zone

# us-east-1 as moto and tests/fake_ec2.py map it (AZ names differ per real account; IDs do not)
ZONE_ID, ZONE_NAME = "use1-az1", "us-east-1b"
OTHER_ZONE_ID, OTHER_ZONE_NAME = "use1-az4", "us-east-1d"
EXAMPLE = str(EXAMPLES / "az_name.py")


class ScriptedEC2:
    """An EC2 client whose calls for ``ZONE_ID`` answer in turn: ``"ok"``, an EC2 error code
    (``RequestLimitExceeded``: 503, else 403), ``"unreachable"`` (botocore's own error) or
    ``"interrupt"``; a ``"slow-"`` one first waits for ``release``. ``calls`` counts them."""

    def __init__(self, *script: str) -> None:
        self.script, self.calls = deque(script), 0
        self.entered, self.release = threading.Event(), threading.Event()

    def describe_availability_zones(self, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError, EndpointConnectionError

        assert params == {"Filters": [{"Name": "zone-id", "Values": [ZONE_ID]}]}
        self.calls += 1
        outcome = self.script.popleft()
        if outcome.startswith("slow-"):
            self.entered.set()
            assert self.release.wait(10)
        outcome = outcome.removeprefix("slow-")
        if outcome == "ok":
            return {"AvailabilityZones": [{"ZoneId": ZONE_ID, "ZoneName": ZONE_NAME}]}
        if outcome == "interrupt":
            raise KeyboardInterrupt
        if outcome == "unreachable":
            raise EndpointConnectionError(endpoint_url="https://ec2")
        status = 503 if outcome == "RequestLimitExceeded" else 403
        answer = {"Error": {"Code": outcome}, "ResponseMetadata": {"HTTPStatusCode": status}}
        raise ClientError(answer, "DescribeAvailabilityZones")


def clients_made() -> list[object]:
    """Each EC2 client boto3's default session makes from now on."""
    import boto3

    made: list[object] = []
    events = boto3._get_default_session().events
    events.register("creating-client-class.ec2", lambda **_: made.append("ec2"))
    return made


def test_the_name_is_asked_once_per_metadata_with_one_client_per_process_and_region(
    ec2: FakeEC2,
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    fake_clock: FakeClock,
) -> None:
    import boto3

    monkeypatch.delenv("AWS_DEFAULT_REGION")  # Lambda's AWS_REGION is enough
    made = clients_made()
    get_lambda_metadata()
    assert cached_availability_zone_name() is None  # EC2 is never called unless asked
    for _ in range(4):  # four restores (a cache clear each): four EC2 calls, one client
        clear_metadata_cache()
        assert cached_availability_zone_name() is None
        assert {get_availability_zone_name() for _ in range(3)} == {ZONE_NAME}
        assert cached_availability_zone_name() == ZONE_NAME
    assert (len(made), len(ec2.calls), lambda_metadata_endpoint.request_count) == (1, 4, 5)
    lambda_metadata_endpoint.availability_zone_id = OTHER_ZONE_ID  # restored in another AZ
    clear_metadata_cache()
    client = boto3.client("ec2", region_name="us-east-1")  # a client of the caller's own
    assert {get_availability_zone_name(client=client) for _ in range(3)} == {OTHER_ZONE_NAME}
    assert runpy.run_path(EXAMPLE)["handler"]({}, None) == {  # the docs' example
        "availability_zone_id": OTHER_ZONE_ID,
        "availability_zone_name": OTHER_ZONE_NAME,
    }
    assert (len(made), ec2.calls[4:]) == (2, [OTHER_ZONE_ID] * 2)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # where EC2 knows no zone with this ID
    clear_metadata_cache()
    with pytest.raises(AvailabilityZoneNameError, match=r"'eu-west-1'.*'use1-az4'"):
        get_availability_zone_name()
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    clear_metadata_cache()
    assert get_availability_zone_name() == OTHER_ZONE_NAME  # with the first client again
    monkeypatch.delenv("AWS_REGION")
    clear_metadata_cache()
    for _ in range(5):  # no region at all: fails fast too
        with pytest.raises(AvailabilityZoneNameError, match="AWS_REGION"):
            get_availability_zone_name()
    assert (len(made), len(ec2.calls)) == (4, 8)


@pytest.mark.parametrize(
    ("outcome", "shown", "status"),
    [
        ("UnauthorizedOperation", EC2_PERMISSION, 403),
        ("RequestLimitExceeded", "RequestLimitExceeded", 503),
        ("unreachable", "EndpointConnectionError", None),
    ],
)
def test_ec2_failures_are_typed_and_only_a_denial_names_the_permission(
    lambda_metadata_endpoint: MetadataEndpoint, outcome: str, shown: str, status: int | None
) -> None:
    with pytest.raises(AvailabilityZoneNameError, match=shown) as info:
        get_availability_zone_name(client=ScriptedEC2(outcome))
    assert (EC2_PERMISSION in str(info.value)) is (status == 403)
    assert info.value.status_code == status


def test_outside_lambda_the_metadata_error_comes_first(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError):
        get_availability_zone_name(client=ScriptedEC2())


def test_a_missing_extra_says_which_to_install(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("boto3", "opentelemetry.trace"):  # each import of them fails: not installed
        monkeypatch.setitem(sys.modules, name, None)
    call: Any
    for call, extra in [(get_availability_zone_name, "ec2"), (set_span_availability_zone, "otel")]:
        with pytest.raises(MissingOptionalDependencyError) as info:
            call()
        assert isinstance(info.value, ImportError)
        assert f'pip install "lambda-metadata[{extra}]"' in str(info.value)


@pytest.mark.usefixtures("aws")  # moto checks a real IAM policy (seconds of CPU to start)
@pytest.mark.parametrize("allowed", [False, True], ids=["denied", "allowed"])
def test_the_documented_permission_is_needed_and_enough(
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    allowed: bool,
) -> None:
    """Signed as a fresh IAM user with or without the permission: the name, or an error naming
    the permission, from the call and from the docs' example."""
    import boto3
    from moto.core import set_initial_no_auth_action_count  # moto is slow to import: on use

    allow = {"Effect": "Allow", "Action": EC2_PERMISSION, "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow]})

    @set_initial_no_auth_action_count(3 if allowed else 2)  # the setup's calls
    def as_iam_user() -> None:
        iam = boto3.client("iam")
        iam.create_user(UserName="function-role")
        if allowed:
            iam.put_user_policy(UserName="function-role", PolicyName="az", PolicyDocument=policy)
        key = iam.create_access_key(UserName="function-role")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        new_default_boto3_session()  # boto3 caches credentials in its default session
        if allowed:
            assert get_availability_zone_name() == ZONE_NAME
        else:
            with pytest.raises(AvailabilityZoneNameError, match=EC2_PERMISSION) as info:
                get_availability_zone_name()
            assert info.value.status_code == 403
            assert cached_availability_zone_name() is None
        clear_metadata_cache()  # and with it the fail-fast window: the example asks EC2 again
        answer = runpy.run_path(EXAMPLE)["handler"]({}, None)
        name = ZONE_NAME if allowed else None
        assert answer == {"availability_zone_id": ZONE_ID, "availability_zone_name": name}

    as_iam_user()
    assert EC2_PERMISSION == "ec2:DescribeAvailabilityZones"
    assert (EC2_PERMISSION in capsys.readouterr().out) is not allowed  # the example's error


# -- during an EC2 failure: a fail-fast window, one client, no unbounded wait ----------------

WINDOWS = {  # a number moves the fake clock; then a call EC2 fails or answers ("ok"), one that
    # fails "fast" (no EC2 call), a cache "clear", or a call with an "interrupt"ed or "other" client
    "grows": "fail .1 fast .1 fast .1 fast .25 fail .9 fast .2 ok",  # 0.5 s, then 1 s
    "a-success-ends-it": "fail 2 fail 2 fail 2.1 ok clear fail .6 ok",  # after 0.5, 1, 2 s: 0.5 s
    "a-clear-or-another-client-ends-it": "fail clear ok clear fail interrupt other",
}


@pytest.mark.parametrize("steps", WINDOWS.values(), ids=WINDOWS)
def test_a_failure_fails_fast_for_a_window(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock, steps: str
) -> None:
    sent = [step for step in steps.split() if step in ("ok", "fail")]
    client = ScriptedEC2(*[step.replace("fail", "RequestLimitExceeded") for step in sent])
    for step in steps.split():
        if step[-1].isdigit():
            fake_clock.advance(float(step))
        elif step == "clear":
            clear_metadata_cache()
        elif step == "interrupt":  # KeyboardInterrupt in another call wedges nothing
            with pytest.raises(KeyboardInterrupt):
                get_availability_zone_name(client=ScriptedEC2("interrupt"))
        elif step in ("ok", "other"):
            answerer = client if step == "ok" else ScriptedEC2("ok")
            assert get_availability_zone_name(client=answerer) == ZONE_NAME
        else:
            with pytest.raises(AvailabilityZoneNameError, match="RequestLimit") as info:
                get_availability_zone_name(client=client)
            assert (type(info.value), info.value.status_code) == (AvailabilityZoneNameError, 503)
            assert cached_availability_zone_name() is None
    assert (client.calls, list(client.script)) == (len(sent), [])


@pytest.mark.parametrize("outcome", ["ok", "unreachable"])
def test_concurrent_first_calls_make_one_ec2_call_and_no_caller_waits_past_its_timeout(
    lambda_metadata_endpoint: MetadataEndpoint, outcome: str
) -> None:
    slow = ScriptedEC2(f"slow-{outcome}")
    with ThreadPoolExecutor(8) as pool:
        calls = [pool.submit(get_availability_zone_name, client=slow, timeout=30) for _ in range(8)]
        assert slow.entered.wait(10)
        started = time.monotonic()
        with pytest.raises(AvailabilityZoneNameError, match="in flight did not finish"):
            get_availability_zone_name(client=slow, timeout=0.2)
        assert 0.15 < time.monotonic() - started < 5
        assert cached_availability_zone_name() is None  # no I/O, no lock wait
        assert get_availability_zone_name(client=ScriptedEC2("ok")) == ZONE_NAME  # not blocked
        slow.release.set()
        outcomes = {
            call.result(30) if outcome == "ok" else type(call.exception(30)) for call in calls
        }
    assert outcomes == {ZONE_NAME if outcome == "ok" else AvailabilityZoneNameError}
    assert slow.calls == 1


@pytest.mark.usefixtures("ec2")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_makes_its_own_client(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    """A boto3 client's pooled connections must not be shared across a fork."""
    assert get_availability_zone_name() == ZONE_NAME
    made = clients_made()

    def child() -> str:
        clear_metadata_cache()
        return f"{get_availability_zone_name()} {len(made)}"

    assert in_forked_child(call=child) == f"{ZONE_NAME} 1"
    assert made == []  # the parent's client is still its own
    clear_metadata_cache()
    assert get_availability_zone_name() == ZONE_NAME
    assert made == []
