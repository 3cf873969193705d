"""The AZ in every log line: stdlib format strings and a real Powertools ``Logger``'s JSON."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from awslambdaric.lambda_context import LambdaContext
from conftest import run_python

from lambda_metadata import inject_az
from lambda_metadata.testing import MetadataEndpoint


@inject_az
def handler(event: Any, context: Any) -> str:
    """Decorating this at import installs the record factory for this module's tests."""
    logging.getLogger("app").info("inside")
    return str(context.lambda_metadata.availability_zone_id)


@pytest.fixture
def context(monkeypatch: pytest.MonkeyPatch) -> LambdaContext:
    """A real awslambdaric context, with the variables the runtime would set."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    return LambdaContext(
        "request-1", None, None, 4_102_444_800_000, "arn:aws:lambda:us-east-1:1:function:orders"
    )


@pytest.fixture
def formatted() -> Iterator[Callable[[str], list[str]]]:
    """Attach a ``%(availability_zone_id)s`` formatter to named loggers; read what they wrote."""
    buffer = io.StringIO()
    stream = logging.StreamHandler(buffer)
    stream.setFormatter(logging.Formatter("%(name)s %(availability_zone_id)s %(message)s"))
    attached: list[logging.Logger] = []

    def attach(name: str) -> list[str]:
        log = logging.getLogger(name)
        log.addHandler(stream)
        log.setLevel(logging.INFO)
        attached.append(log)
        return buffer.getvalue().splitlines()

    yield attach
    for log in attached:
        log.removeHandler(stream)


# -- standard logging ------------------------------------------------------


def test_format_strings_see_the_zone_in_application_and_third_party_loggers(
    lambda_metadata_endpoint: MetadataEndpoint,
    context: LambdaContext,
    formatted: Callable[[str], list[str]],
) -> None:
    formatted("app")
    formatted("botocore.credentials")

    assert handler({}, context) == "use1-az1"
    logging.getLogger("botocore.credentials").info("after the invocation")

    assert formatted("app") == [
        "app use1-az1 inside",
        "botocore.credentials use1-az1 after the invocation",
    ]


def test_records_before_the_zone_is_known_get_the_placeholder(
    no_lambda_metadata: None, formatted: Callable[[str], list[str]]
) -> None:
    formatted("app")
    logging.getLogger("app").info("cold, outside Lambda")

    assert formatted("app") == ["app - cold, outside Lambda"]


def run_script(script: str, endpoint: MetadataEndpoint) -> str:
    """Run ``script`` in a fresh interpreter (a fresh log-record factory) against the emulator."""
    result = run_python("-c", textwrap.dedent(script), env={**os.environ, **endpoint.environ})
    return result.stdout


def test_composes_with_a_factory_installed_before(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    out = run_script(
        """
        import logging, sys
        previous = logging.getLogRecordFactory()
        def tenant_factory(*args, **kwargs):
            record = previous(*args, **kwargs)
            record.tenant = "acme"
            return record
        logging.setLogRecordFactory(tenant_factory)

        from lambda_metadata import inject_az
        @inject_az
        def handler(event, context):
            logging.getLogger("app").warning("hi")
        FORMAT = "%(tenant)s %(availability_zone_id)s %(message)s"
        logging.basicConfig(stream=sys.stdout, format=FORMAT)
        logging.getLogger("app").warning("before")
        handler({}, None)
        """,
        lambda_metadata_endpoint,
    )

    assert out.splitlines() == ["acme - before", "acme use1-az1 hi"]


def test_composes_with_a_factory_installed_after_and_installs_once(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    out = run_script(
        """
        import logging, sys
        from lambda_metadata import inject_az
        @inject_az
        def first(event, context):
            pass
        ours = logging.getLogRecordFactory()
        @inject_az(strict=True)
        def second(event, context):
            logging.getLogger("app").warning("hi")
        print(logging.getLogRecordFactory() is ours)

        previous = logging.getLogRecordFactory()
        def tenant_factory(*args, **kwargs):
            record = previous(*args, **kwargs)
            record.tenant = "acme"
            return record
        logging.setLogRecordFactory(tenant_factory)
        inject_az(lambda event, context: None)
        print(logging.getLogRecordFactory() is tenant_factory)

        FORMAT = "%(tenant)s %(availability_zone_id)s %(message)s"
        logging.basicConfig(stream=sys.stdout, format=FORMAT)
        second({}, None)
        """,
        lambda_metadata_endpoint,
    )

    assert out.splitlines() == ["True", "True", "acme use1-az1 hi"]


def test_log_records_false_leaves_logging_alone(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    out = run_script(
        """
        import logging
        from lambda_metadata import inject_az
        @inject_az(log_records=False)
        def handler(event, context):
            return context.lambda_metadata.availability_zone_id
        print(handler({}, type("Context", (), {})()))
        print(logging.getLogRecordFactory() is logging.LogRecord)
        """,
        lambda_metadata_endpoint,
    )

    assert out.splitlines() == ["use1-az1", "True"]


# -- Powertools ------------------------------------------------------------


def test_a_callers_own_extra_value_wins_for_its_record(
    lambda_metadata_endpoint: MetadataEndpoint,
    context: LambdaContext,
    formatted: Callable[[str], list[str]],
) -> None:
    """``extra=`` with the same key works as it does without this library: no ``KeyError``."""
    formatted("app")

    @inject_az
    def own_zone(event: Any, context: Any) -> None:
        logging.getLogger("app").info("mine", extra={"availability_zone_id": "use1-az9"})
        logging.getLogger("app").info("ours")

    own_zone({}, context)
    assert formatted("app") == ["app use1-az9 mine", "app use1-az1 ours"]


def powertools_logger() -> tuple[Logger, io.StringIO]:
    """A real Powertools Logger writing JSON lines to a buffer (a fresh service each time)."""
    buffer = io.StringIO()
    logger = Logger(
        service=f"svc-{uuid.uuid4().hex[:8]}", logger_handler=logging.StreamHandler(buffer)
    )
    return logger, buffer


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.mark.parametrize("order", ["powertools-outside", "powertools-inside"])
def test_powertools_json_lines_carry_the_zone_after_clear_state(
    lambda_metadata_endpoint: MetadataEndpoint, context: LambdaContext, order: str
) -> None:
    logger, buffer = powertools_logger()
    child = Logger(service=logger.service, child=True)

    def body(event: Any, context: Any) -> str:
        logger.append_keys(order_id=event["order_id"])
        logger.info("parent")
        child.info("child")
        return str(context.lambda_metadata.availability_zone_id)

    if order == "powertools-outside":
        decorated = logger.inject_lambda_context(clear_state=True)(inject_az(body))
    else:
        decorated = inject_az(logger.inject_lambda_context(clear_state=True)(body))

    logger.info("before any invocation")
    assert decorated({"order_id": 1}, context) == "use1-az1"
    assert decorated({"order_id": 2}, context) == "use1-az1"
    logger.info("after the invocations")

    lines = json_lines(buffer)
    assert [line["message"] for line in lines] == [
        "before any invocation",
        "parent",
        "child",
        "parent",
        "child",
        "after the invocations",
    ]
    assert [line["availability_zone_id"] for line in lines] == ["-"] + ["use1-az1"] * 5
    assert [line.get("order_id") for line in lines[1:5]] == [1, 1, 2, 2]
    assert all(line["function_request_id"] == "request-1" for line in lines[1:5])


def test_powertools_with_a_context_that_refuses_attributes(
    lambda_metadata_endpoint: MetadataEndpoint, context: LambdaContext
) -> None:
    class Frozen:
        __slots__ = ("aws_request_id", "function_name", "invoked_function_arn")
        memory_limit_in_mb = 128

        def __init__(self) -> None:
            self.aws_request_id = "request-2"
            self.function_name = "orders"
            self.invoked_function_arn = "arn:aws:lambda:us-east-1:1:function:orders"

    logger, buffer = powertools_logger()

    @inject_az
    @logger.inject_lambda_context(clear_state=True)
    def decorated(event: Any, context: Any) -> str:
        logger.info("hello")
        return str(context.lambda_metadata.availability_zone_id)

    assert decorated({}, Frozen()) == "use1-az1"
    (line,) = json_lines(buffer)
    assert line["availability_zone_id"] == "use1-az1"
    assert line["function_request_id"] == "request-2"


def test_installing_the_factory_early_covers_records_before_any_decoration() -> None:
    program = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO,\n"
        "                    format='%(availability_zone_id)s %(message)s')\n"
        "from lambda_metadata import install_log_record_factory\n"
        "install_log_record_factory()\n"
        "logging.getLogger('app').info('at import, before any handler is decorated')\n"
    )
    done = run_python("-c", program)
    assert done.stdout == "- at import, before any handler is decorated\n"
    assert "Logging error" not in done.stderr


@pytest.fixture
def saved_factory() -> Iterator[None]:
    """Put the process's record factory back after a test that replaces it."""
    saved = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(saved)


def zone_lines(logger_name: str, emit: Callable[[], None]) -> tuple[list[str], str]:
    """What a ``%(availability_zone_id)s`` formatter writes for ``emit()``, and stderr."""
    buffer = io.StringIO()
    stream = logging.StreamHandler(buffer)
    stream.setFormatter(logging.Formatter("%(availability_zone_id)s %(message)s"))
    log = logging.getLogger(logger_name)
    log.addHandler(stream)
    log.setLevel(logging.INFO)
    log.propagate = False
    errors = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stderr", errors)  # where logging reports "Formatting field not found"
        try:
            emit()
        finally:
            log.removeHandler(stream)
    return buffer.getvalue().splitlines(), errors.getvalue()


@pytest.mark.usefixtures("saved_factory")
def test_reinstalls_after_the_factory_is_reset(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    from lambda_metadata import get_lambda_metadata, install_log_record_factory

    get_lambda_metadata()
    logging.setLogRecordFactory(logging.LogRecord)  # what a test helper or a framework may do
    lines, errors = zone_lines("reset.before", lambda: logging.getLogger("reset.before").info("x"))
    assert lines == []
    assert "availability_zone_id" in errors  # the failure users saw: the field is missing

    install_log_record_factory()
    installed = logging.getLogRecordFactory()
    install_log_record_factory()
    assert logging.getLogRecordFactory() is installed  # not wrapped twice

    lines, errors = zone_lines("reset.after", lambda: logging.getLogger("reset.after").info("y"))
    assert (lines, errors) == (["use1-az1 y"], "")

    logging.setLogRecordFactory(logging.LogRecord)
    inject_az(lambda event, context: None)  # decorating installs it again too
    lines, errors = zone_lines("reset.again", lambda: logging.getLogger("reset.again").info("z"))
    assert (lines, errors) == (["use1-az1 z"], "")


@pytest.mark.usefixtures("saved_factory")
def test_never_wraps_twice_behind_a_factory_that_chains_to_ours(
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    from lambda_metadata import get_lambda_metadata, install_log_record_factory

    get_lambda_metadata()
    install_log_record_factory()
    ours = logging.getLogRecordFactory()
    made: list[str] = []

    def counting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        made.append("record")
        return ours(*args, **kwargs)

    logging.setLogRecordFactory(counting_factory)
    for _ in range(3):
        install_log_record_factory()
    assert logging.getLogRecordFactory() is counting_factory
    made.clear()
    lines, _ = zone_lines("chained", lambda: logging.getLogger("chained").info("w"))
    assert lines == ["use1-az1 w"]
    assert made == ["record"]


def test_powertools_extra_wins_for_its_line_and_the_zone_wins_over_appended_keys(
    lambda_metadata_endpoint: MetadataEndpoint, context: LambdaContext
) -> None:
    """The documented rule (docs/logging.md): ``extra=`` and keyword keys of one call win for
    that line; otherwise the record's zone wins, over ``append_keys`` too, as Powertools gives
    every record attribute precedence over appended keys."""
    logger, buffer = powertools_logger()

    @logger.inject_lambda_context
    @inject_az
    def body(event: Any, context: Any) -> None:
        logger.info("extra", extra={"availability_zone_id": "use1-az9"})
        logger.info("keyword", availability_zone_id="use1-az8")
        logger.append_keys(availability_zone_id="appended")
        logger.info("appended")

    body({}, context)
    assert [(line["message"], line["availability_zone_id"]) for line in json_lines(buffer)] == [
        ("extra", "use1-az9"),
        ("keyword", "use1-az8"),
        ("appended", "use1-az1"),
    ]


def test_in_the_documented_order_every_line_of_the_first_invocation_has_the_zone(
    lambda_metadata_endpoint: MetadataEndpoint, context: LambdaContext
) -> None:
    """``@inject_az`` above ``@logger.inject_lambda_context(log_event=True)``, as the README and
    the docs show it: the event line of a cold start carries the AZ too."""
    logger, buffer = powertools_logger()

    @inject_az
    @logger.inject_lambda_context(log_event=True, clear_state=True)
    def body(event: Any, context: Any) -> None:
        logger.info("inside")

    for _ in range(2):
        body({"order": 1}, context)
    lines = json_lines(buffer)
    assert [line["message"] for line in lines] == [{"order": 1}, "inside"] * 2
    assert [line["availability_zone_id"] for line in lines] == ["use1-az1"] * 4
    assert lambda_metadata_endpoint.request_count == 1


# -- the key named otherwise: LAMBDA_METADATA_LOG_KEY, or install_log_record_factory(key=...) ----

NAMED_KEY = """
import io, json, logging, sys
from aws_lambda_powertools import Logger
from lambda_metadata import inject_az, install_log_record_factory
from lambda_metadata.errors import InvalidArgumentError
from lambda_metadata.testing import lambda_context
{install}
logger = Logger(service="orders", stream=sys.stdout)
plain = logging.StreamHandler(sys.stdout)
plain.setFormatter(logging.Formatter("%(az_id)s %(message)s"))
logging.getLogger("app").addHandler(plain)

@inject_az  # installs the factory too, which keeps the key already chosen
@logger.inject_lambda_context
def handler(event, context):
    logger.info("json")
    logging.getLogger("app").warning("plain")

handler({{}}, lambda_context())
for other in ("availability_zone_id", "message", "not an identifier"):
    try:
        install_log_record_factory(key=other)
    except InvalidArgumentError as error:
        print("refused", other)
"""


@pytest.mark.parametrize(
    ("install", "env"),
    [("install_log_record_factory(key='az_id')", {}), ("", {"LAMBDA_METADATA_LOG_KEY": "az_id"})],
    ids=["keyword", "variable"],
)
def test_the_log_key_can_be_named_otherwise(
    lambda_metadata_endpoint: MetadataEndpoint, install: str, env: dict[str, str]
) -> None:
    environ = {**os.environ, **lambda_metadata_endpoint.environ, **env}
    out = run_python("-c", NAMED_KEY.format(install=install), env=environ).stdout.splitlines()
    line = json.loads(out[0])
    assert (line["message"], line["az_id"]) == ("json", "use1-az1")
    assert "availability_zone_id" not in line
    assert out[1:] == [
        "use1-az1 plain",
        "refused availability_zone_id",  # another key than the one in place
        "refused message",  # a key every record has already
        "refused not an identifier",
    ]
