"""``lambda_context()``: a stand-in for the context object Lambda passes to a handler."""

from __future__ import annotations

import time

_FAR_FUTURE_MS = 4_102_444_800_000  # 2100-01-01: "no deadline" for a local call


class FakeLambdaContext:
    """The attributes and method of awslambdaric's ``LambdaContext`` that handlers read.

    Powertools' ``Logger.inject_lambda_context`` reads ``function_name``,
    ``memory_limit_in_mb``, ``invoked_function_arn`` and ``aws_request_id``; handlers
    often call ``get_remaining_time_in_millis()``. New attributes can be set on it,
    as on the real one, so ``@inject_az`` sets ``lambda_metadata`` directly.
    """

    def __init__(
        self,
        *,
        function_name: str,
        function_version: str,
        memory_limit_in_mb: int,
        invoked_function_arn: str,
        aws_request_id: str,
        log_group_name: str,
        log_stream_name: str,
        deadline_ms: int,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = invoked_function_arn
        self.aws_request_id = aws_request_id
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline (never negative)."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"FakeLambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )


def lambda_context(
    *,
    function_name: str = "test-function",
    function_version: str = "$LATEST",
    memory_limit_in_mb: int = 128,
    aws_request_id: str = "00000000-0000-4000-8000-000000000000",
    region: str = "us-east-1",
    account_id: str = "123456789012",
    timeout: float | None = None,
) -> FakeLambdaContext:
    """A Lambda-like context for calling a handler in a test or a script.

    ``timeout`` (seconds) sets what ``get_remaining_time_in_millis()`` counts down
    from; ``None`` means no deadline. The ARN is built from ``region``,
    ``account_id`` and ``function_name``, as Lambda builds it.
    """
    deadline_ms = (
        _FAR_FUTURE_MS if timeout is None else int(time.time() * 1000) + int(timeout * 1000)
    )
    return FakeLambdaContext(
        function_name=function_name,
        function_version=function_version,
        memory_limit_in_mb=memory_limit_in_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account_id}:function:{function_name}",
        aws_request_id=aws_request_id,
        log_group_name=f"/aws/lambda/{function_name}",
        log_stream_name=f"2026/01/01/[{function_version}]00000000000000000000000000000000",
        deadline_ms=deadline_ms,
    )
