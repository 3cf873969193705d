"""The fresh-process groups: cold starts (import + first fetch; import + decorate + one
invocation) and ``-X importtime`` totals."""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks._endpoint import API_ENV, METADATA_PATH, TOKEN_ENV, Endpoint
from benchmarks._importtime import after
from benchmarks._model import Figure, GroupResult, Settings, difference, ratio
from benchmarks._stats import Summary
from benchmarks._timing import per_process

# Each child times its own import + first fetch, so interpreter start-up (the
# same for every subject) stays out of the figure, and checks the answer.
_CHILD = """\
{prelude}
import time
_start = time.perf_counter_ns()
{body}
_elapsed = time.perf_counter_ns() - _start
assert zone == {zone!r}, zone
print(_elapsed)
"""

COLD_STARTS: Mapping[str, tuple[str, str]] = {
    "ours": (
        "import lambda_metadata + get_lambda_metadata()",
        "import lambda_metadata\nzone = lambda_metadata.get_lambda_metadata().availability_zone_id",
    ),
    "powertools": (
        "import Powertools metadata + get_lambda_metadata()",
        "from aws_lambda_powertools.utilities.metadata import get_lambda_metadata\n"
        "zone = get_lambda_metadata().availability_zone_id",
    ),
    "floor": (
        "floor: import http.client, json + bare GET",
        "import http.client, json, os\n"
        f"host, _, port = os.environ[{API_ENV!r}].rpartition(':')\n"
        "c = http.client.HTTPConnection(host, int(port), timeout=1.0)\n"
        f"auth = 'Bearer ' + os.environ[{TOKEN_ENV!r}]\n"
        f"c.request('GET', {METADATA_PATH!r}, headers={{'Authorization': auth}})\n"
        "zone = json.loads(c.getresponse().read())['AvailabilityZoneID']\n"
        "c.close()",
    ),
}

DECORATED_COLD_STARTS: Mapping[str, tuple[str, str]] = {
    "ours": (
        "from lambda_metadata import inject_az + @inject_az handler + one invocation",
        "from lambda_metadata import inject_az\n"
        "@inject_az\n"
        "def handler(event, context):\n"
        "    return context.lambda_metadata.availability_zone_id\n"
        "zone = handler({}, context)",
    ),
    "powertools": (
        "Powertools Logger + @logger.inject_lambda_context handler + one invocation "
        "fetching with its get_lambda_metadata()",
        "from aws_lambda_powertools import Logger\n"
        "from aws_lambda_powertools.utilities.metadata import get_lambda_metadata\n"
        "logger = Logger(service='cold')\n"
        "@logger.inject_lambda_context\n"
        "def handler(event, context):\n"
        "    zone = get_lambda_metadata().availability_zone_id\n"
        "    logger.append_keys(availability_zone_id=zone)\n"
        "    return zone\n"
        "zone = handler({}, context)",
    ),
    "floor": (
        "floor: an undecorated handler doing the bare GET (http.client, json)",
        "def handler(event, context):\n"
        + "".join(f"    {line}\n" for line in COLD_STARTS["floor"][1].splitlines())
        + "    return zone\n"
        "zone = handler({}, context)",
    ),
}
"""Import + decorate + one invocation; the context is built before the clock starts."""

PLAIN_CONTEXT = """\
class Context:
    function_name = "cold"
    memory_limit_in_mb = "128"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold"
    aws_request_id = "8f507cfc-0000-4000-8000-000000000000"
context = Context()"""
"""A plain object with what Powertools reads from a context, for a bare interpreter."""

IMPORTS: Mapping[str, str] = {
    "ours": "import lambda_metadata",
    "ours_decorator": "import lambda_metadata, lambda_metadata._decorator",
    "wrapt": "import wrapt",
    "powertools": "import aws_lambda_powertools.utilities.metadata",
    "powertools_logger": "from aws_lambda_powertools import Logger",
}
"""The statement each fresh interpreter runs under ``-X importtime``, after the runtime's imports.

The decorator path names its module rather than ``from lambda_metadata import inject_az`` so that
it is the same statement whether the package exposes ``inject_az`` eagerly or lazily."""

IMPORT_TARGET_NS = 3e6
"""Issue 13: ``import lambda_metadata`` adds at most 3 ms after the runtime's imports."""
DECORATOR_SHARE_TARGET_NS = 2e6
"""Issue 13: the decorator path costs at most 2 ms beyond ``import wrapt`` alone."""


RUNTIME_PRELUDE = "import awslambdaric.bootstrap"
"""What AWS's Python runtime interface client has imported before it loads a handler module."""

RUNTIME_CONTEXT = """\
from awslambdaric.lambda_context import LambdaContext
context = LambdaContext(
    "8f507cfc-0000-4000-8000-000000000000", None, None, 2**62,
    "arn:aws:lambda:us-east-1:123456789012:function:cold",
)"""
"""The context the runtime builds for an invocation."""


def cold_start(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """Import + first fetch in fresh bare interpreters: ours vs Powertools vs bare stdlib."""
    return _cold_start(
        endpoint,
        settings,
        key="cold_start",
        title="Cold start (fresh process: import + first fetch)",
        prelude="",
        note="Interpreter start-up is the same for every subject and is not included.",
    )


def cold_start_in_runtime(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """The same, after the modules the Lambda runtime (awslambdaric) imports itself."""
    return _cold_start(
        endpoint,
        settings,
        key="cold_start_runtime",
        title="Cold start after the Lambda runtime's imports (awslambdaric.bootstrap)",
        prelude=RUNTIME_PRELUDE,
        target=0.6,
        note="Each child imports awslambdaric.bootstrap before the clock starts, as the "
        "runtime has done before it imports a handler module, so the standard-library "
        "modules it already loaded (json, logging, threading, re, ...) cost nobody anything.",
    )


def cold_start_decorated(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """Import + decorate + one invocation in fresh bare interpreters."""
    return _cold_start(
        endpoint,
        settings,
        key="cold_start_decorated",
        title="Cold start of a decorated handler (fresh process: import + decorate + one call)",
        prelude=PLAIN_CONTEXT,
        subjects=DECORATED_COLD_STARTS,
        sample="ns from before the import to the handler's answer, timed inside the child",
        note="The context, a plain object with the four attributes Powertools reads, is built "
        "before the clock starts; interpreter start-up is not included either. Both handlers "
        "fetch the zone from the endpoint; neither logs a line (the Powertools one adds the zone "
        "to its logger's keys, which ours does for every log record by decorating).",
    )


def cold_start_decorated_in_runtime(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """The same, after the runtime's imports and with the context it builds."""
    return _cold_start(
        endpoint,
        settings,
        key="cold_start_decorated_runtime",
        title="Cold start of a decorated handler after the Lambda runtime's imports",
        prelude=f"{RUNTIME_PRELUDE}\n{RUNTIME_CONTEXT}",
        subjects=DECORATED_COLD_STARTS,
        sample="ns from before the import to the handler's answer, timed inside the child",
        note="Each child imports awslambdaric.bootstrap and builds an awslambdaric "
        "LambdaContext before the clock starts, as the runtime does before the first "
        "invocation.",
    )


def _cold_start(
    endpoint: Endpoint,
    settings: Settings,
    *,
    key: str,
    title: str,
    prelude: str,
    note: str,
    subjects: Mapping[str, tuple[str, str]] = COLD_STARTS,
    sample: str = "ns from before the import to the first answer, timed inside the child",
    target: float = 0.8,
) -> GroupResult:
    zone = endpoint.availability_zone_id
    samples = per_process(
        {
            subject: _CHILD.format(prelude=prelude, body=body, zone=zone)
            for subject, (_, body) in subjects.items()
        },
        runs=settings.process_runs,
        warmup=settings.warmup,
        env=endpoint.child_environ(),
    )
    figures = tuple(
        Figure(subject, label, Summary.of(samples[subject]))
        for subject, (label, _) in subjects.items()
    )
    return GroupResult(
        key=key,
        title=title,
        sample=f"{sample}; {settings.process_runs} processes per subject, interleaved",
        floor="floor",
        figures=figures,
        ratios=(
            ratio(figures, "ours ÷ Powertools", "ours", "powertools", at_most=target),
            ratio(figures, "ours ÷ floor", "ours", "floor"),
            ratio(figures, "Powertools ÷ floor", "powertools", "floor"),
        ),
        notes=(note,),
    )


def import_time(endpoint: Endpoint, settings: Settings) -> GroupResult:
    """``python -X importtime`` totals of what each statement adds after the runtime's imports."""
    samples = per_process(
        {key: f"{RUNTIME_PRELUDE}\n{statement}" for key, statement in IMPORTS.items()},
        runs=settings.process_runs,
        warmup=settings.warmup,
        env=endpoint.child_environ(),
        parse=lambda _out, err: after(err, RUNTIME_PRELUDE.split()[-1]),
        flags=("-X", "importtime"),
    )
    figures = tuple(
        Figure(key, statement, Summary.of(samples[key])) for key, statement in IMPORTS.items()
    )
    return GroupResult(
        key="import_time",
        title="Import time after the Lambda runtime's imports (python -X importtime)",
        sample="ns: the sum of the cumulative times of the top-level imports a statement adds "
        f"after {RUNTIME_PRELUDE}; {settings.process_runs} processes per subject, interleaved",
        floor=None,
        figures=figures,
        ratios=(
            difference(
                figures,
                "import lambda_metadata adds",
                "ours",
                at_most_ns=IMPORT_TARGET_NS,
            ),
            difference(
                figures,
                "decorator path's own share (decorator path, with import lambda_metadata, "
                "- import wrapt)",
                "ours_decorator",
                "wrapt",
                at_most_ns=DECORATOR_SHARE_TARGET_NS,
            ),
            difference(
                figures, "decorator path - import lambda_metadata", "ours_decorator", "ours"
            ),
            ratio(figures, "ours ÷ Powertools metadata", "ours", "powertools"),
            ratio(
                figures,
                "decorator path ÷ Powertools Logger",
                "ours_decorator",
                "powertools_logger",
            ),
        ),
        notes=(
            "Each child imports awslambdaric.bootstrap first; only the imports made after it are "
            "counted, so what the runtime already loaded (json, logging, re, ...) costs nothing.",
            "lambda_metadata imports socket (not http.client) on the first fetch, not at import; "
            "that cost is in the cold-start figures.",
            "The decorator path's own share is its median minus import wrapt's, medians of "
            "separate interleaved processes: with few processes it is noisy and can even come "
            "out below zero. `python -m benchmarks.budget` splits the same cost module by module.",
        ),
    )
