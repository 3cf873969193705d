"""The local metadata endpoint every benchmark of a run talks to, in its own process.

A separate process keeps the emulator's request handling off the measuring
process's GIL, as the real endpoint is outside the function's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

AVAILABILITY_ZONE_ID = "use1-az1"

# The endpoint's facts, from AWS's reference, spelled here rather than read from the package's
# private modules, so that rewriting the package never breaks its benchmarks.
API_ENV = "AWS_LAMBDA_METADATA_API"
TOKEN_ENV = "AWS_LAMBDA_METADATA_TOKEN"
METADATA_PATH = "/2026-01-15/metadata/execution-environment"

_SERVER = """
import json, sys
from lambda_metadata.testing import MetadataEndpoint
endpoint = MetadataEndpoint(availability_zone_id=sys.argv[1]).start()
print(json.dumps(endpoint.environ), flush=True)
sys.stdin.read()
endpoint.stop()
"""

LAMBDA_ENVIRONMENT = {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}
"""Powertools' metadata utility returns an empty object unless this is set."""
REMOVED = ("POWERTOOLS_DEV",)
"""Powertools skips the fetch when ``POWERTOOLS_DEV`` is truthy."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A running endpoint: the variables a function needs to reach it."""

    environ: Mapping[str, str]
    availability_zone_id: str = AVAILABILITY_ZONE_ID

    def child_environ(self) -> dict[str, str]:
        """A copy of ``os.environ`` for a fresh process that should see a Lambda environment."""
        env = {k: v for k, v in os.environ.items() if k not in REMOVED}
        env.update(self.environ)
        env.update(LAMBDA_ENVIRONMENT)
        return env


@contextmanager
def running_endpoint() -> Iterator[Endpoint]:
    """Start the emulator in a child process; stop it when the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, AVAILABILITY_ZONE_ID],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the metadata endpoint emulator did not start")
        yield Endpoint(environ=json.loads(line))
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def lambda_environment(endpoint: Endpoint) -> Iterator[None]:
    """Point this process's environment at ``endpoint`` as Lambda would; restore it afterwards."""
    with mock.patch.dict(os.environ, {**endpoint.environ, **LAMBDA_ENVIRONMENT}):
        for name in REMOVED:
            os.environ.pop(name, None)
        yield
