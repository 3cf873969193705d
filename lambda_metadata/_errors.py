"""The error model: one base class, one subclass per thing that can go wrong."""

from __future__ import annotations

__all__ = [
    "AvailabilityZoneNameError",
    "AvailabilityZoneNamePermissionError",
    "InvalidArgumentError",
    "InvalidEndpointConfigError",
    "InvalidFieldError",
    "InvalidMetadataError",
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
]


class LambdaMetadataError(Exception):
    """Base class of every error this library raises.

    ``status_code`` is the HTTP status of the endpoint's answer, or ``None`` when
    there was no answer (not in Lambda, timeout, connection failure) or the answer
    was a 200 with an unusable body. Messages never contain the token.
    """

    status_code: int | None

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), self.status_code))


def _rebuild(cls: type[LambdaMetadataError], message: str, status_code: int | None) -> object:
    return cls(message, status_code=status_code)


class MetadataUnavailableError(LambdaMetadataError):
    """The endpoint's environment variables are not set: this is not a Lambda environment."""


class InvalidEndpointConfigError(LambdaMetadataError):
    """An endpoint variable is set but unusable, such as an API address that is not host:port."""


class MetadataTimeoutError(LambdaMetadataError):
    """No complete answer within the overall deadline."""


class MetadataConnectionError(LambdaMetadataError):
    """The endpoint could not be reached (refused, reset) on any attempt within the deadline."""


class MetadataHTTPError(LambdaMetadataError):
    """The endpoint answered with a status other than 200."""

    status_code: int


class MetadataUnauthorizedError(MetadataHTTPError):
    """401: the token is missing or wrong. Never retried."""


class MetadataMethodNotAllowedError(MetadataHTTPError):
    """405: the endpoint only accepts GET. Never retried."""


class MetadataServerError(MetadataHTTPError):
    """5xx: the endpoint failed (500), or is not ready yet (503). Retried within the deadline."""


class InvalidMetadataError(LambdaMetadataError):
    """A 200 answer whose body cannot be turned into metadata."""


class ResponseTooLargeError(InvalidMetadataError):
    """The body is larger than the cap; it was refused without being read in full."""


class MalformedResponseError(InvalidMetadataError):
    """The body is not UTF-8 JSON holding an object."""


class MissingFieldError(InvalidMetadataError):
    """The JSON object has no ``AvailabilityZoneID``."""


class InvalidFieldError(InvalidMetadataError):
    """``AvailabilityZoneID`` is not a non-empty string."""


class MissingOptionalDependencyError(LambdaMetadataError, ImportError):
    """An optional integration was asked for but its package is not installed.

    The message names the ``pip install "lambda-metadata[EXTRA]"`` command to run.
    """


class AvailabilityZoneNameError(LambdaMetadataError):
    """The AZ ID could not be turned into this account's AZ name through EC2."""


class AvailabilityZoneNamePermissionError(AvailabilityZoneNameError):
    """EC2 refused the call: the role needs ``ec2:DescribeAvailabilityZones``."""


class UnknownAvailabilityZoneError(AvailabilityZoneNameError):
    """EC2 answered but knows no zone with this ID (usually a client in another region)."""


class InvalidArgumentError(LambdaMetadataError, ValueError):
    """An argument is out of range, such as ``timeout=-1``; also a ``ValueError``."""
