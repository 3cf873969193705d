"""``lambda_context()``: a stand-in for the context object Lambda passes to a handler."""

from __future__ import annotations

import functools
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from aws_lambda_powertools.utilities.typing import LambdaContext as _Base
else:
    _Base = object


class FakeLambdaContext(_Base):
    """What awslambdaric's ``LambdaContext`` offers a handler, with made-up values. With Powertools
    installed, ``lambda_context()`` returns a subclass of this and Powertools' ``LambdaContext``."""

    function_name: str = ""
    function_version: str = ""
    memory_limit_in_mb: int = 0
    invoked_function_arn: str = ""
    aws_request_id: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None
    _deadline_ms: int = 4_102_444_800_000  # 2100-01-01: no deadline

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]  # static there
        """Milliseconds left before the invocation's deadline (never negative)."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return f"FakeLambdaContext({self.function_name!r}, {self.aws_request_id!r})"


@functools.cache
def _context_class() -> type[FakeLambdaContext]:
    """``FakeLambdaContext``, mixed with Powertools' ``LambdaContext`` when it is installed."""
    try:
        from aws_lambda_powertools.utilities.typing import LambdaContext
    except ImportError:
        return FakeLambdaContext
    return type("FakeLambdaContext", (FakeLambdaContext, LambdaContext), {"__module__": __name__})


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
    """A Lambda-like context for calling a handler in a test or a script: ARN and log names as
    Lambda builds them, and ``timeout`` seconds (``None``: none) left for the invocation."""
    context = _context_class()()
    context.__dict__.update(
        function_name=function_name,
        function_version=function_version,
        memory_limit_in_mb=memory_limit_in_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account_id}:function:{function_name}",
        aws_request_id=aws_request_id,
        log_group_name=f"/aws/lambda/{function_name}",
        log_stream_name=f"2026/01/01/[{function_version}]00000000000000000000000000000000",
    )
    if timeout is not None:
        context._deadline_ms = int((time.time() + timeout) * 1000)
    return context
