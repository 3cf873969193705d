"""Order candidate endpoints (cache nodes, read replicas) same-AZ first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from ._cache import get_lambda_metadata

__all__ = ["order_by_availability_zone"]

T = TypeVar("T")

ZONE_ATTRIBUTE = "availability_zone_id"


def order_by_availability_zone(
    candidates: Iterable[T],
    *,
    zone: str | None = None,
    key: Callable[[T], str | None] | None = None,
) -> list[T]:
    """Return ``candidates`` as a new list, those in ``zone`` first.

    The order is deterministic: candidates in ``zone`` keep their relative
    order and come first, then all the others in their original order. When
    none is in ``zone`` (or there are none), the result is the original order,
    so ``result[0]`` is always a usable choice. Nothing is dropped or repeated.

    Args:
        candidates: anything iterable, read once.
        zone: the zone to prefer. By default the AZ ID of this execution
            environment, from ``get_lambda_metadata()``. Pass an AZ name (see
            ``get_availability_zone_name()``) if the candidates carry names.
        key: returns a candidate's zone, or ``None`` if unknown (never
            preferred). By default the candidate's ``availability_zone_id``
            attribute, or its ``"availability_zone_id"`` item for mappings.

    Raises:
        TypeError: ``candidates`` is a string, or a candidate has no zone under the default key.
        ValueError: ``zone`` is empty.
        LambdaMetadataError: ``zone`` was not given and the AZ ID could not be read.
    """
    if isinstance(candidates, (str, bytes)):
        raise TypeError("candidates must be an iterable of endpoints, not a single string")
    if zone is None:
        zone = get_lambda_metadata().availability_zone_id
    elif not isinstance(zone, str) or not zone.strip():
        raise ValueError(f"zone must be a non-empty AZ ID or name, got {zone!r}")
    zone_of = _default_key if key is None else key
    same: list[T] = []
    other: list[T] = []
    for candidate in candidates:
        (same if zone_of(candidate) == zone else other).append(candidate)
    return same + other


def _default_key(candidate: object) -> str | None:
    if isinstance(candidate, dict) or (
        not hasattr(candidate, ZONE_ATTRIBUTE) and isinstance(candidate, Mapping)
    ):
        if ZONE_ATTRIBUTE in candidate:
            return _zone(candidate[ZONE_ATTRIBUTE])
    elif hasattr(candidate, ZONE_ATTRIBUTE):
        return _zone(getattr(candidate, ZONE_ATTRIBUTE))
    raise TypeError(
        f"cannot tell the zone of {candidate!r}: it has no {ZONE_ATTRIBUTE!r} "
        "attribute or item; pass key=, e.g. key=lambda node: node['az_id']"
    )


def _zone(value: object) -> str | None:
    return value if isinstance(value, str) else None
