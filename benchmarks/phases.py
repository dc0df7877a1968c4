"""Where a month goes: each process of the step timed inside a real run.

    .venv/bin/python -m benchmarks.phases [SCENARIO] [--steps 60] [--set KEY=VALUE ...]

Wraps the step's phases (sharing decisions, planning, delivery and expiry, operations,
service, measures, companies and reforms) with timers, runs the scenario (default: the
10,000-agency national shape of `make bench`), and prints microseconds per month for each.
A profiler's own overhead would distort calls this short; these timers add well under 1%.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

PHASES = {
    "sim.processes.sharing": ["decide"],
    "sim.processes.planning": ["plan"],
    "sim.processes.operations": ["complete_and_expire", "operate"],
    "sim.processes.demand": ["serve"],
    "sim.model": ["compute_measures"],
}


def main(argv: list[str] | None = None) -> None:
    import importlib

    from sim.cli import _overrides

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="national")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    a = p.parse_args(argv)
    overrides = _overrides(a.overrides)
    if a.scenario == "national" and not a.overrides:
        overrides = {"government.sizes": [1, 3, 30, 216]}

    spent: Counter[str] = Counter()

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0

        return wrapper

    originals = []
    for module, names in PHASES.items():
        mod = importlib.import_module(module)
        for name in names:
            originals.append((mod, name, getattr(mod, name)))
            setattr(mod, name, timed(name, getattr(mod, name)))
    try:
        run(a.scenario, a.steps, overrides, spent, timed)
    finally:  # leave the modules as they were (the function may run inside a test session)
        for mod, name, fn in originals:
            setattr(mod, name, fn)


def run(scenario: str, steps: int, overrides: dict, spent: Counter, timed) -> None:
    from sim import GovModel

    GovModel("baseline", rng=1, **{"government.sizes": [1, 2, 4]}).run_for(2)  # load the kernels
    model = GovModel(scenario, rng=1, **overrides)
    for reform in model.reforms:
        reform.step = timed(f"reform {reform.key}", reform.step)
    spent.clear()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    total = time.perf_counter() - t0
    n = steps
    print(f"{scenario}: {model.structure.n_agencies:,} agencies, {n} months, {total / n * 1e6:,.0f} µs a month")
    for name, s in spent.most_common():
        print(f"  {name:<28} {s / n * 1e6:9,.0f} µs  {s / total:6.1%}")
    other = total - sum(spent.values())
    print(f"  {'the rest (step, companies)':<28} {other / n * 1e6:9,.0f} µs  {other / total:6.1%}")


if __name__ == "__main__":
    main()
