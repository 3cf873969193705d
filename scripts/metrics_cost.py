"""What ``@inject_az(metrics=...)`` costs per invocation: instructions (callgrind) and time.

    uv run python scripts/metrics_cost.py              # wall time, best of 15 interleaved rounds
    uv run python scripts/metrics_cost.py --callgrind  # instructions per call, under valgrind

Four handlers, each around the same body and an awslambdaric ``LambdaContext``, the metadata
cached: ``@inject_az`` and ``@inject_az(metrics=...)`` alone, and both above
``@metrics.log_metrics`` with one metric added, so that the flush (serialising the extra
dimension included) is counted too. Callgrind counts instructions deterministically: each
subject runs in two processes, of ``SHORT`` and ``LONG`` calls after the same warm-up, and the
difference divided by ``LONG - SHORT`` is one call, start-up and warm-up cancelled out.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Any

SUBJECTS = ("inject_az", "inject_az(metrics=)", "flush, inject_az", "flush, inject_az(metrics=)")
SHORT, LONG = 1000, 3000


def handlers() -> dict[str, Any]:
    """The subjects, decorated, warmed up, the endpoint stopped (the cache serves every call)."""
    from aws_lambda_powertools import Metrics
    from awslambdaric.lambda_context import LambdaContext

    from lambda_metadata import inject_az
    from lambda_metadata.testing import MetadataEndpoint

    endpoint = MetadataEndpoint().start()
    os.environ.update(endpoint.environ)
    metrics = Metrics(namespace="Bench", service="bench")

    def body(event: Any, context: Any) -> int:
        return 1

    def flushing(event: Any, context: Any) -> int:
        metrics.add_metric(name="Requests", unit="Count", value=1)
        return 1

    made = {
        "inject_az": inject_az(log_records=False)(body),
        "inject_az(metrics=)": inject_az(metrics=metrics, log_records=False)(body),
        "flush, inject_az": inject_az(log_records=False)(metrics.log_metrics(flushing)),
        "flush, inject_az(metrics=)": inject_az(metrics=metrics, log_records=False)(
            metrics.log_metrics(flushing)
        ),
    }
    context = LambdaContext("r", None, None, 4_102_444_800_000, "arn:aws:lambda:us-east-1:1:f")
    with contextlib.redirect_stdout(io.StringIO()):
        for handler in made.values():
            for _ in range(200):
                handler({}, context)
    endpoint.stop()
    return {name: (lambda h=handler: h({}, context)) for name, handler in made.items()}


def run_calls(name: str, count: int) -> None:
    call = handlers()[name]
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(count):
            call()


def wall_time() -> None:
    calls, best = handlers(), dict.fromkeys(SUBJECTS, float("inf"))
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        for _ in range(15):
            for name, call in calls.items():
                started = time.perf_counter()
                for _ in range(2000):
                    call()
                best[name] = min(best[name], (time.perf_counter() - started) / 2000)
                sink.seek(0)
                sink.truncate()
    for name in SUBJECTS:
        print(f"{name:28} {best[name] * 1e6:7.2f} µs")


def instructions(name: str, count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable,
             __file__, "--run", name, str(count)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found is not None, done.stderr
    return int(found.group(1))


def callgrind() -> None:
    for name in SUBJECTS:
        per_call = (instructions(name, LONG) - instructions(name, SHORT)) / (LONG - SHORT)
        print(f"{name:28} {per_call:9,.0f} instructions per call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--run", nargs=2, metavar=("SUBJECT", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_calls(args.run[0], int(args.run[1]))
    elif args.callgrind:
        callgrind()
    else:
        wall_time()
