"""The constants and rules of the package: first what AWS's reference for the endpoint fixes,
then this library's own choices (caps, rules, defaults), with the words each rule is stated in
wherever it refuses a value."""

from __future__ import annotations

from .errors import InvalidArgumentError

# --- Fixed by AWS's reference ---------------------------------------------------------------

API_ENV = "AWS_LAMBDA_METADATA_API"  # the endpoint's host:port
TOKEN_ENV = "AWS_LAMBDA_METADATA_TOKEN"  # noqa: S105 - the variable's name, not a token
INITIALIZATION_TYPE_ENV = "AWS_LAMBDA_INITIALIZATION_TYPE"
"""``on-demand``, ``provisioned-concurrency``, ``snap-start`` or ``lambda-managed-instances``."""
SNAP_START = "snap-start"
API_VERSION = "2026-01-15"
METADATA_PATH = f"/{API_VERSION}/metadata/execution-environment"
AVAILABILITY_ZONE_ID_FIELD = "AvailabilityZoneID"

# --- Our own choices, not AWS's -------------------------------------------------------------

CONTEXT_ATTRIBUTE = "lambda_metadata"  # set by ``@inject_az``, read by ``metadata_of``
DISABLED_ENV = "LAMBDA_METADATA_DISABLED"
"""``true`` or ``1``: ``@inject_az`` returns the handler as it is; read when it is applied."""
MAX_TOKEN_CHARS = 8192  # the real token is a few dozen characters
MAX_AZ_ID_CHARS = 64  # the real AZ IDs are 8 to 20 characters
MAX_BODY_BYTES = 8192  # the real response body is about 35 bytes
DEFAULT_TIMEOUT = 1.0  # seconds, for one fetch including retries
MAX_TIMEOUT = 86400.0
"""The longest deadline accepted, a day: beyond it, lock and socket waits overflow."""

TOKEN_RULE = (
    f"1 to {MAX_TOKEN_CHARS} visible ASCII characters (no space, control or non-ASCII "
    "character), as it is sent in an HTTP header"
)
AZ_ID_RULE = (
    f"a non-empty string of at most {MAX_AZ_ID_CHARS} ASCII letters, digits, '-', '_' or '.', "
    "starting and ending with a letter or digit"
)
_TOKEN_CHARACTERS = frozenset(map(chr, range(0x21, 0x7F)))
_AZ_ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def is_valid_token(token: str) -> bool:
    """Our token rule: 1 to 8192 visible ASCII characters (0x21-0x7E), as the header must be
    encodable and the real token is base64-like; anything else is refused before connecting."""
    return 0 < len(token) <= MAX_TOKEN_CHARS and _TOKEN_CHARACTERS.issuperset(token)


def is_valid_az_id(value: object) -> bool:
    """Our AZ ID rule: a str of 1 to 64 ASCII letters, digits, ``-``, ``_`` or ``.``, starting
    and ending with a letter or digit (``use1-az1``, ``usw2-lax1-az1``, ``use1-wl1-bos-wlz1``)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_AZ_ID_CHARS
        and _AZ_ID_CHARACTERS.issuperset(value)
        and (value[0] + value[-1]).isalnum()
    )


def check_timeout(timeout: object, name: str = "timeout") -> None:
    """Refuse anything but a positive number of seconds up to a day (``True`` is not a number):
    the one check of every public function that takes a ``timeout``.

    Raises:
        InvalidArgumentError: a ``LambdaMetadataError`` that is also a ``ValueError``.
    """
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout <= MAX_TIMEOUT
    ):
        raise InvalidArgumentError(
            f"{name} must be a positive, finite number of seconds (at most {MAX_TIMEOUT:g}), "
            f"got {_describe(timeout)}"
        )


def _describe(value: object) -> str:
    """A short repr that cannot itself fail: huge ints and odd ``__repr__`` methods included."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an int of {value.bit_length()} bits"
    try:
        return f"{value!r:.80}"
    except Exception:  # a __repr__ that raises must not replace the error we mean to raise
        return f"a {type(value).__name__}"
