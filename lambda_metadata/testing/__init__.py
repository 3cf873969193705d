"""Test your Lambda functions without Lambda: a local metadata endpoint and pytest fixtures.

``MetadataEndpoint`` is a real HTTP server on 127.0.0.1 that follows AWS's reference;
``impair()`` makes it fail or answer late on purpose. The pytest plugin (loaded once
lambda-metadata is installed) gives the fixtures ``lambda_metadata_endpoint``,
``no_lambda_metadata`` and ``lambda_metadata_clock`` (a ``FakeClock``: the cache's expiries
without sleeping). ``run_before_snapshot_hooks`` and ``run_after_restore_hooks`` walk a function
through a SnapStart snapshot and restore; ``lambda_context()`` builds a Lambda-like context.
"""

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
