"""The AZ in every log line: stdlib format strings and a real Powertools ``Logger``'s JSON."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from awslambdaric.lambda_context import LambdaContext
from conftest import run_python

from lambda_metadata import get_lambda_metadata, inject_az, install_log_record_factory
from lambda_metadata.testing import MetadataEndpoint, lambda_context


@pytest.fixture
def context(monkeypatch: pytest.MonkeyPatch) -> LambdaContext:
    """A real awslambdaric context, with the variables the runtime would set."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    arn = "arn:aws:lambda:us-east-1:1:function:orders"
    return LambdaContext("request-1", None, None, 4_102_444_800_000, arn)


@pytest.fixture
def saved_factory() -> Iterator[None]:
    """Put the process's record factory back after a test that replaces it."""
    saved = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(saved)


def lines_of(emit: Callable[[], object], *names: str) -> tuple[list[str], str]:
    """What a ``%(availability_zone_id)s`` formatter on the named loggers writes, and stderr."""
    buffer, errors = io.StringIO(), io.StringIO()
    stream = logging.StreamHandler(buffer)
    stream.setFormatter(logging.Formatter("%(name)s %(availability_zone_id)s %(message)s"))
    loggers = [logging.getLogger(name) for name in names]
    for log in loggers:
        log.addHandler(stream)
        log.setLevel(logging.INFO)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stderr", errors)  # where logging reports "Formatting field not found"
        try:
            emit()
        finally:
            for log in loggers:
                log.removeHandler(stream)
    return buffer.getvalue().splitlines(), errors.getvalue()


@inject_az
def handler(event: Any, context: Any) -> None:
    """Decorating this at import installs the record factory for this module's tests."""
    logging.getLogger("app").info("inside")
    logging.getLogger("app").info("mine", extra={"availability_zone_id": "use1-az9"})


def test_format_strings_see_the_zone_in_application_and_third_party_loggers(
    lambda_metadata_endpoint: MetadataEndpoint, context: LambdaContext
) -> None:
    def emit() -> None:
        handler({}, context)
        logging.getLogger("botocore.credentials").info("after the invocation")

    assert lines_of(emit, "app", "botocore.credentials") == (
        [
            "app use1-az1 inside",
            "app use1-az9 mine",  # a caller's own extra= wins for its record, as without us
            "botocore.credentials use1-az1 after the invocation",
        ],
        "",
    )


@pytest.mark.usefixtures("saved_factory")
def test_reinstalls_after_the_factory_is_reset_and_never_wraps_twice(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    get_lambda_metadata()
    emit = logging.getLogger("reset").info
    logging.setLogRecordFactory(logging.LogRecord)  # what a test helper or a framework may do
    lines, errors = lines_of(lambda: emit("x"), "reset")
    assert lines == []
    assert "availability_zone_id" in errors  # the failure users saw: the field is missing
    install_log_record_factory()
    ours = logging.getLogRecordFactory()
    install_log_record_factory()
    assert logging.getLogRecordFactory() is ours
    assert lines_of(lambda: emit("y"), "reset") == (["reset use1-az1 y"], "")
    logging.setLogRecordFactory(logging.LogRecord)
    inject_az(lambda event, context: None)  # decorating installs it again too
    assert lines_of(lambda: emit("z"), "reset") == (["reset use1-az1 z"], "")


TENANT = """
previous = logging.getLogRecordFactory()
def tenant_factory(*args, **kwargs):
    record = previous(*args, **kwargs)
    record.tenant = "acme"
    return record
logging.setLogRecordFactory(tenant_factory)
"""
FORMAT = "logging.basicConfig(stream=sys.stdout, format='%(tenant)s %(availability_zone_id)s "
FORMAT += "%(message)s')"
FRESH = {  # a script in a fresh interpreter (its own record factory), and what it prints
    "composes-with-a-factory-set-before": (
        TENANT + "from lambda_metadata import inject_az\n"
        "@inject_az\ndef handler(event, context):\n    logging.getLogger('app').warning('hi')\n"
        + FORMAT
        + "\nlogging.getLogger('app').warning('before')\nhandler({}, None)\n",
        ["acme - before", "acme use1-az1 hi"],
    ),
    "installs-once-and-composes-with-a-factory-set-after": (
        "from lambda_metadata import inject_az\n@inject_az\ndef first(event, context):\n    pass\n"
        "ours = logging.getLogRecordFactory()\n@inject_az(strict=True)\n"
        "def second(event, context):\n    logging.getLogger('app').warning('hi')\n"
        "print(logging.getLogRecordFactory() is ours)\n"
        + TENANT
        + "inject_az(lambda event, context: None)\n"
        "print(logging.getLogRecordFactory() is tenant_factory)\n"
        + FORMAT
        + "\nsecond({}, None)\n",
        ["True", "True", "acme use1-az1 hi"],
    ),
    "log-records-false-leaves-logging-alone": (
        "from lambda_metadata import inject_az\n@inject_az(log_records=False)\n"
        "def handler(event, context):\n    return context.lambda_metadata.availability_zone_id\n"
        "print(handler({}, type('Context', (), {})()))\n"
        "print(logging.getLogRecordFactory() is logging.LogRecord)\n",
        ["use1-az1", "True"],
    ),
    "installed-early-it-covers-records-before-any-decoration": (
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO,\n"
        "                    format='%(availability_zone_id)s %(message)s')\n"
        "from lambda_metadata import install_log_record_factory\ninstall_log_record_factory()\n"
        "logging.getLogger('app').info('at import, before any handler is decorated')\n",
        ["- at import, before any handler is decorated"],
    ),
}
DECORATE = "from lambda_metadata import inject_az\ninject_az(lambda event, context: None)\n"
DECORATE += "print(getattr(logging.makeLogRecord({}), 'availability_zone_id', None))\n"
for switch, printed in (("true", "None"), ("false", "-")):  # LAMBDA_METADATA_DISABLED: no factory
    script = f"os.environ['LAMBDA_METADATA_DISABLED'] = {switch!r}\n{DECORATE}"
    FRESH[f"disabled-{switch}"] = (script, [printed])


NAMED_KEY = """
from aws_lambda_powertools import Logger
from lambda_metadata import inject_az, install_log_record_factory
from lambda_metadata.errors import InvalidArgumentError
from lambda_metadata.testing import lambda_context
{install}
buffer = io.StringIO()
logger = Logger(service="orders", stream=buffer)
plain = logging.StreamHandler(sys.stdout)
plain.setFormatter(logging.Formatter("%(az_id)s %(message)s"))
logging.getLogger("app").addHandler(plain)

@inject_az  # installs the factory too, which keeps the key already chosen
@logger.inject_lambda_context
def handler(event, context):
    logger.info("json")
    logging.getLogger("app").warning("plain")

handler({{}}, lambda_context())
line = json.loads(buffer.getvalue())
print(line["message"], line["az_id"], "availability_zone_id" in line)
for other in ("availability_zone_id", "message", "not an identifier"):  # another key than the one
    try:  # in place, one that every record has already, and no identifier
        install_log_record_factory(key=other)
    except InvalidArgumentError as error:
        print("refused", other)
"""
NAMED = ["use1-az1 plain", "json use1-az1 False"]
NAMED += ["refused availability_zone_id", "refused message", "refused not an identifier"]
for named_by, install in [
    ("keyword", "install_log_record_factory(key='az_id')"),
    ("the-variable", "os.environ['LAMBDA_METADATA_LOG_KEY'] = 'az_id'  # read when installed"),
]:
    FRESH[f"the-log-key-named-by-{named_by}"] = (NAMED_KEY.format(install=install), NAMED)


@pytest.mark.parametrize(("script", "printed"), FRESH.values(), ids=FRESH.keys())
def test_in_a_fresh_interpreter(
    lambda_metadata_endpoint: MetadataEndpoint, script: str, printed: list[str]
) -> None:
    env = {**os.environ, **lambda_metadata_endpoint.environ}
    done = run_python("-c", "import io, json, logging, os, sys\n" + script, env=env)
    assert (done.stdout.splitlines(), done.stderr) == (printed, "")


def powertools_logger() -> tuple[Logger, Callable[[], list[dict[str, Any]]]]:
    """A real Powertools Logger (a service of its own) writing JSON, and its lines so far."""
    buffer = io.StringIO()
    service = f"svc-{uuid.uuid4().hex[:8]}"
    logger = Logger(service=service, logger_handler=logging.StreamHandler(buffer))
    return logger, lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("order", "cold", "memory"),  # awslambdaric's memory is its variable's string
    [("documented", "use1-az1", "128"), ("powertools-outside", "-", 256)],
)
def test_powertools_json_lines_carry_the_zone_after_clear_state(
    lambda_metadata_endpoint: MetadataEndpoint,
    context: LambdaContext,
    order: str,
    cold: str,
    memory: object,
) -> None:
    """``@inject_az`` above ``@logger.inject_lambda_context(log_event=True)``, as the docs show
    it: the event line of a cold start carries the AZ too; below, only from the next one. There,
    the testing package's ``lambda_context()`` stands in for the runtime's context."""
    if memory == 256:
        context = lambda_context(
            function_name="orders", aws_request_id="request-1", memory_limit_in_mb=256
        )
    logger, lines = powertools_logger()
    child = Logger(service=logger.service, child=True)
    inject_context = logger.inject_lambda_context(clear_state=True, log_event=True)

    def body(event: Any, context: Any) -> str:
        logger.append_keys(order_id=event["order_id"])
        logger.info("parent")
        child.info("child")
        return str(context.lambda_metadata.availability_zone_id)

    decorated = (
        inject_az(inject_context(body))
        if order == "documented"
        else inject_context(inject_az(body))
    )
    logger.info("before any invocation")
    assert [decorated({"order_id": n}, context) for n in (1, 2)] == ["use1-az1"] * 2
    logger.info("after the invocations")
    messages = ["before any invocation", {"order_id": 1}, "parent", "child"]
    messages += [{"order_id": 2}, "parent", "child", "after the invocations"]
    assert [line["message"] for line in lines()] == messages
    assert [line["availability_zone_id"] for line in lines()] == ["-", cold] + ["use1-az1"] * 6
    assert [line.get("order_id") for line in lines()[2:7]] == [1, 1, None, 2, 2]
    invocation = {(line["function_name"], line["function_request_id"]) for line in lines()[1:7]}
    assert invocation == {("orders", "request-1")}
    assert {line["function_memory_size"] for line in lines()[1:7]} == {memory}
    assert lambda_metadata_endpoint.request_count == 1
    assert not hasattr(context, "lambda_metadata")  # given back as passed


def test_powertools_extra_wins_for_its_line_and_the_zone_wins_over_appended_keys(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    """The documented rule (docs/logging.md): ``extra=`` and keyword keys of one call win for
    that line; otherwise the record's zone wins, over ``append_keys`` too. The context refuses
    new attributes: the handler gets it as it is, and the log lines still carry the zone."""

    class Frozen:
        __slots__ = ("aws_request_id", "function_name", "invoked_function_arn")
        memory_limit_in_mb = 128

        def __init__(self) -> None:
            self.aws_request_id, self.function_name = "request-2", "orders"
            self.invoked_function_arn = "arn:aws:lambda:us-east-1:1:function:orders"

    logger, lines = powertools_logger()

    @logger.inject_lambda_context
    @inject_az
    def body(event: Any, context: Any) -> None:
        logger.info("extra", extra={"availability_zone_id": "use1-az9"})
        logger.info("keyword", availability_zone_id="use1-az8")
        logger.append_keys(availability_zone_id="appended")
        logger.info("appended")

    body({}, Frozen())
    assert [(line["message"], line["availability_zone_id"]) for line in lines()] == [
        ("extra", "use1-az9"),
        ("keyword", "use1-az8"),
        ("appended", "use1-az1"),
    ]
    assert all(line["function_request_id"] == "request-2" for line in lines())
