"""AZ names through EC2 DescribeAvailabilityZones (no network): botocore's Stubber, the
in-process fake of tests/fake_ec2.py (the ``ec2`` fixture), and moto where IAM is checked."""

from __future__ import annotations

import json
import os
import runpy
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import run_python
from fake_ec2 import new_default_boto3_session

from lambda_metadata import LambdaMetadataError, MetadataUnavailableError, clear_metadata_cache
from lambda_metadata.az_names import (
    EC2_PERMISSION,
    cached_availability_zone_name,
    get_availability_zone_name,
)
from lambda_metadata.errors import (
    AvailabilityZoneNameError,
)
from lambda_metadata.testing import FakeClock, MetadataEndpoint

# us-east-1 as moto and tests/fake_ec2.py map it (AZ names differ per real account; IDs do not)
ZONE_ID, ZONE_NAME = "use1-az1", "us-east-1b"
OTHER_ZONE_ID, OTHER_ZONE_NAME = "use1-az4", "us-east-1d"

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.stub import Stubber


# boto3 is imported by the tests that use it, not by every worker's collection
def new_client(service: str, **options: Any) -> Any:
    import boto3

    return boto3.client(service, **options)


def default_session() -> Session:
    import boto3

    return boto3._get_default_session()


def stubbed(client: Any) -> Stubber:
    from botocore.stub import Stubber

    return Stubber(client)


def count_describe_calls(client: Any = None) -> list[str]:
    """The zone IDs of each DescribeAvailabilityZones call of ``client`` (or of every client
    of boto3's default session), through botocore's own event hooks."""
    calls: list[str] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs["params"]["Filters"][0]["Values"][0])

    events = default_session().events if client is None else client.meta.events
    events.register("provide-client-params.ec2.DescribeAvailabilityZones", record)
    return calls


@pytest.mark.usefixtures("ec2")
def test_the_name_is_asked_once_per_cached_metadata_and_dropped_with_it(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # Lambda's AWS_REGION is enough
    from lambda_metadata import get_lambda_metadata

    get_lambda_metadata()
    assert cached_availability_zone_name() is None  # EC2 is never called unless asked
    assert get_availability_zone_name() == ZONE_NAME  # the default client
    assert cached_availability_zone_name() == ZONE_NAME
    clear_metadata_cache()
    client = new_client("ec2", region_name="us-east-1")
    calls = count_describe_calls(client)
    assert {get_availability_zone_name(client=client) for _ in range(5)} == {ZONE_NAME}
    assert calls == [ZONE_ID]
    assert lambda_metadata_endpoint.request_count == 2
    clear_metadata_cache()  # what a SnapStart restore does: maybe it wakes up in another AZ
    assert cached_availability_zone_name() is None
    lambda_metadata_endpoint.availability_zone_id = OTHER_ZONE_ID
    assert get_availability_zone_name(client=client) == OTHER_ZONE_NAME
    assert calls == [ZONE_ID, OTHER_ZONE_ID]


@pytest.mark.usefixtures("aws_credentials")  # Stubber only: no moto
@pytest.mark.parametrize(
    ("code", "status", "shown"),
    [("UnauthorizedOperation", 403, EC2_PERMISSION), ("RequestLimitExceeded", 503, "RequestLimit")],
)
def test_ec2_errors_are_typed_and_only_a_denial_names_the_permission(
    lambda_metadata_endpoint: MetadataEndpoint, code: str, status: int, shown: str
) -> None:
    client = new_client("ec2")
    with stubbed(client) as stubber:
        stubber.add_client_error(
            "describe_availability_zones", code, "EC2 says no.", http_status_code=status
        )
        with pytest.raises(AvailabilityZoneNameError) as info:
            get_availability_zone_name(client=client)
    assert shown in str(info.value)
    assert (EC2_PERMISSION in str(info.value)) is (status == 403)
    assert info.value.status_code == status


@pytest.mark.usefixtures("ec2")
def test_a_client_for_another_region_finds_no_zone(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID

    with pytest.raises(AvailabilityZoneNameError, match=r"'eu-west-1'.*'use1-az1'"):
        get_availability_zone_name(client=new_client("ec2", region_name="eu-west-1"))


def test_outside_lambda_the_metadata_error_comes_first(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError):
        get_availability_zone_name()


def test_missing_boto3_says_which_extra_to_install(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    program = (
        "import sys\n"
        "sys.modules['boto3'] = None\n"
        "from lambda_metadata.az_names import get_availability_zone_name\n"
        "from lambda_metadata.errors import MissingOptionalDependencyError\n"
        "try:\n"
        "    get_availability_zone_name()\n"
        "except MissingOptionalDependencyError as exc:\n"
        "    assert isinstance(exc, ImportError)\n"
        "    print(exc)\n"
    )
    result = run_python("-c", program, env={**lambda_metadata_endpoint.environ, "PATH": ""})
    assert 'pip install "lambda-metadata[ec2]"' in result.stdout


# -- the docs' example ---------------------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "az_name.py"


@pytest.mark.usefixtures("ec2")
def test_example_handler(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = OTHER_ZONE_ID
    handler = runpy.run_path(str(EXAMPLE))["handler"]

    assert handler({}, None) == {
        "availability_zone_id": OTHER_ZONE_ID,
        "availability_zone_name": OTHER_ZONE_NAME,
    }


@pytest.mark.usefixtures("ec2")
def test_concurrent_first_calls_make_one_ec2_call(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    client = new_client("ec2")
    calls = count_describe_calls(client)
    start = threading.Barrier(8)

    def ask() -> str:
        start.wait()
        return get_availability_zone_name(client=client)

    with ThreadPoolExecutor(8) as pool:
        names = set(pool.map(lambda _: ask(), range(8)))

    assert names == {ZONE_NAME}
    assert calls == [ZONE_ID]


# -- IAM: moto checks a real policy ------------------------------------------------------
# moto takes seconds of CPU to start in each worker that runs it: these three tests stay
# together, so few workers do. The other EC2 calls of this file go to tests/fake_ec2.py.


def _as_iam_user(policy: dict[str, Any] | None, body: Callable[[], None]) -> None:
    """Run ``body`` signed as a fresh IAM user (through the environment), moto enforcing IAM."""
    from moto.core import set_initial_no_auth_action_count  # moto is slow to import: on use

    setup_calls = 2 if policy is None else 3

    @set_initial_no_auth_action_count(setup_calls)
    def run() -> None:
        iam = new_client("iam")
        iam.create_user(UserName="function-role")
        if policy is not None:
            iam.put_user_policy(
                UserName="function-role", PolicyName="az", PolicyDocument=json.dumps(policy)
            )
        key = iam.create_access_key(UserName="function-role")["AccessKey"]
        with pytest.MonkeyPatch.context() as env:
            env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
            env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
            env.delenv("AWS_SESSION_TOKEN")
            new_default_boto3_session()  # boto3 caches credentials in its default session
            body()
        new_default_boto3_session()

    run()


@pytest.mark.usefixtures("aws")
def test_denied_call_names_the_missing_permission(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    caught: list[AvailabilityZoneNameError] = []

    def body() -> None:
        with pytest.raises(AvailabilityZoneNameError) as info:
            get_availability_zone_name()
        caught.append(info.value)

    _as_iam_user(None, body)

    (error,) = caught
    assert EC2_PERMISSION == "ec2:DescribeAvailabilityZones"
    assert EC2_PERMISSION in str(error)
    assert error.status_code == 403
    assert isinstance(error, AvailabilityZoneNameError)
    assert isinstance(error, LambdaMetadataError)
    assert cached_availability_zone_name() is None


@pytest.mark.usefixtures("aws")
def test_the_documented_permission_is_enough(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": EC2_PERMISSION, "Resource": "*"}],
    }
    names: list[str] = []

    _as_iam_user(policy, lambda: names.append(get_availability_zone_name()))

    assert names == [ZONE_NAME]


@pytest.mark.usefixtures("aws")
def test_example_handler_when_denied(
    lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = runpy.run_path(str(EXAMPLE))["handler"]
    answers: list[Any] = []

    _as_iam_user(None, lambda: answers.append(handler({}, None)))

    assert answers == [{"availability_zone_id": "use1-az1", "availability_zone_name": None}]
    assert EC2_PERMISSION in capsys.readouterr().out


# -- during an EC2 failure: one client, no unbounded wait, a fail-fast window ------------


def throttled(stubber: Stubber) -> None:
    stubber.add_client_error(
        "describe_availability_zones", "RequestLimitExceeded", http_status_code=503
    )


def answer(stubber: Stubber, zone_id: str = ZONE_ID, name: str = ZONE_NAME) -> None:
    stubber.add_response(
        "describe_availability_zones",
        {"AvailabilityZones": [{"ZoneId": zone_id, "ZoneName": name}]},
        {"Filters": [{"Name": "zone-id", "Values": [zone_id]}]},
    )


@pytest.mark.usefixtures("aws_credentials")  # Stubber only: no moto
def test_a_failure_fails_fast_for_a_growing_window(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    client = new_client("ec2")
    calls = count_describe_calls(client)
    with stubbed(client) as stubber:
        throttled(stubber)
        with pytest.raises(AvailabilityZoneNameError, match="RequestLimitExceeded") as first:
            get_availability_zone_name(client=client)
        for _ in range(3):  # inside the first window (0.5 s): no EC2 call, the same error
            fake_clock.now += 0.1
            with pytest.raises(AvailabilityZoneNameError, match="RequestLimitExceeded") as again:
                get_availability_zone_name(client=client)
            assert type(again.value) is type(first.value)
            assert again.value.status_code == 503
        assert len(calls) == 1
        assert cached_availability_zone_name() is None

        fake_clock.now += 0.2  # the window has ended: EC2 is asked again, and fails again
        throttled(stubber)
        with pytest.raises(AvailabilityZoneNameError):
            get_availability_zone_name(client=client)
        assert len(calls) == 2
        fake_clock.now += 0.9  # the second window is 1 s
        with pytest.raises(AvailabilityZoneNameError):
            get_availability_zone_name(client=client)
        assert len(calls) == 2

        fake_clock.now += 0.2
        answer(stubber)
        assert get_availability_zone_name(client=client) == ZONE_NAME
        assert len(calls) == 3
        stubber.assert_no_pending_responses()


@pytest.mark.usefixtures("aws_credentials")  # Stubber only: no moto
def test_a_success_ends_the_failure_streak(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    """After a success, the next failure opens a first (short) window again."""
    client = new_client("ec2")
    calls = count_describe_calls(client)
    with stubbed(client) as stubber:
        for _ in range(3):  # three failures in a row: windows of 0.5, 1 and 2 s
            throttled(stubber)
            with pytest.raises(AvailabilityZoneNameError):
                get_availability_zone_name(client=client)
            fake_clock.now += 2.0
        answer(stubber)
        assert get_availability_zone_name(client=client) == ZONE_NAME

        clear_metadata_cache()
        throttled(stubber)
        with pytest.raises(AvailabilityZoneNameError):
            get_availability_zone_name(client=client)
        fake_clock.now += 0.5  # the first window again, not 4 s
        answer(stubber)
        assert get_availability_zone_name(client=client) == ZONE_NAME
    assert len(calls) == 6


@pytest.mark.usefixtures("ec2")
def test_a_cache_clear_or_another_client_ends_the_window(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    client = new_client("ec2")
    with stubbed(client) as stubber:
        throttled(stubber)
        with pytest.raises(AvailabilityZoneNameError):
            get_availability_zone_name(client=client)

        clear_metadata_cache()  # a SnapStart restore: maybe another zone, so ask at once
        answer(stubber)
        assert get_availability_zone_name(client=client) == ZONE_NAME

        clear_metadata_cache()
        throttled(stubber)
        with pytest.raises(AvailabilityZoneNameError):
            get_availability_zone_name(client=client)
    other = new_client("ec2")  # e.g. after an AvailabilityZoneNameError, the right region
    assert get_availability_zone_name(client=other) == ZONE_NAME


def test_a_missing_region_fails_fast_too(
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    fake_clock: FakeClock,
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    new_default_boto3_session()
    creations = count_client_creations()

    for _ in range(5):
        with pytest.raises(AvailabilityZoneNameError, match="AWS_REGION"):
            get_availability_zone_name()

    assert len(creations) == 1


def count_client_creations() -> list[str]:
    """Record each EC2 client boto3's default session makes."""
    made: list[str] = []
    session = default_session()
    session.events.register("creating-client-class.ec2", lambda **_: made.append("ec2"))
    return made


@pytest.mark.usefixtures("ec2")
def test_one_client_per_process_and_region(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    creations = count_client_creations()
    calls = count_describe_calls()

    for _ in range(4):  # four restores: four EC2 calls, one client
        clear_metadata_cache()
        assert get_availability_zone_name() == ZONE_NAME
    assert (len(creations), len(calls)) == (1, 4)

    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    clear_metadata_cache()
    with pytest.raises(AvailabilityZoneNameError, match="eu-west-1"):
        get_availability_zone_name()
    assert len(creations) == 2

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    clear_metadata_cache()
    assert get_availability_zone_name() == ZONE_NAME
    assert (len(creations), len(calls)) == (2, 6)


class SlowClient:
    """An EC2 client whose call blocks until the test releases it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def describe_availability_zones(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        self.entered.set()
        assert self.release.wait(10)
        return {"AvailabilityZones": [{"ZoneId": ZONE_ID, "ZoneName": ZONE_NAME}]}


@pytest.mark.usefixtures("ec2")
def test_no_caller_waits_unboundedly_behind_a_slow_call(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    slow = SlowClient()
    with ThreadPoolExecutor(1) as pool:
        leader = pool.submit(get_availability_zone_name, client=slow)
        assert slow.entered.wait(10)

        started = time.monotonic()
        with pytest.raises(AvailabilityZoneNameError, match="in flight did not finish"):
            get_availability_zone_name(client=slow, timeout=0.2)
        assert 0.15 < time.monotonic() - started < 5
        assert cached_availability_zone_name() is None  # no I/O, no lock wait
        assert get_availability_zone_name(client=new_client("ec2")) == ZONE_NAME  # not blocked

        slow.release.set()
        assert leader.result(10) == ZONE_NAME
    assert slow.calls == 1


@pytest.mark.usefixtures("aws_credentials")  # Stubber only: no moto
def test_followers_share_the_leaders_failure(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    class FailingSlowClient(SlowClient):
        def describe_availability_zones(self, **kwargs: Any) -> dict[str, Any]:
            super().describe_availability_zones(**kwargs)
            raise botocore.exceptions.EndpointConnectionError(endpoint_url="https://ec2")

    import botocore.exceptions

    failing = FailingSlowClient()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(get_availability_zone_name, client=failing) for _ in range(4)]
        assert failing.entered.wait(10)
        time.sleep(0.1)  # let the followers join the flight
        failing.release.set()
        errors = [f.exception(10) for f in futures]
    assert all(isinstance(e, AvailabilityZoneNameError) for e in errors), errors
    assert failing.calls == 1


@pytest.mark.usefixtures("ec2")
def test_an_interrupted_call_does_not_wedge_the_resolver(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    class Interrupting:
        def describe_availability_zones(self, **kwargs: Any) -> Any:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        get_availability_zone_name(client=Interrupting())
    assert get_availability_zone_name(client=new_client("ec2")) == ZONE_NAME


@pytest.mark.usefixtures("ec2")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_makes_its_own_client(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    """A boto3 client's pooled connections must not be shared across a fork."""
    assert get_availability_zone_name() == ZONE_NAME
    creations = count_client_creations()
    read, write = os.pipe()
    with warnings.catch_warnings():  # 3.12+: "this process is multi-threaded" (the endpoint)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report what it did, then leave at once
        code = 1
        try:
            clear_metadata_cache()
            name = get_availability_zone_name()
            os.write(write, f"{name} {len(creations)}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert report == f"{ZONE_NAME} 1"
    assert creations == []  # the parent's client is still its own
    clear_metadata_cache()
    assert get_availability_zone_name() == ZONE_NAME
    assert creations == []
