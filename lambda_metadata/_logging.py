"""The log-record factory that puts ``availability_zone_id`` on every log record.

One chained ``logging.setLogRecordFactory`` wrapper serves every logger and
formatter in the process: ``%(availability_zone_id)s`` works in any format
string, and JSON formatters that emit non-standard record attributes (Powertools'
``Logger`` among them) show the key. The factory reads the cached value only and
never does I/O; before the AZ is known a record carries ``PLACEHOLDER``.
"""

from __future__ import annotations

import logging
import threading

from ._cache import cached_metadata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["PLACEHOLDER", "RECORD_ATTRIBUTE", "install_log_record_factory"]

RECORD_ATTRIBUTE = "availability_zone_id"
"""Name of the attribute set on every ``logging.LogRecord``."""

PLACEHOLDER = "-"
"""Value of the attribute while the AZ is not known (no fetch has succeeded yet)."""

_lock = threading.Lock()
_ours: object = None
"""The factory this module installed last, to recognise it without a probe."""


def install_log_record_factory() -> None:
    """Chain the AZ-adding factory in front of the current one, unless records already get it.

    A factory set before this one keeps running (ours calls it, then adds the
    attribute); a factory set later that chains to the one it found keeps ours,
    and calling this again then changes nothing. When something has put back a
    factory without ours (``logging.setLogRecordFactory(logging.LogRecord)``),
    this installs it again.
    """
    global _ours
    if logging.getLogRecordFactory() is _ours:
        return
    with _lock:
        previous = logging.getLogRecordFactory()
        if previous is _ours or _adds_the_attribute(previous):
            return  # ours is in place, or in the chain: never wrap twice

        def availability_zone_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            metadata = cached_metadata()
            record.__dict__ = _Attributes(record.__dict__)
            record.availability_zone_id = (
                PLACEHOLDER if metadata is None else metadata.availability_zone_id
            )
            return record

        logging.setLogRecordFactory(availability_zone_record_factory)
        _ours = availability_zone_record_factory


class _Attributes(dict):  # type: ignore[type-arg]
    """A record's ``__dict__`` that does not claim ``availability_zone_id`` as taken.

    ``Logger.makeRecord`` refuses an ``extra=`` key the record already has (``KeyError:
    Attempt to overwrite``), which would break a handler's own ``extra=`` that worked
    before it was decorated: this way the caller's value replaces ours for that record.
    """

    __slots__ = ()

    def __contains__(self, key: object) -> bool:
        return key != RECORD_ATTRIBUTE and dict.__contains__(self, key)


def _adds_the_attribute(factory: Any) -> bool:
    """Whether records from ``factory`` carry the AZ already (ours further down its chain)."""
    try:
        record = factory("lambda_metadata", logging.DEBUG, __file__, 0, "probe", (), None)
    except Exception:  # a factory that cannot make a plain record: put ours in front
        return False
    return hasattr(record, RECORD_ATTRIBUTE)
