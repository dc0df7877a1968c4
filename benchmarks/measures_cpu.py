"""CPU time of the month's measures inside real runs (`compute_measures` and the collector).

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.measures_cpu [baseline|guangdong_10k|all_reforms_10k] [--runs 10]

Wraps `compute_measures` and `MeasureCollector.collect` with `time.process_time_ns` (CPU,
not wall: the cores are shared), runs the case's 60 months `--runs` times and prints the
least µs a month over the runs. Run it with PYTHONPATH on two checkouts, alternating, to
compare them.
"""

from __future__ import annotations

import argparse
import time

CASES = {
    "baseline": ("baseline", {}),
    "guangdong_10k": ("guangdong", {"government.sizes": [1, 21, 228]}),
    "all_reforms_10k": ("provincial", {"government.sizes": [1, 21, 228]}),
}


def main(argv: list[str] | None = None) -> None:
    import sim.model as model_module
    from benchmarks.cases import every_reform
    from sim import GovModel

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("case", nargs="?", default="baseline", choices=list(CASES))
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args(argv)
    preset, overrides = CASES[a.case]
    if a.case == "all_reforms_10k":
        overrides = {**overrides, **every_reform()}
    spent = {"measures": 0, "collect": 0}
    measure, collect = model_module.compute_measures, model_module.MeasureCollector.collect

    def timed_measure(model):
        t0 = time.process_time_ns()
        try:
            return measure(model)
        finally:
            spent["measures"] += time.process_time_ns() - t0

    def timed_collect(self, model):
        t0 = time.process_time_ns()
        try:
            collect(self, model)
        finally:
            spent["collect"] += time.process_time_ns() - t0

    model_module.compute_measures, model_module.MeasureCollector.collect = timed_measure, timed_collect
    try:
        GovModel("baseline", rng=1, **{"government.sizes": [1, 2, 4]}).run_for(2)  # load the kernels
        best = dict.fromkeys(spent, float("inf"))
        for _ in range(a.runs):
            m = GovModel(preset, rng=1, **overrides)
            spent.update(dict.fromkeys(spent, 0))
            for _ in range(60):
                m.step()
            best = {k: min(best[k], spent[k] / 60 / 1e3) for k in spent}
    finally:
        model_module.compute_measures, model_module.MeasureCollector.collect = measure, collect
    print(f"{a.case}: {m.structure.n_agencies:,} agencies; CPU µs a month, least of {a.runs} runs:", end="")
    print("".join(f"  {k} {v:,.1f}" for k, v in best.items()))


if __name__ == "__main__":
    main()
