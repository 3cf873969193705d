"""The comparisons: each ``Group`` (ours, Powertools', a floor) and the function sampling it.

Only the package's public API is used, so rewriting its private modules never breaks these.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

import wrapt
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities import metadata as powertools
from awslambdaric.lambda_context import LambdaContext

import lambda_metadata
from benchmarks import _harness as h
from benchmarks._harness import API_ENV, METADATA_PATH, TOKEN_ENV, ZONE, Samples
from benchmarks._report import Group, Measure
from lambda_metadata import inject_az
from lambda_metadata.testing import FakeClock, MetadataEndpoint


@dataclass(frozen=True, slots=True)
class Settings:
    """How much to measure; ``quick`` is for CI and only checks that the suite runs.

    ``warmup`` rounds are thrown away; ``rounds`` samples per subject of a per-call group (each
    the mean of ``calls`` calls) and of the outage; ``fetches`` rounds of the first fetch;
    ``processes`` fresh processes per subject of a cold-start or import group.
    """

    mode: str
    warmup: int
    rounds: int
    calls: int
    fetches: int
    processes: int


QUICK = Settings("quick", warmup=2, rounds=5, calls=200, fetches=100, processes=3)
FULL = Settings("full", warmup=5, rounds=60, calls=20_000, fetches=3_000, processes=60)

Result = tuple[Samples, dict[str, Any]]
"""A group's samples (ns) and any facts counted on the way."""
EVENT: dict[str, Any] = {"key": "value"}
ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"
CONTEXT_ARGS = ("8f507cfc-0000-4000-8000-000000000000", None, None, 2**62, ARN)
"""An awslambdaric ``LambdaContext`` as the runtime builds it for an invocation."""
PT = "Powertools `get_lambda_metadata()`"


def _check(key: str, result: object) -> None:
    """Refuse a subject whose answer is not the endpoint's zone (Powertools' empty object)."""
    zone = result if isinstance(result, str) else getattr(result, "availability_zone_id", None)
    if zone != ZONE:
        raise RuntimeError(f"{key} returned {result!r}, not {ZONE!r}: it did not really fetch")


CACHED = Group(
    "cached",
    "Cached call",
    "ns per call, the mean of {calls} calls; {rounds} rounds",
    {"ours": "`get_lambda_metadata()`", "powertools": PT, "floor": "returning a module global"},
    (
        Measure("ours N× faster than Powertools", "powertools", "ours", at_least=10),
        Measure("ours ÷ floor", "ours", "floor", at_most=5),
    ),
    chart=(("Cached call", "ours", "powertools"),),
)
_GLOBAL: object = None


def cached(endpoint: Mapping[str, str], s: Settings) -> Result:
    global _GLOBAL
    with h.patched_environ(endpoint):
        lambda_metadata.clear_metadata_cache()
        powertools.clear_metadata_cache()
        _GLOBAL = lambda_metadata.get_lambda_metadata()
        _check("ours", _GLOBAL)
        _check("powertools", powertools.get_lambda_metadata())
        subjects: dict[str, Callable[..., object]] = {
            "ours": lambda_metadata.get_lambda_metadata,
            "powertools": powertools.get_lambda_metadata,
            "floor": lambda: _GLOBAL,  # a call returning a module global
        }
        samples = h.per_call(subjects, rounds=s.rounds, warmup=s.warmup, calls=s.calls)
        lambda_metadata.clear_metadata_cache()
        powertools.clear_metadata_cache()
    return samples, {}


FIRST_FETCH = Group(
    "first_fetch",
    "First fetch",
    "ns of one fetch from the emulator, cache cleared (untimed) first; {fetches} rounds",
    {"ours": "`get_lambda_metadata()`", "powertools": PT, "floor": "bare `http.client` GET"},
    (Measure("ours ÷ floor", "ours", "floor", at_most=1.08),),
    chart=(("First fetch", "ours", "powertools"),),
)


def bare_get() -> str:
    """The floor of a fetch: one ``http.client`` GET with the same header, JSON decoded."""
    host, _, port = os.environ[API_ENV].rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=1.0)
    try:
        auth = {"Authorization": "Bearer " + os.environ[TOKEN_ENV]}
        connection.request("GET", METADATA_PATH, headers=auth)
        zone: str = json.loads(connection.getresponse().read())["AvailabilityZoneID"]
    finally:
        connection.close()
    return zone


def first_fetch(endpoint: Mapping[str, str], s: Settings) -> Result:
    subjects: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "ours": (lambda_metadata.clear_metadata_cache, lambda_metadata.get_lambda_metadata),
        "powertools": (powertools.clear_metadata_cache, powertools.get_lambda_metadata),
        "floor": (lambda: None, bare_get),
    }
    with h.patched_environ(endpoint):
        samples = h.per_round(subjects, rounds=s.fetches, warmup=s.warmup, check=_check)
        lambda_metadata.clear_metadata_cache()
        powertools.clear_metadata_cache()
    return samples, {}


DECORATOR = Group(
    "decorator",
    "Decorator, per warm call",
    "ns per call of `handler(event, context)`, the mean of {calls} calls; {rounds} rounds",
    {"ours": "`@inject_az`", "wrapt": "bare `@wrapt.decorator`"}
    | {"powertools": "`@logger.inject_lambda_context`", "floor": "undecorated handler"},
    (
        Measure("ours ÷ bare wrapt", "ours", "wrapt", at_most=1.5),
        Measure("ours N× faster than Powertools", "powertools", "ours", at_least=3),
    ),
    chart=(("Decorator, per warm call", "ours", "powertools"),),
)


def _handler(event: Any, context: Any) -> Any:
    """What every decorator wraps: a handler that does nothing, so only the wrapping counts."""
    return event


@wrapt.decorator
def _pass_through(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    return wrapped(*args, **kwargs)


def decorator(endpoint: Mapping[str, str], s: Settings) -> Result:
    context = LambdaContext(*CONTEXT_ARGS)
    logger = Logger(service="bench", logger_handler=logging.StreamHandler(io.StringIO()))
    with h.patched_environ(endpoint):
        lambda_metadata.clear_metadata_cache()
        # Untimed checks: ours hands the handler the zone and leaves the context as it was.
        seen = inject_az(lambda event, ctx: ctx.lambda_metadata)(EVENT, context)
        _check("ours", seen)
        logger.inject_lambda_context(_handler)(EVENT, context)
        if logger.get_current_keys().get("function_request_id") != context.aws_request_id:
            raise RuntimeError("Powertools' inject_lambda_context did not add the context's keys")
        subjects: dict[str, Callable[..., object]] = {
            "ours": inject_az(_handler),
            "wrapt": _pass_through(_handler),
            "powertools": logger.inject_lambda_context(_handler),
            "floor": _handler,
        }
        samples = h.per_call(
            subjects, rounds=s.rounds, warmup=s.warmup, calls=s.calls, args=(EVENT, context)
        )
        if hasattr(context, "lambda_metadata"):
            raise RuntimeError("@inject_az left lambda_metadata on the context")
        lambda_metadata.clear_metadata_cache()
    return samples, {}


RUNTIME = "import awslambdaric.bootstrap"
"""What AWS's runtime interface client has imported before it loads a handler module."""
AFTER = " after the runtime's imports"
RUNTIME_CONTEXT = f"""{RUNTIME}
from awslambdaric.lambda_context import LambdaContext
context = LambdaContext{CONTEXT_ARGS!r}"""
PLAIN_CONTEXT = f"""class Context:
    aws_request_id, function_name, memory_limit_in_mb = {CONTEXT_ARGS[0]!r}, "bench", "128"
    invoked_function_arn = {ARN!r}
context = Context()"""
"""A plain object with the four attributes Powertools reads, for a bare interpreter."""

# The child times its own import + first answer, so interpreter start-up (the same for every
# subject) stays out, and checks the answer.
CHILD = """{prelude}
import time
_t = time.perf_counter_ns()
{body}
_t = time.perf_counter_ns() - _t
assert zone == {zone!r}, zone
print(_t)
"""
BARE_GET = (
    "import http.client, json, os\n"
    f"host, _, port = os.environ[{API_ENV!r}].rpartition(':')\n"
    "c = http.client.HTTPConnection(host, int(port), timeout=1.0)\n"
    f"auth = {{'Authorization': 'Bearer ' + os.environ[{TOKEN_ENV!r}]}}\n"
    f"c.request('GET', {METADATA_PATH!r}, headers=auth)\n"
    "zone = json.loads(c.getresponse().read())['AvailabilityZoneID']\n"
    "c.close()"
)
COLD = {
    "ours": "import lambda_metadata\n"
    "zone = lambda_metadata.get_lambda_metadata().availability_zone_id",
    "powertools": "from aws_lambda_powertools.utilities.metadata import get_lambda_metadata\n"
    "zone = get_lambda_metadata().availability_zone_id",
    "floor": BARE_GET,
}
DECORATED = {
    "ours": "from lambda_metadata import inject_az\n@inject_az\ndef handler(event, context):\n"
    "    return context.lambda_metadata.availability_zone_id\nzone = handler({}, context)",
    "powertools": "from aws_lambda_powertools import Logger\n"
    "from aws_lambda_powertools.utilities.metadata import get_lambda_metadata\n"
    "logger = Logger(service='cold')\n@logger.inject_lambda_context\ndef handler(event, context):\n"
    "    zone = get_lambda_metadata().availability_zone_id\n"
    "    logger.append_keys(availability_zone_id=zone)\n"
    "    return zone\nzone = handler({}, context)",
    "floor": "def handler(event, context):\n"
    + "".join(f"    {line}\n" for line in BARE_GET.splitlines())
    + "    return zone\nzone = handler({}, context)",
}
LABELS = {
    "": {
        "ours": "`import lambda_metadata` + `get_lambda_metadata()`",
        "powertools": "Powertools' metadata module + its `get_lambda_metadata()`",
        "floor": "`import http.client, json` + bare GET",
    },
    "_decorated": {
        "ours": "`@inject_az` handler",
        "powertools": "`Logger` + `@logger.inject_lambda_context` handler",
        "floor": "undecorated handler doing the bare GET",
    },
}
COLD_GROUPS = {
    f"cold_start{kind}{where}": (
        Group(
            f"cold_start{kind}{where}",
            ("Decorated cold start" if kind else "Cold start") + title,
            f"ns timed inside a fresh process from the import to the first answer{sample}; "
            "{processes} processes per subject",
            LABELS[kind],
            (Measure("ours ÷ Powertools", "ours", "powertools", at_most=target),),
            chart=(
                (("Decorated cold start" if kind else "Cold start") + title, "ours", "powertools"),
            ),
        ),
        prelude,
        DECORATED if kind else COLD,
    )
    for kind, where, title, sample, prelude, target in (
        ("", "", "", "", "", 0.8),
        ("", "_runtime", AFTER, f", after `{RUNTIME}`", RUNTIME, 0.6),
        ("_decorated", "", "", "", PLAIN_CONTEXT, 0.8),
        ("_decorated", "_runtime", AFTER, f", after `{RUNTIME}`", RUNTIME_CONTEXT, 0.8),
    )
}
"""The four cold starts: bare or decorated, in a bare interpreter or after the runtime's imports."""


def cold_start(key: str, endpoint: Mapping[str, str], s: Settings) -> Result:
    _, prelude, bodies = COLD_GROUPS[key]
    children = {k: CHILD.format(prelude=prelude, body=b, zone=ZONE) for k, b in bodies.items()}
    env, rounds = h.child_environ(endpoint), s.processes
    return h.per_process(children, rounds=rounds, warmup=s.warmup, env=env, read=_printed), {}


def _printed(key: str, stdout: str, stderr: str) -> dict[str, float]:
    return {key: float(stdout.split()[-1])}  # the child's own figure, in ns


IMPORTS = {
    "ours": "import lambda_metadata",
    "decorator": "from lambda_metadata import inject_az",
    "wrapt": "import wrapt",
    "powertools": "import aws_lambda_powertools.utilities.metadata",
    "powertools_logger": "from aws_lambda_powertools import Logger",
}
"""Each statement runs in a fresh ``python -X importtime`` after the runtime's imports.

``inject_az`` is the same statement whether the package loads it eagerly or on first access:
a lazy load shows as a top-level import of its own, and is counted too."""
IMPORT_TIME = Group(
    "import_time",
    "Import time after the runtime's imports",
    "ns of the imports a statement adds after `" + RUNTIME + "` (`python -X importtime`); "
    "{processes} processes per subject",
    {"ours": "`import lambda_metadata`", "decorator": "`inject_az` (with wrapt)"}
    | {"wrapt": "`import wrapt`", "powertools": "Powertools' metadata module"}
    | {"powertools_logger": "Powertools' `Logger`", "own": "`inject_az` beyond wrapt"},
    (
        Measure("`lambda_metadata` adds", "ours", at_most=3e6),
        Measure("`inject_az` beyond wrapt", "own", at_most=2e6),
    ),
    floor=None,
    chart=(
        ("Import (vs Powertools' metadata module)", "ours", "powertools"),
        ("Import of `inject_az` (vs Powertools' `Logger`)", "decorator", "powertools_logger"),
    ),
)


def _read_imports(key: str, stdout: str, stderr: str) -> dict[str, float]:
    total = h.imported_after(stderr, RUNTIME.split()[-1])
    if key != "decorator":
        return {key: total}
    # wrapt's import with all it pulled in, from the same process (not a difference of medians)
    wrapt = 1000.0 * sum(us for name, _, us in h.importtime(stderr) if name == "wrapt")
    return {key: total, "own": total - wrapt}


def import_time(endpoint: Mapping[str, str], s: Settings) -> Result:
    samples = h.per_process(
        {key: f"{RUNTIME}\n{statement}" for key, statement in IMPORTS.items()},
        rounds=s.processes,
        warmup=s.warmup,
        env=h.child_environ(endpoint),
        read=_read_imports,
        flags=("-X", "importtime"),
    )
    return samples, {}


OUTAGE_SECONDS = 30.0
OUTAGE = Group(
    "outage",
    "During an outage",
    "ns of one invocation while the endpoint answers 500 for a simulated 30 s; Powertools' "
    "handler {rounds} times, evenly spread",
    {"ours": "`@inject_az`, fail-fast", "attempt": "`@inject_az`, attempting a fetch"}
    | {"powertools": f"{PT} in the handler", "floor": "undecorated handler"},
    (Measure("ours per fail-fast invocation", "ours", at_most=1e6),),
    chart=(("During an outage, per invocation", "ours", "powertools"),),
)


def _powertools_handler(event: Any, context: Any) -> Any:
    """A handler without negative caching: it asks on every invocation, carries on without."""
    with suppress(powertools.LambdaMetadataError):
        powertools.get_lambda_metadata(timeout=1.0)
    return event


def outage(endpoint: Mapping[str, str], s: Settings) -> Result:
    """A default ``@inject_az`` handler all through an outage, time moved on a ``FakeClock``."""
    from time import perf_counter_ns as now

    timeout = 0.1 if s.mode == "quick" else 1.0  # quick: shorter attempts, the same windows
    invocations = s.rounds * (100 if s.mode == "quick" else 200)
    step, every = OUTAGE_SECONDS / invocations, invocations // s.rounds
    ours, context = inject_az(timeout=timeout)(_handler), LambdaContext(*CONTEXT_ARGS)
    samples: Samples = {key: [] for key in OUTAGE.labels}
    began: list[float] = []
    quiet = logging.StreamHandler(io.StringIO())  # the policy's one warning goes nowhere
    logging.getLogger("lambda_metadata").addHandler(quiet)
    try:
        with MetadataEndpoint() as failing, FakeClock() as clock:
            failing.impair(status=500)
            with h.patched_environ({**endpoint, **failing.environ}):
                start = clock.now
                for index in range(invocations):
                    before, t = failing.requests_started, now()
                    if ours(EVENT, context) is not EVENT:
                        raise RuntimeError("the decorated handler did not run")
                    elapsed = float(now() - t)
                    if failing.requests_started > before:
                        samples["attempt"].append(elapsed)
                        began.append(clock.now - start)
                    else:
                        samples["ours"].append(elapsed)
                    t = now()
                    _handler(EVENT, context)
                    samples["floor"].append(float(now() - t))
                    if index % every == every // 2:
                        powertools.clear_metadata_cache()
                        t = now()
                        _powertools_handler(EVENT, context)
                        samples["powertools"].append(float(now() - t))
                    clock.advance(step)
                ours_requests = failing.requests_started - len(samples["powertools"])
    finally:
        logging.getLogger("lambda_metadata").removeHandler(quiet)
        lambda_metadata.clear_metadata_cache()
    facts: dict[str, Any] = {"attempts": len(began), "requests": ours_requests}
    facts["summary"] = (
        f"{invocations} invocations of `@inject_az(timeout={timeout:g})`, one every "
        f"{step * 1e3:g} ms of simulated time, made {len(began)} attempts (at t = "
        f"{', '.join(f'{t:.1f}' for t in began)} s) and {ours_requests} requests in all; "
        f"a handler that asks on every invocation makes {invocations} or more."
    )
    return samples, facts


GROUPS: dict[str, tuple[Group, Callable[[Mapping[str, str], Settings], Result]]] = {
    "cached": (CACHED, cached),
    "first_fetch": (FIRST_FETCH, first_fetch),
    "decorator": (DECORATOR, decorator),
    **{key: (group, partial(cold_start, key)) for key, (group, _, _) in COLD_GROUPS.items()},
    "import_time": (IMPORT_TIME, import_time),
    "outage": (OUTAGE, outage),
}
