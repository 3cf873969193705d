"""EC2's DescribeAvailabilityZones answered in this process by a botocore ``before-send`` hook
with EC2's own XML, so real clients still build, sign, send and parse the call: the ``ec2``
fixture, or ``install_in_child``'s code in a child. Moto (seconds of CPU to start) answers only
where its real IAM checks matter: the ``aws`` fixture."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

# two zones with the names moto gives them in us-east-1 (names differ per account; IDs do not)
US_EAST_1 = {"use1-az1": "us-east-1b", "use1-az4": "us-east-1d"}


class FakeEC2:
    """Answers DescribeAvailabilityZones filtered by one zone ID from ``zones`` (ID to name) in
    us-east-1: an ID it does not know, or a call to another region, gets an empty list, as EC2
    gives. ``calls`` lists the IDs asked."""

    def __init__(self, zones: Mapping[str, str] = US_EAST_1) -> None:
        self.zones = dict(zones)
        self.calls: list[str] = []

    def __call__(self, request: Any, **_: object) -> Any:
        import io

        from botocore.awsrequest import AWSResponse
        from urllib3.response import HTTPResponse

        form = parse_qs(request.body.decode() if isinstance(request.body, bytes) else request.body)
        assert form["Filter.1.Name"] == ["zone-id"], form
        (zone_id,) = form["Filter.1.Value.1"]
        self.calls.append(zone_id)
        name = self.zones.get(zone_id) if "://ec2.us-east-1." in request.url else None
        item = f"<item><zoneName>{name}</zoneName><zoneId>{zone_id}</zoneId></item>" if name else ""
        xml = f"<Response><availabilityZoneInfo>{item}</availabilityZoneInfo></Response>"
        body = HTTPResponse(io.BytesIO(xml.encode()), preload_content=False)
        return AWSResponse(request.url, 200, {}, body)


def install(zones: Mapping[str, str] = US_EAST_1) -> FakeEC2:
    """Answer EC2 on boto3's default session (made now if there is none) with ``zones``."""
    import boto3

    fake = FakeEC2(zones)
    boto3._get_default_session().events.register("before-send.ec2.DescribeAvailabilityZones", fake)
    return fake


def install_in_child(zones: Mapping[str, str] = US_EAST_1) -> str:
    """Code for a child process (``python -c``) that installs this fake with ``zones``."""
    tests = str(Path(__file__).resolve().parent)
    install = f"fake_ec2.install({dict(zones)!r})"
    return f"import sys\nsys.path.append({tests!r})\nimport fake_ec2\n{install}\n"


@functools.cache
def _shared_botocore_loader() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


def new_default_boto3_session() -> None:
    """A new boto3 default session sharing one data loader: the service models are parsed once
    per process, not once per test (about 0.2 s of CPU each)."""
    import boto3
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_botocore_loader())
    boto3.setup_default_session(botocore_session=session)


@pytest.fixture  # the fixtures: tests/conftest.py loads this module as a plugin
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and region, no config files, a new boto3 default session."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    new_default_boto3_session()


@pytest.fixture
def ec2(aws_credentials: None) -> FakeEC2:
    """``aws_credentials``, and EC2 answered in this process by the ``FakeEC2`` returned."""
    return install()


@pytest.fixture
def aws(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``aws_credentials``, and every AWS call answered by moto (slow to start: only if needed)."""
    from moto import mock_aws

    # moto's EC2 otherwise builds tens of thousands of sample AMIs per region, per test
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():  # which sets boto3's default session aside: make a new one inside
        new_default_boto3_session()
        yield
