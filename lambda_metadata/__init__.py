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

_SUBMODULES = frozenset({"az_names", "errors", "same_az", "snapstart", "testing", "tracing"})
"""Public submodules, imported on first attribute access."""

# Named where users import them from, so reprs and pickles never name a private module.
for _value in (clear_metadata_cache, get_lambda_metadata, metadata_of, LambdaMetadata):
    _value.__module__ = __name__
del _value

if _environ.get(_INITIALIZATION_TYPE_ENV) == _SNAP_START:
    from .snapstart import register_hooks as _register_hooks

    _register_hooks()  # imports snapshot_restore_py, only under SnapStart


def __getattr__(name: str) -> object:
    """Load ``inject_az`` (and wrapt), the logging hook and the submodules on first access."""
    value: object
    if name == "inject_az":
        from ._decorator import inject_az

        value = inject_az
    elif name == "install_log_record_factory":
        from ._logging import install_log_record_factory

        value = install_log_record_factory
    elif name in _SUBMODULES:
        from importlib import import_module

        return import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value.__module__ = __name__
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_SUBMODULES, *(name for name in globals() if name[:2] == "__")})
