"""This account's name for the current AZ (``us-east-1a``), resolved through EC2 once.

The metadata endpoint answers an AZ ID (``use1-az1``, the same zone in every
account), while most AWS APIs speak AZ names, which differ between accounts.
boto3 (the ``ec2`` extra) is imported only when a name is first asked for.
"""

from __future__ import annotations

import os
import threading
from importlib import import_module

from ._cache import cached_metadata, get_lambda_metadata, now
from ._constants import check_timeout
from ._flight import SingleFlight
from ._model import LambdaMetadata
from .errors import AvailabilityZoneNameError, MissingOptionalDependencyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._flight import Key

__all__ = ["EC2_PERMISSION", "cached_availability_zone_name", "get_availability_zone_name"]

EC2_PERMISSION = "ec2:DescribeAvailabilityZones"
"""The IAM action the function's execution role needs to resolve AZ names."""

DEFAULT_EC2_TIMEOUT = 2.0
"""Default seconds for the metadata fetch and for each EC2 connect and read."""

_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}

_clients: dict[tuple[str | None, float], tuple[object, Any]] = {}
"""``(region, timeout)`` -> (boto3's default session it was made from, the EC2 client)."""
_clients_lock = threading.Lock()


def get_availability_zone_name(*, client: Any = None, timeout: float = DEFAULT_EC2_TIMEOUT) -> str:
    """Return this account's name (``us-east-1a``) for the current AZ ID.

    Calls EC2 ``DescribeAvailabilityZones`` filtered by ``zone-id`` once, and keeps the
    answer as long as the cached metadata it belongs to: after ``clear_metadata_cache()``
    (the SnapStart hooks call it) the next call resolves again.

    After a failure, calls raise it again without calling EC2 for a window (0.5 s, doubling
    to 60 s) that a new metadata value or another ``client=`` ends. Concurrent first calls
    make one EC2 call; the others wait for it at most ``timeout``.

    Args:
        client: a boto3 EC2 client to use; by default one is made, once per process and
            region, for ``AWS_REGION`` (set by Lambda), or else the region boto3 finds.
        timeout: seconds for the metadata fetch, and the connect and read timeouts of the
            EC2 client this function makes.

    Raises:
        MissingOptionalDependencyError: boto3 is not installed (the ``ec2`` extra).
        AvailabilityZoneNameError: EC2 refused the call (the role lacks
            ``ec2:DescribeAvailabilityZones``), knows no zone with this ID (a client for
            another region?), or failed otherwise.
        LambdaMetadataError: the AZ ID itself could not be read.
    """
    check_timeout(timeout)
    key = (get_lambda_metadata(timeout=timeout), client)
    name = _names.fresh(key)
    return _names.get(key, timeout=timeout) if name is None else name


def cached_availability_zone_name() -> str | None:
    """Return the AZ name if already resolved for the cached metadata, else ``None``; no I/O."""
    entry = _names.entry
    return entry[1] if entry is not None and entry[0][0] is cached_metadata() else None


def _describe(key: Key, timeout: float, retry: bool) -> tuple[str, float]:
    """The name for ``key``'s metadata, asked with ``key``'s client; kept for good (``inf``)."""
    metadata, client = key
    assert isinstance(metadata, LambdaMetadata)
    zone_id = metadata.availability_zone_id
    try:
        boto3 = import_module("boto3")
        exceptions = import_module("botocore.exceptions")
    except ImportError as exc:
        raise MissingOptionalDependencyError(
            'resolving the Availability Zone name needs boto3: pip install "lambda-metadata[ec2]"'
        ) from exc
    try:
        ec2: Any = _shared_client(boto3, timeout) if client is None else client
        answer = ec2.describe_availability_zones(Filters=[{"Name": "zone-id", "Values": [zone_id]}])
    except (exceptions.ClientError, exceptions.BotoCoreError) as exc:
        raise _ec2_error(exc, zone_id, no_region=isinstance(exc, exceptions.NoRegionError)) from exc
    for zone in answer.get("AvailabilityZones", ()):
        if zone.get("ZoneId") == zone_id and isinstance(zone.get("ZoneName"), str):
            return zone["ZoneName"], float("inf")
    region = getattr(getattr(ec2, "meta", None), "region_name", None)
    raise AvailabilityZoneNameError(
        f"EC2 in region {region!r} knows no Availability Zone with ID {zone_id!r}: "
        "is the EC2 client for the function's own region?"
    )


_names: SingleFlight[str] = SingleFlight(
    clock=now,
    fetch=_describe,
    busy=lambda timeout: AvailabilityZoneNameError(
        f"a DescribeAvailabilityZones call already in flight did not finish within {timeout:g} s"
    ),
)
"""The name for one metadata value and ``client=``, timed by the cache's (fake) clock."""


def _shared_client(boto3: Any, timeout: float) -> Any:
    """The EC2 client of this process for the region and timeout, made once per boto3 session."""
    region = os.environ.get("AWS_REGION") or None  # boto3 itself reads only AWS_DEFAULT_REGION
    with _clients_lock:
        made = _clients.get((region, timeout))
        if made is None or made[0] is not boto3.DEFAULT_SESSION:
            config = import_module("botocore.config").Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"mode": "standard", "max_attempts": 2},
            )
            client = boto3.client("ec2", region_name=region, config=config)
            made = _clients[region, timeout] = (boto3.DEFAULT_SESSION, client)
    return made[1]


def _ec2_error(exc: Exception, zone_id: str, *, no_region: bool) -> AvailabilityZoneNameError:
    """The library's error for EC2's (a ``ClientError``) or botocore's own, with what to do."""
    response = getattr(exc, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    hint = " Set AWS_REGION, or pass client=." if no_region else ""
    if str(response.get("Error", {}).get("Code")) in _DENIED:
        hint = f" Add the {EC2_PERMISSION} permission to the function's execution role."
    return AvailabilityZoneNameError(
        f"cannot resolve the name of {zone_id!r} through EC2: {type(exc).__name__}: {exc}{hint}",
        status_code=status if isinstance(status, int) else None,
    )


def _reset_after_fork() -> None:
    """A child must not inherit a held lock or the parent's pooled sockets."""
    global _clients_lock
    _clients_lock = threading.Lock()
    _clients.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
