"""The cached metadata: the public calls around one ``SingleFlight`` (see ``_flight``).

The hot path, a cache hit, is one attribute read and one monotonic-clock comparison.
Where the cache rules live: expiry, single flight, fail-fast windows and stale values in
``_flight``; what one fetch does, and how long its answer may be kept, in ``_client``.
"""

from __future__ import annotations

import time

from ._constants import DEFAULT_TIMEOUT, check_timeout
from ._flight import SingleFlight
from .errors import (
    InvalidEndpointConfigError,
    LambdaMetadataError,
    MetadataTimeoutError,
    MetadataUnavailableError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from ._flight import Key
    from ._model import LambdaMetadata

__all__ = [
    "cached_metadata",
    "clear_metadata_cache",
    "fresh_metadata",
    "generation",
    "get_lambda_metadata",
    "now",
    "set_clock",
]

_ONLY: Key = ()
"""The cache holds one value: its key is always this."""
_clock: Callable[[], float] = time.monotonic
"""The clock of expiries and fail-fast windows (the AZ-name resolver's too); ``set_clock``
swaps it in tests. A module global, not an attribute: the warm path calls it, and a plain
global call costs a tenth of the cached call less."""


def now() -> float:
    """Monotonic seconds as the cache reads them (``set_clock`` replaces the clock in tests)."""
    return _clock()


def _fetch(key: Key, timeout: float, retry: bool) -> tuple[LambdaMetadata, float]:
    from ._client import fetch  # the client, _socket and json load with the first fetch

    return fetch(timeout=timeout, retry=retry)


def _busy(timeout: float) -> LambdaMetadataError:
    return MetadataTimeoutError(f"a fetch already in flight did not finish within {timeout:g} s")


_metadata: SingleFlight[LambdaMetadata] = SingleFlight(
    clock=now,
    fetch=_fetch,
    busy=_busy,
    free=(MetadataUnavailableError, InvalidEndpointConfigError),
    recovered="lambda_metadata: the metadata endpoint answers again",
    stale="lambda_metadata: refreshing the metadata failed ({0}); serving the last good value "
    "{1.availability_zone_id!r} and retrying in {2:g} s",
)
"""The state of the cache: the value, its expiry, the flight, the window."""


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
    entry = _metadata.entry
    if entry is not None and not refresh and entry[2] > _clock():
        return entry[1]
    return _metadata.get(_ONLY, timeout=timeout, refresh=refresh)


def cached_metadata() -> LambdaMetadata | None:
    """Return the cached value, even if expired, without any I/O; ``None`` when empty."""
    entry = _metadata.entry
    return None if entry is None else entry[1]


def fresh_metadata() -> LambdaMetadata | None:
    """Return the cached value if it has not expired, without any I/O or lock; else ``None``.

    The decorator's warm path: one attribute read and one clock comparison.
    """
    entry = _metadata.entry
    if entry is not None and entry[2] > _clock():
        return entry[1]
    return None


def generation() -> int:
    """How many times the cache was cleared: a new number starts a new failure streak."""
    return _metadata.generation


def clear_metadata_cache() -> None:
    """Drop the cached value and any fail-fast window; the next call fetches again.

    Objects already returned are immutable and stay valid. A fetch in flight
    when the cache is cleared returns to its callers but is not stored, and no
    later call joins it.
    """
    _metadata.clear()


def set_clock(clock: Callable[[], float] | None = None) -> None:
    """Read expiries and fail-fast windows from ``clock`` (``None``: ``time.monotonic``).

    For tests and benchmarks that move time on without sleeping. Also clears
    the cache, whose expiries were read from the previous clock.
    """
    global _clock
    _clock = time.monotonic if clock is None else clock
    clear_metadata_cache()
