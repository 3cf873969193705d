"""The two SnapStart hooks, for tests and for those who run snapshot hooks themselves.

Under ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``, ``import lambda_metadata``
registers both with ``snapshot_restore_py`` already; nothing here needs calling
in a function. Importing this module does not import ``snapshot_restore_py``.
"""

from ._snapstart import drop_cache_before_snapshot, refresh_after_restore

__all__ = ["drop_cache_before_snapshot", "refresh_after_restore"]
