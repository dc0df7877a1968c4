"""One-at-a-time pilot behind the priors of experiments/calibration.toml (docs/calibration.md,
"Choosing the priors"): each candidate parameter at the two ends of its range, the others at the
baseline with web_channel 0.6 and app_innovation 0.008, 8 seeds each; prints each fitted
statistic's mean and sd over the seeds. About 70 s of one core.

    PYTHONPATH=$PWD python experiments/calibration_pilot.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.calibrate.spec import load_calibration
from sim.calibrate.stats import Plan, simulate

CENTRE = {"agents.web_channel": 0.6, "agents.app_innovation": 0.008}
RANGES = {
    "agents.web_channel": (0.1, 0.8),
    "agents.app_innovation": (0.001, 0.03),
    "agents.data_value": (1.0, 3.0),
    "agents.liability_risk": (0.1, 0.6),
    "agents.sharing_cost": (0.1, 0.9),
    "agents.reciprocity": (0.2, 1.0),
    "agents.trust_initial": (0.2, 0.8),
    "agents.exposure_cost": (0.1, 0.8),
    "agents.initial_coverage": (0.5, 1.0),
}
SEEDS = 8


def per_seed(point: dict, plan: Plan) -> dict[str, tuple[float, float]]:
    """Each statistic's mean and sd over SEEDS single-seed runs (bases 12345 + 1000 r)."""
    rows = [simulate(point, Plan(plan.probes, 1, 12345 + 1000 * r, plan.scenario_files)) for r in range(SEEDS)]
    return {k: (float(np.mean([x[k] for x in rows])), float(np.std([x[k] for x in rows], ddof=1))) for k in rows[0]}


def main() -> None:
    cal = load_calibration(Path(__file__).with_name("calibration.toml"))
    plan = cal.plan(cal.fit)
    points = [("centre", CENTRE)] + [(f"{k} = {v}", {**CENTRE, k: v}) for k, ends in RANGES.items() for v in ends]
    for label, point in points:
        stats = per_seed(point, plan)
        print(f"{label:34s} " + "  ".join(f"{k} {m:.3f} ± {s:.3f}" for k, (m, s) in stats.items()), flush=True)


if __name__ == "__main__":
    main()
