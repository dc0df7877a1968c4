"""Where a month goes, kernel by kernel: each compiled kernel timed inside real runs.

    python -m benchmarks.kernels [SCENARIO] [--sizes 1 21 228] [--every-reform] [--runs 2]

Wraps every numba dispatcher that a module of `sim` holds with a timer, runs the scenario
for 60 months `--runs` times (after one untimed run that loads the kernels), and prints
per month: the whole step, the time inside kernels, and each kernel's share and calls.
Each wrapper adds about 0.3 µs a call (some 30 calls a month): read the figures side by
side (two checkouts, alternating), not as absolute costs. `benchmarks.phases` times the
step's phases the same way; `--hot` also times each kernel repeated on the arguments of
one call of month 30 (data in cache: the gap to the in-run time is the cost of cold
caches between kernels, not of the kernel's own code).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import pkgutil
import time
from collections import Counter

import numpy as np

from benchmarks.cases import add_size_options, size_overrides

SKIP = ("viz", "report", "calibrate", "design", "diffusion", "cli", "runner")


def _wrap_kernels(spent: Counter, calls: Counter, captured: dict, month: list) -> list:
    """Replace every kernel a module of `sim` holds by a timed wrapper; returns what to put back."""
    from numba.core.registry import CPUDispatcher

    import sim

    wrapped: dict[int, object] = {}

    def wrap(name, kernel):
        if id(kernel) not in wrapped:

            def timed(*args):
                if month[0] == 30 and name not in captured:
                    captured[name] = (kernel, _same_flags(copy.deepcopy(args), args))
                t0 = time.perf_counter()
                try:
                    return kernel(*args)
                finally:
                    spent[name] += time.perf_counter() - t0
                    calls[name] += 1

            wrapped[id(kernel)] = timed
        return wrapped[id(kernel)]

    originals = []
    # every module imported before any is wrapped: one imported later would take a wrapper
    # (`from .x import kernel`) that is not a dispatcher, so it would not be put back
    names = [i.name for i in pkgutil.walk_packages(sim.__path__, "sim.")]
    mods = [importlib.import_module(n) for n in names if not any(part in n for part in SKIP)]
    for mod in mods:
        for key, value in list(vars(mod).items()):
            if isinstance(value, CPUDispatcher):
                originals.append((mod, key, value))
                setattr(mod, key, wrap(f"{value.py_func.__module__.split('.')[-1]}.{value.__name__}", value))
    return originals


def _hot(kernel, args, repeat: int = 50) -> float:
    """Best time of `kernel` on a copy of `args`, called again and again (data in cache). The
    copy keeps each array's read-only flag, so the kernel runs the signature the model compiled
    (a copied read-only array is writeable: a new signature, compiled for this replay only)."""
    args = _same_flags(copy.deepcopy(args), args)
    kernel(*args)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeat):
            kernel(*args)
        best = min(best, (time.perf_counter() - t0) / repeat)
    return best


def _same_flags(copied, original):
    """`copied` with the read-only flags of `original`'s arrays (tuples followed)."""
    if isinstance(original, np.ndarray) and not original.flags.writeable:
        copied.flags.writeable = False
    elif isinstance(original, tuple):
        for c, o in zip(copied, original, strict=True):
            _same_flags(c, o)
    return copied


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="baseline")
    add_size_options(p)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--months", type=int, default=60)
    p.add_argument("--hot", action="store_true", help="also time each kernel in cache (see above)")
    a = p.parse_args(argv)
    overrides = size_overrides(a)
    spent, calls, captured, month = Counter(), Counter(), {}, [0]
    originals = _wrap_kernels(spent, calls, captured, month)
    try:
        lines = _run(a, overrides, spent, calls, month)
    finally:  # leave the modules as they were (this may run inside a test session)
        for mod, key, kernel in originals:
            setattr(mod, key, kernel)
    # replays run with the kernels unwrapped: a signature compiled while a callee is wrapped
    # fails, and numba keeps that failure for the signature for the rest of the process
    for name, line in lines:
        if a.hot and name in captured:
            try:
                line += f"  hot {_hot(*captured[name]) * 1e6:8,.1f} µs a call"
            except Exception as e:  # a kernel whose arguments cannot be replayed (changed in place)
                line += f"  hot: {type(e).__name__}"
        print(line)


def _run(a, overrides: dict, spent: Counter, calls: Counter, month: list) -> list[tuple[str, str]]:
    """Runs the scenario with the kernels timed; prints the month and returns a line per kernel."""
    from sim import GovModel

    GovModel(a.scenario, rng=1, **overrides).run_for(a.months)  # kernels load
    spent.clear()
    calls.clear()
    total = 0.0
    for seed in range(2, a.runs + 2):
        model = GovModel(a.scenario, rng=seed, **overrides)
        t0 = time.perf_counter()
        for t in range(a.months):
            month[0] = t
            model.step()
        total += time.perf_counter() - t0
    months = a.months * a.runs
    inside = sum(spent.values())
    print(
        f"{a.scenario}: {model.structure.n_agencies:,} agencies; {total / months * 1e6:,.0f} µs a month, "
        f"{inside / months * 1e6:,.0f} µs in kernels ({sum(calls.values()) / months:.1f} calls)"
    )
    return [
        (name, f"  {name:<38} {s / months * 1e6:9,.1f} µs {calls[name] / months:5.1f} calls")
        for name, s in spent.most_common()
    ]


if __name__ == "__main__":
    main()
