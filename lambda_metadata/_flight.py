"""A cached value fetched by one caller at a time, with a fail-fast window after a failure.

``SingleFlight`` serves both cached lookups of the package: the metadata (``_cache``) and the
AZ name (``az_names``). It holds one value, for one key, until it expires:

- **single flight**: the first caller that finds no fresh value leads the fetch; callers
  that arrive meanwhile wait for its outcome, each within its own deadline. A leader that
  is interrupted (``KeyboardInterrupt``, a soft timeout) wakes them, and they fetch again
  inside their deadlines. A flight past its deadline is abandoned: the next caller leads.
- **fail-fast window**: after a failed fetch no new fetch is made for a window that starts
  at 0.5 s and doubles while the failure lasts, up to 60 s. With a value for the key, the
  value is served until the window ends (a warning says so once per failure streak); with
  none, the failure is raised again, as a new instance. The first fetch of a streak may
  retry inside its deadline; each later one makes one attempt, so an outage costs one
  attempt per window. A fetch for another key, or ``clear()``, closes the window.
- ``clear()`` drops the value: a fetch in flight returns to its callers but is not stored,
  and no later caller joins it. A forked child starts with a new lock and no flight.

The state is read without the lock on the warm path (``entry``): one attribute read and one
clock comparison. Everything else happens under the lock, never held across a fetch.
"""

from __future__ import annotations

import os
import threading
import time

from ._log import FailureStreak, log
from .errors import LambdaMetadataError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Generic, TypeVar

    T = TypeVar("T")
else:  # no typing at run time (a cold start has not imported it): generic to mypy only

    class Generic:
        __slots__ = ()

        def __class_getitem__(cls, item: object) -> type:
            return cls

    T = None

__all__ = ["FIRST_WINDOW", "MAX_WINDOW", "SingleFlight"]

FIRST_WINDOW = 0.5
"""Seconds of the first fail-fast window after a failure."""
MAX_WINDOW = 60.0
"""The longest window, reached after the 8th failure in a row."""
ABANDONED_AFTER = 2.0
"""Seconds past its own deadline after which a flight counts as abandoned and is replaced."""

Key = tuple[object, ...]
"""What a value is for, compared item by item by identity (``()`` for a single value)."""


class _Flight(Generic[T]):
    """One fetch in progress; callers that arrive meanwhile wait for its outcome.

    ``_latch`` is a lock held from creation until the fetch ends: a bare lock costs a
    fraction of a ``threading.Event``, and this runs on every cold start's first fetch.
    """

    __slots__ = (
        "_latch",
        "deadline",
        "error",
        "generation",
        "interrupted",
        "key",
        "number",
        "value",
    )

    def __init__(self, key: Key, generation: int, number: int, deadline: float) -> None:
        self.key = key
        self.generation = generation
        self.number = number
        """Flights are numbered: an older one's outcome never replaces a newer one's."""
        self.deadline = deadline
        self._latch = threading.Lock()
        self._latch.acquire()
        self.interrupted = False
        self.value: T | None = None
        self.error: LambdaMetadataError | None = None

    def finish(self) -> None:
        """Wake every caller waiting on this fetch (called once, when it lands)."""
        self._latch.release()

    def wait(self, timeout: float) -> bool:
        """Wait until the fetch ends; ``False`` if it did not within ``timeout`` (> 0) seconds."""
        if not self._latch.acquire(timeout=timeout):
            return False
        self._latch.release()  # pass it on to the next waiting caller
        return True


class SingleFlight(Generic[T]):
    """One cached value, fetched by one caller at a time, failing fast after a failure.

    Args:
        clock: the monotonic clock of expiries and windows (a test's fake clock moves it);
            deadlines always follow ``time.monotonic``, as a fetch takes real time.
        fetch: ``fetch(key, timeout, retry)`` returns the value and how long it may be kept
            (``inf``: for good, 0: not at all), or raises a ``LambdaMetadataError``.
        busy: the error for a caller whose deadline passed while another fetched.
        free: failures found before any request (no window opens for them with no value).
        recovered: the line logged (``INFO``) when a fetch succeeds after failures.
        stale: the warning logged once per failure streak while a stale value is served,
            formatted with the error, what ``show`` gives of the value, and the window.
    """

    __slots__ = (
        "_applied",
        "_busy",
        "_failures",
        "_fetch",
        "_flight",
        "_free",
        "_lock",
        "_recovered",
        "_show",
        "_stale",
        "_stale_line",
        "_started",
        "_until",
        "_window",
        "_window_error",
        "_window_key",
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
        show: Callable[[T], object] = repr,
    ) -> None:
        self.clock = clock
        self.entry: tuple[Key, T, float] | None = None
        """The key, the value and the clock reading at which it expires."""
        self.generation = 0
        """Bumped by ``clear()``: an older flight's outcome is not stored."""
        self._fetch = fetch
        self._busy = busy
        self._free = free
        self._recovered = recovered
        self._stale_line = stale
        self._show = show
        self._lock = threading.Lock()
        self._flight: _Flight[T] | None = None
        self._started = 0
        self._applied = 0
        self._failures = 0
        self._window = 0.0
        self._until = 0.0
        self._window_error: LambdaMetadataError | None = None
        self._window_key: Key = ()
        self._stale = FailureStreak()
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
            self.entry = None
            self.generation += 1
            self._flight = None
            self._close_window()

    def get(self, key: Key, *, timeout: float, refresh: bool = False) -> T:
        """The value for ``key``: cached, joined, fetched, or the failure (see the module)."""
        deadline = time.monotonic() + timeout
        first_try = True  # a second try, after an interrupted leader, gets what is left
        while True:
            with self._lock:
                value = None if refresh else self.fresh(key)
                if value is not None:
                    return value
                if not _same(self._window_key, key):
                    self._close_window()  # another key: its failures are not this one's
                error = None if refresh or self._until <= self.clock() else self._window_error
                if error is None:
                    flight = self._flight
                    now = time.monotonic()
                    remaining = deadline - now
                    leading = (
                        refresh
                        or flight is None
                        or flight.generation != self.generation
                        or not _same(flight.key, key)
                        or flight.deadline < now
                    )
                    retry = self._failures == 0  # in a failure streak, one attempt per window
                    if leading and remaining > 0:
                        self._started += 1
                        abandoned = deadline + ABANDONED_AFTER
                        flight = _Flight(key, self.generation, self._started, abandoned)
                        self._flight = flight
            if error is not None:
                raise _copy(error)
            if remaining <= 0:  # a second try after an interrupted leader, with no time left
                return self._stale_or_raise(key, self._busy(timeout), refresh=refresh)
            assert flight is not None
            if leading:
                return self._lead(flight, timeout if first_try else remaining, retry, refresh)
            if not flight.wait(remaining):
                return self._stale_or_raise(key, self._busy(timeout), refresh=refresh)
            if flight.interrupted:  # its leader was interrupted: fetch again, inside our deadline
                first_try = False
                continue
            if flight.value is not None:
                return flight.value
            assert flight.error is not None
            return self._stale_or_raise(key, _copy(flight.error), refresh=refresh)

    def _lead(self, flight: _Flight[T], timeout: float, retry: bool, refresh: bool) -> T:
        """Fetch as the leader of ``flight``, store the outcome, wake the followers, then log.

        Whatever is raised, wherever (the fetch, a signal handler), the flight ends and the
        state is left as if it had never started. Logging happens last, outside the lock.
        """
        lifetime = 0.0
        message: tuple[str, str, tuple[object, ...]] | None = None
        try:
            flight.value, lifetime = self._fetch(flight.key, timeout, retry)
        except LambdaMetadataError as exc:
            flight.error = exc
        finally:
            try:
                if flight.value is None and flight.error is None:  # a foreign exception
                    flight.interrupted = True
                with self._lock:
                    message = self._settle(flight, lifetime)
                    if self._flight is flight:
                        self._flight = None
            finally:
                flight.finish()
            if message is not None:
                log(message[0], message[1], *message[2])
        if flight.value is not None:
            return flight.value
        assert flight.error is not None
        return self._stale_or_raise(flight.key, flight.error, refresh=refresh)

    def _settle(
        self, flight: _Flight[T], lifetime: float
    ) -> tuple[str, str, tuple[object, ...]] | None:
        """Store ``flight``'s outcome (under the lock); return the line to log, if any."""
        if flight.interrupted or flight.generation != self.generation:
            return None
        if flight.number < self._applied:
            return None
        self._applied = flight.number
        value = flight.value
        if value is not None:
            expires = self.clock() + lifetime
            self.entry = None if lifetime <= 0 else (flight.key, value, expires)
            recovered = self._failures > 0
            self._close_window()
            self._stale.succeeded()
            if recovered and self._recovered:
                return ("info", self._recovered, ())
            return None
        error = flight.error
        assert error is not None
        entry = self.entry
        if entry is not None and not _same(entry[0], flight.key):
            entry = None
        if entry is None and isinstance(error, self._free):
            return None  # nothing was sent: repeating the check is free, so no window
        self._window = min(self._window * 2.0, MAX_WINDOW) if self._failures else FIRST_WINDOW
        self._failures += 1  # the window doubles from the last one: no power of a count
        self._until = self.clock() + self._window
        self._window_error = error
        self._window_key = flight.key
        if entry is None:
            return None
        key, stale, expires = entry
        self.entry = (key, stale, max(expires, self._until))
        if not self._stale_line or not self._stale.begins():
            return None  # one warning per failure streak
        return ("warning", self._stale_line, (error, self._show(stale), self._window))

    def _close_window(self) -> None:
        self._failures = 0
        self._window = self._until = 0.0
        self._window_error = None

    def _stale_or_raise(self, key: Key, error: LambdaMetadataError, *, refresh: bool) -> T:
        entry = self.entry
        if entry is None or refresh or not _same(entry[0], key):
            raise error
        return entry[1]

    def _after_fork(self) -> None:
        """A child forked mid-fetch must not inherit a held lock or a flight nobody finishes."""
        self._lock = threading.Lock()
        self._flight = None


def _same(one: Key, other: Key) -> bool:
    return one is other or (
        len(one) == len(other) and all(a is b for a, b in zip(one, other, strict=True))
    )


def _copy(error: LambdaMetadataError) -> LambdaMetadataError:
    """A new instance of ``error``'s class, message, status and cause: raising it again and
    again never grows one object's traceback, and no caller's frames reach another's."""
    copy = type(error)(str(error), status_code=error.status_code)
    copy.__cause__ = error.__cause__
    return copy
