"""Every error the library raises: ``LambdaMetadataError`` and one subclass per way to react.
A handler usually needs ``MetadataUnavailableError`` (not in Lambda) and ``LambdaMetadataError``
(anything else). Each pickles with its ``status_code``; no message holds the token."""

from __future__ import annotations

__all__ = [
    "AvailabilityZoneNameError",
    "InvalidArgumentError",
    "InvalidEndpointConfigError",
    "InvalidMetadataError",
    "LambdaMetadataError",
    "MetadataConnectionError",
    "MetadataHTTPError",
    "MetadataTimeoutError",
    "MetadataUnavailableError",
    "MissingOptionalDependencyError",
]


class LambdaMetadataError(Exception):
    """Base class of every error this library raises; messages never contain the token.

    ``status_code`` is the HTTP status of the answer (the endpoint's, or EC2's for an AZ name),
    or ``None``: no answer (not in Lambda, timeout, connection failure), or an unusable 200."""

    status_code: int | None

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.status_code))


class MetadataUnavailableError(LambdaMetadataError):
    """The endpoint's environment variables are not set: this is not a Lambda environment."""


class InvalidEndpointConfigError(LambdaMetadataError):
    """An endpoint variable is set but unusable: an API value that is not an IP address and a
    port, or a token that cannot be sent in a header. Nothing was sent."""


class InvalidArgumentError(LambdaMetadataError, ValueError):
    """An argument is out of range, such as ``timeout=-1``; also a ``ValueError``."""


class MetadataTimeoutError(LambdaMetadataError):
    """No complete answer within the overall deadline."""


class MetadataConnectionError(LambdaMetadataError):
    """The endpoint could not be reached (refused, reset, the kernel's connect timeout), or its
    reply is not valid HTTP. Retried within the deadline."""


class MetadataHTTPError(LambdaMetadataError):
    """The endpoint answered a status other than 200, in ``status_code``: 401 for a refused
    token (never retried), 5xx when it failed or is not ready (retried within the deadline)."""

    status_code: int


class InvalidMetadataError(LambdaMetadataError):
    """A 200 answer whose body is not metadata: over the size cap, not JSON, not an object,
    no ``AvailabilityZoneID``, or one that breaks the AZ ID rule. Never retried."""


class MissingOptionalDependencyError(LambdaMetadataError, ImportError):
    """An optional integration was asked for but its package is not installed; the message
    names the ``pip install "lambda-metadata[EXTRA]"`` command to run."""


class AvailabilityZoneNameError(LambdaMetadataError):
    """The AZ ID could not be turned into this account's AZ name through EC2: EC2 failed,
    refused the call (the message names the ``ec2:DescribeAvailabilityZones`` permission), or
    knows no zone with this ID (an EC2 client for another region)."""
