"""Pinned summary of a short run per preset (as Covasim's and Starsim's test_baselines).

`make baselines` (python -m tests.baselines --write) regenerates tests/baselines.json after an
intended model change; the diff then shows in review. `test_baselines.py` compares a fresh
run against the file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from sim.api import run_model
from sim.diffusion.model import ChinaModel
from sim.scenario import load_spec, preset_names

PATH = Path(__file__).with_name("baselines.json")
SEED = 1
STEPS = 24
REL_TOL = 1e-6


def summarise() -> dict[str, dict[str, float]]:
    """Final measures of every preset after STEPS months with SEED."""
    out = {}
    for name in preset_names():
        if load_spec(name)[0].diffusion is not None:  # the provincial layer: its national row (sim/diffusion)
            row = ChinaModel(name, rng=SEED, months=STEPS).run().rows[-1]
            out[name] = {k: float(f"{float(v):.10g}") for k, v in row.items() if k != "date"}
            continue
        m = run_model(name, seed=SEED, steps=STEPS)
        out[name] = {k: float(f"{float(v):.10g}") for k, v in m.measures.items()}
    return out


def _differ(x: float, y: float) -> bool:
    """Beyond the tolerance, or one undefined (NaN) and the other not: NaN compares unequal to
    anything, so `abs(x - y) > tol` alone would let a measure turn NaN unseen."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) != math.isnan(y)
    return abs(x - y) > REL_TOL * max(1.0, abs(x), abs(y))


def differences(stored: dict, now: dict) -> list[tuple[str, str, float | None, float | None]]:
    diffs = []
    for preset in sorted(set(stored) | set(now)):
        a, b = stored.get(preset, {}), now.get(preset, {})
        for k in sorted(set(a) | set(b)):
            x, y = a.get(k), b.get(k)
            if (
                x is None
                or y is None
                or math.isnan(x) != math.isnan(y)
                or abs(x - y) > REL_TOL * max(1.0, abs(x), abs(y))
            ):
                diffs.append((preset, k, x, y))
    return diffs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--write", action="store_true", help="regenerate tests/baselines.json")
    args = p.parse_args(argv)
    now = summarise()
    if args.write:
        meta = {
            "_about": f"final measures of each preset, seed {SEED}, {STEPS} months; regenerate with `make baselines`"
        }
        PATH.write_text(json.dumps({**meta, **now}, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"wrote {PATH} ({len(now)} presets)")
        return 0
    stored = {k: v for k, v in json.loads(PATH.read_text()).items() if not k.startswith("_")}
    diffs = differences(stored, now)
    for preset, k, x, y in diffs:
        print(f"{preset:32s} {k:24s} {x!s:>16} -> {y!s:>16}")
    print(f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
