"""Plain-function entry points for exploratory-modelling tools (EMA Workbench, SALib, ...)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .model import GovModel


def run_model(scenario: Any = "baseline", seed: int | None = None, steps: int | None = None, **overrides) -> GovModel:
    """Build and run a model to its horizon; return it. `seed=None` draws a fresh seed, as
    Mesa's `rng=None` does (recorded in `model.spec.simulation.seed`)."""
    model = GovModel(scenario, rng=seed, steps=steps, **overrides)
    while model.running:
        model.step()
    return model


def run_scenario(
    scenario: Any = "baseline", seed: int | None = None, steps: int | None = None, **overrides: Any
) -> dict[str, float]:
    """Run one scenario (preset name, path or GovScenario) and return its final measures.

    `overrides` are scenario key paths, dotted or with `__`:
    `run_scenario("baseline", seed=1, reforms__unified_approval__enabled=True)`.
    """
    return dict(run_model(scenario, seed, steps, **overrides).measures)


def run_timeseries(
    scenario: Any = "baseline", seed: int | None = None, steps: int | None = None, **overrides
) -> pd.DataFrame:
    """Run one scenario; one row per step (0 = initial state), one column per measure."""
    model = run_model(scenario, seed, steps, **overrides)
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "step", range(len(df)))
    return df
