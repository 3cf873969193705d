"""@inject_az's opt-in extras: the AZ name, X-Ray annotations, OpenTelemetry span attributes."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from conftest import XRayDaemon
from opentelemetry.trace import INVALID_SPAN_CONTEXT, NonRecordingSpan, use_span

from lambda_metadata import LambdaMetadataError, inject_az
from lambda_metadata.az_names import cached_availability_zone_name
from lambda_metadata.errors import AvailabilityZoneNameError
from lambda_metadata.testing import MetadataEndpoint
from lambda_metadata.tracing import (
    OTEL_AVAILABILITY_ZONE,
    OTEL_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_ID,
    XRAY_AVAILABILITY_ZONE_NAME,
)

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

ZONE_ID, ZONE_NAME = "use1-az1", "us-east-1b"  # as tests/fake_ec2.py names it


class Context:
    aws_request_id = "req-1"


class SlottedContext:
    __slots__ = ()  # refuses lambda_metadata: the handler gets a proxy
    aws_request_id = "req-1"


@pytest.mark.usefixtures("ec2")
def test_resolve_name_makes_the_name_available_to_the_handler(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID

    @inject_az(resolve_name=True)
    def handler(event: dict[str, Any], context: Any) -> tuple[str, str | None]:
        return context.lambda_metadata.availability_zone_id, cached_availability_zone_name()

    assert handler({}, Context()) == (ZONE_ID, ZONE_NAME)
    assert handler({}, Context()) == (ZONE_ID, ZONE_NAME)
    assert lambda_metadata_endpoint.request_count == 1


@pytest.mark.usefixtures("ec2")
def test_a_name_that_cannot_be_had_warns_once_by_default(
    lambda_metadata_endpoint: MetadataEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az99"  # a zone EC2 does not know

    @inject_az(resolve_name=True)
    def handler(event: dict[str, Any], context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        assert handler({}, Context()) == "use1-az99"
        assert handler({}, Context()) == "use1-az99"
    warnings = [r for r in caplog.records if "could not add the AZ name" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.usefixtures("ec2")
def test_strict_raises_when_the_name_cannot_be_had(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az99"

    @inject_az(resolve_name=True, strict=True)
    def handler(event: dict[str, Any], context: Any) -> str:
        raise AssertionError("not reached")

    with pytest.raises(AvailabilityZoneNameError):
        handler({}, Context())


@pytest.mark.usefixtures("ec2")
def test_tracer_option_annotates_the_handler_subsegment(
    xray: XRayDaemon, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    from aws_lambda_powertools import Tracer  # with the X-Ray SDK, slow to import: on use
    from aws_xray_sdk.core import xray_recorder

    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    tracer = Tracer(service="orders", disabled=False, auto_patch=False)

    @tracer.capture_lambda_handler
    @inject_az(tracer=tracer, resolve_name=True)
    def handler(event: dict[str, Any], context: Any) -> str:
        return "ok"

    xray_recorder.begin_segment("function")
    handler({}, Context())
    xray_recorder.end_segment()

    (subsegment,) = [e for e in xray.entities(2) if e["name"] == "## handler"]
    assert subsegment["annotations"][XRAY_AVAILABILITY_ZONE_ID] == ZONE_ID
    assert subsegment["annotations"][XRAY_AVAILABILITY_ZONE_NAME] == ZONE_NAME


def test_otel_option_sets_the_span_attribute(
    otel: tuple[TracerProvider, InMemorySpanExporter], lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    provider, exporter = otel
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"

    @inject_az(otel=True)
    async def handler(event: dict[str, Any], context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    with provider.get_tracer("test").start_as_current_span("handler"):
        assert asyncio.run(handler({}, Context())) == "use1-az2"

    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes[OTEL_AVAILABILITY_ZONE_ID] == "use1-az2"
    assert OTEL_AVAILABILITY_ZONE not in span.attributes, "an AZ ID is not an AZ name"


def test_extras_are_skipped_when_metadata_cannot_be_had(no_lambda_metadata: None) -> None:
    @inject_az(otel=True)
    def handler(event: dict[str, Any], context: Any) -> object:
        return context.lambda_metadata

    assert handler({}, Context()) is None


def test_a_tracer_without_put_annotation_is_refused_at_decoration() -> None:
    with pytest.raises(TypeError, match="Powertools Tracer"):
        inject_az(tracer=object())  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("hidden", "option", "extra"),
    [("boto3", "resolve_name=True", "ec2"), ("opentelemetry", "otel=True", "otel")],
)
def test_a_missing_extra_fails_at_decoration(hidden: str, option: str, extra: str) -> None:
    program = (
        "import sys\n"
        f"sys.modules[{hidden!r}] = None  # as if not installed\n"
        "from lambda_metadata import inject_az\n"
        "from lambda_metadata.errors import MissingOptionalDependencyError\n"
        "try:\n"
        f"    inject_az({option})\n"
        "except MissingOptionalDependencyError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f'pip install "lambda-metadata[{extra}]"' in done.stdout


def test_docs_example_as_in_lambda(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    """Lambda's variables set (so Powertools traces) and EC2 answered in the child by
    tests/fake_ec2.py."""
    from conftest import EXAMPLES
    from fake_ec2 import install_in_child

    daemon = XRayDaemon()
    lambda_metadata_endpoint.availability_zone_id = ZONE_ID
    program = (
        "import json, runpy, sys, types\n"
        + install_in_child({ZONE_ID: ZONE_NAME})
        + "handler = runpy.run_path(sys.argv[1])['handler']\n"
        "print(json.dumps(handler({}, types.SimpleNamespace(aws_request_id='r'))))\n"
    )
    env = daemon.lambda_environment(
        task_root=str(EXAMPLES),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        **lambda_metadata_endpoint.environ,
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", program, str(EXAMPLES / "decorator_extras.py")],
            env=env,
            timeout=60,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        entities = daemon.entities(2)  # the EC2 call, traced by Powertools' patching, then ours
        (subsegment,) = [e for e in entities if e["name"] == "## handler"]
    finally:
        daemon.socket.close()
    assert json.loads(done.stdout) == {
        "availability_zone_id": ZONE_ID,
        "availability_zone_name": ZONE_NAME,
    }
    assert subsegment["annotations"][XRAY_AVAILABILITY_ZONE_ID] == ZONE_ID
    assert subsegment["annotations"][XRAY_AVAILABILITY_ZONE_NAME] == ZONE_NAME


# -- no failure of an extra reaches the handler under the default policy ------------------


class BrokenTracer:
    """A tracer whose every annotation raises what a buggy SDK might."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def put_annotation(self, key: str, value: str) -> None:
        self.calls += 1
        raise self.error


class BrokenSpan(NonRecordingSpan):
    """A recording span whose attributes cannot be set."""

    def __init__(self, error: Exception) -> None:
        super().__init__(INVALID_SPAN_CONTEXT)
        self.error = error

    def is_recording(self) -> bool:
        return True

    def set_attribute(self, key: str, value: Any) -> None:
        raise self.error


HOSTILE = [RuntimeError("boom"), TypeError("bad key"), ValueError(), KeyError("x"), OSError(5)]


def extras_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "could not add the AZ name" in r.getMessage()]


@pytest.mark.parametrize("via", ["tracer", "span"])
@pytest.mark.parametrize("error", HOSTILE, ids=lambda e: type(e).__name__)
def test_a_failing_tracer_or_span_never_fails_the_handler(
    lambda_metadata_endpoint: MetadataEndpoint,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    via: str,
) -> None:
    tracer = BrokenTracer(error)
    decorate = inject_az(tracer=tracer) if via == "tracer" else inject_az(otel=True)

    @decorate
    async def handler(event: dict[str, Any], context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    with caplog.at_level(logging.WARNING, logger="lambda_metadata"), use_span(BrokenSpan(error)):
        assert [asyncio.run(handler({}, Context())) for _ in range(3)] == [ZONE_ID] * 3
    assert tracer.calls == (3 if via == "tracer" else 0)
    (warning,) = extras_warnings(caplog)
    assert type(error).__name__ in warning.getMessage()


def test_one_warning_per_failure_streak(
    lambda_metadata_endpoint: MetadataEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    class FlakyTracer:
        def __init__(self) -> None:
            self.failing = True
            self.calls = 0

        def put_annotation(self, key: str, value: str) -> None:
            self.calls += 1
            if self.failing:
                raise RuntimeError("daemon gone")

    tracer = FlakyTracer()

    @inject_az(tracer=tracer)
    def handler(event: dict[str, Any], context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        for failing in (True, True, False, False, True, True):
            tracer.failing = failing
            assert handler({}, Context()) == ZONE_ID
            assert handler({}, SlottedContext()) == ZONE_ID  # through the proxy: the same streak
    assert len(extras_warnings(caplog)) == 2  # two streaks
    assert tracer.calls == 12


def test_strict_raises_a_typed_error_when_the_tracer_fails(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    @inject_az(tracer=BrokenTracer(RuntimeError("boom")), strict=True)
    def handler(event: dict[str, Any], context: Any) -> str:
        raise AssertionError("not reached")

    with pytest.raises(LambdaMetadataError, match="RuntimeError: boom") as info:
        handler({}, Context())
    assert isinstance(info.value.__cause__, RuntimeError)


def test_an_interrupt_in_the_tracer_still_ends_the_invocation(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    @inject_az(tracer=BrokenTracer(KeyboardInterrupt()))  # type: ignore[arg-type]
    def handler(event: dict[str, Any], context: Any) -> str:
        raise AssertionError("not reached")

    with pytest.raises(KeyboardInterrupt):
        handler({}, Context())


@pytest.mark.usefixtures("ec2")
def test_resolve_name_during_an_ec2_failure_costs_one_call_per_window(
    lambda_metadata_endpoint: MetadataEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """Four invocations while EC2 cannot answer: one client, one EC2 call, one warning."""
    import boto3

    from lambda_metadata.testing import FakeClock

    clock = FakeClock(1000.0)
    clock.install()  # times the AZ-name window too
    session = boto3._get_default_session()
    clients: list[str] = []
    calls: list[str] = []
    session.events.register("creating-client-class.ec2", lambda **_: clients.append("ec2"))
    session.events.register(
        "provide-client-params.ec2.DescribeAvailabilityZones", lambda **_: calls.append("call")
    )
    lambda_metadata_endpoint.availability_zone_id = "use1-az99"  # EC2 knows no such zone

    @inject_az(resolve_name=True)
    def handler(event: dict[str, Any], context: Any) -> str:
        return str(context.lambda_metadata.availability_zone_id)

    try:
        with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
            for _ in range(4):
                assert handler({}, Context()) == "use1-az99"
                clock.advance(0.1)  # all inside the first 0.5 s window
            assert (len(clients), len(calls)) == (1, 1)
            clock.advance(0.5)
            assert handler({}, Context()) == "use1-az99"  # the window ended: one more call
            assert (len(clients), len(calls)) == (1, 2)
    finally:
        clock.uninstall()
    assert len(extras_warnings(caplog)) == 1
