"""Handling errors: fall back when the metadata is not available (docs: Errors)."""

from __future__ import annotations

import logging
from typing import Any

from lambda_metadata import LambdaMetadataError, MetadataUnavailableError, get_lambda_metadata

logger = logging.getLogger(__name__)


def current_zone_id() -> str | None:
    try:
        return get_lambda_metadata(timeout=0.5).availability_zone_id
    except MetadataUnavailableError:
        return None  # not in Lambda: a local run, a script, a test without the fixture
    except LambdaMetadataError as error:
        logger.warning("no AZ metadata (status %s): %s", error.status_code, error)
        return None


def handler(event: dict[str, Any], context: object) -> dict[str, str | None]:
    return {"availability_zone_id": current_zone_id()}
