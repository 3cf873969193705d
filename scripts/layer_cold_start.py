"""Cold starts in the real awslambdaric runtime, each handler with only its layer on the path.

    uv run python scripts/layer_cold_start.py --rounds 21 [--write docs/benchmarks.md]
    uv run python scripts/layer_cold_start.py --wrapt-import 1.17.3 2.5.2 [--write docs/deploy.md]

prints a Markdown table (``--write`` also puts it in the document, between the markers for this
Python; docs/deploy.md and docs/benchmarks.md hold tables from such runs):

- ``--wrapt-import``: ``import wrapt`` after ``import awslambdaric.bootstrap`` (``python -X
  importtime``, the cumulative time of ``wrapt``), for each wrapt release given, bytecode
  compiled, in fresh interpreters;
- the default: process start to the first response of a handler decorated with ``@inject_az``,
  with this checkout's Lambda layer (``scripts/build_layer.py``, its pinned wrapt) as the only
  library, against a Powertools ``Logger`` handler reading the AZ with Powertools' metadata
  utility, with Powertools alone as its layer; a layer with wrapt 2.x and a handler with no
  library at all run beside them, for scale.

Every process runs as the layer tests run the runtime: ``python -S -s -B -m awslambdaric``
against the tests' fake Runtime API (``tests/fake_runtime.py``), with awslambdaric, simplejson
and snapshot_restore_py in a directory of their own (Lambda's ``/var/runtime``), every
directory with bytecode compiled, and the AZ from the library's endpoint emulator. The event is
waiting before the process starts, so the time runs from ``Popen`` to the response's arrival.
Rounds interleave the handlers (each round in a rotated order, after one warm-up round that is
not counted); the tables give medians and their ratios, measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _directory in (ROOT / "scripts", ROOT / "tests"):  # build_layer; fake_runtime
    if str(_directory) not in sys.path:
        sys.path.insert(0, str(_directory))

import build_layer  # noqa: E402
from fake_runtime import FakeRuntimeAPI, RuntimeProcess, runtime_environment  # noqa: E402

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), "x86_64"
)
FLAGS = ("-S", "-s", "-B")
"""No site-packages, no user site, no bytecode written: PYTHONPATH says what a process sees."""
RUNTIME = ("awslambdaric", "simplejson", "snapshot-restore-py")
X, DASH = "\N{MULTIPLICATION SIGN}", "\N{EN DASH}"
WRAPT_2 = "wrapt>=2"
"""The layer built with the newest wrapt 2.x, for comparison."""

DECORATED = """
from lambda_metadata import inject_az


@inject_az
def handler(event, context):
    return {"availability_zone_id": context.lambda_metadata.availability_zone_id}
"""
POWERTOOLS = """
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.metadata import get_lambda_metadata

logger = Logger(service="cold-start")


@logger.inject_lambda_context
def handler(event, context):
    return {"availability_zone_id": get_lambda_metadata().availability_zone_id}
"""
BARE = """
def handler(event, context):
    return {"availability_zone_id": None}
"""


@dataclass(frozen=True)
class Function:
    """A handler module (``function.handler``) in its own task directory, and its layer."""

    label: str
    task: Path
    layer: Path


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise SystemExit("layer_cold_start: uv is needed")
    return found


def _install(target: Path, requirements: Sequence[str], *, deps: bool = True) -> Path:
    """Binary wheels for this Python into ``target``, bytecode compiled as the layer's is."""
    command = [_uv(), "pip", "install", "--quiet", "--no-compile", "--target", str(target)]
    command += ["--python-version", PYTHON, "--python-platform", build_layer.PLATFORMS[ARCH]]
    command += ["--only-binary", ":all:", *([] if deps else ["--no-deps"]), *requirements]
    subprocess.run(command, check=True, timeout=600, env=build_layer.UNCOMPILED)
    shutil.rmtree(target / "bin", ignore_errors=True)
    _compile(target)
    return target


def _compile(target: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
         "unchecked-hash", str(target)],
        check=True, env=env, timeout=600,
    )  # fmt: skip


def runtime_dir(work: Path) -> Path:
    """awslambdaric and what it imports, at the versions installed here: Lambda's runtime."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME]
    return _install(work / "var-runtime", pins, deps=False)


def layer_dir(work: Path, name: str, *, wrapt: str, wheel: Path | None = None) -> Path:
    """This checkout's layer, built by scripts/build_layer.py and unpacked: its ``python/``."""
    archive = build_layer.build_layer(
        python=PYTHON, arch=ARCH, out_dir=work / f"{name}-zip", wheel=wheel, wrapt=wrapt
    )
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(work / name)
    return work / name / "python"


def _function(work: Path, name: str, source: str, label: str, layer: Path) -> Function:
    task = work / f"task-{name}"
    task.mkdir()
    (task / "function.py").write_text(textwrap.dedent(source))
    _compile(task)
    return Function(label, task, layer)


def _version(layer: Path, name: str) -> str:
    [info] = layer.glob(f"{name}-*.dist-info")
    return info.name.removesuffix(".dist-info").split("-")[1]


def functions(work: Path, *, wheel: Path | None = None, compare: bool = True) -> list[Function]:
    """The handlers, each with its layer: ours first, Powertools second."""
    ours = layer_dir(work, "layer", wrapt=build_layer.WRAPT, wheel=wheel)
    powertools_version = importlib.metadata.version("aws-lambda-powertools")
    powertools = _install(work / "powertools", [f"aws-lambda-powertools=={powertools_version}"])
    made = [
        _function(
            work, "ours", DECORATED,
            f"`@inject_az`, the layer (wrapt {_version(ours, 'wrapt')})", ours,
        ),
        _function(
            work, "powertools", POWERTOOLS,
            f"Powertools {powertools_version} `Logger` + `utilities.metadata`", powertools,
        ),
    ]  # fmt: skip
    if compare:
        newer = layer_dir(work, "layer-wrapt2", wrapt=WRAPT_2, wheel=wheel)
        label = f"`@inject_az`, the layer built with wrapt {_version(newer, 'wrapt')}"
        made.append(_function(work, "wrapt2", DECORATED, label, newer))
        empty = work / "no-layer"
        empty.mkdir()
        made.append(_function(work, "bare", BARE, "a handler importing nothing (no layer)", empty))
    return made


def cold_start(function: Function, runtime: Path, metadata: Mapping[str, str]) -> float:
    """Seconds from starting the runtime process to its first response."""
    with FakeRuntimeAPI() as api:
        request = api.submit({})  # waiting before the process starts
        env = runtime_environment(
            api,
            metadata,
            initialization_type="on-demand",
            PYTHONPATH=os.pathsep.join(map(str, (function.task, function.layer, runtime))),
            LAMBDA_TASK_ROOT=str(function.task),
        )
        start = time.perf_counter()
        process = RuntimeProcess("function.handler", env, interpreter_args=FLAGS, cwd=function.task)
        try:
            result = api.result(request, timeout=60)
            elapsed = time.perf_counter() - start
        finally:
            process.stop()
    expected = None if function.label.startswith("a handler importing nothing") else "use1-az1"
    if result != {"availability_zone_id": expected}:
        raise AssertionError(f"{function.label}: {result!r}; stderr: {process.stderr!r}")
    return elapsed


def interleaved(
    items: Sequence[str], rounds: int, measure: Callable[[str], float]
) -> dict[str, list[float]]:
    """``rounds`` measurements of each item, one per round, each round in a rotated order."""
    for item in items:  # warm-up: the page cache, not counted
        measure(item)
    samples: dict[str, list[float]] = {item: [] for item in items}
    for number in range(rounds):
        shift = number % len(items)
        for item in [*items[shift:], *items[:shift]]:
            samples[item].append(measure(item))
    return samples


def cold_start_table(rounds: int, *, wheel: Path | None = None, compare: bool = True) -> str:
    from lambda_metadata.testing import MetadataEndpoint

    with tempfile.TemporaryDirectory(prefix="layer-cold-start-") as scratch:
        work = Path(scratch)
        runtime = runtime_dir(work)
        made = functions(work, wheel=wheel, compare=compare)
        by_label = {function.label: function for function in made}
        with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint:
            samples = interleaved(
                list(by_label),
                rounds,
                lambda label: cold_start(by_label[label], runtime, endpoint.environ),
            )
    ours, powertools = made[0].label, made[1].label
    base = statistics.median(samples[powertools])
    lines = [
        f"Python {platform.python_version()}, {ARCH}, awslambdaric "
        f"{importlib.metadata.version('awslambdaric')}; {rounds} interleaved rounds, medians.",
        "",
        "| handler, its layer alone on the path | process start → first response | "
        f"{X} Powertools | per round: {X} Powertools, median (min{DASH}max) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, times in samples.items():
        ratios = [mine / theirs for mine, theirs in zip(times, samples[powertools], strict=True)]
        lines.append(
            f"| {label} | {statistics.median(times) * 1000:.1f} ms | "
            f"{statistics.median(times) / base:.2f}{X} | {statistics.median(ratios):.2f}{X} "
            f"({min(ratios):.2f}{DASH}{max(ratios):.2f}) |"
        )
    verdict = statistics.median(samples[ours]) / base
    lines += ["", f"The decorated handler from the layer: {verdict:.2f}{X} Powertools' cold start."]
    return "\n".join(lines)


IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")


@dataclass(frozen=True)
class WraptImport:
    """One ``import wrapt`` after the runtime's bootstrap."""

    microseconds: int
    """Its cumulative time under ``-X importtime``."""
    modules: int
    """How many modules it imported, wrapt's own included."""
    asyncio: bool
    """Whether asyncio was among them."""


def _wrapt_import(wrapt_dir: Path, runtime: Path) -> WraptImport:
    done = subprocess.run(
        [sys.executable, *FLAGS, "-X", "importtime", "-c",
         "import awslambdaric.bootstrap\nimport sys\nprint('asyncio' in sys.modules)\n"
         "import wrapt\nprint('asyncio' in sys.modules)"],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{wrapt_dir}{os.pathsep}{runtime}"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    lines = [match for line in done.stderr.splitlines() if (match := IMPORTTIME.match(line))]
    [bootstrap] = [
        n for n, m in enumerate(lines) if m[4] == "awslambdaric.bootstrap" and m[3] == " "
    ]
    [wrapt] = [m for m in lines[bootstrap + 1 :] if m[4] == "wrapt" and m[3] == " "]
    before, after = done.stdout.split()
    return WraptImport(
        int(wrapt[2]), len(lines) - bootstrap - 1, before == "False" and after == "True"
    )


def wrapt_import_table(versions: Sequence[str], rounds: int) -> str:
    with tempfile.TemporaryDirectory(prefix="wrapt-import-") as scratch:
        work = Path(scratch)
        runtime = runtime_dir(work)
        dirs: dict[str, Path] = {}
        for version in versions:
            try:
                dirs[version] = _install(work / f"wrapt-{version}", [f"wrapt=={version}"])
            except subprocess.CalledProcessError:
                print(f"wrapt {version}: no wheel for Python {PYTHON}, left out", file=sys.stderr)
        seen: dict[str, WraptImport] = {}

        def measure(version: str) -> float:
            seen[version] = _wrapt_import(dirs[version], runtime)
            return seen[version].microseconds

        samples = interleaved(list(dirs), rounds, measure)
    pinned = build_layer.WRAPT.split("==")[1]
    base = statistics.median(samples[pinned]) if pinned in samples else None
    lines = [
        f"Python {platform.python_version()}, awslambdaric "
        f"{importlib.metadata.version('awslambdaric')}; {rounds} interleaved rounds, medians.",
        "",
        "| wrapt | `import wrapt` after `import awslambdaric.bootstrap` | "
        f"{X} {pinned} | modules it imports | asyncio among them |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for version, times in samples.items():
        ratio = f"{statistics.median(times) / base:.1f}{X}" if base else DASH
        lines.append(
            f"| {version} | {statistics.median(times) / 1000:.1f} ms | {ratio} | "
            f"{seen[version].modules} | {'yes' if seen[version].asyncio else 'no'} |"
        )
    return "\n".join(lines)


def write_into(document: Path, kind: str, table: str) -> None:
    """Put ``table`` between ``<!-- {kind} python X.Y -->`` and the next ``<!-- end -->``."""
    start = f"<!-- {kind} python {PYTHON} -->\n"
    text = document.read_text()
    if start not in text:
        raise SystemExit(f"layer_cold_start: no {start.strip()} in {document}")
    head, rest = text.split(start, 1)
    _, tail = rest.split("<!-- end -->", 1)
    document.write_text(f"{head}{start}\n{table}\n\n<!-- end -->{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--wheel", type=Path, help="a built lambda-metadata wheel for the layers")
    parser.add_argument(
        "--wrapt-import",
        nargs="+",
        metavar="VERSION",
        help="measure `import wrapt` for these wrapt releases instead",
    )
    parser.add_argument(
        "--write",
        type=Path,
        metavar="DOC",
        help="also put the table into DOC, between <!-- wrapt-import python X.Y --> (or "
        "layer-cold-start) and <!-- end -->",
    )
    args = parser.parse_args(argv)
    if args.wrapt_import:
        kind, table = "wrapt-import", wrapt_import_table(args.wrapt_import, args.rounds)
    else:
        wheel = args.wheel.resolve() if args.wheel else None
        kind, table = "layer-cold-start", cold_start_table(args.rounds, wheel=wheel)
    print(table)
    if args.write:
        write_into(args.write, kind, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
