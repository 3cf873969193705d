"""``lambda_context()``: a stand-in for the context object Lambda passes to a handler."""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from aws_lambda_powertools.utilities.typing import LambdaContext as _Base
else:
    _Base = object

_FAR_FUTURE_MS = 4_102_444_800_000  # 2100-01-01: "no deadline" for a local call
_READ_ONLY = (
    "function_name",
    "function_version",
    "memory_limit_in_mb",
    "invoked_function_arn",
    "aws_request_id",
    "log_group_name",
    "log_stream_name",
)


class FakeLambdaContext(_Base):
    """What awslambdaric's ``LambdaContext`` offers a handler, with made-up values.

    Powertools' ``Logger.inject_lambda_context`` reads ``function_name``,
    ``memory_limit_in_mb``, ``invoked_function_arn`` and ``aws_request_id``; handlers
    often call ``get_remaining_time_in_millis()``. They are read-only, as Powertools'
    typing class has them; new attributes can be set, as on the real context. When
    Powertools is installed, ``lambda_context()`` returns a subclass of both this and
    Powertools' ``LambdaContext``, so a handler annotated ``context: LambdaContext``
    type-checks with it. ``identity``, ``client_context`` and ``tenant_id`` are ``None``.
    """

    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None

    def __init__(self, *, deadline_ms: int, **values: object) -> None:
        for name in _READ_ONLY:  # behind the read-only properties below
            setattr(self, f"_{name}", values[name])
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]  # static there
        """Milliseconds left before the invocation's deadline (never negative)."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"FakeLambdaContext(function_name={self._function_name!r}, "
            f"aws_request_id={self._aws_request_id!r})"
        )


def _read_only(name: str) -> property:
    return property(lambda context: getattr(context, f"_{name}"))


for _name in _READ_ONLY:
    setattr(FakeLambdaContext, _name, _read_only(_name))
del _name

_flavour: type[FakeLambdaContext] | None = None


def _context_class() -> type[FakeLambdaContext]:
    """``FakeLambdaContext``, mixed with Powertools' ``LambdaContext`` when it is installed."""
    global _flavour
    if _flavour is None:
        try:
            from aws_lambda_powertools.utilities.typing import LambdaContext
        except ImportError:
            _flavour = FakeLambdaContext
        else:
            _flavour = type(
                "FakeLambdaContext", (FakeLambdaContext, LambdaContext), {"__module__": __name__}
            )
    return _flavour


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
    from; ``None`` means no deadline. The ARN and log names are built from
    ``region``, ``account_id`` and ``function_name`` as Lambda builds them.
    Powertools is imported on the first call, if installed, never at import.
    """
    now_ms = int(time.time() * 1000)
    return _context_class()(
        function_name=function_name,
        function_version=function_version,
        memory_limit_in_mb=memory_limit_in_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account_id}:function:{function_name}",
        aws_request_id=aws_request_id,
        log_group_name=f"/aws/lambda/{function_name}",
        log_stream_name=f"2026/01/01/[{function_version}]00000000000000000000000000000000",
        deadline_ms=_FAR_FUTURE_MS if timeout is None else now_ms + int(timeout * 1000),
    )
