"""A small, fast, correct client for the AWS Lambda metadata endpoint.

``get_lambda_metadata()`` returns the execution environment's Availability Zone
ID, fetched once and cached. ``@inject_az`` decorates a handler so that
``context.lambda_metadata`` holds it and every log record carries
``availability_zone_id``. The optional integrations have their own modules:
``lambda_metadata.az_names``, ``.tracing``, ``.same_az``, ``.snapstart``, and
every error class is in ``lambda_metadata.errors``.

Importing the package imports nothing the Lambda runtime has not imported
already: ``inject_az`` (with wrapt), the logging hook and the submodules load on
first use, and ``snapshot_restore_py`` only under SnapStart.
"""

from os import environ as _environ

from ._cache import clear_metadata_cache, get_lambda_metadata
from ._constants import INITIALIZATION_TYPE_ENV as _INITIALIZATION_TYPE_ENV
from ._constants import SNAP_START as _SNAP_START
from ._context import metadata_of
from ._model import LambdaMetadata
from .errors import LambdaMetadataError, MetadataUnavailableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._decorator import inject_az
    from ._logging import install_log_record_factory

    # Deprecated top-level names: served by __getattr__ with a DeprecationWarning until 0.2.0.
    from .az_names import EC2_PERMISSION as EC2_PERMISSION
    from .az_names import cached_availability_zone_name as cached_availability_zone_name
    from .az_names import get_availability_zone_name as get_availability_zone_name
    from .errors import AvailabilityZoneNameError as AvailabilityZoneNameError
    from .errors import AvailabilityZoneNamePermissionError as AvailabilityZoneNamePermissionError
    from .errors import InvalidEndpointConfigError as InvalidEndpointConfigError
    from .errors import InvalidFieldError as InvalidFieldError
    from .errors import InvalidMetadataError as InvalidMetadataError
    from .errors import MalformedResponseError as MalformedResponseError
    from .errors import MetadataConnectionError as MetadataConnectionError
    from .errors import MetadataHTTPError as MetadataHTTPError
    from .errors import MetadataMethodNotAllowedError as MetadataMethodNotAllowedError
    from .errors import MetadataServerError as MetadataServerError
    from .errors import MetadataTimeoutError as MetadataTimeoutError
    from .errors import MetadataUnauthorizedError as MetadataUnauthorizedError
    from .errors import MissingFieldError as MissingFieldError
    from .errors import MissingOptionalDependencyError as MissingOptionalDependencyError
    from .errors import ResponseTooLargeError as ResponseTooLargeError
    from .errors import UnknownAvailabilityZoneError as UnknownAvailabilityZoneError
    from .same_az import order_by_availability_zone as order_by_availability_zone
    from .snapstart import drop_cache_before_snapshot as drop_cache_before_snapshot
    from .snapstart import refresh_after_restore as refresh_after_restore
    from .tracing import OTEL_AVAILABILITY_ZONE as OTEL_AVAILABILITY_ZONE
    from .tracing import OTEL_AVAILABILITY_ZONE_ID as OTEL_AVAILABILITY_ZONE_ID
    from .tracing import XRAY_AVAILABILITY_ZONE_ID as XRAY_AVAILABILITY_ZONE_ID
    from .tracing import XRAY_AVAILABILITY_ZONE_NAME as XRAY_AVAILABILITY_ZONE_NAME
    from .tracing import annotate_tracer as annotate_tracer
    from .tracing import set_span_availability_zone as set_span_availability_zone

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

_MOVED = {
    **dict.fromkeys(
        ("EC2_PERMISSION", "cached_availability_zone_name", "get_availability_zone_name"),
        "az_names",
    ),
    **dict.fromkeys(
        (
            "OTEL_AVAILABILITY_ZONE",
            "OTEL_AVAILABILITY_ZONE_ID",
            "XRAY_AVAILABILITY_ZONE_ID",
            "XRAY_AVAILABILITY_ZONE_NAME",
            "annotate_tracer",
            "set_span_availability_zone",
        ),
        "tracing",
    ),
    "order_by_availability_zone": "same_az",
    "drop_cache_before_snapshot": "snapstart",
    "refresh_after_restore": "snapstart",
    **dict.fromkeys(
        (
            "AvailabilityZoneNameError",
            "AvailabilityZoneNamePermissionError",
            "InvalidEndpointConfigError",
            "InvalidFieldError",
            "InvalidMetadataError",
            "MalformedResponseError",
            "MetadataConnectionError",
            "MetadataHTTPError",
            "MetadataMethodNotAllowedError",
            "MetadataServerError",
            "MetadataTimeoutError",
            "MetadataUnauthorizedError",
            "MissingFieldError",
            "MissingOptionalDependencyError",
            "ResponseTooLargeError",
            "UnknownAvailabilityZoneError",
        ),
        "errors",
    ),
}
"""Names that were top-level before 0.1.0's face shrank, and the module they moved to."""

for _name in __all__:  # name each where users import it from, not by its private module
    if _name in globals():  # the lazy two are named in __getattr__
        globals()[_name].__module__ = __name__
del _name

if _environ.get(_INITIALIZATION_TYPE_ENV) == _SNAP_START:
    from . import _snapstart

    _snapstart.register_hooks()  # imports snapshot_restore_py, only under SnapStart


def __getattr__(name: str) -> object:
    """Load ``inject_az`` (and wrapt), the logging hook and the submodules on first access.

    Names that moved to a submodule still work, with a ``DeprecationWarning`` (PEP 562).
    """
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
    elif name in _MOVED:
        from importlib import import_module

        module = f"{__name__}.{_MOVED[name]}"
        _warn_moved(name, module)
        return getattr(import_module(module), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value.__module__ = __name__
    globals()[name] = value
    return value


def _warn_moved(name: str, module: str) -> None:
    import sys
    import warnings

    # `from lambda_metadata import X` asks twice: importlib's _handle_fromlist, then the
    # statement itself. Warn once, on the second ask, so the warning points at the user's line.
    if sys._getframe(2).f_code.co_name == "_handle_fromlist":
        return
    warnings.warn(
        f"importing {name} from lambda_metadata is deprecated and stops working in 0.2.0; "
        f"use `from {module} import {name}`",
        DeprecationWarning,
        stacklevel=3,
    )


def __dir__() -> list[str]:
    return sorted({*__all__, *_SUBMODULES, *(name for name in globals() if name[:2] == "__")})
