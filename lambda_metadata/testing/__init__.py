"""Test your Lambda functions without Lambda: a local metadata endpoint and pytest fixtures.

``MetadataEndpoint`` is a real HTTP server on 127.0.0.1 that follows AWS's
reference. The pytest plugin (loaded automatically once lambda-metadata is
installed) provides the ``lambda_metadata_endpoint`` fixture, which starts it,
points ``AWS_LAMBDA_METADATA_API``/``AWS_LAMBDA_METADATA_TOKEN`` at it and
clears the cache around each test, and ``no_lambda_metadata``, which removes them.
``run_before_snapshot_hooks`` and ``run_after_restore_hooks`` walk a function
through a SnapStart snapshot and restore as the Lambda runtime does.
``Fault`` and ``inject_fault`` impair the endpoint on purpose (another AZ, an
error status, a hang) to rehearse an AZ impairment.
``lambda_context()`` builds a Lambda-like context to call a handler with.
``FakeClock`` (fixture ``lambda_metadata_clock``) moves the cache past ``max-age``
and fail-fast windows without sleeping.
"""

from __future__ import annotations

from ._clock import FakeClock
from ._emulator import MetadataEndpoint, RecordedRequest
from ._faults import FAULT_ENV, HANG_SECONDS, Fault, InvalidFaultError, inject_fault
from ._hooks import run_after_restore_hooks, run_before_snapshot_hooks
from ._lambda_context import FakeLambdaContext, lambda_context

__all__ = [
    "FAULT_ENV",
    "HANG_SECONDS",
    "FakeClock",
    "FakeLambdaContext",
    "Fault",
    "InvalidFaultError",
    "MetadataEndpoint",
    "RecordedRequest",
    "inject_fault",
    "lambda_context",
    "run_after_restore_hooks",
    "run_before_snapshot_hooks",
]
