"""The one place that takes samples: interleaved rounds, in this process or in fresh ones.

Every group runs its subjects in rounds, each round sampling every subject once in a rotating
order, so a noisy neighbour or a frequency change hits them alike. Also here: the metadata
endpoint every group talks to, and reading ``python -X importtime`` output.
"""

from __future__ import annotations

import compileall
import gc
import json
import os
import site
import subprocess
import sys
import timeit
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from time import perf_counter_ns
from unittest import mock

import lambda_metadata

Samples = dict[str, list[float]]
"""Subject key → its samples, in nanoseconds."""

# The endpoint's facts, from AWS's reference, spelled here rather than read from the package's
# private modules, so that rewriting the package never breaks its benchmarks.
API_ENV = "AWS_LAMBDA_METADATA_API"
TOKEN_ENV = "AWS_LAMBDA_METADATA_TOKEN"
METADATA_PATH = "/2026-01-15/metadata/execution-environment"
ZONE = "use1-az1"
LAMBDA_ENVIRONMENT = {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}
"""Powertools' metadata utility returns an empty object unless this is set."""
REMOVED = ("POWERTOOLS_DEV",)
"""Powertools skips the fetch when ``POWERTOOLS_DEV`` is truthy."""

_SERVER = """
import json, sys
from lambda_metadata.testing import MetadataEndpoint
endpoint = MetadataEndpoint(availability_zone_id=sys.argv[1]).start()
print(json.dumps(endpoint.environ), flush=True)
sys.stdin.read()
endpoint.stop()
"""


def interleave(
    keys: Sequence[str], *, rounds: int, warmup: int, sample: Callable[[str], Mapping[str, float]]
) -> Samples:
    """``warmup + rounds`` rounds of ``sample(key)`` for every key, in rotating order.

    ``sample`` returns one or more named values (ns); warm-up rounds are thrown away.
    """
    samples: Samples = {}
    for index in range(warmup + rounds):
        shift = index % len(keys)
        for key in [*keys[shift:], *keys[:shift]]:
            values = sample(key)
            if index >= warmup:
                for name, value in values.items():
                    samples.setdefault(name, []).append(value)
    return samples


def per_call(
    subjects: Mapping[str, Callable[..., object]],
    *,
    rounds: int,
    warmup: int,
    calls: int,
    args: tuple[object, ...] = (),
) -> Samples:
    """Each sample: ns per call, the mean of ``calls`` calls (``timeit``: GC off, fast locals)."""
    names = [f"a{index}" for index in range(len(args))]
    timers = {
        key: timeit.Timer(
            f"f({', '.join(names)})",
            "f = _f; " + "; ".join(f"{n} = _{n}" for n in names),
            globals={"_f": func, **{f"_{n}": a for n, a in zip(names, args, strict=True)}},
        )
        for key, func in subjects.items()
    }
    return interleave(
        list(subjects),
        rounds=rounds,
        warmup=warmup,
        sample=lambda key: {key: timers[key].timeit(calls) * 1e9 / calls},
    )


def per_round(
    subjects: Mapping[str, tuple[Callable[[], object], Callable[[], object]]],
    *,
    rounds: int,
    warmup: int,
    check: Callable[[str, object], None],
) -> Samples:
    """Each sample: ns of one ``call`` after an untimed ``setup``, GC off.

    ``check(key, result)`` sees every result, after the clock stopped: a subject that did
    nothing cannot look fast.
    """

    def sample(key: str) -> dict[str, float]:
        setup, call = subjects[key]
        setup()
        start = perf_counter_ns()
        result = call()
        elapsed = perf_counter_ns() - start
        check(key, result)
        return {key: float(elapsed)}

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        return interleave(list(subjects), rounds=rounds, warmup=warmup, sample=sample)
    finally:
        if enabled:
            gc.enable()


def per_process(
    children: Mapping[str, str],
    *,
    rounds: int,
    warmup: int,
    env: Mapping[str, str],
    read: Callable[[str, str, str], Mapping[str, float]],
    flags: tuple[str, ...] = (),
) -> Samples:
    """Each sample: what ``read(key, stdout, stderr)`` finds in a fresh ``python FLAGS -c CODE``."""

    def sample(key: str) -> Mapping[str, float]:
        done = subprocess.run(
            [sys.executable, *flags, "-c", children[key]],
            env=dict(env),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"benchmark child {key!r} failed ({done.returncode}):\n{done.stderr}"
            )
        return read(key, done.stdout, done.stderr)

    return interleave(list(children), rounds=rounds, warmup=warmup, sample=sample)


def importtime(stderr: str) -> list[tuple[str, int, int]]:
    """``(module, depth, cumulative µs)`` of every ``-X importtime`` line, in printed order."""
    found = []
    for text in stderr.splitlines():
        parts = text.split("|")
        if not text.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # not an import line, or the header
        module = parts[2].lstrip(" ")
        found.append((module, (len(parts[2]) - len(module) - 1) // 2, int(parts[1])))
    return found


def imported_after(stderr: str, prelude: str) -> float:
    """ns of the top-level imports that end after the ``prelude`` module's own line."""
    lines = importtime(stderr)
    marks = [i for i, (module, depth, _) in enumerate(lines) if not depth and module == prelude]
    if not marks:
        raise RuntimeError(f"{prelude} not found in -X importtime output:\n{stderr}")
    return 1000.0 * sum(us for _, depth, us in lines[marks[0] + 1 :] if not depth)


@contextmanager
def running_endpoint() -> Iterator[dict[str, str]]:
    """A ``MetadataEndpoint`` in its own process (off this process's GIL, as the real one is).

    Yields the environment a function needs to reach it, as Lambda would set it.
    """
    command = [sys.executable, "-c", _SERVER, ZONE]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as server:
        assert server.stdin is not None
        assert server.stdout is not None
        line = server.stdout.readline()
        try:
            if not line:
                raise RuntimeError("the metadata endpoint emulator did not start")
            yield {**json.loads(line), **LAMBDA_ENVIRONMENT}
        finally:
            server.stdin.close()  # the emulator stops when its input ends


def child_environ(endpoint: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``os.environ`` pointed at ``endpoint``, for a fresh process."""
    return {**{k: v for k, v in os.environ.items() if k not in REMOVED}, **endpoint}


@contextmanager
def patched_environ(endpoint: Mapping[str, str]) -> Iterator[None]:
    """This process's environment pointed at ``endpoint``; restored afterwards."""
    with mock.patch.dict(os.environ, endpoint):
        for name in REMOVED:
            os.environ.pop(name, None)
        yield


def compile_packages() -> None:
    """Write the bytecode of ours and of every installed package first, as pip does.

    Fresh-process groups must time imports, not the compiler: with ``PYTHONDONTWRITEBYTECODE``
    set, or after uv installs (which do not compile by default), every child would compile each
    package's sources again, and Powertools, with the most code, the most.
    """
    on_path = [entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))]
    for directory in dict.fromkeys(
        [os.path.dirname(lambda_metadata.__file__), *site.getsitepackages(), *on_path]
    ):
        if os.path.isdir(directory):
            compileall.compile_dir(directory, quiet=2, workers=0)
