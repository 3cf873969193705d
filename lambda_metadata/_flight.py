"""One cached value, fetched by one caller at a time, failing fast after a failure.

``SingleFlight`` serves the metadata (``_cache``) and the AZ name (``az_names``). The first
caller with no fresh value leads the fetch; the others wait for it, each within its own
deadline, and fetch again if the leader is interrupted (a ``KeyboardInterrupt``, a soft
timeout). After a failure no fetch is made for a fail-fast window (0.5 s, doubling while the
failure lasts, up to 60 s): the last value is served, or the failure raised again. Only the
current flight's outcome is stored (``clear()`` and ``refresh`` start a new one). The warm
path (``fresh``) reads ``entry`` without the lock: one read, one clock comparison.
"""

from __future__ import annotations

import os
import threading
import time
from operator import is_  # loaded with threading

from ._log import log
from .errors import LambdaMetadataError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Generic, TypeVar

    T = TypeVar("T")
else:  # Generic[T] is object at run time: a cold start has not imported typing
    Generic, T = {None: object}, None

__all__ = ["FIRST_WINDOW", "MAX_WINDOW", "SingleFlight"]

FIRST_WINDOW = 0.5
"""Seconds of the first fail-fast window after a failure."""
MAX_WINDOW = 60.0
"""The longest window, reached after the 8th failure in a row."""
ABANDONED_AFTER = 2.0
"""Seconds past its leader's deadline after which a flight is abandoned to the next caller."""

Key = tuple[object, ...]
"""What a value is for, compared item by item by identity (``()`` for a single value)."""


class _Flight(Generic[T]):
    """One fetch in progress: ``done`` is held until it ends (cheaper than an ``Event``)."""

    __slots__ = ("deadline", "done", "error", "key", "value")

    def __init__(self, key: Key, deadline: float) -> None:
        self.key = key
        self.deadline = deadline
        self.done = threading.Lock()
        self.done.acquire()
        self.value: T | None = None
        self.error: LambdaMetadataError | None = None


class SingleFlight(Generic[T]):
    """One cached value, fetched by one caller at a time, failing fast after a failure.

    Args:
        clock: the clock of expiries and windows; deadlines follow ``time.monotonic``.
        fetch: ``fetch(key, timeout, retry)`` returns the value and how long it may be kept
            (``inf``: for good, 0: not at all), or raises a ``LambdaMetadataError``.
        busy: the error for a caller whose deadline passed while another fetched.
        free: failures found before any request: with no value, they open no window.
        recovered: the line logged (``INFO``) when a fetch succeeds after failures.
        stale: the warning logged once per failure streak that serves a stale value,
            ``str.format``-ted with the error, the value and the window.
    """

    __slots__ = (
        "_busy",
        "_failed",
        "_fetch",
        "_flight",
        "_free",
        "_lock",
        "_recovered",
        "_stale",
        "clock",
        "entry",
        "generation",
    )

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        fetch: Callable[[Key, float, bool], tuple[T, float]],
        busy: Callable[[float], LambdaMetadataError],
        free: tuple[type[LambdaMetadataError], ...] = (),
        recovered: str | None = None,
        stale: str | None = None,
    ) -> None:
        self.clock = clock
        self.entry: tuple[Key, T, float] | None = None
        """The key, the value and the clock reading at which it expires."""
        self.generation = 0
        """How many times ``clear()`` ran."""
        self._fetch = fetch
        self._busy = busy
        self._free = free
        self._recovered = recovered
        self._stale = stale
        self._lock = threading.Lock()
        self._flight: _Flight[T] | None = None
        self._failed: tuple[Key, LambdaMetadataError, float, float] | None = None
        """While failing: the key, the error, the end of the window and its length."""
        os.register_at_fork(after_in_child=self._after_fork)

    def fresh(self, key: Key) -> T | None:
        """The value for ``key`` if it has not expired, without any I/O or lock."""
        entry = self.entry
        if entry is not None and _same(entry[0], key) and entry[2] > self.clock():
            return entry[1]
        return None

    def clear(self) -> None:
        """Drop the value, any flight and any window; the next call fetches."""
        with self._lock:
            self.entry = self._flight = self._failed = None
            self.generation += 1

    def get(self, key: Key, *, timeout: float, refresh: bool = False) -> T:
        """The value for ``key``: cached, joined, fetched, or the failure (see the module)."""
        deadline = time.monotonic() + timeout
        budget = timeout  # after an interrupted leader: what is left of it
        while True:
            with self._lock:
                value = None if refresh else self.fresh(key)
                if value is not None:
                    return value
                failed = self._failed
                if failed is not None and not _same(failed[0], key):
                    failed = self._failed = None  # another key: its failures are not this one's
                if failed is not None and not refresh and failed[2] > self.clock():
                    raise _copy(failed[1])
                flight, now = self._flight, time.monotonic()
                if now >= deadline:  # no time left to lead or to wait
                    return self._stale_or_raise(key, self._busy(timeout), refresh)
                lead = (
                    refresh or flight is None or flight.deadline < now or not _same(flight.key, key)
                )
                if lead:
                    flight = self._flight = _Flight(key, deadline + ABANDONED_AFTER)
            assert flight is not None
            if lead:
                self._lead(flight, budget, retry=failed is None)
            elif not flight.done.acquire(timeout=deadline - now):
                return self._stale_or_raise(key, self._busy(timeout), refresh)
            else:
                flight.done.release()  # pass it on to the next follower
            if flight.value is not None:
                return flight.value
            if flight.error is not None:
                error = flight.error if lead else _copy(flight.error)  # one copy per follower
                return self._stale_or_raise(key, error, refresh)
            budget = deadline - time.monotonic()  # its leader was interrupted: fetch again

    def _lead(self, flight: _Flight[T], timeout: float, *, retry: bool) -> None:
        """Fetch, store the outcome, wake the followers, then log: whatever is raised, wherever
        (a signal handler too), the flight ends, and only a value or our error is stored."""
        lifetime = 0.0
        try:
            flight.value, lifetime = self._fetch(flight.key, timeout, retry)
        except LambdaMetadataError as exc:
            flight.error = exc
        finally:
            try:
                with self._lock:
                    line = self._settle(flight, lifetime)
            finally:
                flight.done.release()
        if line is not None:
            log(*line)

    def _settle(self, flight: _Flight[T], lifetime: float) -> tuple[str, str] | None:
        """End ``flight`` (under the lock), store its outcome if it is the current one; return
        the line to log, if any."""
        if self._flight is not flight:
            return None
        self._flight = None
        value, error, failed = flight.value, flight.error, self._failed
        if value is not None:
            self.entry = (flight.key, value, self.clock() + lifetime) if lifetime > 0 else None
            self._failed = None
            return ("info", self._recovered) if failed and self._recovered else None
        if error is None:
            return None  # interrupted: no value, no window
        entry = self.entry
        if entry is None or not _same(entry[0], flight.key):
            if isinstance(error, self._free):
                return None  # nothing was sent: repeating the check is free, so no window
            entry = None
        window = min(failed[3] * 2, MAX_WINDOW) if failed else FIRST_WINDOW  # no 2**n: overflow
        until = self.clock() + window
        self._failed = (flight.key, error, until, window)
        if entry is None:
            return None
        self.entry = (entry[0], entry[1], max(entry[2], until))
        if failed or not self._stale:
            return None  # one warning per failure streak
        return ("warning", self._stale.format(error, entry[1], window))

    def _stale_or_raise(self, key: Key, error: LambdaMetadataError, refresh: bool) -> T:
        entry = self.entry
        if entry is None or refresh or not _same(entry[0], key):
            raise error
        return entry[1]

    def _after_fork(self) -> None:
        """A child forked mid-fetch must not inherit a held lock or a flight nobody finishes."""
        self._lock = threading.Lock()
        self._flight = None


def _same(one: Key, other: Key) -> bool:
    return one is other or (len(one) == len(other) and all(map(is_, one, other)))


def _copy(error: LambdaMetadataError) -> LambdaMetadataError:
    """A new copy of ``error``: one instance raised again and again would grow its traceback."""
    copy = type(error)(str(error), status_code=error.status_code)
    copy.__cause__ = error.__cause__
    return copy
