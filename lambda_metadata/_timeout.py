"""The one check of a ``timeout`` argument, shared by every public function that takes one."""

from __future__ import annotations

from .errors import InvalidArgumentError

__all__ = ["MAX_TIMEOUT", "check_timeout"]

MAX_TIMEOUT = 86400.0
"""The longest deadline accepted, a day: beyond it, lock and socket waits overflow."""


def check_timeout(timeout: object, name: str = "timeout") -> None:
    """Refuse anything but a positive number of seconds up to a day (``True`` is not a number).

    Raises:
        InvalidArgumentError: a ``LambdaMetadataError`` that is also a ``ValueError``.
    """
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout <= MAX_TIMEOUT
    ):
        raise InvalidArgumentError(
            f"{name} must be a positive, finite number of seconds (at most {MAX_TIMEOUT:g}), "
            f"got {_describe(timeout)}"
        )


def _describe(value: object) -> str:
    """A short repr that cannot itself fail: huge ints and odd ``__repr__`` methods included."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an int of {value.bit_length()} bits"
    try:
        return f"{value!r:.80}"
    except Exception:  # a __repr__ that raises must not replace the error we mean to raise
        return f"a {type(value).__name__}"
