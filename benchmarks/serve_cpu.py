"""CPU time of service, sharing decisions and Mesa's run loop inside whole runs, for A/B of two checkouts.

    cd TREE && PYTHONPATH=TREE python -m benchmarks.serve_cpu [SCENARIO] [--sizes 1 21 228] [--runs 10]

Runs the scenario `--runs` times after one untimed run, with `demand.serve`, `demand._serve`,
`sharing.decide`, `sharing._decide` and the model's own step (`model._user_step`, what Mesa's
loop calls) wrapped with `time.process_time`, and prints each one's least CPU µs a month over
the runs; `loop` is the month's CPU outside the model's step (Mesa's event machinery and the
wrapper's call). A wrapper adds about a microsecond a call, the same in both checkouts.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.phase_cpu import _timed  # the same wrapper, so both tools time alike


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="baseline")
    p.add_argument("--sizes", type=int, nargs="*", help="government.sizes (e.g. 1 21 228: 13,750 agencies)")
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args(argv)
    import sim.model as M
    from sim.processes import demand, sharing

    acc: dict[str, float] = {}
    wrapped = [(demand, "_serve"), (sharing, "_decide"), (demand, "serve"), (sharing, "decide")]
    originals = [(module, name, getattr(module, name)) for module, name in wrapped]
    for module, name, fn in originals:  # sim.model reads demand.serve and sharing.decide through the modules
        setattr(module, name, _timed(acc, name, fn))
    overrides = {"government.sizes": a.sizes} if a.sizes else {}
    try:
        M.GovModel(a.scenario, rng=1, **overrides).run_for(60)  # kernels load
        best: dict[str, float] = {}
        for seed in range(1, a.runs + 1):
            model = M.GovModel(a.scenario, rng=seed, **overrides)
            model._user_step = _timed(acc, "step", model._user_step)
            acc.clear()
            t = time.process_time()
            model.run_for(60)
            acc["month"] = time.process_time() - t
            acc["loop"] = acc["month"] - acc["step"]
            for k, v in acc.items():
                best[k] = min(best.get(k, float("inf")), v)
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)
    print(" ".join(f"{k}={v / 60 * 1e6:.1f}" for k, v in sorted(best.items())), "(CPU µs a month, least of the runs)")


if __name__ == "__main__":
    main()
