"""Exact A/B of a sweep's stored results, for changes to the sweep's machinery.

    PYTHONPATH=/tree/a python -m benchmarks.sweep_identity sweep /tmp/a 2
    PYTHONPATH=/tree/b python -m benchmarks.sweep_identity sweep /tmp/b 2   # or 1 worker
    python -m benchmarks.sweep_identity compare /tmp/a /tmp/b

`sweep` runs 20 runs (baseline and unified approval, two values of a lever, five
replications, 36 months) into a results folder on WORKERS processes; `compare` checks that
every `timeseries/*.parquet` is the same file byte for byte and that runs.parquet holds the
same table apart from its timings (`wall_s`).
"""

from __future__ import annotations

import sys
from pathlib import Path

DESIGN = {
    "experiment": {
        "name": "identity",
        "scenarios": ["baseline", "reform_unified_approval"],
        "replications": 5,
        "steps": 36,
        "seed": 7,
    },
    "levers": {"agents.sharing_cost": [0.2, 0.6]},
}


def sweep(out: str, workers: int) -> None:
    from sim.runner import ResultStore, build_design, executor_for, run_design
    from sim.runner.experiment import experiment_from_dict

    exp = experiment_from_dict(DESIGN)
    store = ResultStore(Path(out), exp, "identity")
    store.open(force=True)
    with executor_for(workers) as ex:
        summary = run_design(build_design(exp), store, ex, progress=False)
    print(f"{out}: {summary.ran} runs, ok={summary.ok}")


def compare(a: str, b: str) -> int:
    import pandas as pd

    ta, tb = Path(a, "timeseries"), Path(b, "timeseries")
    names = sorted(p.name for p in ta.glob("*.parquet"))
    if names != sorted(p.name for p in tb.glob("*.parquet")) or not names:
        print(f"the folders hold different series files ({a}, {b})")
        return 1
    differ = [n for n in names if (ta / n).read_bytes() != (tb / n).read_bytes()]
    runs = [pd.read_parquet(Path(d, "runs.parquet")).drop(columns="wall_s") for d in (a, b)]
    same = runs[0].equals(runs[1])
    table = "same" if same else "DIFFERENT"
    print(f"{len(names)} series files compared, {len(differ)} differ; runs.parquet apart from wall_s: {table}")
    return 1 if differ or not same else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "sweep":
        sweep(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
