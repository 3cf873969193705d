"""``python -m benchmarks``: run the groups against one endpoint; print or write the report."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from benchmarks import _report as report
from benchmarks._groups import FULL, GROUPS, QUICK, Settings
from benchmarks._harness import Samples, compile_packages, running_endpoint

PYTHONS, WRAPTS = ("3.10", "3.11", "3.12", "3.13"), (">=1.14,<2", ">=2,<3")
MATRIX = ("cold_start_decorated_runtime", "import_time")
"""The groups each cell of the Python x wrapt matrix runs."""


def run(
    settings: Settings, keys: Sequence[str]
) -> tuple[dict[str, Any], list[tuple[str, Samples]]]:
    """The groups, one after another, against one endpoint: the run's JSON and its samples."""
    compile_packages()
    groups, raw = [], []
    with running_endpoint() as endpoint:
        for key in keys:
            print(f"benchmarks: {key} ({settings.mode})", file=sys.stderr, flush=True)
            group, sample = GROUPS[key]
            samples, facts = sample(endpoint, settings)
            group = replace(group, sample=group.sample.format(**asdict(settings)))
            groups.append(report.group_json(group, samples, facts))
            raw.append((key, samples))
    return {"mode": settings.mode, "machine": report.machine(), "groups": groups}, raw


def matrix(runs: int) -> list[dict[str, Any]]:
    """A quick run of ``MATRIX`` per Python x wrapt major, each in a throw-away environment:
    ``uv run --isolated --python <pyenv's newest 3.X> --with "wrapt<spec>"``."""
    cells = []
    for minor in PYTHONS:
        python = Path(_output("pyenv", "prefix", _output("pyenv", "latest", minor))) / "bin/python"
        for wrapt in WRAPTS:
            print(f"benchmarks: matrix {minor}, wrapt{wrapt}", file=sys.stderr, flush=True)
            command = ["uv", "run", "-q", "--isolated", "--python", str(python), "--with"]
            command += [f"wrapt{wrapt}", "python", "-m", "benchmarks", "--quick", "--json"]
            command += ["--runs", str(runs), *(a for key in MATRIX for a in ("--group", key))]
            cells.append(json.loads(_output(*command)))
    return cells


def _output(*command: str) -> str:
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    return done.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    add = parser.add_argument
    add("--quick", action="store_true", help="a smoke run (CI): rough figures")
    add("--json", action="store_true", help="print the run's JSON, not Markdown")
    add("--group", action="append", choices=list(GROUPS), help="only this group (repeatable)")
    add("--runs", type=int, metavar="N", help="fresh processes per subject (and matrix cell)")
    add("--out", type=Path, metavar="DIR", help="also write run.json, run.md, ratios.svg there")
    add("--pyperf", type=Path, metavar="FILE", help="also write every sample as a pyperf suite")
    add("--matrix", action="store_true", help=f"run {' and '.join(MATRIX)} per Python x wrapt")
    add("--render", type=Path, metavar="DIR", help="measure nothing: redraw from DIR's JSON")
    args = parser.parse_args(argv)
    name = "matrix" if args.matrix else "run"
    if args.render:
        args.out = args.render
        data = json.loads((args.render / f"{name}.json").read_text(encoding="utf-8"))
    elif args.matrix:
        data = matrix(args.runs or 9)
    else:
        settings = QUICK if args.quick else FULL
        settings = replace(settings, processes=args.runs or settings.processes)
        data, raw = run(settings, args.group or list(GROUPS))
        if args.pyperf:
            report.suite(raw).dump(str(args.pyperf), replace=True)
    files = {f"{name}.json": _json(data)}
    if args.matrix:
        files["matrix.md"] = report.render_matrix(data)
    else:
        files |= {"run.md": report.render(data), "ratios.svg": report.chart(data)}
    for file, text in files.items() if args.out else ():
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / file).write_text(text, encoding="utf-8")
    sys.stdout.write(files[f"{name}.json" if args.json else f"{name}.md"])
    return 0


def _json(data: object) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
