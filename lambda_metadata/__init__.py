"""A small, fast, correct client for the AWS Lambda metadata endpoint.

``get_lambda_metadata()`` returns the execution environment's Availability Zone
ID, fetched once and cached.
"""

from __future__ import annotations

from ._cache import clear_metadata_cache, get_lambda_metadata
from ._errors import (
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
    ResponseTooLargeError,
)
from ._model import LambdaMetadata

__version__ = "0.1.0"

__all__ = [
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
    "ResponseTooLargeError",
    "clear_metadata_cache",
    "get_lambda_metadata",
]
