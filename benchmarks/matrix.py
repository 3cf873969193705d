"""``python -m benchmarks.matrix``: the decorated cold start on each Python x wrapt major.

For each cell, ``uv run --isolated --python <interpreter> --with "wrapt<spec>"`` makes a
throw-away environment of the project with that wrapt, and runs there the decorated cold start
after the runtime's imports (vs Powertools' ``inject_lambda_context``) and the import-time group.
Interpreters come from ``pyenv``. One Markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
WRAPTS = {"1": ">=1.14,<2", "2": ">=2,<3"}
GROUPS = ("cold_start_decorated_runtime", "import_time")


def interpreter(minor: str) -> str:
    """The newest pyenv-installed ``minor`` (e.g. ``3.13``) as a path to its ``python``."""
    bare = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=True
    ).stdout.split()
    found = [v for v in bare if v.startswith(minor + ".") and v[len(minor) + 1 :].isdigit()]
    if not found:
        raise RuntimeError(f"pyenv has no Python {minor}; installed: {bare}")
    newest = max(found, key=lambda v: int(v.rpartition(".")[2]))
    prefix = subprocess.run(
        ["pyenv", "prefix", newest], capture_output=True, text=True, check=True
    ).stdout.strip()
    return str(Path(prefix) / "bin" / "python")


def command(python: str, wrapt_spec: str, runs: int) -> list[str]:
    """The ``uv run`` command of one cell."""
    groups = [arg for group in GROUPS for arg in ("--group", group)]
    return [
        "uv",
        "run",
        "--quiet",
        "--isolated",
        "--python",
        python,
        "--with",
        f"wrapt{wrapt_spec}",
        "python",
        "-m",
        "benchmarks",
        "--quick",
        "--json",
        "--runs",
        str(runs),
        *groups,
    ]


def run_cell(minor: str, major: str, runs: int) -> dict[str, Any]:
    """The JSON report of one cell."""
    done = subprocess.run(
        command(interpreter(minor), WRAPTS[major], runs),
        cwd=ROOT,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cell Python {minor}, wrapt {major} failed:\n{done.stderr}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def row(report: dict[str, Any]) -> str:
    """One table row from a cell's report."""
    groups = {group["key"]: group for group in report["groups"]}
    cold = groups["cold_start_decorated_runtime"]
    medians = {f["key"]: f["median"] for f in cold["figures"]}
    ratios = {r["numerator"] + "/" + (r["denominator"] or ""): r for r in cold["ratios"]}
    imports = {f["key"]: f["median"] for f in groups["import_time"]["figures"]}
    share = next(r for r in groups["import_time"]["ratios"] if r["numerator"] == "ours_decorator")
    verdict = ratios["ours/powertools"]
    m = report["machine"]
    return (
        f"| {m['python']} | {m['wrapt']} | {_ms(medians['ours'])} | {_ms(medians['powertools'])} "
        f"| {verdict['value']:.2f}\u00d7 ({'met' if verdict['passed'] else '**missed**'}) "
        f"| {_ms(imports['wrapt'])} | {_ms(imports['ours_decorator'])} "
        f"| {_ms(share['value'])} ({'met' if share['passed'] else '**missed**'}) |"
    )


HEADER = (
    "| Python | wrapt | ours: decorated cold start | Powertools: inject_lambda_context "
    "| ours ÷ Powertools (≤ 0.8\u00d7) | import wrapt | decorator path import "
    "| decorator path - wrapt (≤ 2 ms) |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.matrix", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=9, help="fresh processes per subject per cell (default 9)"
    )
    parser.add_argument("--python", action="append", choices=PYTHONS, help="only this Python")
    parser.add_argument("--wrapt", action="append", choices=list(WRAPTS), help="only this major")
    args = parser.parse_args(argv)
    lines = [
        "Decorated cold start after the Lambda runtime's imports (import + decorate + one "
        f"invocation), and -X importtime of the decorator path; medians of {args.runs} fresh "
        "processes per subject and cell, interleaved.",
        "",
        HEADER,
    ]
    for minor in args.python or PYTHONS:
        for major in args.wrapt or list(WRAPTS):
            print(f"benchmarks.matrix: Python {minor}, wrapt {major}", file=sys.stderr, flush=True)
            lines.append(row(run_cell(minor, major, args.runs)))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
