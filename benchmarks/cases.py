"""One benchmark case, timed in this (fresh) process: `python -m benchmarks.cases CASE [ARG]`.

Prints one JSON line: agents, steps, set-up seconds, step seconds and this process's peak
resident memory. Each case runs in its own process so that peak memory is the case's own
and one case's garbage never slows the next.
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
    from sim import GovModel

    # warm-up, untimed: the compiled kernels load from numba's on-disk cache at their first
    # call (about 10 ms in all, once per process), as any JIT benchmark excludes
    GovModel("baseline", rng=1, **{"government.sizes": [1, 2, 4]}).run_for(2)
    t0 = time.perf_counter()
    model = GovModel(scenario, rng=1, **overrides)
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return {"agents": model.structure.n_agencies, "steps": steps, "setup_s": t1 - t0, "seconds": t2 - t1}


def _boltzmann(agents: int, steps: int) -> dict:
    from benchmarks.boltzmann import BoltzmannWealth

    t0 = time.perf_counter()
    model = BoltzmannWealth(agents, rng=1)
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return {"agents": agents, "steps": steps, "setup_s": t1 - t0, "seconds": t2 - t1}


def run(case: str, arg: str | None = None) -> dict:
    """The case names `benchmarks.bench` uses."""
    if case == "boltzmann":
        return _boltzmann(int(arg or 10_000), 60)
    if case == "govsim_10k":  # the national tree's shape at 10,000 agencies (250 governments x 40 lines)
        return _govsim("national", 60, **{"government.sizes": [1, 3, 30, 216]})
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
