"""A SnapStart function that logs its Availability Zone, and reads from the Valkey node in it.

``@inject_az`` puts the AZ on ``context.lambda_metadata``, on every log line and on the metrics:
Powertools Logger writes one JSON line per invocation, and Powertools Metrics one EMF line whose
``RequestsHandled`` count has the dimension ``AZ-ID``, for alarms per zone. With ``CACHE_NODES``
set (``host:port:az_id:role`` entries, comma-separated, written at deploy time) it names the
node a read should use: one in this AZ when there is one. With ``RESOLVE_AZ_NAME=true`` (and
``ec2:DescribeAvailabilityZones`` in the role) it adds this account's AZ name.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambda_metadata import LambdaMetadata, LambdaMetadataError, inject_az

logger = Logger()  # service name from POWERTOOLS_SERVICE_NAME
metrics = Metrics()  # namespace from POWERTOOLS_METRICS_NAMESPACE


class CacheNode(NamedTuple):
    host: str
    port: int
    availability_zone_id: str
    role: str


def parse_nodes(text: str) -> list[CacheNode]:
    """``host:port:az_id:role,...`` into nodes; an empty text means no cache."""
    nodes = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        host, port, zone_id, role = entry.split(":")
        nodes.append(CacheNode(host, int(port), zone_id, role))
    return nodes


NODES = parse_nodes(os.environ.get("CACHE_NODES", ""))
READ_NODES = sorted(NODES, key=lambda node: node.role == "primary")  # replicas first
RESOLVE_AZ_NAME = os.environ.get("RESOLVE_AZ_NAME", "false") == "true"


def read_node(metadata: LambdaMetadata | None) -> CacheNode | None:
    """The node a read should use: the first one in this AZ, else the first one."""
    if not READ_NODES:
        return None
    zone = metadata.availability_zone_id if metadata else None
    return next((n for n in READ_NODES if n.availability_zone_id == zone), READ_NODES[0])


def availability_zone_name() -> str | None:
    if not RESOLVE_AZ_NAME:
        return None
    from lambda_metadata.az_names import get_availability_zone_name

    try:
        return get_availability_zone_name()  # one EC2 call per execution environment
    except LambdaMetadataError:
        logger.warning("AZ name unavailable")
        return None


@inject_az(metrics=metrics)
@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metadata: LambdaMetadata | None = context.lambda_metadata  # type: ignore[attr-defined]
    fields: dict[str, Any] = {}
    node = read_node(metadata)
    if node is not None:
        fields["cache_node"] = f"{node.host}:{node.port}"
    name = availability_zone_name()
    if name is not None:
        fields["availability_zone_name"] = name
    logger.info("request handled", extra=fields)
    metrics.add_metric(name="RequestsHandled", unit="Count", value=1)
    return {"availability_zone_id": metadata.availability_zone_id if metadata else None, **fields}
