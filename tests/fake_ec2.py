"""EC2's DescribeAvailabilityZones answered inside this process, with no moto (which takes
seconds of CPU to start in each process that uses it).

A botocore ``before-send`` hook on boto3's default session answers with EC2's own XML, so real
clients still build, sign, send and parse the call. Tests take the ``ec2`` fixture (conftest);
a child process runs the code of ``install_in_child``. Moto stays where its real IAM checks
matter (test_az_name.py's denied and allowed calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# two zones with the names moto gives them in us-east-1 (names differ per account; IDs do not)
US_EAST_1 = {"use1-az1": "us-east-1b", "use1-az4": "us-east-1d"}


class FakeEC2:
    """Answers DescribeAvailabilityZones filtered by one zone ID from ``zones`` (ID to name),
    the zones of ``region``: an ID it does not know, or a call to another region's endpoint,
    gets an empty list, as EC2 gives. ``calls`` lists the IDs asked."""

    def __init__(self, zones: Mapping[str, str] = US_EAST_1, *, region: str = "us-east-1") -> None:
        self.zones = dict(zones)
        self.region = region
        self.calls: list[str] = []

    def __call__(self, request: Any, **_: object) -> Any:
        from botocore.awsrequest import AWSResponse

        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        form = parse_qs(body)
        assert form["Action"] == ["DescribeAvailabilityZones"], form
        assert form["Filter.1.Name"] == ["zone-id"], form
        (zone_id,) = form["Filter.1.Value.1"]
        self.calls.append(zone_id)
        here = urlsplit(request.url).hostname == f"ec2.{self.region}.amazonaws.com"
        items = (
            f"<item><zoneName>{self.zones[zone_id]}</zoneName><zoneId>{zone_id}</zoneId></item>"
            if here and zone_id in self.zones
            else ""
        )
        xml = (
            '<DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            f"<availabilityZoneInfo>{items}</availabilityZoneInfo>"
            "</DescribeAvailabilityZonesResponse>"
        )
        return AWSResponse(request.url, 200, {}, _Raw(xml.encode()))


class _Raw:
    """The raw body botocore streams an answer from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: object) -> Any:
        yield self.body


def install(zones: Mapping[str, str] = US_EAST_1) -> FakeEC2:
    """Answer EC2 on boto3's default session (made now if there is none) with ``zones``."""
    import boto3

    fake = FakeEC2(zones)
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-send.ec2.DescribeAvailabilityZones", fake)
    return fake


def install_in_child(zones: Mapping[str, str] = US_EAST_1) -> str:
    """Code for a child process (``python -c``) that installs this fake with ``zones``."""
    tests = str(Path(__file__).resolve().parent)
    return (
        f"import sys\nsys.path.append({tests!r})\n"
        f"import fake_ec2\nfake_ec2.install({dict(zones)!r})\n"
    )
