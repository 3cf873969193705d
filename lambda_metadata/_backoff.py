"""Fail fast during an outage: after a failure, a window in which no new attempt is made.

The window starts short, so a function that starts while the endpoint is still
getting ready (AWS's local handler answers 503 for a moment) gets its answer
within about a second, and doubles while the failure lasts, up to a minute. A
success closes it. Shared by the metadata cache and the AZ-name resolver.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["FIRST_WINDOW", "MAX_WINDOW", "Backoff"]

FIRST_WINDOW = 0.5
"""Seconds of the first fail-fast window after a failure."""

MAX_WINDOW = 60.0
"""The longest window, reached after a few consecutive failures."""


class Backoff:
    """The fail-fast window of one resource, and the failure that opened it.

    Not locked: its owner calls it under its own lock.
    """

    __slots__ = ("_clock", "_failures", "_until", "error")

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures = 0
        self._until = 0.0
        self.error: BaseException | None = None
        """The failure that opened the current window, re-raised to callers inside it."""

    def blocked(self) -> bool:
        """``True`` while inside a window: fail fast, make no attempt."""
        return self._until > self._clock()

    def failed(self, error: BaseException) -> float:
        """Record a failure; open (or lengthen) the window and return its length in seconds."""
        window: float = min(FIRST_WINDOW * 2.0**self._failures, MAX_WINDOW)
        self._failures += 1
        self._until = self._clock() + window
        self.error = error
        return window

    def reset(self) -> None:
        """Close the window: after a success, a cache clear or a SnapStart restore."""
        self._failures = 0
        self._until = 0.0
        self.error = None

    @property
    def failures(self) -> int:
        """Consecutive failures since the last reset."""
        return self._failures
