"""SnapStart: drop the cached metadata before the snapshot, fetch it again after each restore.

A snapshot taken in one Availability Zone may be restored in another, so a value cached at
init must not survive it. The runtime runs the hooks registered with ``snapshot_restore_py``:
before-snapshot ones once after init, after-restore ones in every restored environment, inside
the 10 s restore limit. A hook that raises makes the runtime exit, so ours never do.
"""

from __future__ import annotations

from ._cache import clear_metadata_cache, get_lambda_metadata
from ._constants import check_timeout
from ._log import log

__all__ = ["drop_cache_before_snapshot", "refresh_after_restore", "register_hooks"]

RESTORE_TIMEOUT = 2.0
"""Deadline in seconds for the after-restore fetch, retries included (restore allows 10 s)."""


def drop_cache_before_snapshot() -> None:
    """Before-snapshot hook: forget the metadata and any fail-fast window before the snapshot."""
    clear_metadata_cache()


def refresh_after_restore(*, timeout: float = RESTORE_TIMEOUT) -> None:
    """After-restore hook: fetch the restored environment's metadata, never raising.

    The cache and any fail-fast window from before the snapshot are dropped first. On any
    failure the cache stays empty, one warning goes to the ``lambda_metadata`` logger, and
    the next ``get_lambda_metadata()`` fetches.

    Raises:
        InvalidArgumentError: ``timeout`` is not a positive, finite number; the
            runtime calls the hook without arguments, so it never sees this.
    """
    check_timeout(timeout)
    clear_metadata_cache()  # nothing from before the snapshot may outlive a failed refresh
    try:
        get_lambda_metadata(refresh=True, timeout=timeout)
    except Exception as exc:  # a raising hook would abort the restore
        clear_metadata_cache()  # no fail-fast window either: the first invocation tries again
        log(
            "warning",
            "lambda_metadata: fetching the metadata after the SnapStart restore failed (%s); "
            "the next get_lambda_metadata() call fetches it again",
            exc,
        )


def register_hooks() -> bool:
    """Register both hooks with ``snapshot_restore_py``, once: ``True`` if this call did."""
    import snapshot_restore_py  # type: ignore[import-untyped]  # imported under snap-start only

    registered = [hook for hook, _, _ in snapshot_restore_py.get_before_snapshot()]
    if drop_cache_before_snapshot in registered:
        return False
    snapshot_restore_py.register_before_snapshot(drop_cache_before_snapshot)
    snapshot_restore_py.register_after_restore(refresh_after_restore)
    return True
