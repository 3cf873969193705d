"""A small, fast, correct client for the AWS Lambda metadata endpoint.

``get_lambda_metadata()`` returns the execution environment's Availability Zone
ID, fetched once and cached. ``@inject_az`` decorates a handler so that
``context.lambda_metadata`` holds it and every log record carries
``availability_zone_id``; it is imported on first use, keeping wrapt off the
import path.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from . import _snapstart
from ._az_name import EC2_PERMISSION, cached_availability_zone_name, get_availability_zone_name
from ._cache import clear_metadata_cache, get_lambda_metadata
from ._constants import INITIALIZATION_TYPE_ENV as _INITIALIZATION_TYPE_ENV
from ._constants import SNAP_START as _SNAP_START
from ._context import metadata_of
from ._errors import (
    AvailabilityZoneNameError,
    AvailabilityZoneNamePermissionError,
    InvalidEndpointConfigError,
    InvalidFieldError,
    InvalidMetadataError,
    LambdaMetadataError,
    MalformedResponseError,
    MetadataConnectionError,
    MetadataHTTPError,
    MetadataMethodNotAllowedError,
    MetadataServerError,
    MetadataTimeoutError,
    MetadataUnauthorizedError,
    MetadataUnavailableError,
    MissingFieldError,
    MissingOptionalDependencyError,
    ResponseTooLargeError,
    UnknownAvailabilityZoneError,
)
from ._model import LambdaMetadata
from ._same_az import order_by_availability_zone
from ._snapstart import drop_cache_before_snapshot, refresh_after_restore
from ._tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_NAME,
    annotate_tracer,
    set_span_availability_zone,
)

if TYPE_CHECKING:
    from ._decorator import inject_az
    from ._logging import install_log_record_factory

__version__ = "0.1.0"

__all__ = [
    "EC2_PERMISSION",
    "OTEL_AVAILABILITY_ZONE",
    "OTEL_AVAILABILITY_ZONE_ID",
    "XRAY_AVAILABILITY_ZONE_ID",
    "XRAY_AVAILABILITY_ZONE_NAME",
    "AvailabilityZoneNameError",
    "AvailabilityZoneNamePermissionError",
    "InvalidEndpointConfigError",
    "InvalidFieldError",
    "InvalidMetadataError",
    "LambdaMetadata",
    "LambdaMetadataError",
    "MalformedResponseError",
    "MetadataConnectionError",
    "MetadataHTTPError",
    "MetadataMethodNotAllowedError",
    "MetadataServerError",
    "MetadataTimeoutError",
    "MetadataUnauthorizedError",
    "MetadataUnavailableError",
    "MissingFieldError",
    "MissingOptionalDependencyError",
    "ResponseTooLargeError",
    "UnknownAvailabilityZoneError",
    "annotate_tracer",
    "cached_availability_zone_name",
    "clear_metadata_cache",
    "drop_cache_before_snapshot",
    "get_availability_zone_name",
    "get_lambda_metadata",
    "inject_az",
    "install_log_record_factory",
    "metadata_of",
    "order_by_availability_zone",
    "refresh_after_restore",
    "set_span_availability_zone",
]

if os.environ.get(_INITIALIZATION_TYPE_ENV) == _SNAP_START:
    _snapstart.register_hooks()  # imports snapshot_restore_py, only under SnapStart


def __getattr__(name: str) -> object:
    """Import ``inject_az`` (and with it wrapt) and the logging hook on first access (PEP 562)."""
    if name == "inject_az":
        from ._decorator import inject_az

        globals()["inject_az"] = inject_az
        return inject_az
    if name == "install_log_record_factory":
        from ._logging import install_log_record_factory

        globals()["install_log_record_factory"] = install_log_record_factory
        return install_log_record_factory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
