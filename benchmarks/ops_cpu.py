"""CPU time of operations' share of a month (delivery and expiry, operations, app adoption) inside whole runs.

    cd TREE && PYTHONPATH=TREE python -m benchmarks.ops_cpu [SCENARIO] [--runs 10] [--sizes 1 21 228] [--every-reform]

Wraps `operations.complete_and_expire`, `operations.operate` and, where the checkout still calls it
from the month's step, `apps.adopt` (since the eighth pass app adoption runs inside `operate`'s
compiled call) with `time.process_time`, runs the scenario `--runs` times after one untimed run
(`phase_cpu.least_cpu`), and prints each one's least CPU µs a month over the runs, the sum of
those (`ops`), the reforms', the rest and the month's. Only
wraps what exists, so it runs against older checkouts too: run it from each tree.
"""

from __future__ import annotations

import argparse

from benchmarks.cases import add_size_options, size_overrides
from benchmarks.phase_cpu import least_cpu


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="baseline")
    p.add_argument("--runs", type=int, default=10)
    add_size_options(p)
    a = p.parse_args(argv)
    import sim.model as M

    overrides = size_overrides(a)
    wrapped = [(M.operations, "complete_and_expire"), (M.operations, "operate"), (M.apps, "adopt")]
    best = least_cpu(wrapped, a.scenario, overrides, a.runs)
    best["ops"] = sum(best.get(name, 0.0) for _, name in wrapped)  # the least of each part, summed
    print(" ".join(f"{k}={v / 60 * 1e6:.1f}" for k, v in sorted(best.items())), "(CPU µs a month, least of the runs)")


if __name__ == "__main__":
    main()
