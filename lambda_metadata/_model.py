"""``LambdaMetadata`` and turning a response body into one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ._constants import AVAILABILITY_ZONE_ID_FIELD
from ._errors import InvalidFieldError, MalformedResponseError, MissingFieldError

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class LambdaMetadata:
    """Metadata of the current Lambda execution environment.

    Instances are deeply immutable, so one can be shared freely between threads
    and kept after the cache is cleared.
    """

    availability_zone_id: str
    """The Availability Zone ID, the same physical zone in every account (``use1-az1``)."""

    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, hash=False)
    """The whole JSON response, read-only, including fields AWS adds later."""

    @classmethod
    def from_response(cls, document: object) -> LambdaMetadata:
        """Build metadata from a decoded JSON document, validating what we rely on."""
        if not isinstance(document, dict):
            raise MalformedResponseError(
                f"the metadata response is JSON but not an object (got {type(document).__name__})"
            )
        if AVAILABILITY_ZONE_ID_FIELD not in document:
            raise MissingFieldError(
                f"the metadata response has no {AVAILABILITY_ZONE_ID_FIELD!r} field "
                f"(fields present: {sorted(document)!r})"
            )
        zone_id = document[AVAILABILITY_ZONE_ID_FIELD]
        if not isinstance(zone_id, str) or not zone_id.strip():
            raise InvalidFieldError(
                f"{AVAILABILITY_ZONE_ID_FIELD!r} must be a non-empty string, got {zone_id!r}"
            )
        return cls(availability_zone_id=zone_id, raw=_freeze(document))


def parse_body(body: bytes) -> LambdaMetadata:
    """Decode a 200 response body (UTF-8 JSON) into ``LambdaMetadata``."""
    import json

    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        preview = body[:80].decode("utf-8", "replace")
        raise MalformedResponseError(
            f"the metadata response is not valid UTF-8 JSON ({exc.__class__.__name__}: {exc}); "
            f"body starts with {preview!r}"
        ) from None
    return LambdaMetadata.from_response(document)


def _freeze(value: Any) -> Any:
    """Return a read-only deep copy: dicts become mapping proxies, lists tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value
