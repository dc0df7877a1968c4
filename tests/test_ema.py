"""EMA Workbench drives govsim through the plain function `sim.api.run_scenario`."""

from __future__ import annotations

import warnings

import pytest

from sim.api import run_scenario

ema = pytest.importorskip("ema_workbench")


def govsim_model(sharing_cost: float = 0.3, incentives: bool = False) -> dict:
    out = run_scenario(
        "baseline",
        seed=1,
        steps=6,
        **{"agents.sharing_cost": sharing_cost, "reforms.sharing_incentives.enabled": bool(incentives)},
    )
    return {"silo_index": out["silo_index"], "shared_links": out["shared_links"]}


def test_ema_workbench_runs_policies_by_scenarios():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ema.Model("govsim", function=govsim_model)
        model.uncertainties = [ema.RealParameter("sharing_cost", 0.1, 0.9)]
        model.levers = [ema.CategoricalParameter("incentives", [False, True])]
        model.outcomes = [ema.ScalarOutcome("silo_index"), ema.ScalarOutcome("shared_links")]
        with ema.SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=3, policies=2)
    assert len(experiments) == 6 and len(outcomes["silo_index"]) == 6
    for i in (0, 5):  # EMA's outcomes are exactly what the model gives for those parameters
        row = experiments.iloc[i]
        direct = govsim_model(float(row["sharing_cost"]), bool(row["incentives"]))
        assert outcomes["silo_index"][i] == pytest.approx(direct["silo_index"])
        assert outcomes["shared_links"][i] == direct["shared_links"]
