"""get_lambda_metadata(), the model, the cache and the errors, as a user's code calls them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import assert_type

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
)

metadata = get_lambda_metadata()
assert_type(metadata, LambdaMetadata)
assert_type(metadata.availability_zone_id, str)
assert_type(metadata.raw, Mapping[str, Any])
assert_type(get_lambda_metadata(refresh=True, timeout=0.5), LambdaMetadata)
assert_type(clear_metadata_cache(), None)


def zone_or_default() -> str:
    try:
        return get_lambda_metadata().availability_zone_id
    except MetadataUnavailableError:
        return "local"
    except LambdaMetadataError as error:
        assert_type(error.status_code, int | None)
        return "unknown"


assert issubclass(MetadataUnavailableError, LambdaMetadataError)

# Wrong uses.
get_lambda_metadata(True)  # type: ignore[call-arg]  # options are keyword-only
get_lambda_metadata(timeout="1")  # type: ignore[arg-type]
get_lambda_metadata(refersh=True)  # type: ignore[call-arg]
metadata.availability_zone_id = "use1-az2"  # type: ignore[misc]
region = metadata.region  # type: ignore[attr-defined]
