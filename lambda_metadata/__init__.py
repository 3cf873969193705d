"""A small, fast, correct client for the AWS Lambda metadata endpoint.

``get_lambda_metadata()`` returns the execution environment's Availability Zone ID, fetched
once and cached; ``@inject_az`` puts it on ``context.lambda_metadata`` and on every log record.
The integrations have their own modules (``az_names``, ``tracing``, ``same_az``, ``snapstart``)
and the errors are in ``errors``. Importing the package imports nothing the runtime has not
already: ``inject_az`` (with wrapt), the logging hook and the submodules load on first use.
"""

from os import environ as _environ

from ._cache import clear_metadata_cache, get_lambda_metadata
from ._constants import INITIALIZATION_TYPE_ENV as _INITIALIZATION_TYPE_ENV
from ._constants import SNAP_START as _SNAP_START
from ._model import LambdaMetadata, metadata_of
from .errors import LambdaMetadataError, MetadataUnavailableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._decorator import inject_az
    from ._logging import install_log_record_factory

__version__ = "0.1.0"

__all__ = [
    "LambdaMetadata",
    "LambdaMetadataError",
    "MetadataUnavailableError",
    "clear_metadata_cache",
    "get_lambda_metadata",
    "inject_az",
    "install_log_record_factory",
    "metadata_of",
]

# Imported on first attribute access: the public submodules, and two names from private ones.
_SUBMODULES = frozenset({"az_names", "errors", "same_az", "snapstart", "testing", "tracing"})
_LAZY = {"inject_az": "_decorator", "install_log_record_factory": "_logging"}

# Named where users import them from, so reprs and pickles never name a private module.
for _value in (clear_metadata_cache, get_lambda_metadata, metadata_of, LambdaMetadata):
    _value.__module__ = __name__
del _value

if _environ.get(_INITIALIZATION_TYPE_ENV) == _SNAP_START:
    from .snapstart import register_hooks as _register_hooks

    _register_hooks()  # imports snapshot_restore_py, only under SnapStart


def __getattr__(name: str) -> object:
    """Load ``inject_az`` (and wrapt), the logging hook and the submodules on first access."""
    if name in _SUBMODULES:
        __import__(f"{__name__}.{name}")  # which sets the attribute
        return globals()[name]
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{_LAZY[name]}", fromlist=[name]), name)
    value.__module__ = __name__
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_SUBMODULES, *(name for name in globals() if name[:2] == "__")})
