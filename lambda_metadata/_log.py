"""The package's one way to log, and one warning per run of failures.

``log`` never raises and imports ``logging`` only when a line is written: a broken filter or
handler must not change what a caller gets. ``FailureStreak`` warns on the first failure of a
run (the decorator's missing metadata, its extras, the tracing helpers) and stays quiet while
it lasts; a success, or a new epoch (a cache clear), re-arms it.
"""

from __future__ import annotations

__all__ = ["FailureStreak", "log"]


def log(level: str, message: str, *args: object) -> None:
    """Log on the ``lambda_metadata`` logger, never raising."""
    try:
        import logging

        getattr(logging.getLogger("lambda_metadata"), level)(message, *args)
    except Exception:  # noqa: S110 - logging is best effort here, by design
        pass


class FailureStreak:
    """One warning per run of failures; a success, or a new ``epoch``, re-arms it.

    Not locked: a lost race costs at most one extra warning.
    """

    __slots__ = ("_since",)

    def __init__(self) -> None:
        self._since: object = None
        """The epoch in which the current streak began; ``None`` when not failing."""

    def failed(self, message: str, *args: object, epoch: object = 0) -> None:
        """Log ``message`` as a warning if this failure starts a streak; quiet while it lasts."""
        if self._since is None or self._since != epoch:
            self._since = epoch
            log("warning", message, *args)

    def succeeded(self) -> None:
        """End the streak: the next failure warns again."""
        self._since = None
