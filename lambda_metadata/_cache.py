"""The cached metadata: one value and its expiry, single flight, stale-on-error, fork reset.

The hot path, a cache hit, is one module-global read and one monotonic-clock
comparison. Everything else happens in ``_load``.
"""

from __future__ import annotations

import math
import os
import threading
import time

from ._constants import DEFAULT_TIMEOUT
from ._errors import LambdaMetadataError, MetadataTimeoutError
from ._model import LambdaMetadata

__all__ = ["cached_metadata", "clear_metadata_cache", "get_lambda_metadata"]

STALE_RETRY_AFTER = 60.0
"""After a failed refresh of an expired value, seconds before the next attempt."""

_monotonic = time.monotonic
_FOREVER = math.inf

_entry: tuple[LambdaMetadata, float] | None = None
"""The cached value and the monotonic time at which it expires."""
_generation = 0
_lock = threading.Lock()
_flight: _Flight | None = None
_failing = False


class _Flight:
    """One fetch in progress; callers that arrive meanwhile wait for its outcome.

    ``_latch`` is a lock held from creation until the fetch ends: a bare lock
    costs a fraction of a ``threading.Event`` (a Condition, its lock and a
    waiter list), and this runs on every first fetch, a cold-start path.
    """

    __slots__ = ("_latch", "error", "generation", "value")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self._latch = threading.Lock()
        self._latch.acquire()
        self.value: LambdaMetadata | None = None
        self.error: LambdaMetadataError | None = None

    def finish(self) -> None:
        """Wake every caller waiting on this fetch (the leader calls it once)."""
        self._latch.release()

    def wait(self, timeout: float) -> bool:
        """Wait until the fetch ends; ``False`` if it did not within ``timeout`` seconds."""
        if not self._latch.acquire(timeout=timeout):
            return False
        self._latch.release()  # pass it on to the next waiting caller
        return True


def get_lambda_metadata(
    *, refresh: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> LambdaMetadata:
    """Return the execution environment's metadata, fetched once and then cached.

    Args:
        refresh: bypass the cache, fetch now and replace the cached value.
        timeout: overall deadline in seconds for a fetch, retries included.

    Raises:
        LambdaMetadataError: a subclass saying what went wrong; when an expired
            value cannot be refreshed, the last good value is returned instead.
    """
    entry = _entry
    if entry is not None and not refresh and entry[1] > _monotonic():
        return entry[0]
    return _load(refresh=refresh, timeout=timeout)


def cached_metadata() -> LambdaMetadata | None:
    """Return the cached value, even if expired, without any I/O; ``None`` when empty."""
    entry = _entry
    return None if entry is None else entry[0]


def clear_metadata_cache() -> None:
    """Drop the cached value; the next ``get_lambda_metadata()`` fetches again.

    Objects already returned are immutable and stay valid. A fetch in flight
    when the cache is cleared returns to its callers but is not stored.
    """
    global _entry, _generation, _failing
    with _lock:
        _entry = None
        _generation += 1
        _failing = False


def _load(*, refresh: bool, timeout: float) -> LambdaMetadata:
    if not (isinstance(timeout, (int, float)) and 0 < timeout < _FOREVER):
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    global _flight
    with _lock:
        entry = _entry
        if entry is not None and not refresh and entry[1] > _monotonic():
            return entry[0]
        flight = _flight
        leading = flight is None
        if flight is None:
            flight = _flight = _Flight(_generation)
    if leading:
        _fly(flight, timeout)
    elif not flight.wait(timeout):
        flight_error: LambdaMetadataError = MetadataTimeoutError(
            f"a fetch already in flight did not finish within {timeout:g} s"
        )
        return _stale_or_raise(flight_error, refresh=refresh)
    if flight.value is not None:
        return flight.value
    assert flight.error is not None
    return _stale_or_raise(flight.error, refresh=refresh)


def _fly(flight: _Flight, timeout: float) -> None:
    """Fetch as the leader of ``flight``, store the outcome and wake the followers."""
    from ._client import fetch

    global _flight, _entry, _failing
    lifetime = 0.0
    try:
        fetched = fetch(timeout=timeout)
        lifetime = _lifetime(fetched.cache_control)
        flight.value = fetched.metadata
    except LambdaMetadataError as exc:
        flight.error = exc
    finally:
        if flight.value is None and flight.error is None:  # interrupted by a foreign exception
            flight.error = LambdaMetadataError("the metadata fetch in flight was interrupted")
        with _lock:
            if flight.generation == _generation:
                if flight.value is not None:
                    _entry = None if lifetime <= 0 else (flight.value, _monotonic() + lifetime)
                    if _failing:
                        _log("info", "lambda_metadata: the metadata endpoint answers again")
                    _failing = False
                elif _entry is not None:
                    _hold_stale(flight.error)
            if _flight is flight:
                _flight = None
            flight.finish()


def _hold_stale(error: LambdaMetadataError | None) -> None:
    """Keep the last good value after a failed refresh; warn once per failure streak."""
    global _entry, _failing
    assert _entry is not None
    metadata, expires_at = _entry
    _entry = (metadata, max(expires_at, _monotonic() + STALE_RETRY_AFTER))
    if not _failing:
        _failing = True
        _log(
            "warning",
            "lambda_metadata: refreshing the metadata failed (%s); serving the last good value "
            "%r and retrying in %g s",
            error,
            metadata.availability_zone_id,
            STALE_RETRY_AFTER,
        )


def _stale_or_raise(error: LambdaMetadataError, *, refresh: bool) -> LambdaMetadata:
    entry = _entry
    if entry is None or refresh:
        raise error
    return entry[0]


def _lifetime(cache_control: str | None) -> float:
    """Seconds a response may be kept: ``inf`` with no header or no max-age, 0 for no caching."""
    if cache_control is None:
        return _FOREVER
    max_age = _FOREVER
    for directive in cache_control.split(","):
        name, _, value = directive.partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            return 0.0
        value = value.strip().strip('"')
        if name == "max-age" and value.isascii() and value.isdigit():
            max_age = float(value)
    return max_age


def _log(level: str, message: str, *args: object) -> None:
    """Log on the ``lambda_metadata`` logger; logging is imported only when needed."""
    import logging

    getattr(logging.getLogger("lambda_metadata"), level)(message, *args)


def _reset_after_fork() -> None:
    """A child forked mid-fetch must not inherit a held lock or a flight nobody will finish."""
    global _lock, _flight
    _lock = threading.Lock()
    _flight = None


os.register_at_fork(after_in_child=_reset_after_fork)
