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

from ._backoff import Backoff
from ._cache import cached_metadata, get_lambda_metadata, now
from ._model import LambdaMetadata
from ._timeout import check_timeout
from .errors import (
    AvailabilityZoneNameError,
    LambdaMetadataError,
    MissingOptionalDependencyError,
)

if TYPE_CHECKING:
    pass

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
"""Guards the module state below for a few instructions; never held across any I/O."""
_flight: _Flight | None = None
_backoff = Backoff(clock=now)  # the cache's clock: lambda_metadata.testing.FakeClock moves both
_failed_for: tuple[LambdaMetadata, object] | None = None
"""The metadata value and ``client=`` whose failure opened ``_backoff``'s window."""
_clients: dict[tuple[str | None, float], tuple[object, Any]] = {}
"""``(region, timeout)`` -> (boto3's default session it was made from, the EC2 client)."""


class _Flight:
    """One EC2 call in progress; callers asking the same meanwhile wait for it, boundedly."""

    __slots__ = ("_latch", "client", "error", "metadata", "name")

    def __init__(self, metadata: LambdaMetadata, client: object) -> None:
        self.metadata = metadata
        self.client = client
        self.name: str | None = None
        self.error: LambdaMetadataError | None = None
        self._latch = threading.Lock()
        self._latch.acquire()

    def finish(self) -> None:
        self._latch.release()

    def wait(self, timeout: float) -> bool:
        if not self._latch.acquire(timeout=timeout):
            return False
        self._latch.release()
        return True


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
    global _flight, _failed_for
    with _lock:  # a few instructions only: the EC2 call runs outside it
        resolved = _resolved
        if resolved is not None and resolved[0] is metadata:
            return resolved[1]
        failed_for = _failed_for
        if failed_for is not None and (
            failed_for[0] is not metadata or failed_for[1] is not client
        ):
            _backoff.reset()  # a new metadata value, or another client: try again now
            _failed_for = None
        error = _backoff.error if _backoff.blocked() else None
        flight = _flight
        leading = flight is None or flight.metadata is not metadata or flight.client is not client
        if leading and error is None:
            flight = _Flight(metadata, client)
            if _flight is None:
                _flight = flight  # else another call is in flight for another key: run alone
    if error is not None:
        raise _again(error)
    assert flight is not None
    if not leading:
        if not flight.wait(timeout):
            raise AvailabilityZoneNameError(
                "a DescribeAvailabilityZones call already in flight did not finish within "
                f"{timeout:g} s"
            )
        if flight.name is not None:
            return flight.name
        assert flight.error is not None
        raise _again(flight.error)
    _lead_ec2_call(flight, timeout)
    if flight.name is not None:
        return flight.name
    assert flight.error is not None
    raise flight.error


def _lead_ec2_call(flight: _Flight, timeout: float) -> None:
    """Call EC2 as the leader of ``flight``, remember the outcome and wake the followers."""
    global _flight, _resolved, _failed_for
    try:
        flight.name = _describe(
            flight.metadata.availability_zone_id, client=flight.client, timeout=timeout
        )
    except LambdaMetadataError as exc:
        flight.error = exc
    finally:
        if flight.name is None and flight.error is None:  # interrupted by a foreign exception
            flight.error = AvailabilityZoneNameError("the EC2 call in flight was interrupted")
        try:
            with _lock:
                if flight.name is not None:
                    _resolved = (flight.metadata, flight.name)
                    _backoff.reset()
                    _failed_for = None
                else:
                    assert flight.error is not None
                    _backoff.failed(flight.error)
                    _failed_for = (flight.metadata, flight.client)
                if _flight is flight:
                    _flight = None
        finally:
            flight.finish()  # whatever happened above, no follower waits out its timeout


def _again(error: BaseException) -> LambdaMetadataError:
    """A fresh copy of a remembered error, so no traceback grows on a shared instance."""
    if not isinstance(error, LambdaMetadataError):  # not expected: Backoff holds ours only
        return AvailabilityZoneNameError(str(error))
    copy = type(error)(str(error), status_code=error.status_code)
    copy.__cause__ = error.__cause__
    return copy


def _shared_client(timeout: float) -> Any:
    """The EC2 client of this process for the region and timeout, made once (per boto3 session)."""
    boto3 = import_module("boto3")
    region = os.environ.get("AWS_REGION") or None  # boto3 itself reads only AWS_DEFAULT_REGION
    key = (region, timeout)
    made = _clients.get(key)
    if made is not None and made[0] is boto3.DEFAULT_SESSION:
        return made[1]
    client = _make_client(region, timeout)
    with _lock:
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
    """A child must not inherit a held lock, a flight nobody will finish, or pooled sockets."""
    global _lock, _flight
    _lock = threading.Lock()
    _flight = None
    _clients.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
