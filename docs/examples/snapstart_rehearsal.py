"""Rehearse a SnapStart restore on your machine: init in use1-az1, restore in use1-az2.

Run it as Lambda would start it, with the initialization type set before Python starts:

    AWS_LAMBDA_INITIALIZATION_TYPE=snap-start python snapstart_rehearsal.py
"""

from __future__ import annotations

import importlib
import os
import sys

from lambda_metadata.testing import (
    MetadataEndpoint,
    run_after_restore_hooks,
    run_before_snapshot_hooks,
)


def main() -> None:
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start":
        sys.exit("set AWS_LAMBDA_INITIALIZATION_TYPE=snap-start before starting Python")
    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint, endpoint.environment():
        function = importlib.import_module("snapstart_function")  # the Init phase
        run_before_snapshot_hooks()

        endpoint.availability_zone_id = "use1-az2"  # restored in another Availability Zone
        run_after_restore_hooks()
        first = function.handler({}, None)
        second = function.handler({}, None)

    print(first)
    assert first == {"availability_zone_id": "use1-az2", "cache_node": "cache-az2.example.internal"}
    assert second == first
    assert endpoint.request_count == 2  # one at init, one at restore, none per invocation


if __name__ == "__main__":
    main()
