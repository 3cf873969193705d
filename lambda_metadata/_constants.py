"""Facts fixed by AWS's reference for the Lambda metadata endpoint, kept in one place."""

from __future__ import annotations

import re

API_ENV = "AWS_LAMBDA_METADATA_API"
"""Environment variable holding the endpoint's ``host:port``."""

TOKEN_ENV = "AWS_LAMBDA_METADATA_TOKEN"  # noqa: S105 - the variable's name, not a token
"""Environment variable holding the per-environment bearer token."""

INITIALIZATION_TYPE_ENV = "AWS_LAMBDA_INITIALIZATION_TYPE"
"""``on-demand``, ``provisioned-concurrency``, ``snap-start`` or ``lambda-managed-instances``."""

SNAP_START = "snap-start"

TOKEN_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
"""Characters a token cannot hold: it is sent in an HTTP header."""

API_VERSION = "2026-01-15"
METADATA_PATH = f"/{API_VERSION}/metadata/execution-environment"
"""Path of the execution-environment metadata resource."""

AVAILABILITY_ZONE_ID_FIELD = "AvailabilityZoneID"

MAX_BODY_BYTES = 8192
"""Largest response body accepted; the real one is about 35 bytes."""

DEFAULT_TIMEOUT = 1.0
"""Default overall deadline, in seconds, for one fetch including retries."""
