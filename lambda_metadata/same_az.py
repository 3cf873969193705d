"""Order candidate endpoints (cache nodes, read replicas) same-AZ first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from ._cache import get_lambda_metadata

__all__ = ["order_by_availability_zone"]

T = TypeVar("T")

ZONE_ATTRIBUTE = "availability_zone_id"
_MISSING = object()


def order_by_availability_zone(
    candidates: Iterable[T],
    *,
    zone: str | None = None,
    key: Callable[[T], str | None] | None = None,
) -> list[T]:
    """Return ``candidates`` as a new list, those in ``zone`` first.

    Those in ``zone`` keep their order, then all the others keep theirs: with none in ``zone``
    the order is unchanged, so ``result[0]`` is always usable. None is dropped or repeated.

    Args:
        candidates: anything iterable, read once.
        zone: the zone to prefer, an AZ ID or name; by default this environment's AZ ID.
        key: a candidate's zone (``None``: unknown); by default its ``availability_zone_id``
            attribute, or item for a mapping.

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
    return sorted(candidates, key=lambda candidate: zone_of(candidate) != zone)  # stable


def _default_key(candidate: object) -> str | None:
    if isinstance(candidate, dict) or (
        isinstance(candidate, Mapping) and not hasattr(candidate, ZONE_ATTRIBUTE)
    ):
        value = candidate.get(ZONE_ATTRIBUTE, _MISSING)
    else:
        value = getattr(candidate, ZONE_ATTRIBUTE, _MISSING)
    if value is _MISSING:
        raise TypeError(f"{candidate!r} has no {ZONE_ATTRIBUTE!r} attribute or item: pass key=")
    return value if isinstance(value, str) else None
