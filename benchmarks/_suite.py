"""The list of benchmark groups and running them against one endpoint."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from benchmarks._cold import (
    cold_start,
    cold_start_decorated,
    cold_start_decorated_in_runtime,
    cold_start_in_runtime,
    import_time,
)
from benchmarks._decorators import decorator_overhead
from benchmarks._endpoint import Endpoint, running_endpoint
from benchmarks._lookups import cached_call, first_fetch
from benchmarks._model import GroupResult, Settings
from benchmarks._outage import outage

Group = Callable[[Endpoint, Settings], GroupResult]

# Adding a comparison is writing one such function and listing it here.
GROUPS: dict[str, Group] = {
    "cached": cached_call,
    "first_fetch": first_fetch,
    "decorator": decorator_overhead,
    "cold_start": cold_start,
    "cold_start_runtime": cold_start_in_runtime,
    "cold_start_decorated": cold_start_decorated,
    "cold_start_decorated_runtime": cold_start_decorated_in_runtime,
    "import_time": import_time,
    "outage": outage,
}


@dataclass(frozen=True, slots=True)
class SuiteResult:
    settings: Settings
    machine: dict[str, Any]
    groups: tuple[GroupResult, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.settings.mode,
            "settings": {
                "warmup": self.settings.warmup,
                "call_samples": self.settings.call_samples,
                "calls_per_sample": self.settings.calls_per_sample,
                "fetch_rounds": self.settings.fetch_rounds,
                "process_runs": self.settings.process_runs,
            },
            "machine": self.machine,
            "groups": [group.as_json() for group in self.groups],
        }


def run(
    settings: Settings,
    keys: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SuiteResult:
    """Run the chosen groups (all by default), one after another, against one endpoint."""
    chosen = list(GROUPS) if keys is None else list(keys)
    unknown = [key for key in chosen if key not in GROUPS]
    if unknown:
        raise ValueError(f"unknown benchmark group(s) {unknown}; known: {list(GROUPS)}")
    compile_package()
    results = []
    with running_endpoint() as endpoint:
        for key in chosen:
            if progress:
                progress(key)
            results.append(GROUPS[key](endpoint, settings))
    return SuiteResult(settings, machine(), tuple(results))


def compile_package() -> None:
    """Write the bytecode of ours and of every installed package first, as pip does on install.

    Fresh-process groups must time imports, not the compiler: with PYTHONDONTWRITEBYTECODE set
    (as on this machine) or after uv installs (which do not compile by default), every process
    would compile each package's sources again, and Powertools, with the most code, the most.
    """
    import compileall
    import site

    import lambda_metadata

    # Every site-packages on sys.path: `uv run --with` layers an environment over the project's.
    on_path = [entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))]
    for directory in dict.fromkeys(
        [os.path.dirname(lambda_metadata.__file__), *site.getsitepackages(), *on_path]
    ):
        if os.path.isdir(directory):
            compileall.compile_dir(directory, quiet=2, workers=0)


def machine() -> dict[str, Any]:
    """Where the figures came from."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable_bits": 64 if sys.maxsize > 2**32 else 32,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "lambda_metadata": _version("lambda-metadata"),
        "aws_lambda_powertools": _version("aws-lambda-powertools"),
        "wrapt": _version("wrapt"),
        "awslambdaric": _version("awslambdaric"),
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or None


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
