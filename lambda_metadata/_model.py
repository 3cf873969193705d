"""``LambdaMetadata``, turning a response body into one, and reading one off a context."""

from __future__ import annotations

from types import MappingProxyType

from ._constants import AVAILABILITY_ZONE_ID_FIELD as FIELD
from ._constants import AZ_ID_RULE, CONTEXT_ATTRIBUTE, is_valid_az_id
from .errors import InvalidMetadataError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

REDACTED = "<redacted>"  # what stands in for the token in text the server sent, quoted or kept


class LambdaMetadata:
    """Metadata of the current Lambda execution environment, deeply immutable: share it
    between threads, keep it after the cache is cleared.

    Attributes:
        availability_zone_id: the AZ ID, the same physical zone in every account (``use1-az1``).
        raw: the whole JSON response, read-only, including fields AWS adds later.
    """

    __slots__ = ("availability_zone_id", "raw")
    __match_args__ = ("availability_zone_id", "raw")

    # Hand-written, not a dataclass (whose import costs cold-start time); read-only to mypy too:
    if TYPE_CHECKING:

        @property
        def availability_zone_id(self) -> str: ...
        @property
        def raw(self) -> Mapping[str, Any]: ...

    def __init__(self, availability_zone_id: str, raw: Mapping[str, Any] | None = None) -> None:
        if not is_valid_az_id(availability_zone_id):
            zone_id = availability_zone_id
            shown = preview(zone_id, 80) if isinstance(zone_id, str) else type(zone_id).__name__
            raise InvalidMetadataError(f"{FIELD!r} must be {AZ_ID_RULE}; got {shown}")
        frozen = _freeze({} if raw is None else raw, 0)
        if not isinstance(frozen, MappingProxyType):
            raise TypeError(f"raw must be a mapping, got {type(raw).__name__}")
        object.__setattr__(self, "availability_zone_id", availability_zone_id)
        object.__setattr__(self, "raw", frozen)

    def __setattr__(self, name: str, value: object = None) -> None:
        raise AttributeError(f"LambdaMetadata is immutable: cannot set or delete {name!r}")

    __delattr__ = __setattr__

    def __repr__(self) -> str:
        zone_id = getattr(self, "availability_zone_id", None)  # None while __init__ refuses
        return f"LambdaMetadata(availability_zone_id={zone_id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LambdaMetadata) and self.__reduce__() == other.__reduce__()

    def __hash__(self) -> int:
        return hash(self.availability_zone_id)

    def __reduce__(self) -> tuple[object, ...]:
        return (LambdaMetadata, (self.availability_zone_id, thaw(self.raw)))

    def __deepcopy__(self, memo: object = None) -> LambdaMetadata:
        return self

    __copy__ = __deepcopy__

    @classmethod
    def from_response(cls, document: object) -> LambdaMetadata:
        """Build metadata from a decoded JSON document, validating what we rely on."""
        if not isinstance(document, (dict, MappingProxyType)):
            raise InvalidMetadataError("the metadata response is JSON but not an object")
        if FIELD not in document:
            names = preview(str(list(document)), 200, quote=False)
            raise InvalidMetadataError(f"the metadata response has no {FIELD!r} field: {names}")
        try:
            return cls(document[FIELD], document)
        except TypeError:
            raise InvalidMetadataError("the metadata response holds non-JSON values") from None


def parse_body(body: bytes, redact: Callable[[str], str]) -> LambdaMetadata:
    """A 200 body (UTF-8 JSON, RFC 8259) as ``LambdaMetadata``, each string ``redact``-ed."""
    import json

    try:  # parse_constant: int() refuses NaN and Infinity, which RFC 8259 has not
        document = json.loads(body.decode("utf-8"), parse_constant=int)
    except (ValueError, RecursionError, MemoryError) as exc:  # UnicodeDecodeError is a ValueError
        start = preview(redact(body.decode("utf-8", "replace"))[:80], 80)
        raise InvalidMetadataError(
            f"the metadata response is not valid UTF-8 JSON ({exc.__class__.__name__}: "
            f"{preview(str(exc), 120, quote=False)}); body starts with {start}"
        ) from None
    return LambdaMetadata.from_response(_freeze(document, 0, redact))


def preview(text: str, limit: int, *, quote: bool = True) -> str:
    """``text`` made printable ASCII (escapes for the rest) and cut to ``limit`` characters."""
    shown = ascii(text) if quote else ascii(text)[1:-1]
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _freeze(value: Any, depth: int, redact: Callable[[str], str] = str) -> Any:
    """A read-only deep copy (mapping proxies, tuples), ``redact`` applied to each string."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float)) or value is None:
        return value
    depth += 1
    if depth > 32:  # the real response is flat
        raise InvalidMetadataError("the metadata response is nested over 32 levels")
    if hasattr(value, "keys"):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("raw keys must be strings")
        return MappingProxyType({redact(k): _freeze(v, depth, redact) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item, depth, redact) for item in value)
    raise TypeError(f"raw must hold only JSON values, got {type(value).__name__}")


def thaw(value: Any) -> Any:
    """``raw``, or a value in it, back to plain JSON types (dicts and lists)."""
    if isinstance(value, MappingProxyType):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def metadata_of(context: object) -> LambdaMetadata | None:
    """The ``LambdaMetadata`` that ``@inject_az`` put on ``context``, or ``None``: unlike
    ``context.lambda_metadata``, it passes ``mypy --strict`` with any context type."""
    metadata = getattr(context, CONTEXT_ATTRIBUTE, None)
    return metadata if isinstance(metadata, LambdaMetadata) else None
