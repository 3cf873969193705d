"""Test your Lambda functions without Lambda: a local metadata endpoint and pytest fixtures.

``MetadataEndpoint`` is a real HTTP server on 127.0.0.1 that follows AWS's
reference. The pytest plugin (loaded automatically once lambda-metadata is
installed) provides the ``lambda_metadata_endpoint`` fixture, which starts it,
points ``AWS_LAMBDA_METADATA_API``/``AWS_LAMBDA_METADATA_TOKEN`` at it and
clears the cache around each test, and ``no_lambda_metadata``, which removes them.
``run_before_snapshot_hooks`` and ``run_after_restore_hooks`` walk a function
through a SnapStart snapshot and restore as the Lambda runtime does.
``MetadataEndpoint.impair()`` makes it fail or answer late on purpose (an error
status, a timeout, a hang) to rehearse an impairment.
``lambda_context()`` builds a Lambda-like context to call a handler with.
``FakeClock`` (fixture ``lambda_metadata_clock``) moves the cache past ``max-age``
and fail-fast windows without sleeping.
"""

from __future__ import annotations

from ._clock import FakeClock
from ._emulator import Impairment, InvalidImpairmentError, MetadataEndpoint, RecordedRequest
from ._hooks import run_after_restore_hooks, run_before_snapshot_hooks
from ._lambda_context import FakeLambdaContext, lambda_context

__all__ = [
    "FakeClock",
    "FakeLambdaContext",
    "Impairment",
    "InvalidImpairmentError",
    "MetadataEndpoint",
    "RecordedRequest",
    "lambda_context",
    "run_after_restore_hooks",
    "run_before_snapshot_hooks",
]
