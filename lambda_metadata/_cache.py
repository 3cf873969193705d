"""The cached metadata: one value and its expiry, single flight, fail-fast windows, fork reset.

The hot path, a cache hit, is one module-global read and one monotonic-clock
comparison. Everything else happens in ``_load``.

After a failed fetch a ``Backoff`` window opens (0.5 s, doubling to 60 s while
the failure lasts): with a good value, it is served until the window ends; with
none, every call inside the window raises the failure again without a request.
The first attempt of a failure streak lets the client retry inside its deadline;
each later one makes a single request, so an outage costs one request per window.
A success, ``refresh=True``, ``clear_metadata_cache()`` and the SnapStart hooks
end or bypass it.
"""

from __future__ import annotations

import os
import threading
import time

from ._backoff import Backoff, FailureStreak, log
from ._constants import DEFAULT_TIMEOUT
from ._model import LambdaMetadata
from ._timeout import check_timeout
from .errors import (
    InvalidEndpointConfigError,
    LambdaMetadataError,
    MetadataTimeoutError,
    MetadataUnavailableError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "cached_metadata",
    "clear_metadata_cache",
    "fresh_metadata",
    "generation",
    "get_lambda_metadata",
    "set_clock",
]

_monotonic: Callable[[], float] = time.monotonic
"""The clock of expiries and fail-fast windows; ``set_clock`` swaps it in tests."""
_wall = time.monotonic
"""The real clock of fetch deadlines: a fetch takes real time whatever ``_monotonic`` says."""
_ABANDONED_AFTER = 2.0
"""Seconds past its own deadline after which a flight counts as abandoned and is replaced."""
_NO_REQUEST = (MetadataUnavailableError, InvalidEndpointConfigError)
"""Failures found before any request is sent: already free, so they open no window."""

_entry: tuple[LambdaMetadata, float] | None = None
"""The cached value and the monotonic time at which it expires."""
_generation = 0
"""Bumped by ``clear_metadata_cache()``: an older flight's outcome is not stored."""
_lock = threading.Lock()
_flight: _Flight | None = None
"""The fetch that callers of this generation join, if one is running."""
_started = 0
"""Flights started so far; each is numbered, so an older one never overwrites a newer one."""
_applied = 0
"""Number of the newest flight whose outcome is in the cache."""


def now() -> float:
    """Monotonic seconds as the cache reads them (``set_clock`` replaces the clock in tests).

    The AZ-name resolver times its fail-fast window with it too, so one fake clock moves both.
    """
    return _monotonic()


_backoff = Backoff(clock=now)
_stale = FailureStreak()
"""Serving the last good value because a refresh failed: warned once per streak."""


class _Flight:
    """One fetch in progress; callers that arrive meanwhile wait for its outcome.

    ``_latch`` is a lock held from creation until the fetch ends: a bare lock
    costs a fraction of a ``threading.Event`` (a Condition, its lock and a
    waiter list), and this runs on every first fetch, a cold-start path.
    """

    __slots__ = (
        "_latch",
        "deadline",
        "error",
        "generation",
        "interrupted",
        "number",
        "value",
    )

    def __init__(self, generation: int, number: int, deadline: float) -> None:
        self.generation = generation
        self.number = number
        self.deadline = deadline
        self._latch = threading.Lock()
        self._latch.acquire()
        self.interrupted = False
        self.value: LambdaMetadata | None = None
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


def get_lambda_metadata(
    *, refresh: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> LambdaMetadata:
    """Return the execution environment's metadata, fetched once and then cached.

    Args:
        refresh: bypass the cache and any fail-fast window, fetch now and
            replace the cached value.
        timeout: overall deadline in seconds for a fetch, retries included.

    Raises:
        InvalidArgumentError: ``timeout`` is not a positive, finite number (also a ``ValueError``).
        LambdaMetadataError: a subclass saying what went wrong; when an expired
            value cannot be refreshed, the last good value is returned instead.
            After a failure with nothing cached, calls within the fail-fast
            window raise the same class again without a request.
    """
    if timeout is not DEFAULT_TIMEOUT:
        check_timeout(timeout)
    entry = _entry
    if entry is not None and not refresh and entry[1] > _monotonic():
        return entry[0]
    return _load(refresh=refresh, timeout=timeout)


def cached_metadata() -> LambdaMetadata | None:
    """Return the cached value, even if expired, without any I/O; ``None`` when empty."""
    entry = _entry
    return None if entry is None else entry[0]


def fresh_metadata() -> LambdaMetadata | None:
    """Return the cached value if it has not expired, without any I/O or lock; else ``None``.

    The decorator's warm path: one global read and one clock comparison.
    """
    entry = _entry
    if entry is not None and entry[1] > _monotonic():
        return entry[0]
    return None


def generation() -> int:
    """How many times the cache was cleared: a new number starts a new failure streak."""
    return _generation


def clear_metadata_cache() -> None:
    """Drop the cached value and any fail-fast window; the next call fetches again.

    Objects already returned are immutable and stay valid. A fetch in flight
    when the cache is cleared returns to its callers but is not stored, and no
    later call joins it.
    """
    global _entry, _generation, _flight
    with _lock:
        _entry = None
        _generation += 1
        _flight = None
        _backoff.reset()  # the stale-value streak ends with the next success, the only way out


def set_clock(clock: Callable[[], float] | None = None) -> None:
    """Read expiries and fail-fast windows from ``clock`` (``None``: ``time.monotonic``).

    For tests and benchmarks that move time on without sleeping. Also clears
    the cache, whose expiries were read from the previous clock.
    """
    global _monotonic
    _monotonic = time.monotonic if clock is None else clock
    clear_metadata_cache()


def _load(*, refresh: bool, timeout: float) -> LambdaMetadata:
    global _flight, _started
    deadline = _wall() + timeout
    first_try = True  # a second try, after an interrupted leader, gets what is left
    while True:
        with _lock:
            entry = _entry
            blocked = False
            if not refresh:
                if entry is not None and entry[1] > _monotonic():
                    return entry[0]
                blocked = _backoff.blocked()
            if blocked:
                # Nothing is cached: a failure with a value extends its expiry past the window.
                error = _backoff.error
            else:
                current = _flight
                now = _wall()
                remaining = deadline - now
                leading = (
                    refresh
                    or current is None
                    or current.generation != _generation
                    or current.deadline < now
                )
                retry = _backoff.failures == 0  # in a failure streak, one request per window
                if leading and remaining > 0:
                    _started += 1
                    current = _Flight(_generation, _started, deadline + _ABANDONED_AFTER)
                    _flight = current
                flight = current
        if blocked:
            assert isinstance(error, LambdaMetadataError)
            raise _copy(error)
        if remaining <= 0:  # a second try after an interrupted leader, with no time left
            return _stale_or_raise(_timed_out(timeout), refresh=refresh)
        assert flight is not None
        if leading:
            _lead(flight, timeout if first_try else remaining, retry=retry)
        else:
            if not flight.wait(remaining):  # read under the lock, so > 0
                return _stale_or_raise(_timed_out(timeout), refresh=refresh)
            if flight.interrupted:  # its leader was interrupted: fetch again, inside our deadline
                first_try = False
                continue
        if flight.value is not None:
            return flight.value
        assert flight.error is not None
        return _stale_or_raise(flight.error if leading else _copy(flight.error), refresh=refresh)


def _lead(flight: _Flight, timeout: float, *, retry: bool) -> None:
    """Fetch as the leader of ``flight``, store the outcome, wake the followers, then log.

    ``retry``: let the client retry inside ``timeout`` (the first attempt of a failure
    streak); later attempts of a streak make one request each.

    Whatever is raised, wherever (the import, the fetch, a signal handler), the
    flight ends and the cache is left as if it had never started. Logging
    happens last, outside the lock, and its failures are swallowed.
    """
    lifetime = 0.0
    message: tuple[str, str, tuple[object, ...]] | None = None
    try:
        from ._client import fetch

        fetched = fetch(timeout=timeout, retry=retry)
        lifetime = fetched.lifetime
        flight.value = fetched.metadata
    except LambdaMetadataError as exc:
        flight.error = exc
    finally:
        try:
            if flight.value is None and flight.error is None:  # a foreign exception is leaving
                flight.interrupted = True
                flight.error = LambdaMetadataError("the metadata fetch in flight was interrupted")
            with _lock:
                message = _apply(flight, lifetime)
        finally:
            _land(flight)
        if message is not None:
            log(message[0], message[1], *message[2])


def _apply(flight: _Flight, lifetime: float) -> tuple[str, str, tuple[object, ...]] | None:
    """Store ``flight``'s outcome (under ``_lock``); return the line to log, if any."""
    global _entry, _applied
    if flight.interrupted or flight.generation != _generation or flight.number < _applied:
        return None
    _applied = flight.number
    if flight.value is not None:
        _entry = None if lifetime <= 0 else (flight.value, _monotonic() + lifetime)
        recovered = _backoff.failures > 0
        _backoff.reset()
        _stale.succeeded()
        if recovered:
            return ("info", "lambda_metadata: the metadata endpoint answers again", ())
        return None
    error = flight.error
    assert error is not None
    entry = _entry
    if entry is None and isinstance(error, _NO_REQUEST):
        return None
    window = _backoff.failed(error)
    if entry is None:
        return None
    metadata, expires_at = entry
    _entry = (metadata, max(expires_at, _monotonic() + window))
    if not _stale.begins():
        return None  # one warning per failure streak
    return (
        "warning",
        "lambda_metadata: refreshing the metadata failed (%s); serving the last good value "
        "%r and retrying in %g s",
        (error, metadata.availability_zone_id, window),
    )


def _land(flight: _Flight) -> None:
    """End ``flight``: later callers start a new one, waiting ones wake up."""
    global _flight
    try:
        with _lock:
            if _flight is flight:
                _flight = None
    finally:
        flight.finish()


def _copy(error: LambdaMetadataError) -> LambdaMetadataError:
    """A new instance of ``error``'s class, message and status: raising it again and again
    never grows one object's traceback, and no caller's frames reach another's. (Every
    class of the hierarchy takes ``(message, *, status_code)``, as pickling does too.)"""
    return type(error)(str(error), status_code=error.status_code)


def _timed_out(timeout: float) -> MetadataTimeoutError:
    return MetadataTimeoutError(f"a fetch already in flight did not finish within {timeout:g} s")


def _stale_or_raise(error: LambdaMetadataError, *, refresh: bool) -> LambdaMetadata:
    entry = _entry
    if entry is None or refresh:
        raise error
    return entry[0]


def _reset_after_fork() -> None:
    """A child forked mid-fetch must not inherit a held lock or a flight nobody will finish."""
    global _lock, _flight
    _lock = threading.Lock()
    _flight = None


os.register_at_fork(after_in_child=_reset_after_fork)
