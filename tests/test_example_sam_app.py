"""The SAM example's handler, run as Lambda would run it, against the bundled endpoint emulator:
each run a fresh interpreter (Powertools' cold start and the node list are per process). The
JSON line it logs is the one ``docs/deploy.md`` quotes."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from typing import Any

import pytest
from conftest import ROOT, load_module, run_python
from fake_ec2 import FakeEC2

from lambda_metadata.testing import MetadataEndpoint

pytest.importorskip("aws_lambda_powertools")
pytest.importorskip("awslambdaric")

APP = ROOT / "examples" / "sam-app"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
INVOKE = """
import json, sys
from awslambdaric.lambda_context import LambdaContext
import app
context = LambdaContext(
    "8f5e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b", None, None, 4_102_444_800_000,
    "arn:aws:lambda:us-east-1:123456789012:function:az-example:live",
)
print("RESULT " + json.dumps(app.handler({"path": "/"}, context)))
"""
NODES = (
    "orders-001.abc123.use1.cache.amazonaws.com:6379:use1-az4:primary,"
    "orders-002.abc123.use1.cache.amazonaws.com:6379:use1-az1:replica,"
    "orders-003.abc123.use1.cache.amazonaws.com:6379:use1-az2:replica"
)


def invoke(metadata: Mapping[str, str], **env: str) -> tuple[dict[str, Any], ...]:
    """Run the handler once in a new process: its result, its log line and its EMF line."""
    done = run_python(
        "-c",
        INVOKE,
        cwd=APP / "src",
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(APP / "src"),
            "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "az-example",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "1",
            "POWERTOOLS_SERVICE_NAME": "az-example",
            "POWERTOOLS_METRICS_NAMESPACE": "LambdaMetadataExample",
            **metadata,
            **env,
        },
    )
    assert metadata["AWS_LAMBDA_METADATA_TOKEN"] not in done.stdout + done.stderr
    [result] = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    [log_line] = [line for line in lines if "_aws" not in line]
    [emf_line] = [line for line in lines if "_aws" in line]
    return json.loads(result.removeprefix("RESULT ")), log_line, emf_line


@pytest.mark.parametrize(
    ("zone", "replica"),
    [
        ("use1-az1", None),
        ("use1-az2", "orders-003"),
        ("use1-az4", "orders-001"),
        ("use1-az6", "orders-002"),
        (None, "orders-002"),  # outside Lambda: the first replica, and the "unknown" zone
    ],
)
def test_the_handler_answers_logs_one_json_line_and_counts_the_request_per_az(
    zone: str | None, replica: str | None
) -> None:
    nodes = {"CACHE_NODES": NODES} if replica else {}
    with MetadataEndpoint(availability_zone_id=zone or "use1-az1") as endpoint:
        environ = endpoint.environ
        if zone is not None:
            result, line, emf = invoke(environ, **nodes)
            assert endpoint.request_count == 1
    if zone is None:  # the endpoint is gone: nothing listens
        result, line, emf = invoke(environ, **nodes)

    assert result["availability_zone_id"] == zone
    assert line["message"] == "request handled"
    if zone is not None:
        assert (line["availability_zone_id"], line["level"]) == (zone, "INFO")
        assert (line["function_name"], line["cold_start"]) == ("az-example", True)
    if replica is not None:
        assert result["cache_node"].startswith(replica + "."), zone
        assert line["cache_node"] == result["cache_node"]
    else:  # the line docs/deploy.md quotes, between markers
        assert result == {"availability_zone_id": zone}
        quoted = re.search(r"<!-- log-line -->\n```json\n(.+?)\n```", DEPLOY_DOC.read_text(), re.S)
        assert quoted is not None, "docs/deploy.md quotes the log line between markers"
        documented = json.loads(quoted.group(1))
        assert documented.keys() == line.keys()
        for key in line.keys() - {"timestamp"}:
            assert documented[key] == line[key], key
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "LambdaMetadataExample"
    assert directive["Metrics"] == [{"Name": "RequestsHandled", "Unit": "Count"}]
    assert sorted(directive["Dimensions"]) == [["AZ-ID", "service"]]
    counted = (emf["AZ-ID"], emf["service"], emf["RequestsHandled"])
    assert counted == (zone or "unknown", "az-example", [1.0])


def test_with_az_names_on_the_line_carries_this_accounts_az_name(
    ec2: FakeEC2, lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ResolveAzNames=true``: one EC2 call names the AZ on the log line."""
    from awslambdaric.lambda_context import LambdaContext

    monkeypatch.setenv("RESOLVE_AZ_NAME", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "az-example")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "LambdaMetadataExample")
    app = load_module(APP / "src" / "app.py", "sam_app_with_names")
    out = io.StringIO()
    app.logger.registered_handler.setStream(out)
    context = LambdaContext("names-1", None, None, 4_102_444_800_000, "arn:aws:lambda:test")

    result = app.handler({}, context)

    [line] = [json.loads(text) for text in out.getvalue().splitlines()]
    assert result == {"availability_zone_id": "use1-az1", "availability_zone_name": "us-east-1b"}
    assert line["availability_zone_name"] == "us-east-1b"  # fake_ec2's name for use1-az1
    assert line["availability_zone_id"] == "use1-az1"
    assert ec2.calls == ["use1-az1"]
