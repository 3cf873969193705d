"""A tiny AST mutator for the cache and the client (docs/testing.md, "Mutation testing").

Each mutant (a comparison, operator, constant, condition or statement changed) is written into
a copy of the tree, and the fast subset runs against it with ``-x``: a failure kills it.
``uv run python scripts/mutate.py`` runs a shuffled sample for ``MUT_BUDGET`` seconds (1500),
from mutant ``MUT_START`` (0) of the shuffled order, which is the same on every run,
and writes ``.mutation/results.json``; ``... mutate.py .mutation/results.json`` re-runs the
survivors against the tests as they are now (``MUT_TESTS`` names other test files,
``MUT_RECHECK`` where that run's results go; ``MUT_LINES`` limits a run to some lines).
Nothing here is imported by the package or tests.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(SRC, ".mutation")
WORK = os.environ.get("MUT_WORK", os.path.join(OUT, "tree"))
NO_BYTECODE = os.path.join(OUT, "no-bytecode")  # never written: PYTHONDONTWRITEBYTECODE
TESTS = os.environ.get(
    "MUT_TESTS", "tests/test_cache.py tests/test_client.py tests/test_hostile.py"
).split()
TARGETS = ["lambda_metadata/_cache.py", "lambda_metadata/_client.py"]
BUDGET = float(os.environ.get("MUT_BUDGET", 25 * 60))
START = int(os.environ.get("MUT_START", 0))  # skip this many of the (fixed) shuffled order
COUNT = int(os.environ.get("MUT_COUNT", 10**6))  # then run at most this many
RESULTS = os.environ.get("MUT_RESULTS", os.path.join(OUT, "results.json"))
PYTEST_ARGS = os.environ.get("MUT_PYTEST_ARGS", "").split()  # e.g. "-n 0" for parallel runs
PY = sys.executable

CMP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
BIN = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.LShift: ast.RShift,
}


def _in_annotations(tree):
    """Nodes inside annotations: never evaluated (``from __future__ import annotations``)."""
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.AnnAssign, ast.arg)) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            roots.append(node.returns)
    return {id(inner) for root in roots for inner in ast.walk(root)}


def sites(tree):
    """Yield (node_index, kind, line) for every mutable node outside annotations."""
    out = []
    skip = _in_annotations(tree)
    for i, node in enumerate(ast.walk(tree)):
        ln = getattr(node, "lineno", 0)
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare) and type(node.ops[0]) in CMP:
            out.append((i, "cmp", ln))
        elif isinstance(node, ast.BinOp) and type(node.op) in BIN:
            out.append((i, "bin", ln))
        elif isinstance(node, ast.BoolOp):
            out.append((i, "bool", ln))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            out.append((i, "not", ln))
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) in (int, float)
            and not isinstance(node.value, bool)
        ):
            out.append((i, "num", ln))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            out.append((i, "boolconst", ln))
        elif isinstance(node, ast.Return) and node.value is not None:
            out.append((i, "ret", ln))
        elif isinstance(node, ast.If):
            out.append((i, "iftrue", ln))
            out.append((i, "iffalse", ln))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr)) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            out.append((i, "del", ln))
    return out


def mutate(tree, idx, kind):
    tree = copy.deepcopy(tree)
    node = list(ast.walk(tree))[idx]
    if kind == "cmp":
        node.ops[0] = CMP[type(node.ops[0])]()
    elif kind == "bin":
        node.op = BIN[type(node.op)]()
    elif kind == "bool":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "not":
        return _replace(tree, node, node.operand)
    elif kind == "num":
        node.value = (
            node.value + 1
            if node.value in (0, 1) or isinstance(node.value, int)
            else node.value * 2
        )
    elif kind == "boolconst":
        node.value = not node.value
    elif kind == "ret":
        node.value = ast.Constant(None)
    elif kind == "iftrue":
        node.test = ast.Constant(True)
    elif kind == "iffalse":
        node.test = ast.Constant(False)
    elif kind == "del":
        return _replace(tree, node, ast.Pass())
    return tree


def _replace(tree, old, new):
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for j, item in enumerate(value):
                    if item is old:
                        value[j] = new
                        return tree
            elif value is old:
                setattr(parent, field, new)
                return tree
    return tree


def run_tests(timeout):
    # no bytecode at all: a mutant written in the same second as the last, with the same size,
    # would pass a cached .pyc's check (the prefix keeps even an existing __pycache__ unread)
    env = dict(
        os.environ, PYTHONPATH=WORK, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=NO_BYTECODE
    )
    try:
        r = subprocess.run(
            [
                PY,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                *PYTEST_ARGS,
                *TESTS,
            ],
            cwd=WORK,
            env=env,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if os.environ.get("MUT_SHOW"):
            print(r.stdout.decode()[-3000:], flush=True)
        return r.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def _selected(target, line):
    """``MUT_LINES="lambda_metadata/_cache.py:99-130,200-260"``: only mutants on those lines."""
    spec = os.environ.get("MUT_LINES")
    if not spec:
        return True
    name, _, ranges = spec.partition(":")
    if name != target:
        return False
    for part in ranges.split(","):
        low, _, high = part.partition("-")
        if int(low) <= line <= int(high or low):
            return True
    return False


def main():
    if os.path.exists(WORK):
        shutil.rmtree(WORK)
    shutil.copytree(
        SRC,
        WORK,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "site", "__pycache__", "mutants", ".mutation"
        ),
    )
    os.environ["MUT_SHOW"] = "1"
    t0 = time.monotonic()
    base = run_tests(600)
    base_t = time.monotonic() - t0
    os.environ.pop("MUT_SHOW")
    print("baseline rc", base, "in", round(base_t, 1), flush=True)
    assert base == 0
    jobs = []
    for target in TARGETS:
        text = Path(f"{SRC}/{target}").read_text()
        tree = ast.parse(text)
        for idx, kind, ln in sites(tree):
            jobs.append((target, idx, kind, ln))
    # interleave so a time-out still samples both files evenly
    import random

    random.Random(15).shuffle(jobs)
    print("mutants", len(jobs), "from", START, flush=True)
    jobs = [job for job in jobs[START : START + COUNT] if _selected(job[0], job[3])]
    start = time.monotonic()
    results = []
    for target, idx, kind, ln in jobs:
        if time.monotonic() - start > BUDGET:
            break
        orig = Path(f"{SRC}/{target}").read_text()
        tree = ast.parse(orig)
        try:
            new = ast.unparse(ast.fix_missing_locations(mutate(tree, idx, kind)))
            compile(new, target, "exec")
        except Exception:
            continue
        if new == ast.unparse(tree):
            continue
        with open(f"{WORK}/{target}", "w") as f:
            f.write(new)
        rc = run_tests(max(30, base_t * 3))
        with open(f"{WORK}/{target}", "w") as f:
            f.write(orig)
        status = "killed" if rc not in (0,) else "survived"
        if rc == 5:
            status = "error"
        src_line = orig.splitlines()[ln - 1].strip() if ln else ""
        results.append(
            {
                "target": target,
                "idx": idx,
                "kind": kind,
                "line": ln,
                "src": src_line,
                "status": status,
                "rc": str(rc),
            }
        )
        print(status, target, ln, kind, src_line, flush=True)
        Path(RESULTS).write_text(json.dumps(results, indent=1))
    k = sum(r["status"] == "killed" for r in results)
    print(f"done: {len(results)} run, {k} killed, {len(results) - k} survived", flush=True)


def recheck(path):
    """Run the survivors of an earlier run again, against the tests as they are now."""
    if os.path.exists(WORK):
        shutil.rmtree(WORK)
    shutil.copytree(
        SRC,
        WORK,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "site", "__pycache__", "mutants", ".mutation"
        ),
    )
    earlier = json.loads(Path(path).read_text())
    out = []
    for r in earlier:
        if r["status"] != "survived":
            continue
        orig = Path(f"{SRC}/{r['target']}").read_text()
        tree = ast.parse(orig)
        new = ast.unparse(ast.fix_missing_locations(mutate(tree, r["idx"], r["kind"])))
        with open(f"{WORK}/{r['target']}", "w") as f:
            f.write(new)
        rc = run_tests(120)
        with open(f"{WORK}/{r['target']}", "w") as f:
            f.write(orig)
        r = dict(r, status="killed" if rc != 0 else "survived", rc=str(rc))
        out.append(r)
        print(r["status"], r["target"], r["line"], r["kind"], r["src"], flush=True)
        Path(os.environ.get("MUT_RECHECK", os.path.join(OUT, "recheck.json"))).write_text(
            json.dumps(out, indent=1)
        )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        recheck(sys.argv[1])
    else:
        main()
