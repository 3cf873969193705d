"""The cached metadata: the public calls around one ``SingleFlight``, whose rules (expiry,
single flight, fail-fast windows, stale values) are in ``_flight``. A cache hit is one
attribute read and one clock comparison."""

from __future__ import annotations

import time

from ._constants import DEFAULT_TIMEOUT, check_timeout
from ._flight import SingleFlight
from .errors import InvalidEndpointConfigError, MetadataTimeoutError, MetadataUnavailableError

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

_clock: Callable[[], float] = time.monotonic
"""The clock of expiries and windows (the AZ-name resolver's too), which tests swap: a global,
as the warm path calls it, and a global call costs a tenth of a cached call less."""


def now() -> float:
    """Monotonic seconds as the cache reads them (``set_clock`` replaces the clock in tests)."""
    return _clock()


def _fetch(key: Key, timeout: float, retry: bool) -> tuple[LambdaMetadata, float]:
    from ._client import fetch  # the client, _socket and json load with the first fetch

    return fetch(timeout=timeout, retry=retry)


_metadata: SingleFlight[LambdaMetadata] = SingleFlight(
    clock=now,
    fetch=_fetch,
    busy=lambda timeout: MetadataTimeoutError(
        f"a fetch already in flight did not finish within {timeout:g} s"
    ),
    free=(MetadataUnavailableError, InvalidEndpointConfigError),
    recovered="lambda_metadata: the metadata endpoint answers again",
    stale="lambda_metadata: refreshing the metadata failed ({0}); serving the last good value "
    "{1.availability_zone_id!r} and retrying in {2:g} s",
)
"""The state of the cache: the value for the key ``()``, its expiry, the flight, the window."""


def get_lambda_metadata(
    *, refresh: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> LambdaMetadata:
    """Return the execution environment's metadata, fetched once and then cached.

    Args:
        refresh: bypass the cache and any fail-fast window, fetch now and replace the value.
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
    return _metadata.get((), timeout=timeout, refresh=refresh)


def cached_metadata() -> LambdaMetadata | None:
    """Return the cached value, even if expired, without any I/O; ``None`` when empty."""
    entry = _metadata.entry
    return None if entry is None else entry[1]


def fresh_metadata() -> LambdaMetadata | None:
    """Return the cached value if it has not expired, without any I/O or lock; else ``None``."""
    entry = _metadata.entry
    if entry is not None and entry[2] > _clock():
        return entry[1]
    return None


def generation() -> int:
    """How many times the cache was cleared: a new number starts a new failure streak."""
    return _metadata.generation


def clear_metadata_cache() -> None:
    """Drop the cached value and any fail-fast window; the next call fetches again.

    Objects already returned stay valid. A fetch in flight returns to its callers but is not
    stored, and no later call joins it.
    """
    _metadata.clear()


def set_clock(clock: Callable[[], float] | None = None) -> None:
    """Read expiries and fail-fast windows from ``clock`` (``None``: ``time.monotonic``), for
    tests that move time on without sleeping; clears the cache, read on the previous clock."""
    global _clock
    _clock = time.monotonic if clock is None else clock
    clear_metadata_cache()
