"""The constants of the package, kept in one place.

The first part is fixed by AWS's reference for the Lambda metadata endpoint; the
second holds this library's own choices (caps, rules, defaults), which AWS does
not set.
"""

from __future__ import annotations

# --- Fixed by AWS's reference ---------------------------------------------------------------

API_ENV = "AWS_LAMBDA_METADATA_API"
"""Environment variable holding the endpoint's ``host:port``."""

TOKEN_ENV = "AWS_LAMBDA_METADATA_TOKEN"  # noqa: S105 - the variable's name, not a token
"""Environment variable holding the per-environment bearer token."""

INITIALIZATION_TYPE_ENV = "AWS_LAMBDA_INITIALIZATION_TYPE"
"""``on-demand``, ``provisioned-concurrency``, ``snap-start`` or ``lambda-managed-instances``."""

SNAP_START = "snap-start"

API_VERSION = "2026-01-15"
METADATA_PATH = f"/{API_VERSION}/metadata/execution-environment"
"""Path of the execution-environment metadata resource."""

AVAILABILITY_ZONE_ID_FIELD = "AvailabilityZoneID"

# --- Our own choices, not AWS's -------------------------------------------------------------

CONTEXT_ATTRIBUTE = "lambda_metadata"
"""Name of the attribute ``@inject_az`` sets on the context, and ``metadata_of`` reads."""

MAX_TOKEN_CHARS = 8192
"""Longest token sent; the real one is a few dozen characters."""

MAX_AZ_ID_CHARS = 64
"""Longest Availability Zone ID accepted; the real ones are 8 to 20 characters."""

MAX_BODY_BYTES = 8192
"""Largest response body accepted; the real one is about 35 bytes."""

DEFAULT_TIMEOUT = 1.0
"""Default overall deadline, in seconds, for one fetch including retries."""


def is_valid_token(token: str) -> bool:
    """Our token rule: 1 to 8192 visible ASCII characters (0x21-0x7E), no space or control.

    The header must be encodable, and the real token is base64-like; anything else
    is refused before a connection is made.
    """
    return (
        0 < len(token) <= MAX_TOKEN_CHARS
        and token.isascii()
        and token.isprintable()
        and " " not in token
    )


_AZ_ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def is_valid_az_id(value: object) -> bool:
    """Our AZ ID rule: a str of 1 to 64 ASCII letters, digits, ``-``, ``_`` or ``.``,
    starting and ending with a letter or digit (``use1-az1``, ``usw2-lax1-az1``,
    ``use1-wl1-bos-wlz1``).
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_AZ_ID_CHARS
        and value[0].isalnum()
        and value[-1].isalnum()
        and _AZ_ID_CHARACTERS.issuperset(value)
    )
