"""Failure streaks: the fail-fast window of an outage, and one warning per streak.

``Backoff``: after a failure, a window in which no new attempt is made.

The window starts short, so a function that starts while the endpoint is still
getting ready (AWS's local handler answers 503 for a moment) gets its answer
within about a second, and doubles while the failure lasts, up to a minute. A
success closes it. Shared by the metadata cache and the AZ-name resolver.

``FailureStreak``: every part that can fail again and again (the cache's stale
refresh, the decorator's missing metadata, its extras, the tracing helpers)
warns on the first failure of a run and stays quiet while it lasts; a success,
or a new epoch (a cache clear), re-arms it. ``log`` is the package's one way to
log: never raising, ``logging`` imported only when a line is written.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["FIRST_WINDOW", "MAX_WINDOW", "Backoff", "FailureStreak", "log"]

FIRST_WINDOW = 0.5
"""Seconds of the first fail-fast window after a failure."""

MAX_WINDOW = 60.0
"""The longest window, reached after a few consecutive failures."""


class Backoff:
    """The fail-fast window of one resource, and the failure that opened it.

    Not locked: its owner calls it under its own lock.
    """

    __slots__ = ("_clock", "_failures", "_until", "_window", "error")

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures = 0
        self._window = 0.0
        self._until = 0.0
        self.error: BaseException | None = None
        """The failure that opened the current window, re-raised to callers inside it."""

    def blocked(self) -> bool:
        """``True`` while inside a window: fail fast, make no attempt."""
        return self._until > self._clock()

    def failed(self, error: BaseException) -> float:
        """Record a failure; open (or lengthen) the window and return its length in seconds."""
        # The window doubles from the last one, never from the failure count: a count of
        # 1,025 would overflow a float power, and an outage may last for days.
        self._window = min(self._window * 2.0, MAX_WINDOW) if self._failures else FIRST_WINDOW
        self._failures += 1
        self._until = self._clock() + self._window
        self.error = error
        return self._window

    def reset(self) -> None:
        """Close the window: after a success, a cache clear or a SnapStart restore."""
        self._failures = 0
        self._window = 0.0
        self._until = 0.0
        self.error = None

    @property
    def failures(self) -> int:
        """Consecutive failures since the last reset."""
        return self._failures


class FailureStreak:
    """One warning per run of failures; a success, or a new ``epoch``, re-arms it.

    Not locked: a lost race costs at most one extra warning.
    """

    __slots__ = ("_since",)

    def __init__(self) -> None:
        self._since: object = None
        """The epoch in which the current streak began; ``None`` when not failing."""

    def begins(self, epoch: object = 0) -> bool:
        """Record a failure; ``True`` if it starts a streak (the caller then warns)."""
        if self._since is not None and self._since == epoch:
            return False
        self._since = epoch
        return True

    def failed(self, message: str, *args: object, epoch: object = 0) -> None:
        """Log ``message`` as a warning if this failure starts a streak; quiet while it lasts."""
        if self.begins(epoch):
            log("warning", message, *args)

    def succeeded(self) -> None:
        """End the streak: the next failure warns again."""
        self._since = None

    @property
    def failing(self) -> bool:
        """Whether a streak is on."""
        return self._since is not None


def log(level: str, message: str, *args: object) -> None:
    """Log on the ``lambda_metadata`` logger, never raising: a broken filter or handler
    must not change what the caller gets."""
    try:
        import logging

        getattr(logging.getLogger("lambda_metadata"), level)(message, *args)
    except Exception:  # noqa: S110 - logging is best effort here, by design
        pass
