"""Command line: ``python -m benchmarks [--quick] [--json] [--group KEY ...] [--runs N]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace

from benchmarks._model import Settings
from benchmarks._report import render
from benchmarks._suite import GROUPS, run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="lambda-metadata vs Powertools vs the bare standard library, side by side.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few hundred iterations: checks the suite runs (CI), figures are rough",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--group",
        action="append",
        choices=list(GROUPS),
        help="run only this group (repeatable); all by default",
    )
    parser.add_argument(
        "--runs",
        type=int,
        metavar="N",
        help="fresh processes per subject of the cold-start and import groups (overrides the mode)",
    )
    args = parser.parse_args(argv)
    settings = Settings.quick() if args.quick else Settings.full()
    if args.runs is not None:
        if args.runs < 1:
            parser.error("--runs must be at least 1")
        settings = replace(settings, process_runs=args.runs)

    def progress(key: str) -> None:
        print(f"benchmarks: running {key} ({settings.mode})", file=sys.stderr, flush=True)

    result = run(settings, args.group, progress)
    if args.json:
        json.dump(result.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(result))
    return 0
