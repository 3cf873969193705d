"""AZ names through EC2 DescribeAvailabilityZones, against moto (no network)."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.core import set_initial_no_auth_action_count

from lambda_metadata import LambdaMetadataError, MetadataUnavailableError, clear_metadata_cache
from lambda_metadata.az_names import (
    EC2_PERMISSION,
    cached_availability_zone_name,
    get_availability_zone_name,
)
from lambda_metadata.errors import (
    AvailabilityZoneNameError,
    AvailabilityZoneNamePermissionError,
    MissingOptionalDependencyError,
    UnknownAvailabilityZoneError,
)
from lambda_metadata.testing import MetadataEndpoint

# moto's fixed mapping in us-east-1 (AZ names differ per real account; IDs do not)
ZONE_ID, ZONE_NAME = "use1-az1", "us-east-1b"
OTHER_ZONE_ID, OTHER_ZONE_NAME = "use1-az4", "us-east-1d"


def count_describe_calls(client: Any) -> list[str]:
    """Record each DescribeAvailabilityZones call through botocore's own event hooks."""
    calls: list[str] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs["params"]["Filters"][0]["Values"][0])

    client.meta.events.register("provide-client-params.ec2.DescribeAvailabilityZones", record)
    return calls


@pytest.mark.usefixtures("aws")
def test_resolves_the_name_of_the_current_zone_id(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID

    assert get_availability_zone_name() == ZONE_NAME
    assert cached_availability_zone_name() == ZONE_NAME


@pytest.mark.usefixtures("aws")
def test_asks_ec2_once_per_cached_metadata(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    client = boto3.client("ec2")
    calls = count_describe_calls(client)

    names = {get_availability_zone_name(client=client) for _ in range(5)}

    assert names == {ZONE_NAME}
    assert calls == [ZONE_ID]
    assert lambda_metadata_endpoint.request_count == 1


@pytest.mark.usefixtures("aws")
def test_clearing_the_metadata_cache_drops_the_name(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    """What a SnapStart restore does: clear, and maybe wake up in another AZ."""
    client = boto3.client("ec2")
    calls = count_describe_calls(client)
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    assert get_availability_zone_name(client=client) == ZONE_NAME

    clear_metadata_cache()
    assert cached_availability_zone_name() is None
    lambda_metadata_endpoint.availability_zone_id = OTHER_ZONE_ID

    assert get_availability_zone_name(client=client) == OTHER_ZONE_NAME
    assert calls == [ZONE_ID, OTHER_ZONE_ID]


@pytest.mark.usefixtures("aws")
def test_never_calls_ec2_unless_asked(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    from lambda_metadata import get_lambda_metadata

    get_lambda_metadata()

    assert cached_availability_zone_name() is None


def _as_iam_user(policy: dict[str, Any] | None, body: Callable[[], None]) -> None:
    """Run ``body`` signed as a fresh IAM user (through the environment), moto enforcing IAM."""
    setup_calls = 2 if policy is None else 3

    @set_initial_no_auth_action_count(setup_calls)
    def run() -> None:
        iam = boto3.client("iam")
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
            boto3.setup_default_session()  # boto3 caches credentials in its default session
            body()
        boto3.setup_default_session()

    run()


@pytest.mark.usefixtures("aws")
def test_denied_call_names_the_missing_permission(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    caught: list[AvailabilityZoneNamePermissionError] = []

    def body() -> None:
        with pytest.raises(AvailabilityZoneNamePermissionError) as info:
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
def test_unauthorized_operation_is_a_permission_error(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    """EC2's own code for a denied action, answered through botocore's Stubber."""
    client = boto3.client("ec2")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_availability_zones",
            service_error_code="UnauthorizedOperation",
            service_message="You are not authorized to perform this operation.",
            http_status_code=403,
        )
        with pytest.raises(AvailabilityZoneNamePermissionError, match=EC2_PERMISSION):
            get_availability_zone_name(client=client)


@pytest.mark.usefixtures("aws")
def test_other_ec2_errors_are_typed(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    client = boto3.client("ec2")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_availability_zones",
            service_error_code="RequestLimitExceeded",
            service_message="Request limit exceeded.",
            http_status_code=503,
        )
        with pytest.raises(AvailabilityZoneNameError, match="RequestLimitExceeded") as info:
            get_availability_zone_name(client=client)
    assert not isinstance(info.value, AvailabilityZoneNamePermissionError)
    assert info.value.status_code == 503


@pytest.mark.usefixtures("aws")
def test_a_client_for_another_region_finds_no_zone(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID

    with pytest.raises(UnknownAvailabilityZoneError, match=r"'eu-west-1'.*'use1-az1'"):
        get_availability_zone_name(client=boto3.client("ec2", region_name="eu-west-1"))


def test_no_region_is_a_typed_error(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    with pytest.raises(AvailabilityZoneNameError, match="AWS_REGION"):
        get_availability_zone_name()


def test_outside_lambda_the_metadata_error_comes_first(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError):
        get_availability_zone_name()


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan"), "1"])
def test_bad_timeout(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        get_availability_zone_name(timeout=timeout)


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
    result = subprocess.run(
        [sys.executable, "-c", program],
        env={**lambda_metadata_endpoint.environ, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert 'pip install "lambda-metadata[ec2]"' in result.stdout


@pytest.mark.usefixtures("aws")
def test_lambdas_aws_region_is_enough(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID

    assert get_availability_zone_name() == ZONE_NAME


# -- the docs' example ---------------------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "az_name.py"


@pytest.mark.usefixtures("aws")
def test_example_handler(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = OTHER_ZONE_ID
    handler = runpy.run_path(str(EXAMPLE))["handler"]

    assert handler({}, None) == {
        "availability_zone_id": OTHER_ZONE_ID,
        "availability_zone_name": OTHER_ZONE_NAME,
    }


@pytest.mark.usefixtures("aws")
def test_example_handler_when_denied(
    lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = runpy.run_path(str(EXAMPLE))["handler"]
    answers: list[Any] = []

    _as_iam_user(None, lambda: answers.append(handler({}, None)))

    assert answers == [{"availability_zone_id": "use1-az1", "availability_zone_name": None}]
    assert EC2_PERMISSION in capsys.readouterr().out


@pytest.mark.usefixtures("aws")
def test_concurrent_first_calls_make_one_ec2_call(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    client = boto3.client("ec2")
    calls = count_describe_calls(client)
    start = threading.Barrier(8)

    def ask() -> str:
        start.wait()
        return get_availability_zone_name(client=client)

    with ThreadPoolExecutor(8) as pool:
        names = set(pool.map(lambda _: ask(), range(8)))

    assert names == {ZONE_NAME}
    assert calls == [ZONE_ID]


@pytest.mark.usefixtures("aws")
def test_a_failed_call_caches_nothing(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    client = boto3.client("ec2")
    with Stubber(client) as stubber:
        stubber.add_client_error("describe_availability_zones", "RequestLimitExceeded")
        with pytest.raises(AvailabilityZoneNameError):
            get_availability_zone_name(client=client)

    assert cached_availability_zone_name() is None
    assert get_availability_zone_name(client=client) == ZONE_NAME


@pytest.mark.parametrize(
    "error_type",
    [
        MissingOptionalDependencyError,
        AvailabilityZoneNameError,
        AvailabilityZoneNamePermissionError,
        UnknownAvailabilityZoneError,
    ],
)
def test_new_errors_pickle_with_their_status(error_type: type[LambdaMetadataError]) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(error_type("denied", status_code=403)))

    assert type(copy) is error_type
    assert (str(copy), copy.status_code) == ("denied", 403)
