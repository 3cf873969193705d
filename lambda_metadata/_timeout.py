"""The one check of a ``timeout`` argument, shared by every public function that takes one."""

from __future__ import annotations

import math

from ._errors import InvalidArgumentError

__all__ = ["check_timeout"]


def check_timeout(timeout: object, name: str = "timeout") -> None:
    """Refuse anything but a positive, finite number of seconds (``True`` is not a number here).

    Raises:
        InvalidArgumentError: a ``LambdaMetadataError`` that is also a ``ValueError``.
    """
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout < math.inf
    ):
        raise InvalidArgumentError(
            f"{name} must be a positive, finite number of seconds, got {timeout!r:.80}"
        )
