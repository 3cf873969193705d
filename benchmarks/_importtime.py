"""Reading ``python -X importtime`` output: one line per module, printed when its import ends."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    """One ``import time:`` line: the module, its nesting depth, self and cumulative µs."""

    module: str
    depth: int
    self_us: int
    cumulative_us: int


def lines(stderr: str) -> list[Line]:
    """Every ``import time:`` line of ``stderr``, in the order printed (children first)."""
    found = []
    for text in stderr.splitlines():
        parts = text.split("|")
        if not text.startswith("import time:") or len(parts) != 3:
            continue
        own, cumulative, name = parts[0].rpartition(":")[2].strip(), parts[1].strip(), parts[2]
        if not (own.isdigit() and cumulative.isdigit()):
            continue  # the header line
        module = name.lstrip(" ")
        depth = (len(name) - len(module) - 1) // 2
        found.append(Line(module, depth, int(own), int(cumulative)))
    return found


def after(stderr: str, prelude_module: str) -> float:
    """Sum, in ns, of the top-level imports that end after ``prelude_module``'s own line."""
    parsed = lines(stderr)
    marks = [
        i for i, line in enumerate(parsed) if line.depth == 0 and line.module == prelude_module
    ]
    if not marks:
        raise RuntimeError(f"{prelude_module} not found in -X importtime output:\n{stderr}")
    return float(
        1000 * sum(line.cumulative_us for line in parsed[marks[0] + 1 :] if not line.depth)
    )


def parents(parsed: list[Line]) -> list[int | None]:
    """For each line, the index of the line of the module that imported it (``None``: top level).

    Read backwards, the lines are in pre-order (a module before what it imported), so a stack of
    the open ancestors finds each parent.
    """
    result: list[int | None] = [None] * len(parsed)
    stack: list[int] = []
    for index in range(len(parsed) - 1, -1, -1):
        depth = parsed[index].depth
        del stack[depth:]
        result[index] = stack[-1] if stack else None
        stack.append(index)
    return result
