"""``LambdaMetadata``, turning a response body into one, and reading one off a context."""

from __future__ import annotations

from types import MappingProxyType

from ._constants import AVAILABILITY_ZONE_ID_FIELD, AZ_ID_RULE, CONTEXT_ATTRIBUTE, is_valid_az_id
from .errors import InvalidMetadataError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

REDACTED = "<redacted>"
"""What stands in for the token wherever text the server sent is quoted or kept."""
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_MAX_DEPTH = 32
"""Deepest nesting kept in ``raw``; the real response is flat."""


# A hand-written frozen slotted class, not a dataclass: importing dataclasses (and the
# inspect module it pulls in) would cost milliseconds of every cold start.
class LambdaMetadata:
    """Metadata of the current Lambda execution environment.

    Instances are deeply immutable, so one can be shared freely between threads
    and kept after the cache is cleared.

    Attributes:
        availability_zone_id: the Availability Zone ID, the same physical zone in every
            account (``use1-az1``).
        raw: the whole JSON response, read-only, including fields AWS adds later.
    """

    __slots__ = ("availability_zone_id", "raw")
    __match_args__ = ("availability_zone_id", "raw")

    if TYPE_CHECKING:  # read-only to a type checker too, as a frozen dataclass was

        @property
        def availability_zone_id(self) -> str: ...
        @property
        def raw(self) -> Mapping[str, Any]: ...

    def __init__(self, availability_zone_id: str, raw: Mapping[str, Any] | None = None) -> None:
        if not is_valid_az_id(availability_zone_id):
            raise InvalidMetadataError(_az_problem(availability_zone_id))
        frozen = _EMPTY if raw is None else _freeze(raw, 0)
        if not isinstance(frozen, MappingProxyType):
            raise TypeError(f"raw must be a mapping, got {type(raw).__name__}")
        object.__setattr__(self, "availability_zone_id", availability_zone_id)
        object.__setattr__(self, "raw", frozen)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"LambdaMetadata is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"LambdaMetadata is immutable: cannot delete {name!r}")

    def __repr__(self) -> str:
        zone_id = getattr(self, "availability_zone_id", None)  # None while __init__ refuses
        return f"LambdaMetadata(availability_zone_id={zone_id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LambdaMetadata):
            return NotImplemented
        return self.availability_zone_id == other.availability_zone_id and self.raw == other.raw

    def __hash__(self) -> int:
        return hash((self.availability_zone_id,))

    def __reduce__(self) -> tuple[object, ...]:
        return (LambdaMetadata, (self.availability_zone_id, thaw(self.raw)))

    def __copy__(self) -> LambdaMetadata:
        return self

    def __deepcopy__(self, memo: object) -> LambdaMetadata:
        return self

    @classmethod
    def from_response(cls, document: object) -> LambdaMetadata:
        """Build metadata from a decoded JSON document, validating what we rely on."""
        if not isinstance(document, dict):
            raise InvalidMetadataError(
                f"the metadata response is JSON but not an object (got {type(document).__name__})"
            )
        if AVAILABILITY_ZONE_ID_FIELD not in document:
            names = ", ".join(preview(name, 40) for name in list(document)[:10])
            more = ", ..." if len(document) > 10 else ""
            raise InvalidMetadataError(
                f"the metadata response has no {AVAILABILITY_ZONE_ID_FIELD!r} field "
                f"(fields present: [{names}{more}])"
            )
        try:
            return cls(document[AVAILABILITY_ZONE_ID_FIELD], document)
        except TypeError:
            raise InvalidMetadataError(
                "the metadata response holds values that are not JSON"
            ) from None


def parse_body(body: bytes, redact: Callable[[str], str]) -> LambdaMetadata:
    """Decode a 200 response body (UTF-8 JSON, RFC 8259) into ``LambdaMetadata``.

    ``redact`` removes the token from every string the body holds, before any of it
    can reach a message, a ``repr`` or ``raw``: a server may echo the request back.
    """
    import json

    try:
        document = json.loads(body.decode("utf-8"), parse_constant=_not_json)
    except (ValueError, RecursionError, MemoryError) as exc:  # UnicodeDecodeError is a ValueError
        start = preview(redact(body.decode("utf-8", "replace"))[:80], 80)
        raise InvalidMetadataError(
            f"the metadata response is not valid UTF-8 JSON ({exc.__class__.__name__}: "
            f"{preview(str(exc), 120, quote=False)}); body starts with {start}"
        ) from None
    return LambdaMetadata.from_response(_redacted(document, redact, 0))


def _not_json(constant: str) -> object:
    """``NaN``, ``Infinity`` and ``-Infinity``: Python's json reads them, RFC 8259 has none."""
    raise ValueError(f"{constant} is not a JSON value")


def _redacted(value: Any, redact: Callable[[str], str], depth: int) -> Any:
    """``value`` with ``redact`` applied to every string and key (``_freeze`` bounds the depth)."""
    if isinstance(value, str):
        return redact(value)
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {redact(key): _redacted(item, redact, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, redact, depth + 1) for item in value]
    return value


def _az_problem(value: object) -> str:
    if not isinstance(value, str):
        kind = type(value).__name__
        return f"{AVAILABILITY_ZONE_ID_FIELD!r} must be a non-empty string, got {kind}"
    return f"{AVAILABILITY_ZONE_ID_FIELD!r} must be {AZ_ID_RULE}; got {preview(value, 80)}"


def preview(text: str, limit: int, *, quote: bool = True) -> str:
    """``text`` made printable ASCII (escapes for the rest) and cut to ``limit`` characters."""
    shown = ascii(text) if quote else ascii(text)[1:-1]
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _freeze(value: Any, depth: int) -> Any:
    """Return a read-only deep copy: mappings become mapping proxies, lists tuples."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if depth >= _MAX_DEPTH:
        raise InvalidMetadataError(
            f"the metadata response is nested more than {_MAX_DEPTH} levels deep"
        )
    if isinstance(value, (dict, MappingProxyType)) or hasattr(value, "keys"):
        frozen = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"raw keys must be strings, got {type(key).__name__}")
            frozen[key] = _freeze(item, depth + 1)
        return MappingProxyType(frozen)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item, depth + 1) for item in value)
    raise TypeError(f"raw must hold only JSON values, got {type(value).__name__}")


def thaw(value: Any) -> Any:
    """``raw``, or a value in it, back to plain JSON types (dicts and lists)."""
    if isinstance(value, MappingProxyType):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def metadata_of(context: object) -> LambdaMetadata | None:
    """The ``LambdaMetadata`` that ``@inject_az`` put on ``context``, or ``None``.

    ``context.lambda_metadata`` is invisible to a type checker when the context is
    annotated as Powertools' ``LambdaContext``; this accessor passes ``mypy --strict``
    with any context type. ``None`` when the handler is not decorated, or when the
    decorator ran without metadata (outside Lambda, the endpoint down).
    """
    metadata = getattr(context, CONTEXT_ATTRIBUTE, None)
    return metadata if isinstance(metadata, LambdaMetadata) else None
