"""CPU time of whole runs, for side-by-side comparisons of two checkouts under load.

    python -m benchmarks.whole_cpu [SCENARIO] [--runs 15] [--sizes 1 21 228] [--every-reform]

Runs the scenario `--runs` times in this process (seeds 1..runs, after one untimed run that
loads the kernels) and prints the best and median CPU time (`time.process_time`) of a
whole run (set-up + 60 months), of its set-up, and of its months per agent-step. CPU time
is what another process on the same cores takes least from; alternate two checkouts,
e.g. `PYTHONPATH=/path/to/other python -m benchmarks.whole_cpu`, round by round.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.cases import add_size_options, size_overrides


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="baseline")
    p.add_argument("--runs", type=int, default=15)
    add_size_options(p)
    a = p.parse_args(argv)
    overrides = size_overrides(a)
    from sim import GovModel

    GovModel(a.scenario, rng=1, **overrides).run_for(60)  # kernels load, the scenario file is read
    runs = []
    for seed in range(1, a.runs + 1):
        c0 = time.process_time()
        model = GovModel(a.scenario, rng=seed, **overrides)
        c1 = time.process_time()
        model.run_for(60)
        c2 = time.process_time()
        runs.append((c2 - c0, c1 - c0, c2 - c1))
    n = model.structure.n_agencies
    best = min(runs)
    whole = statistics.median(r[0] for r in runs)
    months = min(r[2] for r in runs)
    print(
        f"{a.scenario} ({n:,} agencies): whole run CPU best {best[0] * 1e3:.1f} ms (set-up {best[1] * 1e3:.1f} ms), "
        f"median {whole * 1e3:.1f} ms; months best {months * 1e3:.1f} ms = {months / (n * 60) * 1e6:.3f} µs/agent-step"
    )


if __name__ == "__main__":
    main()
