"""This account's name for the current AZ (``us-east-1a``), resolved through EC2 once.

The metadata endpoint answers an AZ ID (``use1-az1``, the same zone in every
account), while most AWS APIs speak AZ names, which differ between accounts.
boto3 (the ``ec2`` extra) is imported only when a name is first asked for.
"""

from __future__ import annotations

import os
import threading
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._cache import cached_metadata, get_lambda_metadata, now
from ._constants import check_timeout
from ._flight import SingleFlight
from ._model import LambdaMetadata
from .errors import (
    AvailabilityZoneNameError,
    LambdaMetadataError,
    MissingOptionalDependencyError,
)

if TYPE_CHECKING:
    from ._flight import Key

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

_clients: dict[tuple[str | None, float], tuple[object, Any]] = {}
"""``(region, timeout)`` -> (boto3's default session it was made from, the EC2 client)."""
_clients_lock = threading.Lock()


def _describe_zone(key: Key, timeout: float, retry: bool) -> tuple[str, float]:
    """The name for ``key``'s metadata (with ``key``'s client), kept for good (``inf``)."""
    metadata, client = key
    assert isinstance(metadata, LambdaMetadata)
    return _describe(metadata.availability_zone_id, client=client, timeout=timeout), _FOREVER


def _busy(timeout: float) -> LambdaMetadataError:
    return AvailabilityZoneNameError(
        f"a DescribeAvailabilityZones call already in flight did not finish within {timeout:g} s"
    )


_FOREVER = float("inf")
_names: SingleFlight[str] = SingleFlight(clock=now, fetch=_describe_zone, busy=_busy)
"""The name, for one metadata value and ``client=``: the cache's clock times its windows, so
``lambda_metadata.testing.FakeClock`` moves both."""


def get_availability_zone_name(*, client: Any = None, timeout: float = DEFAULT_EC2_TIMEOUT) -> str:
    """Return this account's name (``us-east-1a``) for the current AZ ID.

    Calls EC2 ``DescribeAvailabilityZones`` filtered by ``zone-id`` once, and
    keeps the answer for as long as the cached metadata it belongs to: after
    ``clear_metadata_cache()`` (the SnapStart hooks call it) the next call
    resolves again. Never called unless asked for.

    A failure is remembered too: for a fail-fast window (0.5 s, doubling while
    EC2 keeps failing, up to 60 s) further calls raise the same error class at
    once, without calling EC2. A new metadata value (a cache clear) or another
    ``client=`` ends the window. Concurrent first calls make one EC2 call; the
    others wait for it at most ``timeout`` seconds.

    Args:
        client: a boto3 EC2 client to use; by default one is made, once per
            process and region, for the function's region, ``AWS_REGION`` (set by
            Lambda), or else the region boto3 finds (``AWS_DEFAULT_REGION``, config files).
        timeout: seconds for the metadata fetch, and the connect and read
            timeouts of the EC2 client this function makes.

    Raises:
        MissingOptionalDependencyError: boto3 is not installed (the ``ec2`` extra).
        AvailabilityZoneNameError: EC2 refused the call (the role lacks
            ``ec2:DescribeAvailabilityZones``), knows no zone with this ID (a client for
            another region?), or failed otherwise.
        LambdaMetadataError: the AZ ID itself could not be read.
    """
    check_timeout(timeout)
    metadata = get_lambda_metadata(timeout=timeout)
    key = (metadata, client)
    name = _names.fresh(key)
    return _names.get(key, timeout=timeout) if name is None else name


def cached_availability_zone_name() -> str | None:
    """Return the AZ name if already resolved for the cached metadata, else ``None``; no I/O."""
    entry = _names.entry
    if entry is None or entry[0][0] is not cached_metadata():
        return None
    return entry[1]


def _shared_client(timeout: float) -> Any:
    """The EC2 client of this process for the region and timeout, made once (per boto3 session)."""
    boto3 = import_module("boto3")
    region = os.environ.get("AWS_REGION") or None  # boto3 itself reads only AWS_DEFAULT_REGION
    key = (region, timeout)
    made = _clients.get(key)
    if made is not None and made[0] is boto3.DEFAULT_SESSION:
        return made[1]
    client = _make_client(region, timeout)
    with _clients_lock:
        made = _clients.get(key)
        if made is not None and made[0] is boto3.DEFAULT_SESSION:
            return made[1]  # another thread made one meanwhile: keep a single client
        _clients[key] = (boto3.DEFAULT_SESSION, client)
    return client


def _describe(zone_id: str, *, client: Any, timeout: float) -> str:
    exceptions = _botocore_exceptions()
    try:
        if client is None:
            client = _shared_client(timeout)
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
    raise AvailabilityZoneNameError(
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


def _make_client(region: str | None, timeout: float) -> Any:
    boto3 = import_module("boto3")
    config = import_module("botocore.config").Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"mode": "standard", "max_attempts": 2},
    )
    return boto3.client("ec2", region_name=region, config=config)


def _client_error(exc: Any, zone_id: str) -> AvailabilityZoneNameError:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    status_code = status if isinstance(status, int) else None
    if code in _DENIED_CODES:
        return AvailabilityZoneNameError(
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
    """A child must not inherit a held lock or the parent's pooled sockets."""
    global _clients_lock
    _clients_lock = threading.Lock()
    _clients.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
