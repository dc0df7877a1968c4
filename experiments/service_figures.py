"""Before/after figures for the service-side mechanisms of issue 14 (open data, app
consolidation, base data, one window, data reflux, vertical links).

    PYTHONPATH=$PWD python -m experiments.service_figures [--seeds 5] [--steps 60]

Prints the mean (± standard error) over seeds 1..n of the final month's affected measures
for the baseline and each single-reform preset, plus the number of vertical (条) links
served across governments (read from the model's state).
"""

from __future__ import annotations

import argparse

import numpy as np

PRESETS = (
    "baseline",
    "reform_open_data",
    "reform_app_consolidation",
    "reform_base_data",
    "reform_one_window",
    "reform_data_reflux",
)
MEASURES = (
    "silo_index",
    "shared_links",
    "data_monopoly",
    "online_rate",
    "trips_per_service",
    "one_trip_rate",
    "mobile_apps",
    "county_data_reach",
    "vertical_links",
    "data_developers",
    "upper_level_data_share",
    "reflux_links",
)


def final(preset: str, seed: int, steps: int) -> dict[str, float]:
    from sim.api import run_model

    m = run_model(preset, seed=seed, steps=steps)
    row = {k: float(m.measures[k]) for k in MEASURES if k in m.measures}
    # links from another government (the `vertical_links` measure, computed from state so
    # that versions without the measure can be compared)
    row["cross_government_links"] = float((m.outcome.served & (m.dyad_prov_gov != m.dyad_req_gov)).sum())
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--presets", nargs="*", default=list(PRESETS))
    args = ap.parse_args(argv)
    for preset in args.presets:
        rows = [final(preset, s, args.steps) for s in range(1, args.seeds + 1)]
        print(f"## {preset}")
        for k in rows[0]:
            x = np.array([r[k] for r in rows])
            print(f"  {k:24s} {x.mean():10.4f} ± {x.std(ddof=1) / np.sqrt(len(x)):.4f}")


if __name__ == "__main__":
    main()
