"""A SnapStart function that derives a value from its Availability Zone at init."""

from __future__ import annotations

from typing import Any

from snapshot_restore_py import register_after_restore

from lambda_metadata import LambdaMetadataError, get_lambda_metadata

CACHE_NODES = {
    "use1-az1": "cache-az1.example.internal",
    "use1-az2": "cache-az2.example.internal",
}


def nearest_cache_node() -> str:
    """The cache node in this AZ, or any node when the AZ cannot be known."""
    try:
        zone = get_lambda_metadata().availability_zone_id
    except LambdaMetadataError:
        return "cache.example.internal"
    return CACHE_NODES.get(zone, "cache.example.internal")


NEAREST_CACHE_NODE = nearest_cache_node()  # computed at init, so it is in the snapshot


@register_after_restore
def recompute_nearest_cache_node() -> None:
    """Runs in every restored environment; it must not raise, or the restore fails."""
    global NEAREST_CACHE_NODE
    NEAREST_CACHE_NODE = nearest_cache_node()


def handler(event: Any, context: Any) -> dict[str, str]:
    return {
        "availability_zone_id": get_lambda_metadata().availability_zone_id,  # always current
        "cache_node": NEAREST_CACHE_NODE,  # current thanks to the hook above
    }
