"""One benchmark case, timed in this (fresh) process: `python -m benchmarks.cases CASE [ARG]`.

Prints one JSON line: agents, steps, set-up seconds, step seconds, the untimed warm-up
(`warmup_s`: a small run of the same model first — for govsim this also loads its compiled
kernels), this process's peak resident memory, and `cpu_s`: the CPU time
(`time.process_time`) of the timed part, steadier than wall time when other work shares
the cores (whole runs: the best of their seeds). Each case runs in its own
process so that peak memory is the case's own and one case's garbage never slows the next.
"""

from __future__ import annotations

import json
import resource
import sys
import time

# national sizes scaled down: [1, 31, 333, 2844] x factor keeps the tree's shape
NATIONAL = (1, 31, 333, 2844)


def national_sizes(factor: float) -> list[int]:
    return [1, *(max(1, round(n * factor)) for n in NATIONAL[1:])]


def _govsim(scenario: str, steps: int, **overrides) -> dict:
    from sim import GovModel, load_spec

    # warm-up, untimed but reported: the compiled kernels load from numba's on-disk cache
    # at their first call (about 0.2 s in all, once per process, like an import), a one-off
    # that a per-agent-step cost leaves out; `warmup_s` keeps it visible
    t = time.perf_counter()
    levels = len(load_spec(scenario, overrides)[0].government.levels)  # the tree's depth, without building it
    # the same scenario on a tiny tree, over the same months: every reform's kernels load
    tiny = {**overrides, "government.sizes": [1] + [2] * (levels - 1)}
    GovModel(scenario, rng=1, **tiny).run_for(steps)
    warmup = time.perf_counter() - t
    t0 = time.perf_counter()
    model = GovModel(scenario, rng=1, **overrides)
    t1, c1 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    t2, c2 = time.perf_counter(), time.process_time()
    out = {"agents": model.structure.n_agencies, "steps": steps, "setup_s": t1 - t0, "seconds": t2 - t1}
    return out | {"cpu_s": c2 - c1, "warmup_s": warmup}


def _boltzmann(agents: int, steps: int) -> dict:
    from benchmarks.boltzmann import BoltzmannWealth

    # the same untimed warm-up as govsim's: a small run first (interpreter caches, Mesa's code paths)
    t = time.perf_counter()
    small = BoltzmannWealth(100, rng=2)
    for _ in range(steps):
        small.step()
    warmup = time.perf_counter() - t
    t0 = time.perf_counter()
    model = BoltzmannWealth(agents, rng=1)
    t1, c1 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    t2, c2 = time.perf_counter(), time.process_time()
    out = {"agents": agents, "steps": steps, "setup_s": t1 - t0, "seconds": t2 - t1, "cpu_s": c2 - c1}
    return out | {"warmup_s": warmup}


WHOLE_REPEAT = 7  # whole runs per process; the best counts (the machine's load only ever adds time)


def _whole_govsim(scenario: str, steps: int = 60, **overrides) -> dict:
    """Whole runs as a sweep makes them: set-up (scenario read, tree, agents) and `steps`
    months, after the same untimed warm-up as `_govsim`; best of WHOLE_REPEAT seeds."""
    from sim import GovModel

    t = time.perf_counter()
    GovModel(scenario, rng=1, **overrides).run_for(steps)  # the kernels load; the scenario file is read
    warmup = time.perf_counter() - t
    setups, totals, cpus = [], [], []
    for seed in range(1, WHOLE_REPEAT + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        model = GovModel(scenario, rng=seed, **overrides)
        t1 = time.perf_counter()
        for _ in range(steps):
            model.step()
        t2, c2 = time.perf_counter(), time.process_time()
        setups.append(t1 - t0)
        totals.append(t2 - t0)
        cpus.append(c2 - c0)
    return _whole_result(model.structure.n_agencies, steps, setups, totals, warmup) | {"cpu_s": min(cpus)}


def _whole_boltzmann(agents: int, steps: int = 60) -> dict:
    """Mesa's Boltzmann model with set-up, timed as `_whole_govsim`."""
    from benchmarks.boltzmann import BoltzmannWealth

    t = time.perf_counter()
    small = BoltzmannWealth(agents, rng=0)
    for _ in range(steps):
        small.step()
    warmup = time.perf_counter() - t
    setups, totals, cpus = [], [], []
    for seed in range(1, WHOLE_REPEAT + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        model = BoltzmannWealth(agents, rng=seed)
        t1 = time.perf_counter()
        for _ in range(steps):
            model.step()
        t2, c2 = time.perf_counter(), time.process_time()
        setups.append(t1 - t0)
        totals.append(t2 - t0)
        cpus.append(c2 - c0)
    return _whole_result(agents, steps, setups, totals, warmup) | {"cpu_s": min(cpus)}


def _whole_result(agents: int, steps: int, setups: list, totals: list, warmup: float) -> dict:
    best = min(range(len(totals)), key=totals.__getitem__)
    return {
        "agents": agents,
        "steps": steps,
        "seconds": totals[best],  # set-up included
        "setup_s": setups[best],
        "setup_share": setups[best] / totals[best],
        "whole": True,
        "warmup_s": warmup,
    }


def every_reform() -> dict:
    """Overrides that switch every reform on."""
    from sim.reforms import REGISTRY

    return {f"reforms.{key}.enabled": True for key in REGISTRY}


def add_size_options(p, sizes: list[int] | None = None) -> None:
    """The timing tools' `--sizes` (government.sizes; `sizes` by default) and `--every-reform`."""
    p.add_argument(
        "--sizes", type=int, nargs="*", default=sizes, help="government.sizes (e.g. 1 21 228: 13,750 agencies)"
    )
    p.add_argument("--every-reform", action="store_true", help="switch every reform on (all_reforms_10k)")


def size_overrides(a) -> dict:
    """The scenario overrides `add_size_options`' arguments ask for."""
    return ({"government.sizes": a.sizes} if a.sizes else {}) | (every_reform() if a.every_reform else {})


def run(case: str, arg: str | None = None) -> dict:
    """The case names `benchmarks.bench` uses."""
    if case == "boltzmann":
        return _boltzmann(int(arg or 10_000), 60)
    if case == "govsim_10k":  # the national tree's shape at 10,000 agencies (250 governments x 40 lines)
        return _govsim("national", 60, **{"government.sizes": [1, 3, 30, 216]})
    if case == "guangdong_10k":  # Guangdong's reforms on a 10,000-agency province (1 + 21 + 228 x 40)
        return _govsim("guangdong", 60, **{"government.sizes": [1, 21, 228]})
    if case == "all_reforms_10k":  # every reform on the same 10,000-agency province
        return _govsim("provincial", 60, **{"government.sizes": [1, 21, 228]}, **every_reform())
    if case == "whole":  # a preset's whole run, set-up included
        return _whole_govsim(arg or "baseline")
    if case == "whole_boltzmann":  # the reference's whole run at the same number of agents
        return _whole_boltzmann(int(arg or 444))
    if case == "guangdong":
        return _govsim("guangdong", 60)
    if case == "national":
        return _govsim("national", 60)
    if case == "national_scaled":  # scaling: national shape at a fraction of its size, 20 steps
        return _govsim("national", 20, **{"government.sizes": national_sizes(float(arg))})
    raise SystemExit(f"unknown benchmark case {case!r}")


def main() -> None:
    out = run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps(out))


if __name__ == "__main__":
    main()
