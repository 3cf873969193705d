"""Importing lambda_metadata pulls in none of the optional integrations."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk", "opentelemetry")


def test_import_loads_no_optional_integration() -> None:
    program = (
        "import json, sys\n"
        "import lambda_metadata\n"
        "from lambda_metadata import get_availability_zone_name, order_by_availability_zone\n"
        "from lambda_metadata import annotate_tracer, set_span_availability_zone\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
