"""The log-record factory that puts ``availability_zone_id`` on every log record.

One chained ``logging.setLogRecordFactory`` wrapper serves every logger and formatter: format
strings and JSON formatters (Powertools' ``Logger``) see the key. It reads the cached value only,
never does I/O, and shows ``PLACEHOLDER`` before the AZ is known.
"""

from __future__ import annotations

import logging
import os
import threading

from ._cache import cached_metadata
from .errors import InvalidArgumentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RECORD_ATTRIBUTE = "availability_zone_id"  # the attribute, unless named otherwise
LOG_KEY_ENV = "LAMBDA_METADATA_LOG_KEY"  # names it otherwise, read when the factory is installed
PLACEHOLDER = "-"  # its value while the AZ is not known
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_lock = threading.Lock()
_ours: object = None  # the factory installed last, recognised without a probe
_key = RECORD_ATTRIBUTE  # the attribute it sets


def install_log_record_factory(*, key: str | None = None) -> None:
    """Chain the AZ-adding factory in front of the current one, unless records already get it.

    A factory set before keeps running (ours calls it); one set later that chains to ours keeps
    it, and calling this again changes nothing. When a factory without ours has been put back
    (``logging.setLogRecordFactory(logging.LogRecord)``), this installs it again.

    Args:
        key: the attribute's name (``LAMBDA_METADATA_LOG_KEY``, else ``availability_zone_id``);
            the first installation (``@inject_az``'s, when applied) decides it for the process.

    Raises:
        InvalidArgumentError: ``key`` (or the variable) is not an identifier, is an attribute
            every record has already, or differs from the key installed before.
    """
    global _ours, _key
    wanted = key or os.environ.get(LOG_KEY_ENV) or RECORD_ATTRIBUTE
    if not wanted.isidentifier() or wanted in _RESERVED:
        raise InvalidArgumentError(
            f"the log key must be an identifier that no LogRecord has, got {wanted[:80]!r}"
        )
    with _lock:
        previous = logging.getLogRecordFactory()
        if previous is _ours or _adds(previous, _key):
            if key is not None and key != _key:  # a key asked for, and another one in place
                raise InvalidArgumentError(
                    f"the log record factory is installed already, with the key {_key!r}"
                )
            return  # ours is in place, or in the chain: never wrap twice
        attributes = type("_Attributes", (_Attributes,), {"__slots__": (), "key": wanted})

        def availability_zone_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            metadata = cached_metadata()
            values = attributes(record.__dict__)
            values[wanted] = PLACEHOLDER if metadata is None else metadata.availability_zone_id
            record.__dict__ = values
            return record

        logging.setLogRecordFactory(availability_zone_record_factory)
        _ours, _key = availability_zone_record_factory, wanted


class _Attributes(dict):  # type: ignore[type-arg]
    """A record's ``__dict__`` that does not claim the AZ's key as taken, so that a caller's
    ``extra=`` with that key replaces ours rather than fail ``Logger.makeRecord``'s check."""

    __slots__ = ()
    key = RECORD_ATTRIBUTE

    def __contains__(self, key: object) -> bool:
        return key != self.key and dict.__contains__(self, key)


def _adds(factory: Any, key: str) -> bool:
    """Whether records from ``factory`` carry the AZ already (ours further down its chain)."""
    try:
        record = factory("lambda_metadata", logging.DEBUG, __file__, 0, "probe", (), None)
    except Exception:  # a factory that cannot make a plain record: put ours in front
        return False
    return hasattr(record, key)
