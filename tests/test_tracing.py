"""The AZ on traces: a real Powertools Tracer sending to a UDP socket, and the OTel SDK."""

from __future__ import annotations

import asyncio
import json
import logging
import runpy
from typing import TYPE_CHECKING, Any

import pytest
from conftest import EXAMPLES, XRayDaemon, run_python
from opentelemetry.trace import INVALID_SPAN, INVALID_SPAN_CONTEXT, NonRecordingSpan, use_span

from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
    inject_az,
    metadata_of,
)
from lambda_metadata.testing import MetadataEndpoint, lambda_context
from lambda_metadata.tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_NAME,
    annotate_tracer,
    set_span_availability_zone,
)

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

GIVEN = LambdaMetadata(availability_zone_id="use1-az1")


class Broken(NonRecordingSpan):
    """A tracer and a recording span whose every call raises ``error`` while ``failing``."""

    def __init__(self, error: BaseException | None = None) -> None:
        super().__init__(INVALID_SPAN_CONTEXT)
        self.error = error or RuntimeError("the tracer broke")
        self.failing, self.calls = True, 0

    def is_recording(self) -> bool:
        return True

    def put_annotation(self, key: str, value: Any) -> None:
        self.calls += 1
        if self.failing:
            raise self.error

    set_attribute = put_annotation


@pytest.mark.parametrize("put", [annotate_tracer, set_span_availability_zone])
def test_a_failing_tracer_or_span_warns_once_per_streak_or_raises_an_idle_one_reads_nothing(
    caplog: pytest.LogCaptureFixture, no_lambda_metadata: None, put: Any
) -> None:
    broken = Broken()
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        for failing in (False, True, True, False, True):  # a success first: a streak's start
            broken.failing = failing
            put(broken, metadata=GIVEN)
    warnings = [
        r.getMessage() for r in caplog.records if "lambda_metadata: could" in r.getMessage()
    ]
    assert len(warnings) == 2
    assert "RuntimeError: the tracer broke" in warnings[0]
    with pytest.raises(LambdaMetadataError, match="tracer broke") as info:
        put(broken, metadata=GIVEN, strict=True)
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(MetadataUnavailableError):  # a metadata failure is raised either way
        put(broken)
    from aws_lambda_powertools import Tracer

    idle = Tracer(disabled=True) if put is annotate_tracer else INVALID_SPAN
    with use_span(INVALID_SPAN):  # no endpoint, yet no error: nothing was read
        put(idle)
        set_span_availability_zone()  # the current span


def test_powertools_examples_as_in_lambda_and_a_call_outside_a_subsegment(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    """In Lambda's context, X-Ray streams the example's subsegment, then one given the metadata
    and a name; Lambda's own segment is read-only: a call outside warns once, never fails. Then
    the decorator's example (``tracer=`` and ``resolve_name=True``, EC2 answered by
    tests/fake_ec2.py) annotates its handler's subsegment with both."""
    from fake_ec2 import install_in_child

    daemon = XRayDaemon()
    lambda_metadata_endpoint.availability_zone_id = "use1-az6"
    program = (
        "import json, logging, runpy, sys, types\n"
        + install_in_child({"use1-az6": "us-east-1f"})
        + "logging.basicConfig(format='%(levelname)s %(message)s')\n"
        "from lambda_metadata import LambdaMetadata\n"
        "from lambda_metadata.tracing import annotate_tracer\n"
        "example = runpy.run_path(sys.argv[1])\n"
        "example['handler']({}, None)\n"
        "tracer, given = example['tracer'], LambdaMetadata(availability_zone_id='use1-az1')\n"
        "tracer.capture_lambda_handler(lambda event, context: annotate_tracer(\n"
        "    tracer, metadata=given, zone_name='us-east-1b'))({}, None)\n"
        "annotate_tracer(tracer)\n"
        "annotate_tracer(tracer)\n"
        "extras = runpy.run_path(sys.argv[2])['handler']\n"
        "print(json.dumps(extras({}, types.SimpleNamespace(aws_request_id='r'))))\n"
    )
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    aws |= {"AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    env = daemon.lambda_environment(
        task_root=str(EXAMPLES), **aws, **lambda_metadata_endpoint.environ
    )
    examples = [EXAMPLES / f"{name}.py" for name in ("tracing_powertools", "decorator_extras")]
    try:
        result = run_python("-c", program, *examples, env=env)
        example, given, *rest = daemon.entities(4)  # then the EC2 call, traced, and the handler
    finally:
        daemon.socket.close()
    assert example["name"] == "## handler"
    assert example["annotations"][XRAY_AVAILABILITY_ZONE_ID] == "use1-az6"  # read
    assert XRAY_AVAILABILITY_ZONE_NAME not in example["annotations"]  # no name given
    assert given["annotations"][XRAY_AVAILABILITY_ZONE_ID] == "use1-az1"
    assert given["annotations"][XRAY_AVAILABILITY_ZONE_NAME] == "us-east-1b"
    assert lambda_metadata_endpoint.request_count == 1  # the given metadata was not read again
    zones = {"availability_zone_id": "use1-az6", "availability_zone_name": "us-east-1f"}
    assert json.loads(result.stdout) == zones  # the handler still ran after the calls outside
    (extras,) = [entity for entity in rest if entity["name"] == "## handler"]
    assert extras["annotations"][XRAY_AVAILABILITY_ZONE_ID] == "use1-az6"
    assert extras["annotations"][XRAY_AVAILABILITY_ZONE_NAME] == "us-east-1f"
    warnings = [line for line in result.stderr.splitlines() if "capture_lambda_handler" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("WARNING lambda_metadata: annotate_tracer() ran outside")


def zone(event: object, context: object) -> str | None:
    metadata = metadata_of(context)
    return None if metadata is None else metadata.availability_zone_id


def not_reached(event: object, context: object) -> None:
    pytest.fail("the handler ran")


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "extras failed" in r.getMessage()]


HOSTILE = [RuntimeError("boom"), TypeError("bad key"), ValueError(), KeyError("x"), OSError(5)]


@pytest.mark.parametrize("via", ["tracer", "span"])
@pytest.mark.parametrize("error", HOSTILE, ids=lambda e: type(e).__name__)
def test_inject_az_never_fails_the_handler_for_a_failing_tracer_or_span_and_warns_per_streak(
    lambda_metadata_endpoint: MetadataEndpoint,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    via: str,
) -> None:
    broken = Broken(error)  # the current span too: only the option chosen is called
    decorate = inject_az(tracer=broken) if via == "tracer" else inject_az(otel=True)
    sync = decorate(zone)

    @decorate
    async def handler(event: dict[str, Any], context: Any) -> str | None:
        return zone(event, context)

    slotted = type("Slotted", (), {"__slots__": ()})()  # refuses the attribute, not extras
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"), use_span(broken):
        for broken.failing in (True, True, False, True):  # two failure streaks
            assert asyncio.run(handler({}, lambda_context())) == "use1-az1"
            assert sync({}, slotted) is None
    assert broken.calls == 8
    warnings = failures(caplog)  # one a streak, of each handler
    assert [type(error).__name__ in warning for warning in warnings] == [True] * 4


@pytest.mark.parametrize(
    ("error", "strict", "raised"),
    [
        (RuntimeError("boom"), True, LambdaMetadataError),
        (KeyboardInterrupt(), False, KeyboardInterrupt),
    ],
    ids=["strict-raises-a-typed-error", "an-interrupt-ends-the-invocation"],
)
def test_what_a_failing_tracer_raises_through_inject_az(
    lambda_metadata_endpoint: MetadataEndpoint, error: BaseException, strict: bool, raised: type
) -> None:
    handler = inject_az(tracer=Broken(error), strict=strict)(not_reached)
    with pytest.raises(raised) as info:
        handler({}, lambda_context())
    if strict:
        assert "RuntimeError: boom" in str(info.value)
        assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.usefixtures("ec2")  # the example asks EC2 for the name
def test_spans_get_the_id_and_only_a_name_under_the_semantic_convention(
    otel: tuple[TracerProvider, InMemorySpanExporter], lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    provider, exporter = otel
    lambda_metadata_endpoint.availability_zone_id = "use1-az1"
    handler = runpy.run_path(str(EXAMPLES / "tracing_otel.py"))["handler"]
    handler.__globals__["tracer"] = provider.get_tracer("orders")  # not the process's global one
    assert handler({}, None) == "ok"  # the docs' example: the current span, a name from EC2
    span = provider.get_tracer("test").start_span("given")
    set_span_availability_zone(span)  # a given span, and no name
    span.end()

    example, given = exporter.get_finished_spans()
    assert OTEL_AVAILABILITY_ZONE == "cloud.availability_zone"
    assert example.attributes == {
        OTEL_AVAILABILITY_ZONE_ID: "use1-az1",
        OTEL_AVAILABILITY_ZONE: "us-east-1b",
    }
    assert given.attributes == {OTEL_AVAILABILITY_ZONE_ID: "use1-az1"}  # an ID is not a name
