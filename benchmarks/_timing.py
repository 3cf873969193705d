"""Ways of taking samples; subjects are always interleaved so drift hits them alike."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Mapping


def per_call(
    subjects: Mapping[str, Callable[..., object]],
    *,
    samples: int,
    calls: int,
    warmup: int,
    args: tuple[object, ...] = (),
) -> dict[str, list[float]]:
    """Nanoseconds per call, each sample the mean of ``calls`` calls (``timeit``, GC off).

    With ``args``, each subject is called as ``func(*args)``; the function and
    its arguments are fast locals of timeit's loop, as in a direct call.
    """
    timers = {key: _timer(func, args) for key, func in subjects.items()}
    results: dict[str, list[float]] = {key: [] for key in subjects}
    order = list(subjects)
    for index in range(warmup + samples):
        for key in _rotated(order, index):
            seconds = timers[key].timeit(calls)
            if index >= warmup:
                results[key].append(seconds * 1e9 / calls)
    return results


def per_round(
    subjects: Mapping[str, tuple[Callable[[], object], Callable[[], object]]],
    *,
    rounds: int,
    warmup: int,
    check: Callable[[str, object], None],
) -> dict[str, list[float]]:
    """Nanoseconds of one call per round; ``(setup, call)``: only ``call`` is timed.

    ``check(key, result)`` sees every result (after the clock stopped), so a
    subject that silently does nothing cannot look fast.
    """
    clock = time.perf_counter_ns
    results: dict[str, list[float]] = {key: [] for key in subjects}
    order = list(subjects)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for index in range(warmup + rounds):
            if index % 100 == 99:
                gc.collect()
            for key in _rotated(order, index):
                setup, call = subjects[key]
                setup()
                start = clock()
                result = call()
                elapsed = clock() - start
                check(key, result)
                if index >= warmup:
                    results[key].append(float(elapsed))
    finally:
        if gc_was_enabled:
            gc.enable()
    return results


def per_process(
    subjects: Mapping[str, str],
    *,
    runs: int,
    warmup: int,
    env: Mapping[str, str],
    parse: Callable[[str, str], float] | None = None,
    flags: tuple[str, ...] = (),
) -> dict[str, list[float]]:
    """One figure per fresh ``python -c CODE`` process.

    By default the child prints its own measurement (ns) as the last line of
    stdout; ``parse(stdout, stderr)`` reads something else, such as
    ``-X importtime`` output.
    """
    results: dict[str, list[float]] = {key: [] for key in subjects}
    order = list(subjects)
    for index in range(warmup + runs):
        for key in _rotated(order, index):
            done = subprocess.run(
                [sys.executable, *flags, "-c", subjects[key]],
                env=dict(env),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"benchmark subprocess {key!r} failed ({done.returncode}):\n{done.stderr}"
                )
            value = (
                parse(done.stdout, done.stderr)
                if parse
                else float(done.stdout.strip().splitlines()[-1])
            )
            if index >= warmup:
                results[key].append(value)
    return results


def _timer(func: Callable[..., object], args: tuple[object, ...]) -> timeit.Timer:
    if not args:
        return timeit.Timer(stmt=func)
    names = [f"_a{index}" for index in range(len(args))]
    namespace: dict[str, object] = {"_f": func, **dict(zip(names, args, strict=True))}
    # timeit runs ``setup`` inside its timing function, so these become its locals.
    setup = "; ".join(f"{name[1:]} = {name}" for name in ["_f", *names])
    stmt = f"f({', '.join(name[1:] for name in names)})"
    return timeit.Timer(stmt=stmt, setup=setup, globals=namespace)


def _rotated(order: list[str], index: int) -> list[str]:
    shift = index % len(order)
    return order[shift:] + order[:shift]
