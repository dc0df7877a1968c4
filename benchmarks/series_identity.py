"""Exact A/B of every preset's monthly series, for changes meant to leave results bit-identical.

    PYTHONPATH=/tree/a python -m benchmarks.series_identity dump /tmp/a.pkl
    PYTHONPATH=/tree/b python -m benchmarks.series_identity dump /tmp/b.pkl
    python -m benchmarks.series_identity compare /tmp/a.pkl /tmp/b.pkl

`dump` runs every preset without a diffusion layer for 36 months at seeds 1 and 2 and saves
each run's whole series (every measure, every month); `compare` reports the series that are
not equal element for element (NaN equal to NaN). `tests/baselines.json` pins only month 24
within a relative 1e-6: this is the stricter check a speed change needs.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np

MONTHS, SEEDS = 36, (1, 2)


def dump(path: str) -> None:
    from sim.api import run_model
    from sim.scenario import load_spec, preset_names

    out = {}
    for name in preset_names():
        if load_spec(name)[0].diffusion is not None:
            continue
        for seed in SEEDS:
            df = run_model(name, seed=seed, steps=MONTHS).datacollector.get_model_vars_dataframe()
            out[(name, seed)] = df.drop(columns=["date"], errors="ignore").to_numpy(dtype=float)
    with open(path, "wb") as f:
        pickle.dump(out, f)
    print(f"{len(out)} series written to {path}")


def compare(a_path: str, b_path: str) -> int:
    with open(a_path, "rb") as fa, open(b_path, "rb") as fb:
        a, b = pickle.load(fa), pickle.load(fb)
    bad = 0
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if x is None or y is None or x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
            bad += 1
            gap = None if x is None or y is None or x.shape != y.shape else float(np.nanmax(np.abs(x - y)))
            print(f"differs: {key} (largest gap {gap})")
    print(f"{len(set(a) | set(b))} series compared, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["help"]
    if cmd == "dump" and len(args) == 1:
        dump(args[0])
    elif cmd == "compare" and len(args) == 2:
        sys.exit(compare(*args))
    else:
        print(__doc__.strip().splitlines()[2:5], file=sys.stderr)
        sys.exit(2)
