"""Run the registered SnapStart hooks the way the Lambda runtime (awslambdaric) runs them."""

from __future__ import annotations

__all__ = ["run_after_restore_hooks", "run_before_snapshot_hooks"]


def run_before_snapshot_hooks() -> None:
    """Call and unregister every before-snapshot hook, last registered first, as after init."""
    import snapshot_restore_py  # type: ignore[import-untyped]  # only when a test asks

    hooks = snapshot_restore_py.get_before_snapshot()
    while hooks:
        hook, args, kwargs = hooks.pop()
        hook(*args, **kwargs)


def run_after_restore_hooks() -> None:
    """Call every after-restore hook in registration order, as in each restored environment."""
    import snapshot_restore_py  # only when a test asks

    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)
