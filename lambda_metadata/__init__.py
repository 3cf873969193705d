"""A small, fast, correct client for the AWS Lambda metadata endpoint.

``get_lambda_metadata()`` returns the execution environment's Availability Zone
ID, fetched once and cached.
"""

from __future__ import annotations

from ._az_name import EC2_PERMISSION, cached_availability_zone_name, get_availability_zone_name
from ._cache import clear_metadata_cache, get_lambda_metadata
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
from ._tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_NAME,
    annotate_tracer,
    set_span_availability_zone,
)

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
    "get_availability_zone_name",
    "get_lambda_metadata",
    "order_by_availability_zone",
    "set_span_availability_zone",
]
