"""The AZ on traces: a real Powertools Tracer sending to a UDP socket, and the OTel SDK."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from conftest import EXAMPLES, XRayDaemon, run_python
from fake_ec2 import install_in_child
from opentelemetry.trace import INVALID_SPAN, use_span

from lambda_metadata import LambdaMetadata, LambdaMetadataError, MetadataUnavailableError
from lambda_metadata.testing import MetadataEndpoint
from lambda_metadata.tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_NAME,
    annotate_tracer,
    set_span_availability_zone,
)

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_xray_sdk.core.recorder import AWSXRayRecorder
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


# The X-Ray SDK (under Powertools' Tracer) and the OTel SDK take most of a second to import:
# the tests that use them import them, not every worker's collection.
def new_tracer(**options: Any) -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer(**options)


def xray_recorder() -> AWSXRayRecorder:
    from aws_xray_sdk.core import xray_recorder

    return xray_recorder


# -- X-Ray through Powertools ------------------------------------------------


def handler_subsegment(daemon: XRayDaemon) -> dict[str, Any]:
    (subsegment,) = [e for e in daemon.entities(2) if e["name"] == "## handler"]
    return subsegment


@pytest.mark.parametrize(
    ("given", "zone_name"),
    [(False, None), (True, "us-east-1b")],
    ids=["read-from-the-endpoint", "given-metadata-and-zone-name"],
)
def test_powertools_handler_subsegment_carries_the_az(
    xray: XRayDaemon,
    lambda_metadata_endpoint: MetadataEndpoint,
    given: bool,
    zone_name: str | None,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az4"
    metadata = LambdaMetadata(availability_zone_id="use1-az1") if given else None
    tracer = new_tracer(service="orders", disabled=False, auto_patch=False)

    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: Any) -> str:
        annotate_tracer(tracer, metadata=metadata, zone_name=zone_name)
        return "ok"

    xray_recorder().begin_segment("function")
    handler({}, None)
    xray_recorder().end_segment()

    annotations = handler_subsegment(xray)["annotations"]
    assert annotations[XRAY_AVAILABILITY_ZONE_ID] == ("use1-az1" if given else "use1-az4")
    assert annotations.get(XRAY_AVAILABILITY_ZONE_NAME) == zone_name
    assert lambda_metadata_endpoint.request_count == (0 if given else 1)


def test_a_disabled_tracer_reads_nothing(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    annotate_tracer(new_tracer(disabled=True))

    assert lambda_metadata_endpoint.request_count == 0


# -- OpenTelemetry -----------------------------------------------------------


@pytest.mark.parametrize("zone_name", [None, "us-east-1c"], ids=["current-span", "given-span"])
def test_the_span_gets_the_id_and_only_a_name_under_the_semantic_convention(
    otel: tuple[TracerProvider, InMemorySpanExporter],
    lambda_metadata_endpoint: MetadataEndpoint,
    zone_name: str | None,
) -> None:
    provider, exporter = otel
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    if zone_name is None:
        with provider.get_tracer("test").start_as_current_span("handler"):
            set_span_availability_zone()
    else:
        span = provider.get_tracer("test").start_span("handler")
        set_span_availability_zone(span, zone_name=zone_name)
        span.end()

    (finished,) = exporter.get_finished_spans()
    assert finished.attributes is not None
    assert OTEL_AVAILABILITY_ZONE == "cloud.availability_zone"
    assert finished.attributes[OTEL_AVAILABILITY_ZONE_ID] == "use1-az2"
    assert finished.attributes.get(OTEL_AVAILABILITY_ZONE) == zone_name  # an ID is not a name


def test_a_non_recording_span_reads_nothing(no_lambda_metadata: None) -> None:
    with use_span(INVALID_SPAN):
        set_span_availability_zone()  # no endpoint, yet no error: nothing was read
    set_span_availability_zone(INVALID_SPAN)


def test_missing_opentelemetry_says_which_extra_to_install() -> None:
    program = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None\n"
        "from lambda_metadata.errors import MissingOptionalDependencyError\n"
        "from lambda_metadata.tracing import set_span_availability_zone\n"
        "try:\n"
        "    set_span_availability_zone()\n"
        "except MissingOptionalDependencyError as exc:\n"
        "    print(exc)\n"
    )
    result = run_python("-c", program)
    assert 'pip install "lambda-metadata[otel]"' in result.stdout


# -- the docs' examples, each in a fresh interpreter -------------------------


def test_powertools_example_as_in_lambda(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    # with Lambda's variables set, X-Ray uses its Lambda context and streams subsegments
    daemon = XRayDaemon()
    lambda_metadata_endpoint.availability_zone_id = "use1-az6"
    program = "import runpy, sys\nrunpy.run_path(sys.argv[1])['handler']({}, None)\n"
    env = daemon.lambda_environment(
        task_root=str(EXAMPLES),
        **lambda_metadata_endpoint.environ,
    )
    try:
        subprocess.run(
            [sys.executable, "-c", program, str(EXAMPLES / "tracing_powertools.py")],
            env=env,
            timeout=60,
            check=True,
        )
        (subsegment,) = daemon.entities(1)
    finally:
        daemon.socket.close()
    assert subsegment["name"] == "## handler"
    assert subsegment["annotations"][XRAY_AVAILABILITY_ZONE_ID] == "use1-az6"


def test_otel_example(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az1"
    program = (
        "import json, runpy, sys\n"
        + install_in_child({"use1-az1": "us-east-1b"})
        + "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import (\n"
        "    InMemorySpanExporter)\n"
        "exporter = InMemorySpanExporter()\n"
        "provider = TracerProvider()\n"
        "provider.add_span_processor(SimpleSpanProcessor(exporter))\n"
        "trace.set_tracer_provider(provider)\n"
        "runpy.run_path(sys.argv[1])['handler']({}, None)\n"
        "print(json.dumps([dict(s.attributes) for s in exporter.get_finished_spans()]))\n"
    )
    env = {
        **lambda_metadata_endpoint.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": "",
    }
    result = run_python("-c", program, str(EXAMPLES / "tracing_otel.py"), env=env)
    (attributes,) = json.loads(result.stdout)
    assert attributes == {
        OTEL_AVAILABILITY_ZONE_ID: "use1-az1",
        OTEL_AVAILABILITY_ZONE: "us-east-1b",
    }


def test_outside_a_subsegment_in_lambda_warns_instead_of_failing_the_handler(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    # in Lambda the segment is Lambda's own and read-only: a misplaced call must not crash
    daemon = XRayDaemon()
    program = (
        "import logging\n"
        "logging.basicConfig(format='%(levelname)s %(message)s')\n"
        "from aws_lambda_powertools import Tracer\n"
        "from lambda_metadata.tracing import annotate_tracer\n"
        "tracer = Tracer(service='orders', auto_patch=False)\n"
        "annotate_tracer(tracer)\n"
        "annotate_tracer(tracer)\n"
        "print('handler still ran')\n"
    )
    env = daemon.lambda_environment(
        task_root=str(EXAMPLES),
        **lambda_metadata_endpoint.environ,
    )
    try:
        result = run_python("-c", program, env=env, ok=False)
    finally:
        daemon.socket.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout == "handler still ran\n"
    warnings = [line for line in result.stderr.splitlines() if "capture_lambda_handler" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("WARNING lambda_metadata: annotate_tracer() ran outside")


# -- a failing tracer or span: logged once per streak, or a typed error with strict ----------


class BrokenTracer:
    def __init__(self) -> None:
        self.failing = True

    def put_annotation(self, key: str, value: str) -> None:
        if self.failing:
            raise RuntimeError("the X-Ray SDK broke")


class BrokenSpan:
    def is_recording(self) -> bool:
        return True

    def set_attribute(self, key: str, value: Any) -> None:
        raise TypeError("the span broke")


def tracing_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "lambda_metadata: could not" in r.getMessage()]


def test_a_failing_tracer_is_logged_once_per_streak(
    caplog: pytest.LogCaptureFixture, no_lambda_metadata: None
) -> None:
    tracer = BrokenTracer()
    metadata = LambdaMetadata(availability_zone_id="use1-az1")
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        for failing in (False, True, True, False, True):  # a success first: a streak's start
            tracer.failing = failing
            annotate_tracer(tracer, metadata=metadata)
    warnings = tracing_warnings(caplog)
    assert len(warnings) == 2
    assert "RuntimeError: the X-Ray SDK broke" in warnings[0]


def test_a_failing_span_is_logged_once_per_streak(
    otel: tuple[TracerProvider, InMemorySpanExporter],
    caplog: pytest.LogCaptureFixture,
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    provider, _ = otel
    set_span_availability_zone(provider.get_tracer("t").start_span("ok"))  # a success
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        for _ in range(3):
            set_span_availability_zone(BrokenSpan())  # type: ignore[arg-type]
    (warning,) = tracing_warnings(caplog)
    assert "TypeError: the span broke" in warning


def test_strict_turns_a_tracer_failure_into_a_typed_error(no_lambda_metadata: None) -> None:
    metadata = LambdaMetadata(availability_zone_id="use1-az1")
    with pytest.raises(LambdaMetadataError, match="X-Ray SDK broke") as info:
        annotate_tracer(BrokenTracer(), metadata=metadata, strict=True)
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(LambdaMetadataError, match="span broke"):
        set_span_availability_zone(BrokenSpan(), metadata=metadata, strict=True)  # type: ignore[arg-type]


def test_a_metadata_failure_is_still_raised(no_lambda_metadata: None) -> None:
    with pytest.raises(MetadataUnavailableError):
        annotate_tracer(BrokenTracer())
