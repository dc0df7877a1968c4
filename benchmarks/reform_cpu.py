"""CPU time of the reforms' month by reform and by function, inside whole runs.

    cd TREE && PYTHONPATH=TREE python -m benchmarks.reform_cpu [SCENARIO] [--sizes 1 21 228] [--every-reform] [--runs 2]

Runs the scenario (default `guangdong` at 13,750 agencies) once untimed (the kernels load and
compile for these shapes), then `--runs` times with every reform's methods, every compiled
kernel (numba dispatcher) of `sim.institutions`, `sim.processes.apps`, `sim.reforms`,
`sim.contracts` and `sim.agents`, and the Python functions of those modules wrapped with
`time.process_time`, and prints each one's least CPU µs a month over the runs, largest
first. Times are inclusive (a reform's step holds the kernels it calls) and each wrapper
adds about a microsecond a call; compare two checkouts by running this from each.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
import types

from benchmarks.cases import add_size_options, size_overrides


def _timed(acc: dict, label: str, fn):
    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[label] = acc.get(label, 0.0) + time.process_time() - t

    return wrapper


AREAS = ("sim.institutions", "sim.processes.apps", "sim.reforms", "sim.contracts", "sim.agents")


def _wrap_functions(acc: dict) -> None:
    """Each compiled kernel and Python function of `AREAS`, wherever a module holds it."""
    from numba.core.registry import CPUDispatcher

    mods = [m for k, m in sys.modules.items() if k.startswith("sim.") and isinstance(m, types.ModuleType)]
    wrapped = {}
    for m in mods:
        for obj in vars(m).values():
            owner = getattr(obj, "__module__", None) or ""
            if not owner.startswith(AREAS) or id(obj) in wrapped:
                continue
            if isinstance(obj, CPUDispatcher):
                wrapped[id(obj)] = _timed(acc, f"{owner.split('.')[-1]}.{obj.__name__}", obj)
            elif inspect.isfunction(obj) and owner == m.__name__:
                wrapped[id(obj)] = _timed(acc, f"py:{owner.split('.')[-1]}.{obj.__name__}", obj)
    for m in mods:
        for name, obj in list(vars(m).items()):
            if id(obj) in wrapped:
                setattr(m, name, wrapped[id(obj)])


def _wrap_reforms(acc: dict) -> None:
    """Every reform's step and methods, and the operating companies' step."""
    from sim.agents import supplier
    from sim.reforms import REGISTRY

    for key, cls in REGISTRY.items():
        for name, fn in list(vars(cls).items()):
            if inspect.isfunction(fn) and name not in ("activate", "prepare", "__init__"):
                setattr(cls, name, _timed(acc, f"step:{key}" if name == "step" else f"  {key}.{name}", fn))
    supplier.OperatingCompany.step = _timed(acc, "companies' step", supplier.OperatingCompany.step)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="guangdong")
    add_size_options(p, [1, 21, 228])
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--months", type=int, default=60)
    a = p.parse_args(argv)
    from sim import GovModel

    overrides = size_overrides(a)
    GovModel(a.scenario, rng=1, **overrides).run_for(a.months)  # the kernels load (compile) untimed
    acc: dict[str, float] = {}
    _wrap_functions(acc)
    _wrap_reforms(acc)
    best: dict[str, float] | None = None
    months = []
    for seed in range(1, a.runs + 1):
        acc.clear()
        model = GovModel(a.scenario, rng=seed, **overrides)
        t = time.process_time()
        model.run_for(a.months)
        months.append(time.process_time() - t)
        best = dict(acc) if best is None else {k: min(v, acc.get(k, v)) for k, v in best.items()}
    print(f"{a.scenario}: months CPU best {min(months) / a.months * 1e3:.2f} ms a month (wrapped)")
    for label, cpu in sorted((best or {}).items(), key=lambda kv: -kv[1]):
        print(f"{cpu / a.months * 1e6:9.1f} µs  {label}")


if __name__ == "__main__":
    main()
