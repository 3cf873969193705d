"""The log-record factory that puts ``availability_zone_id`` on every log record.

One chained ``logging.setLogRecordFactory`` wrapper serves every logger and
formatter in the process: ``%(availability_zone_id)s`` works in any format
string, and JSON formatters that emit non-standard record attributes (Powertools'
``Logger`` among them) show the key. The factory reads the cached value only and
never does I/O; before the AZ is known a record carries ``PLACEHOLDER``. The key
can be named otherwise, once per process (``LOG_KEY_ENV``, or ``key=``).
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

__all__ = ["LOG_KEY_ENV", "PLACEHOLDER", "RECORD_ATTRIBUTE", "install_log_record_factory"]

RECORD_ATTRIBUTE = "availability_zone_id"
"""Name of the attribute set on every ``logging.LogRecord``, unless named otherwise."""

LOG_KEY_ENV = "LAMBDA_METADATA_LOG_KEY"
"""Environment variable naming the attribute instead, read when the factory is installed."""

PLACEHOLDER = "-"
"""Value of the attribute while the AZ is not known (no fetch has succeeded yet)."""

_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

_lock = threading.Lock()
_ours: object = None
"""The factory this module installed last, to recognise it without a probe."""
_key = RECORD_ATTRIBUTE
"""The attribute that factory sets."""


def install_log_record_factory(*, key: str | None = None) -> None:
    """Chain the AZ-adding factory in front of the current one, unless records already get it.

    A factory set before this one keeps running (ours calls it, then adds the
    attribute); a factory set later that chains to the one it found keeps ours,
    and calling this again then changes nothing. When something has put back a
    factory without ours (``logging.setLogRecordFactory(logging.LogRecord)``),
    this installs it again.

    Args:
        key: the attribute's name, for a log schema that names the AZ otherwise; by
            default ``LAMBDA_METADATA_LOG_KEY``, else ``availability_zone_id``. The first
            installation decides it for the process (``@inject_az`` installs the factory
            with the default when it is applied).

    Raises:
        InvalidArgumentError: ``key`` (or the variable) is not an identifier, is an attribute
            every record has already, or differs from the key installed before.
    """
    global _ours, _key
    wanted = key or os.environ.get(LOG_KEY_ENV) or RECORD_ATTRIBUTE
    if not wanted.isidentifier() or wanted in _RESERVED:
        raise InvalidArgumentError(
            f"the log key must be a Python identifier that no LogRecord has already, got "
            f"{wanted[:80]!r}"
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
    """A record's ``__dict__`` that does not claim the AZ's key as taken.

    ``Logger.makeRecord`` refuses an ``extra=`` key the record already has (``KeyError:
    Attempt to overwrite``), which would break a handler's own ``extra=`` that worked
    before it was decorated: this way the caller's value replaces ours for that record.
    """

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
