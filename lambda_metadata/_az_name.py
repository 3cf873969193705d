"""This account's name for the current AZ (``us-east-1a``), resolved through EC2 once.

The metadata endpoint answers an AZ ID (``use1-az1``, the same zone in every
account), while most AWS APIs speak AZ names, which differ between accounts.
boto3 (the ``ec2`` extra) is imported only when a name is first asked for.
"""

from __future__ import annotations

import os
import threading
from importlib import import_module
from typing import Any

from ._cache import cached_metadata, get_lambda_metadata
from ._errors import (
    AvailabilityZoneNameError,
    AvailabilityZoneNamePermissionError,
    MissingOptionalDependencyError,
    UnknownAvailabilityZoneError,
)
from ._model import LambdaMetadata
from ._timeout import check_timeout

__all__ = [
    "EC2_PERMISSION",
    "cached_availability_zone_name",
    "get_availability_zone_name",
]

EC2_PERMISSION = "ec2:DescribeAvailabilityZones"
"""The IAM action the function's execution role needs to resolve AZ names."""

DEFAULT_EC2_TIMEOUT = 2.0
"""Default seconds for the metadata fetch and for each EC2 connect and read."""

_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
)

_resolved: tuple[LambdaMetadata, str] | None = None
"""The metadata value the name was resolved for, and the name."""
_lock = threading.Lock()


def get_availability_zone_name(*, client: Any = None, timeout: float = DEFAULT_EC2_TIMEOUT) -> str:
    """Return this account's name (``us-east-1a``) for the current AZ ID.

    Calls EC2 ``DescribeAvailabilityZones`` filtered by ``zone-id`` once, and
    keeps the answer for as long as the cached metadata it belongs to: after
    ``clear_metadata_cache()`` (the SnapStart hooks call it) the next call
    resolves again. Never called unless asked for.

    Args:
        client: a boto3 EC2 client to use; by default one is made for the
            function's region, ``AWS_REGION`` (set by Lambda), or else the
            region boto3 finds (``AWS_DEFAULT_REGION``, config files).
        timeout: seconds for the metadata fetch, and the connect and read
            timeouts of the EC2 client this function makes.

    Raises:
        MissingOptionalDependencyError: boto3 is not installed (the ``ec2`` extra).
        AvailabilityZoneNamePermissionError: the role lacks ``ec2:DescribeAvailabilityZones``.
        UnknownAvailabilityZoneError: EC2 knows no zone with this ID (another region?).
        AvailabilityZoneNameError: any other EC2 or botocore failure.
        LambdaMetadataError: the AZ ID itself could not be read.
    """
    check_timeout(timeout)
    metadata = get_lambda_metadata(timeout=timeout)
    resolved = _resolved
    if resolved is not None and resolved[0] is metadata:
        return resolved[1]
    return _resolve(metadata, client=client, timeout=timeout)


def cached_availability_zone_name() -> str | None:
    """Return the AZ name if already resolved for the cached metadata, else ``None``; no I/O."""
    resolved = _resolved
    if resolved is None or resolved[0] is not cached_metadata():
        return None
    return resolved[1]


def _resolve(metadata: LambdaMetadata, *, client: Any, timeout: float) -> str:
    global _resolved
    with _lock:  # one EC2 call even when many threads ask at once
        resolved = _resolved
        if resolved is not None and resolved[0] is metadata:
            return resolved[1]
        name = _describe(metadata.availability_zone_id, client=client, timeout=timeout)
        _resolved = (metadata, name)
        return name


def _describe(zone_id: str, *, client: Any, timeout: float) -> str:
    exceptions = _botocore_exceptions()
    try:
        if client is None:
            client = _make_client(timeout)
        answer = client.describe_availability_zones(
            Filters=[{"Name": "zone-id", "Values": [zone_id]}]
        )
    except exceptions.ClientError as exc:
        raise _client_error(exc, zone_id) from exc
    except exceptions.NoRegionError as exc:
        raise AvailabilityZoneNameError(
            f"cannot resolve the name of {zone_id!r}: no AWS region is configured. Lambda sets "
            "AWS_REGION; elsewhere set AWS_REGION or AWS_DEFAULT_REGION, or pass "
            "client=boto3.client('ec2', region_name=...)"
        ) from exc
    except exceptions.BotoCoreError as exc:
        raise AvailabilityZoneNameError(
            f"cannot resolve the name of {zone_id!r} through EC2 DescribeAvailabilityZones: "
            f"{exc.__class__.__name__}: {exc}"
        ) from exc
    for zone in answer.get("AvailabilityZones", ()):
        if zone.get("ZoneId") == zone_id and isinstance(zone.get("ZoneName"), str):
            return str(zone["ZoneName"])
    region = getattr(getattr(client, "meta", None), "region_name", None)
    raise UnknownAvailabilityZoneError(
        f"EC2 in region {region!r} knows no Availability Zone with ID {zone_id!r}: "
        "is the EC2 client for the function's own region?"
    )


def _botocore_exceptions() -> Any:
    try:
        import_module("boto3")
        return import_module("botocore.exceptions")
    except ImportError as exc:
        raise MissingOptionalDependencyError(
            'resolving the Availability Zone name needs boto3: pip install "lambda-metadata[ec2]"'
        ) from exc


def _make_client(timeout: float) -> Any:
    boto3 = import_module("boto3")
    config = import_module("botocore.config").Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"mode": "standard", "max_attempts": 2},
    )
    region = os.environ.get("AWS_REGION") or None  # boto3 itself reads only AWS_DEFAULT_REGION
    return boto3.client("ec2", region_name=region, config=config)


def _client_error(exc: Any, zone_id: str) -> AvailabilityZoneNameError:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    status_code = status if isinstance(status, int) else None
    if code in _DENIED_CODES:
        return AvailabilityZoneNamePermissionError(
            f"EC2 refused DescribeAvailabilityZones ({code}): add the {EC2_PERMISSION} "
            f"permission to the function's execution role to resolve the name of {zone_id!r}",
            status_code=status_code,
        )
    return AvailabilityZoneNameError(
        f"EC2 DescribeAvailabilityZones failed for {zone_id!r} ({code}): "
        f"{error.get('Message', exc)}",
        status_code=status_code,
    )


def _reset_after_fork() -> None:
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)
