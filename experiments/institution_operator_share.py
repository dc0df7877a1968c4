"""Paired effect of a technical-support institution on the operator share (ODD §8, 0.2.4).

    python experiments/institution_operator_share.py [KEY=VALUE ...]

Runs `reform_ops_separation` with and without the institution over seeds 1-24 (60 months,
the scenario's horizon) with the given overrides on both sides, and prints the mean paired
difference of the final operator share and its paired t.
"""

from __future__ import annotations

import sys

import numpy as np

from sim.api import run_model

OPS = "reform_ops_separation"


def main(argv: list[str]) -> None:
    extra = {k: float(v) for k, v in (a.split("=", 1) for a in argv)}
    tsi = {"reforms.tech_support_institution.enabled": True}
    d = np.array(
        [
            run_model(OPS, seed=seed, **{**tsi, **extra}).measures["operator_share"]
            - run_model(OPS, seed=seed, **extra).measures["operator_share"]
            for seed in range(1, 25)
        ]
    )
    print(extra, f"mean {d.mean():+.4f}", f"t {d.mean() / (d.std(ddof=1) / np.sqrt(len(d))):+.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
