"""`make bench`: speed and memory of the model against Mesa's reference, in one run.

    python -m benchmarks.bench [--repeat 3] [--only CASE ...] [--no-sweep] [--no-viz] [--out benchmarks/results.json]

Every case runs in a fresh process (`benchmarks.cases`), `--repeat` times, in rounds that
interleave the cases; the table shows the median seconds and the largest peak memory. Cases:

- `boltzmann`   Mesa's Boltzmann wealth model, 10,000 agents, 60 steps (the reference);
- `govsim_10k`  govsim at 10,000 agencies (the national tree's shape, no reform), 60 steps;
- `guangdong_10k` Guangdong's reforms on a 10,000-agency province, 60 steps (the same
  comparison with reforms at work: they add rules, so the cost per agent-step rises);
- `guangdong`   the Guangdong preset, 60 steps (goal: at most 3 s);
- `national`    the national preset, 60 steps (goals: at most 120 s and 4 GiB);
- `scale_*`     the national shape at 1/8, 1/4, 1/2 and full size, 20 steps: seconds per
  step against agencies, and the fitted exponent (goal: linear, i.e. 1; the check allows
  1.05 for cache effects and timing noise over four sizes);
- `sweep`       96 provincial runs on 1 and on 2 worker processes, each in a fresh
  interpreter (goal: 2 workers at least 1.7x the runs per minute, i.e. at most 0.6x the
  time);
- `viz`         first paint and one Step of the browser app on Guangdong (goals: < 10 s
  and < 1 s), when chromium is installed.

Results go to benchmarks/results.json with the machine's cores and Python, numpy and Mesa
versions. Figures vary with load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCALE_FACTORS = (0.125, 0.25, 0.5, 1.0)
CASES: dict[str, tuple[str, str | None]] = {
    "boltzmann": ("boltzmann", "10000"),
    "govsim_10k": ("govsim_10k", None),
    "guangdong_10k": ("guangdong_10k", None),
    "guangdong": ("guangdong", None),
    "national": ("national", None),
    **{f"scale_{f:g}": ("national_scaled", str(f)) for f in SCALE_FACTORS},
}
GOALS = {"guangdong": 3.0, "national": 120.0}  # seconds for 60 steps (issue 6)
NATIONAL_MEMORY_GOAL_MIB = 4096
RATIO_GOAL = 5.0  # govsim's cost per agent-step at least 5x below the reference's
SWEEP_GOAL = 1.7


def run_case(name: str) -> dict:
    """One timed run of a case, in a fresh process."""
    case, arg = CASES[name]
    cmd = [sys.executable, "-m", "benchmarks.cases", case, *([arg] if arg else [])]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"benchmark case {name} failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def summarise(name: str, runs: list[dict]) -> dict:
    seconds = statistics.median(r["seconds"] for r in runs)
    agents, steps = runs[0]["agents"], runs[0]["steps"]
    return {
        "case": name,
        "agents": agents,
        "steps": steps,
        "seconds": round(seconds, 4),
        "setup_s": round(statistics.median(r["setup_s"] for r in runs), 4),
        "agent_steps_per_s": round(agents * steps / seconds),
        "us_per_agent_step": round(seconds / (agents * steps) * 1e6, 4),
        "peak_mib": round(max(r["peak_mib"] for r in runs), 1),
        "warmup_s": round(statistics.median(r.get("warmup_s", 0.0) for r in runs), 3),
        "all_seconds": [round(r["seconds"], 4) for r in runs],
    }


def scaling_exponent(rows: list[dict]) -> float:
    """Slope of log(seconds per step) on log(agencies): 1 is linear."""
    x = np.log([r["agents"] for r in rows])
    y = np.log([r["seconds"] / r["steps"] for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def table(rows: list[dict]) -> str:
    head = (
        f"{'case':<15}{'agents':>9}{'steps':>6}{'seconds (median)':>18}{'agent-steps/s':>15}"
        f"{'peak MiB':>10}{'ratio':>8}{'warm-up s':>11}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = f"{r['ratio_vs_mesa']:.2f}" if "ratio_vs_mesa" in r else ""
        lines.append(
            f"{r['case']:<15}{r['agents']:>9,}{r['steps']:>6}{r['seconds']:>18.3f}"
            f"{r['agent_steps_per_s']:>15,}{r['peak_mib']:>10.0f}{ratio:>8}{r.get('warmup_s', 0.0):>11.2f}"
        )
    return "\n".join(lines)


def versions() -> dict:
    import mesa
    import numba

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "numba": numba.__version__,
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3, help="runs per case; the median counts (default 3)")
    p.add_argument("--only", nargs="*", choices=sorted(CASES), help="run only these cases")
    p.add_argument("--no-sweep", action="store_true", help="skip the sweep throughput case")
    p.add_argument("--no-viz", action="store_true", help="skip the browser app (timed when chromium is installed)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    a = p.parse_args(argv)

    names = a.only or list(CASES)
    # rounds of every case rather than each case's runs back to back: a machine that
    # speeds up or slows down during the run then weighs on the reference and govsim alike
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for round_ in range(1, a.repeat + 1):
        print(f"round {round_}/{a.repeat}: {', '.join(names)} ...", file=sys.stderr, flush=True)
        for name in names:
            runs[name].append(run_case(name))
    rows = [summarise(name, runs[name]) for name in names]
    by = {r["case"]: r for r in rows}
    checks: dict[str, dict] = {}

    ref = by.get("boltzmann")
    if ref:
        for r in rows:
            r["ratio_vs_mesa"] = round(ref["us_per_agent_step"] / r["us_per_agent_step"], 2)
    if ref and "govsim_10k" in by:
        ratio = by["govsim_10k"]["ratio_vs_mesa"]
        checks["cost_per_agent_step_vs_mesa_boltzmann"] = {
            "value": ratio,
            "goal": f">= {RATIO_GOAL}",
            "met": ratio >= RATIO_GOAL,
        }
    if ref and "guangdong_10k" in by:  # reported, not a goal of its own: reforms add rules
        ratio = by["guangdong_10k"]["ratio_vs_mesa"]
        checks["cost_per_agent_step_vs_mesa_boltzmann_with_reforms"] = {
            "value": ratio,
            "goal": f"none: shown beside govsim_10k's >= {RATIO_GOAL}",
            "met": None,
        }
    for name, limit in GOALS.items():
        if name in by:
            checks[f"{name}_60_steps_s"] = {
                "value": by[name]["seconds"],
                "goal": f"<= {limit}",
                "met": by[name]["seconds"] <= limit,
            }
    if "national" in by:
        mib = by["national"]["peak_mib"]
        checks["national_peak_mib"] = {
            "value": mib,
            "goal": f"<= {NATIONAL_MEMORY_GOAL_MIB}",
            "met": mib <= NATIONAL_MEMORY_GOAL_MIB,
        }
    scale = [by[n] for n in by if n.startswith("scale_")]
    if len(scale) >= 2:
        k = round(scaling_exponent(scale), 3)
        goal = "<= 1.05 (linear, within cache effects and timing noise)"
        checks["scaling_exponent"] = {"value": k, "goal": goal, "met": k <= 1.05}
    sweep = None
    if not a.no_sweep and not a.only:
        # a fresh process, as for every case: this one has loaded numpy (and its threads)
        print("timing sweep (1 and 2 workers) ...", file=sys.stderr, flush=True)
        cmd = [sys.executable, "-m", "benchmarks.sweep_speed", "--json"]
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        sweep = json.loads(res.stdout.strip().splitlines()[-1])
        tr = sweep["throughput_ratio_2_vs_1"]
        checks["sweep_throughput_2_vs_1"] = {"value": tr, "goal": f">= {SWEEP_GOAL}", "met": tr >= SWEEP_GOAL}
    viz = None
    if not a.no_viz and not a.only:
        from sim.viz.browser import chromium_path

        if chromium_path() is None:
            print("skipping the browser app: chromium is not installed (make browser)", file=sys.stderr)
        else:
            from benchmarks.viz_speed import measure as viz_measure

            print("timing the browser app (Guangdong) ...", file=sys.stderr, flush=True)
            viz = viz_measure()
            for key, goal in (("first_paint_s", "goal_first_paint_s"), ("step_median_s", "goal_step_s")):
                checks[f"viz_{key}"] = {"value": viz[key], "goal": f"< {viz[goal]}", "met": viz[key] < viz[goal]}

    print(table(rows))
    if ref:
        us, n = ref["us_per_agent_step"], ref["agents"]
        print(f"ratio = Mesa Boltzmann's µs per agent-step / the case's ({us} µs at {n:,} agents)")
        print(
            "seconds: the steps alone, median of the runs; warm-up (untimed, once per process): loading "
            "the compiled kernels and a tiny run of the same scenario"
        )
    if scale:
        print(
            "scaling: " + ", ".join(f"{r['agents']:,} agencies {r['seconds'] / r['steps']:.4f} s/step" for r in scale)
        )
    if sweep:
        print(
            f"sweep: {sweep['runs']} runs, 1 worker {sweep['wall_s_1']} s, 2 workers {sweep['wall_s_2']} s: "
            f"x{sweep['throughput_ratio_2_vs_1']} runs per minute (time ratio {sweep['time_ratio_2_vs_1']})"
        )
    if viz:
        print("viz: " + ", ".join(f"{k} {v}" for k, v in viz.items()))
    for name, c in checks.items():
        mark = "info" if c["met"] is None else "ok  " if c["met"] else "MISS"
        print(f"{mark} {name}: {c['value']} (goal {c['goal']})")
    result = {"machine": versions(), "repeat": a.repeat, "cases": rows, "sweep": sweep, "viz": viz, "checks": checks}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(a.out)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
