"""Sweep throughput: the same sweep on 1 and on 2 worker processes.

    python -m benchmarks.sweep_speed [--runs 24] [--scenario provincial] [--steps 60]

Wall time includes starting the worker pool (workers are reused across runs). The goal
(issue 3) is 2 workers in at most 0.6x the time of 1 worker on a 2-core machine, i.e. at
least 1.7x the runs per minute.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sim.runner import ResultStore, build_design, executor_for, run_design
from sim.runner.experiment import experiment_from_dict


def measure(runs: int = 24, scenario: str = "provincial", steps: int = 60) -> dict:
    exp = experiment_from_dict(
        {"experiment": {"name": "bench", "scenarios": [scenario], "replications": runs, "steps": steps, "seed": 1}}
    )
    design = build_design(exp)
    out: dict = {"case": "sweep", "scenario": scenario, "runs": runs, "steps": steps}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            store = ResultStore(Path(tmp), exp, "bench")
            store.open(force=True)
            t0 = time.perf_counter()
            with executor_for(workers) as ex:
                summary = run_design(design, store, ex, progress=False)
            wall = time.perf_counter() - t0
        assert summary.ok and summary.ran == runs
        out[f"wall_s_{workers}"] = round(wall, 3)
        out[f"runs_per_min_{workers}"] = round(runs / wall * 60, 1)
    out["time_ratio_2_vs_1"] = round(out["wall_s_2"] / out["wall_s_1"], 3)
    out["throughput_ratio_2_vs_1"] = round(out["runs_per_min_2"] / out["runs_per_min_1"], 3)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=24)
    p.add_argument("--scenario", default="provincial")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--json", action="store_true", help="print only the result as one JSON line")
    a = p.parse_args()
    r = measure(a.runs, a.scenario, a.steps)
    if a.json:
        print(json.dumps(r))
        return
    print(json.dumps(r, indent=1))
    print(
        f"1 worker {r['wall_s_1']} s, 2 workers {r['wall_s_2']} s: time ratio {r['time_ratio_2_vs_1']} "
        f"(goal <= 0.6), throughput x{r['throughput_ratio_2_vs_1']} (goal >= 1.7)"
    )


if __name__ == "__main__":
    main()
