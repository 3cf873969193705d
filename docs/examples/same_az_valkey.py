"""Read from the Valkey node in this function's Availability Zone.

Node addresses come from the CACHE_NODES environment variable, written at deploy
time as ``host:port:az_id:role`` entries separated by commas, so the function
needs no ElastiCache API call (a VPC function often has no route to one).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from lambda_metadata import LambdaMetadataError
from lambda_metadata.same_az import order_by_availability_zone

EXAMPLE_NODES = (
    "orders-001.example.cache.amazonaws.com:6379:apne1-az4:primary,"
    "orders-002.example.cache.amazonaws.com:6379:apne1-az1:replica,"
    "orders-003.example.cache.amazonaws.com:6379:apne1-az2:replica"
)


@dataclass(frozen=True)
class CacheNode:
    host: str
    port: int
    availability_zone_id: str  # the AZ ID, as the metadata endpoint reports it
    role: str


def parse_nodes(text: str) -> list[CacheNode]:
    nodes = []
    for entry in text.split(","):
        host, port, zone_id, role = entry.strip().split(":")
        nodes.append(CacheNode(host, int(port), zone_id, role))
    return nodes


NODES = parse_nodes(os.environ.get("CACHE_NODES", EXAMPLE_NODES))
PRIMARY = next(node for node in NODES if node.role == "primary")
# Replicas before the primary, so that within one AZ a read goes to a replica.
READ_NODES = sorted(NODES, key=lambda node: node.role == "primary")


def read_order() -> list[CacheNode]:
    """Every node a read may use, same-AZ first; try them in this order."""
    try:
        return order_by_availability_zone(READ_NODES)
    except LambdaMetadataError:
        return list(READ_NODES)  # AZ unknown: still serve reads, just not the nearest


@functools.cache  # one client per node, kept across invocations
def connect(node: CacheNode):
    """A TLS client for ``node`` (``pip install valkey``); it connects on first use."""
    import valkey

    return valkey.Valkey(host=node.host, port=node.port, ssl=True, socket_timeout=0.5)


def handler(event: dict[str, str], context: object) -> str | None:
    reader = connect(read_order()[0])  # writes always go to connect(PRIMARY)
    value = reader.get(event["key"])
    return None if value is None else value.decode()


if __name__ == "__main__":
    from lambda_metadata.testing import MetadataEndpoint

    with MetadataEndpoint(availability_zone_id="apne1-az2") as endpoint, endpoint.environment():
        for node in read_order():
            print(node.availability_zone_id, node.role, node.host)
