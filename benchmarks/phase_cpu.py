"""CPU time of a month's phases inside whole runs, for A/B of two checkouts under load.

    cd TREE && PYTHONPATH=TREE python /path/to/benchmarks/phase_cpu.py [SCENARIO] [--sizes 1 21 228] [--runs 5]

Runs the scenario (default `guangdong` at `--sizes 1 21 228`; `--sizes` with no value keeps
the preset's) `--runs` times in this process after one untimed run, with the month's phase
functions (`GovModel.step`'s calls: service, sharing decisions, planning, delivery and
expiry, operations, measures, the reforms' steps) wrapped with `time.process_time`, and
prints each phase's least CPU ms a month over the runs. It only wraps functions that
exist, so it runs against older checkouts too (issue 13 item 5 compared a900c91 with
36bb3f1 this way; run it from each tree so that tree's `sim` is imported).
"""

from __future__ import annotations

import argparse
import time


def _timed(acc: dict, label: str, fn):
    def wrapper(*args, **kwargs):
        t = time.process_time()
        out = fn(*args, **kwargs)
        acc[label] = acc.get(label, 0.0) + time.process_time() - t
        return out

    return wrapper


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="guangdong")
    p.add_argument("--sizes", type=int, nargs="*", default=[1, 21, 228])
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args(argv)
    import sim.model as M

    phases = [(getattr(M, mod), name) for mod, names in PHASES.items() for name in names]
    phases += [(M, "compute_measures")]
    best = least_cpu(phases, a.scenario, {"government.sizes": a.sizes} if a.sizes else {}, a.runs)
    print(" ".join(f"{k}={v / 60 * 1e3:.3f}" for k, v in sorted(best.items())), "(CPU ms a month, least of the runs)")


PHASES = {  # GovModel.step's phase functions, by module of sim.model
    "demand": ["serve"],
    "sharing": ["decide"],
    "planning": ["plan"],
    "operations": ["complete_and_expire", "operate"],
}


def least_cpu(phases: list, scenario: str, overrides: dict, runs: int) -> dict[str, float]:
    """`_least` with each (module, function name) of `phases` that exists timed (`compute_measures`
    as "measures"); the functions are put back after, so a test or a session keeps the model."""
    import sim.model as M

    acc: dict[str, float] = {}
    originals = [(module, name, getattr(module, name)) for module, name in phases if hasattr(module, name)]
    for module, name, fn in originals:
        setattr(module, name, _timed(acc, "measures" if name == "compute_measures" else name, fn))
    try:
        return _least(M.GovModel, acc, scenario, overrides, runs)
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)


def _least(model_cls, acc: dict, scenario: str, overrides: dict, runs: int) -> dict[str, float]:
    """Each phase's least CPU seconds over 60 months, over seeds 1..runs (one untimed run first)."""
    model_cls(scenario, rng=1, **overrides).run_for(60)  # kernels load
    best: dict[str, float] = {}
    for seed in range(1, runs + 1):
        model = model_cls(scenario, rng=seed, **overrides)
        for reform in model.reforms:
            reform.step = _timed(acc, "reforms", reform.step)
        acc.clear()
        t = time.process_time()
        model.run_for(60)
        acc["month"] = time.process_time() - t
        acc["other"] = acc["month"] - sum(v for k, v in acc.items() if k != "month")
        for k, v in acc.items():
            best[k] = min(best.get(k, float("inf")), v)
    return best


if __name__ == "__main__":
    main()
