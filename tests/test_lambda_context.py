"""``lambda_context()`` and ``metadata_of()``: what a handler and Powertools see."""

from __future__ import annotations

import io
import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from conftest import run_python

from lambda_metadata import LambdaMetadata, inject_az, metadata_of
from lambda_metadata.testing import FakeLambdaContext, MetadataEndpoint, lambda_context


def test_the_attributes_a_handler_reads_and_the_time_left() -> None:
    context = lambda_context(function_name="orders", region="eu-west-1", account_id="111122223333")
    assert (context.function_name, context.function_version) == ("orders", "$LATEST")
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    assert (context.memory_limit_in_mb, context.log_group_name) == (128, "/aws/lambda/orders")
    assert context.aws_request_id
    assert context.identity is context.client_context is None
    assert isinstance(context, FakeLambdaContext)
    assert isinstance(context, LambdaContext)  # Powertools is installed here
    assert "orders" in repr(context)
    assert context.get_remaining_time_in_millis() > 10**9  # no deadline
    assert 2_000 < lambda_context(timeout=3).get_remaining_time_in_millis() <= 3_000
    assert lambda_context(timeout=0).get_remaining_time_in_millis() == 0


def test_powertools_logger_reads_it(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    stream = io.StringIO()
    logger = Logger(service="lambda-context-test", stream=stream)

    @logger.inject_lambda_context
    @inject_az
    def handler(event: dict[str, object], context: LambdaContext) -> LambdaMetadata | None:
        logger.info("hello")
        return metadata_of(context)

    context = lambda_context(function_name="orders", aws_request_id="req-1", memory_limit_in_mb=256)
    metadata = handler({}, context)
    assert metadata is not None
    assert metadata.availability_zone_id == "use1-az1"
    line = json.loads(stream.getvalue())
    assert (line["function_name"], line["function_request_id"]) == ("orders", "req-1")
    assert (line["function_memory_size"], line["availability_zone_id"]) == (256, "use1-az1")
    assert not hasattr(context, "lambda_metadata")  # given back as passed


def test_importing_the_testing_package_does_not_import_powertools() -> None:
    script = (
        "import sys\nfrom lambda_metadata.testing import lambda_context, FakeLambdaContext\n"
        "print(any(m.startswith('aws_lambda_powertools') for m in sys.modules))\n"
    )
    assert run_python("-c", script).stdout.strip() == "False"
