"""A fake monotonic clock for the cache's expiries and fail-fast windows."""

from __future__ import annotations

import time

from .._cache import set_clock

__all__ = ["FakeClock"]


class FakeClock:
    """A monotonic clock that only moves when told; starts at the real clock's reading.

    Installed (``install()`` or ``with FakeClock() as clock:``), the cache reads its
    ``max-age`` expiries and fail-fast windows (the AZ-name resolver's too) from it, so a test
    moves past them with ``advance()`` instead of sleeping. Fetch deadlines stay on real time:
    a request still takes as long as it takes. Installing or removing the clock clears the
    cache, whose expiries were read from the previous clock.
    """

    __slots__ = ("now",)

    def __init__(self, start: float | None = None) -> None:
        self.now = time.monotonic() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds`` (>= 0: a monotonic clock never goes back)."""
        if not seconds >= 0:
            raise ValueError(f"a monotonic clock only moves forward, got {seconds!r}")
        self.now += seconds

    def install(self) -> None:
        """Make the cache read this clock (and clear the cache)."""
        set_clock(self)

    @staticmethod
    def uninstall() -> None:
        """Give the cache back ``time.monotonic`` (and clear the cache)."""
        set_clock(None)

    def __enter__(self) -> FakeClock:
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()
