"""Cost of the AZ helpers on the hot path, as ratios to a cached ``get_lambda_metadata()``.

Run: ``uv run python benchmarks/bench_az.py``. Everything is measured side by side in
one run (best of several repeats), and reported as ratios, never as lone times.
"""

from __future__ import annotations

import os
import timeit

import boto3
from moto import mock_aws

from lambda_metadata import get_lambda_metadata
from lambda_metadata.az_names import get_availability_zone_name
from lambda_metadata.same_az import order_by_availability_zone
from lambda_metadata.testing import MetadataEndpoint

NODES = [
    {"host": "primary", "availability_zone_id": "use1-az4"},
    {"host": "replica-1", "availability_zone_id": "use1-az1"},
    {"host": "replica-2", "availability_zone_id": "use1-az2"},
]


def by_hand(zone: str) -> list[dict[str, str]]:
    """The blog's approach, written inline: the baseline for the ordering helper."""
    same = [node for node in NODES if node["availability_zone_id"] == zone]
    return same + [node for node in NODES if node["availability_zone_id"] != zone]


def best(statement: object, number: int = 200_000) -> float:
    return min(timeit.repeat(statement, number=number, repeat=7)) / number  # type: ignore[arg-type]


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    with MetadataEndpoint() as endpoint, endpoint.environment(), mock_aws():
        client = boto3.client("ec2")
        get_availability_zone_name(client=client)  # warm: one EC2 call, then cached
        zone = get_lambda_metadata().availability_zone_id
        timings = {
            "get_lambda_metadata() (cached)": best(get_lambda_metadata),
            "get_availability_zone_name() (cached)": best(get_availability_zone_name),
            "by hand: same-AZ list comprehensions": best(lambda: by_hand(zone)),
            "order_by_availability_zone(zone=...)": best(
                lambda: order_by_availability_zone(NODES, zone=zone)
            ),
            "order_by_availability_zone() (reads cache)": best(
                lambda: order_by_availability_zone(NODES)
            ),
        }
    base = timings["get_lambda_metadata() (cached)"]
    hand = timings["by hand: same-AZ list comprehensions"]
    print(f"{'':45} {'x cached metadata':>18} {'x by hand':>10}")
    for name, seconds in timings.items():
        print(f"{name:45} {seconds / base:18.1f} {seconds / hand:10.2f}")


if __name__ == "__main__":
    main()
