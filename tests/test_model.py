"""The model runs, is reproducible, and stays a first-class Mesa model."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario

from sim import MEASURES, GovModel, run_scenario
from sim.cli import main

from .conftest import series

REQUIRED_COLUMNS = [
    "silo_index",
    "information_islands",
    "shared_links",
    "total_it_spending",
    "duplicated_spending",
    "duplicated_share",
    "trips_per_service",
    "one_trip_rate",
    "online_rate",
    "user_rating",
    "inhouse_it_units",
    "inhouse_it_staff",
    "approval_backlog",
    "mean_approval_delay",
    "operator_share",
    "operator_markup",
    "supply_hhi",
    "government_control",
    "data_monopoly",
    "mobile_apps",
    "county_gap",
    "upper_level_data_share",
]


def test_same_seed_same_timeseries_and_different_seeds_differ():
    a = series("guangdong", seed=7, steps=24)
    b = GovModel("guangdong", rng=7, steps=24)
    b.run_for(24)
    df = b.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="step"), df, check_dtype=False)
    c = series("guangdong", seed=8, steps=24)
    assert not np.allclose(a["silo_index"], c["silo_index"])


def test_cli_run_writes_timeseries_and_resolved_scenario(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "reform_unified_approval",
                "--seed",
                "3",
                "--steps",
                "12",
                "--out",
                str(out),
                "-q",
                "--set",
                "reforms.unified_approval.capacity=2",
            ]
        )
        == 0
    )
    df = pd.read_csv(out / "timeseries.csv")
    assert list(df["step"]) == list(range(13))
    assert set(REQUIRED_COLUMNS) <= set(df.columns)
    resolved = (out / "scenario.resolved.toml").read_text()
    assert "seed = 3" in resolved and "capacity = 2" in resolved and "extends" not in resolved
    # the resolved file reproduces the run exactly
    again = tmp_path / "again"
    assert main(["run", str(out / "scenario.resolved.toml"), "--out", str(again), "-q"]) == 0
    pd.testing.assert_frame_equal(df, pd.read_csv(again / "timeseries.csv"))
    printed = capsys.readouterr().out
    assert "silo_index" in printed


def test_every_measure_is_collected_and_documented():
    df = series("baseline", steps=3)
    assert list(df.columns[2:]) == list(MEASURES)
    # the calendar: month 0 is the scenario's start date, one month per row
    assert df["date"].tolist() == ["2016-01", "2016-02", "2016-03", "2016-04"]
    for m in MEASURES.values():
        assert m.unit and m.definition


def test_scenario_is_a_mesa_scenario_and_batch_run_works():
    m = GovModel(scenario="guangdong", rng=1, steps=2)
    assert isinstance(m, mesa.Model)
    assert isinstance(m.scenario, Scenario)
    assert m.scenario.preset == "guangdong"
    rows = mesa.batch_run(
        GovModel,
        parameters={"scenario": ["baseline", "reform_standards"], "steps": 3},
        rng=[1, 2],
        number_processes=1,
        display_progress=False,
        max_steps=3,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 4 and set(df["scenario"]) == {"baseline", "reform_standards"}
    assert "silo_index" in df.columns


def test_keyword_overrides_reach_the_scenario():
    m = GovModel(
        "baseline", rng=1, reforms__unified_approval__enabled=True, **{"reforms.unified_approval.capacity": 4.0}
    )
    assert m.spec.reforms.unified_approval.enabled and m.spec.reforms.unified_approval.capacity == 4.0


def test_network_is_typed_with_integer_nodes():
    m = GovModel("guangdong", rng=1, steps=20)
    m.run_for(20)
    g = m.network
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert {"vertical", "horizontal", "oversight", "contract", "share"} <= kinds
    assert all(isinstance(n, int) for n in g.nodes)
    node_kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"agency", "bureau", "company", "vendor"} <= node_kinds
    # share edges are exactly the links served this month
    assert sum(1 for *_, k in g.edges(keys=True) if k == "share") == m.measures["shared_links"]


def test_run_scenario_returns_final_measures():
    out = run_scenario("baseline", seed=2, steps=5)
    assert set(REQUIRED_COLUMNS) <= set(out)
    assert out == pytest.approx(series("baseline", seed=2, steps=5).iloc[-1].drop(["step", "date"]).to_dict())


def test_the_measure_collector_records_what_mesas_datacollector_would():
    from functools import partial

    from sim.measures import read_measure

    m = GovModel("guangdong", rng=2)
    plain = mesa.DataCollector(model_reporters={name: partial(read_measure, name=name) for name in MEASURES})
    plain.collect(m)
    for _ in range(5):
        m.step()
        plain.collect(m)
    ours = m.datacollector.get_model_vars_dataframe()
    assert isinstance(m.datacollector, mesa.DataCollector)
    assert ours.drop(columns="date").equals(plain.get_model_vars_dataframe()) and len(ours) == 6
    assert ours["date"].iloc[-1] == "2018-06"  # guangdong's month 0 is January 2018


def test_delivery_time_is_the_wait_for_approval_plus_construction():
    build = GovModel("baseline", rng=1, steps=1).spec.agents.build_months
    # without approval a project starts when proposed: every delivery takes `build_months`
    plain = GovModel("baseline", rng=1, steps=24)
    plain.run_for(24)
    delivery = plain.datacollector.get_model_vars_dataframe()["mean_delivery_time"]
    assert (delivery.iloc[1:] == build).all()
    # a one-proposal-a-month review adds its queue to delivery
    slow = GovModel("reform_unified_approval", rng=1, steps=24, **{"reforms.unified_approval.capacity": 1.0})
    slow.run_for(24)
    df = slow.datacollector.get_model_vars_dataframe()
    assert (df["mean_delivery_time"].iloc[1:] >= build).all()
    assert df["mean_delivery_time"].iloc[-1] > build
    assert df["mean_approval_delay"].iloc[-1] > 0
    # a stalled review delivers nothing: waiting proposals keep the delivery time long
    stalled = GovModel("reform_unified_approval", rng=1, steps=36, **{"reforms.unified_approval.capacity": 0.05})
    stalled.run_for(36)
    df = stalled.datacollector.get_model_vars_dataframe()
    assert (df["approval_backlog"].iloc[12:] > 0).all()
    assert (df["mean_delivery_time"].iloc[12:] > df["mean_approval_delay"].iloc[12:]).all()
    assert df["mean_delivery_time"].is_monotonic_increasing
    # the pipeline totals kept as projects start and finish match the agents' state
    st = stalled.state
    assert stalled.n_building == st.building.sum()
    assert stalled.building_months == (st.done - st.proposed)[st.building].sum()


@pytest.mark.parametrize(
    "levels",
    [["nation", "province", "city", "county"], ["nation", "province", "city", "county", "township"]],
)
def test_jurisdiction_trees_of_any_depth(levels):
    d = len(levels)
    sizes = [1, *(2 * 3**k for k in range(d - 1))]  # 1, 2, 6, 18, 54
    spread = np.linspace(1.0, 0.5, d).round(3).tolist()
    over = {
        "government.levels": levels,
        "government.sizes": sizes,
        "government.market_level": levels[1],
        "government.service_level_share": (np.ones(d) / d).round(6).tolist(),
        "agents.budget_per_month": [20.0 * s for s in spread],
        "agents.inhouse_unit_share": [0.5 * s for s in spread],
        "agents.inhouse_staff": [10.0 * s for s in spread],
        "agents.digital_skill": [0.8 * s for s in spread],
    }
    m = GovModel("guangdong", rng=3, steps=12, **over)
    s = m.structure
    assert np.bincount(s.gov_level).tolist() == sizes
    child = np.flatnonzero(s.gov_parent >= 0)
    assert (s.gov_level[s.gov_parent[child]] == s.gov_level[child] - 1).all()  # parents one level up
    assert m.network.number_of_nodes() >= s.n_agencies
    m.run_for(12)
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 13 and np.isfinite(df.drop(columns="date").to_numpy(float)).all()
    assert df["shared_links"].iloc[-1] > 0


def test_month_dates_cross_year_ends():
    from sim.measures import month_dates

    assert month_dates("2017-11", 4) == ["2017-11", "2017-12", "2018-01", "2018-02"]
    assert month_dates("2016-01", 0) == []


@pytest.mark.parametrize("bad", ["2016-13", "2016-1", "16-01", "2016/01", "2016-00"])
def test_a_bad_start_date_is_one_line(bad, capsys):
    from sim.cli import main

    assert main(["validate", "scenarios/baseline.toml", "--set", f"simulation.start={bad}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "simulation.start" in err and bad in err


def test_kind_reach_follows_the_platforms_and_apps_reach_changed_in_place_or_replaced():
    """`kind_reach` is kept between calls: a change of either reach, in place or by a new array, is read."""
    from sim.state import DATA, DATA_LAYER, kind_reach_of

    m = GovModel("baseline", rng=1, **{"government.sizes": [1, 2, 3]})
    first = m.kind_reach()
    assert m.kind_reach() is first  # nothing changed: the same answer
    m.platforms.reach[1, DATA_LAYER] = True  # in place, as a platform's step does
    np.testing.assert_array_equal(m.kind_reach(), kind_reach_of(m.platforms.reach, m.gov_apps.reach))
    assert m.kind_reach()[1, DATA] and not first[1, DATA]
    m.gov_apps.reach = np.ones_like(m.gov_apps.reach)  # replaced, as app consolidation does
    np.testing.assert_array_equal(m.kind_reach(), kind_reach_of(m.platforms.reach, m.gov_apps.reach))
