"""Sweep throughput: the same sweep on 1 and on 2 worker processes.

    python -m benchmarks.sweep_speed [--runs 96] [--scenario provincial] [--steps 60]
    python -m benchmarks.sweep_speed --split 2 --runs 200 --scenario baseline   # where a sweep's CPU goes
    python -m benchmarks.sweep_speed --overhead 2 --runs 1000   # the machinery's CPU a run, model stubbed

Each worker count runs in a fresh interpreter, as a user's `govsim sweep` would: wall time
includes starting the worker pool (workers are reused across runs) and loading the
compiled kernels in whichever process runs the models (the parent for 1 worker, each
worker for 2), so neither side inherits a warm process. The goal (issue 3) is 2 workers in
at most 0.6x the time of 1 worker on a 2-core machine, i.e. at least 1.7x the runs per
minute. Runs per minute is a steady rate, so the default sweep lasts about 7 s on one
worker (96 provincial runs): a shorter one mostly measures the one-off start that no
number of workers shortens (about 0.25 s to load the compiled kernels, plus the pool).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall_seconds(workers: int, runs: int, scenario: str, steps: int) -> float:
    """One sweep on `workers` processes, timed in this process (call it in a fresh one)."""
    from sim.runner import ResultStore, build_design, executor_for, run_design
    from sim.runner.experiment import experiment_from_dict

    exp = experiment_from_dict(
        {"experiment": {"name": "bench", "scenarios": [scenario], "replications": runs, "steps": steps, "seed": 1}}
    )
    design = build_design(exp)
    with tempfile.TemporaryDirectory() as tmp:
        store = ResultStore(Path(tmp), exp, "bench")
        store.open(force=True)
        t0 = time.perf_counter()
        with executor_for(workers) as ex:
            summary = run_design(design, store, ex, progress=False)
        wall = time.perf_counter() - t0
    if not (summary.ok and summary.ran == runs):
        raise SystemExit(f"sweep benchmark: {summary.ran} of {runs} runs, ok={summary.ok}")
    return wall


def measure(runs: int = 96, scenario: str = "provincial", steps: int = 60) -> dict:
    out: dict = {"case": "sweep", "scenario": scenario, "runs": runs, "steps": steps}
    for workers in (1, 2):
        cmd = [sys.executable, "-m", "benchmarks.sweep_speed", "--one", str(workers)]
        cmd += ["--runs", str(runs), "--scenario", scenario, "--steps", str(steps)]
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"sweep benchmark with {workers} worker(s) failed:\n{res.stderr[-2000:]}")
        wall = float(res.stdout.strip().splitlines()[-1])
        out[f"wall_s_{workers}"] = round(wall, 3)
        out[f"runs_per_min_{workers}"] = round(runs / wall * 60, 1)
    out["time_ratio_2_vs_1"] = round(out["wall_s_2"] / out["wall_s_1"], 3)
    out["throughput_ratio_2_vs_1"] = round(out["runs_per_min_2"] / out["runs_per_min_1"], 3)
    return out


def _child_wall(tree: Path, workers: int, runs: int, scenario: str, steps: int) -> tuple[float, float]:
    """`wall_seconds` in a fresh interpreter running the code of `tree` (a checkout), and
    the CPU seconds of that interpreter and its workers (less sensitive to other load)."""
    cmd = [sys.executable, "-m", "benchmarks.sweep_speed", "--one", str(workers)]
    cmd += ["--runs", str(runs), "--scenario", scenario, "--steps", str(steps)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"sweep benchmark in {tree} failed:\n{res.stderr[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return float(res.stdout.strip().splitlines()[-1]), cpu


GOAL_RUNS = 10_000  # issue 15 goal 4: 10,000 baseline runs on 2 workers


def throughput_against(reference: Path | None, runs: int = 400, rounds: int = 2) -> dict:
    """Baseline runs (60 months) on 2 workers, as calibration makes them; with `reference`
    (another checkout, e.g. 0.1.4 unpacked by `git archive`), the same sweeps on its code,
    the two taking turns for `rounds` rounds; the best round of each counts. The first
    sweep of a fresh checkout compiles its kernels: time it once before comparing.

    Each checkout also runs a quarter of the sweep: the line through the two sizes splits
    its cost into a one-off start (intercept: imports, the worker pool, loading the
    compiled kernels) and a steady cost per run (slope), and extrapolates the goal's own
    size, 10,000 runs (`*_10k`: intercept + 10,000 x slope, a projection, not a measurement)."""
    small = max(10, runs // 4)
    trees = {"": ROOT} | ({"reference_": reference.resolve()} if reference is not None else {})
    best: dict[tuple[str, int], list[float]] = {}  # (checkout, runs) -> [best wall, best CPU]
    for _ in range(rounds):
        for n in (small, runs):
            for key, tree in trees.items():
                wall, cpu = _child_wall(tree, 2, n, "baseline", 60)
                old = best.get((key, n), [wall, cpu])
                best[key, n] = [min(old[0], wall), min(old[1], cpu)]
    out = {"runs": runs, "workers": 2, "wall_s": round(best["", runs][0], 3)}
    out["s_per_10k"] = round(best["", runs][0] / runs * 1e4, 1)  # the naive scale-up, start-up included
    out["cpu_s"] = round(best["", runs][1], 3)  # the sweep's process and its workers, imports included
    out["fit_runs"] = [small, runs]
    for key in trees:
        out |= _fit(key, best[key, small], best[key, runs], small, runs)
    if reference is not None:
        out |= {"reference": str(reference), "reference_wall_s": round(best["reference_", runs][0], 3)}
        out["time_ratio_vs_reference"] = round(best["", runs][0] / best["reference_", runs][0], 3)
        out["reference_cpu_s"] = round(best["reference_", runs][1], 3)
        out["cpu_ratio_vs_reference"] = round(best["", runs][1] / best["reference_", runs][1], 3)
        for what in ("wall_s_10k", "cpu_s_10k", "cpu_ms_per_run"):
            out[f"{what}_ratio_vs_reference"] = round(out[what] / out[f"reference_{what}"], 3)
    return out


def _fit(key: str, small: list[float], large: list[float], n_small: int, n_large: int) -> dict:
    """Start-up (intercept) and steady cost per run (slope) of a checkout's sweep, in wall
    and CPU seconds, and the 10,000-run sweep they project."""
    out = {}
    for i, what in enumerate(("wall", "cpu")):
        slope = (large[i] - small[i]) / (n_large - n_small)
        intercept = small[i] - slope * n_small
        out[f"{key}{what}_ms_per_run"] = round(slope * 1e3, 2)
        out[f"{key}{what}_start_s"] = round(intercept, 3)
        out[f"{key}{what}_s_10k"] = round(intercept + slope * GOAL_RUNS, 1)
    return out


def cpu_split(workers: int, runs: int, scenario: str = "baseline", steps: int = 60) -> dict:
    """Where one sweep's CPU goes (call it in a fresh interpreter): this process's imports
    and its part of the sweep (scheduling, records, runs.parquet, and the warm-up that
    loads the model before the workers fork), and in the workers each run's `execute`
    (model + writing its series), the first one of each worker apart (start-up), and what
    the workers spend besides (messages, waiting for work)."""
    import resource

    def cpu(who: int) -> float:
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    import sim.runner.run as run_mod

    real = run_mod.execute

    def timed(spec, ts_dir=None):  # found under execute's own name by the forked workers
        t = time.process_time()
        record, frame = real(spec, ts_dir)
        return {**record, "_cpu": time.process_time() - t, "_pid": os.getpid()}, frame

    timed.__module__, timed.__qualname__ = real.__module__, real.__qualname__
    run_mod.execute = timed
    got: list[tuple[float, int]] = []
    keep = run_mod.Scheduler._keep

    def seen(self, spec, record, frame):
        got.append((record.pop("_cpu", 0.0), record.pop("_pid", 0)))
        keep(self, spec, record, frame)

    run_mod.Scheduler._keep = seen
    imports = cpu(resource.RUSAGE_SELF)
    wall = wall_seconds(workers, runs, scenario, steps)
    first: dict[int, float] = {}
    for c, pid in got:
        first.setdefault(pid, c)
    rest = sorted(c for c, pid in got)[: len(got) - len(first)]  # the first of each worker is start-up
    return {
        "runs": runs,
        "workers": workers,
        "wall_s": round(wall, 3),
        "parent_import_cpu_s": round(imports, 3),
        "parent_sweep_cpu_s": round(cpu(resource.RUSAGE_SELF) - imports, 3),
        "workers_cpu_s": round(cpu(resource.RUSAGE_CHILDREN), 3),
        "first_run_cpu_s": [round(v, 3) for v in first.values()],
        "run_cpu_ms_median": round(rest[len(rest) // 2] * 1e3, 2) if rest else None,
        "workers_besides_runs_cpu_s": round(cpu(resource.RUSAGE_CHILDREN) - sum(c for c, _ in got), 3),
    }


def overhead(workers: int, runs: int) -> dict:
    """CPU a run costs the sweep's machinery alone (call it in a fresh interpreter): the
    model is replaced by one finished baseline run, handed back for every run, so what
    is left is the run's trip to a worker and back, its series written (`model_series`,
    Parquet), its record and the move into place. Slopes between a fifth of `runs` and
    `runs` (the start-up cancels), for the sweep's process and its workers."""
    import sim.api
    from sim.runner import ResultStore, build_design, run_design
    from sim.runner.executors import WorkerPool
    from sim.runner.experiment import experiment_from_dict

    finished = sim.api.run_model("baseline", seed=1, steps=60)
    sim.api.run_model = lambda *a, **k: finished  # forked workers inherit the stub

    def cpu(who: int) -> float:
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    got = []
    for n in (max(10, runs // 5), runs):
        doc = {"experiment": {"name": "stub", "scenarios": ["baseline"], "replications": n, "steps": 60, "seed": 1}}
        exp = experiment_from_dict(doc)
        with tempfile.TemporaryDirectory() as tmp:
            store = ResultStore(Path(tmp), exp, "stub")
            store.open(force=True)
            p0, c0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
            with WorkerPool(workers) as ex:
                run_design(build_design(exp), store, ex, progress=False)
            got.append((n, cpu(resource.RUSAGE_SELF) - p0, cpu(resource.RUSAGE_CHILDREN) - c0))
    (n1, p1, w1), (n2, p2, w2) = got
    return {
        "runs": [n1, n2],
        "workers": workers,
        "parent_cpu_ms_per_run": round((p2 - p1) / (n2 - n1) * 1e3, 3),
        "workers_cpu_ms_per_run": round((w2 - w1) / (n2 - n1) * 1e3, 3),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=96)
    p.add_argument("--scenario", default="provincial")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--json", action="store_true", help="print only the result as one JSON line")
    p.add_argument("--one", type=int, metavar="WORKERS", help=argparse.SUPPRESS)  # a child: time one count
    p.add_argument(
        "--split", type=int, metavar="WORKERS", help="one sweep on WORKERS: where its CPU goes (parent, workers, runs)"
    )
    p.add_argument(
        "--overhead",
        type=int,
        metavar="WORKERS",
        help="the machinery's CPU a run on WORKERS, the model replaced by a finished run (--runs 1000)",
    )
    a = p.parse_args()
    if a.overhead:
        print(json.dumps(overhead(a.overhead, a.runs)))
        return
    if a.split:
        print(json.dumps(cpu_split(a.split, a.runs, a.scenario, a.steps)))
        return
    if a.one:
        print(wall_seconds(a.one, a.runs, a.scenario, a.steps))
        return
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
