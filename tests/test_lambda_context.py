"""``lambda_context()``: what a handler reads, a Powertools context, without importing it."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext
from conftest import run_python

from lambda_metadata.testing import FakeLambdaContext, lambda_context


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


def test_importing_the_testing_package_does_not_import_powertools() -> None:
    script = (
        "import sys\nfrom lambda_metadata.testing import lambda_context, FakeLambdaContext\n"
        "print(any(m.startswith('aws_lambda_powertools') for m in sys.modules))\n"
    )
    assert run_python("-c", script).stdout.strip() == "False"
