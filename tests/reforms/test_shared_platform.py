"""shared_platform: platforms at `level` are built over `build_months`, then connect the
governments beneath, upper levels first, `rollout_per_month` a month."""

import numpy as np

from sim.processes import planning
from sim.schema import LAYERS
from sim.state import APP, DATA, INFRA, MOBILE, SUPPORT

from .conftest import activate, at_month, reform_of, step, tiny


def test_a_planned_platform_is_declared_when_the_model_is_built():
    assert tiny("shared_platform").platforms.planned
    assert not tiny().platforms.planned


def test_activate_assigns_every_government_to_its_platform():
    m = tiny("shared_platform", connection_cost=0.5)
    _, changed = activate(m, "shared_platform")
    assert changed == {"platforms.gov", "platforms.ready", "platforms.of_gov", "platforms.connection_cost"}
    pf = m.platforms
    assert pf.gov.tolist() == [0] and pf.of_gov.tolist() == [0, 0, 0]
    assert pf.ready.shape == (1, len(LAYERS)) and not pf.ready.any()
    assert pf.connection_cost == 0.5


def test_while_building_the_step_only_pays_for_construction():
    m = tiny("shared_platform", build_months=12, build_cost=400.0, layers=["infrastructure", "data"])
    reform, _ = activate(m, "shared_platform")
    spent = m.spend["platform"]
    assert step(m, reform) == {"spend"}
    assert m.spend["platform"] - spent == 2 * 400.0 / 12


def test_once_built_it_connects_governments_upper_levels_first_and_runs():
    m = tiny("shared_platform", build_months=1, rollout_per_month=2, run_cost=20.0, layers=["infrastructure", "data"])
    reform, _ = activate(m, "shared_platform")
    step(m, reform, month=0)  # the month of construction
    spent = m.spend["platform"]
    changed = step(m, reform, month=1)
    assert changed == {"platforms.ready", "platforms.reach", "platforms.run_by_market", "spend"}
    pf = m.platforms
    assert pf.ready.tolist() == [[True, True, False]]
    assert pf.reach.tolist() == [[True, True, False], [True, True, False], [False, False, False]]
    assert pf.run_by_market.tolist() == [40.0, 0.0, 0.0] and m.spend["platform"] - spent == 40.0
    # the rule as it stands: a platform counts as ready only with every layer built
    assert pf.ready_for(np.array([0, 1, 2])).tolist() == [False, False, False]
    step(m, reform, month=2)
    assert pf.reach[:, :2].all()


def test_mandatory_migration_moves_connected_machine_rooms_onto_the_cloud():
    m = tiny("shared_platform", build_months=1, mandatory_migration=True, layers=["infrastructure"])
    reform, _ = activate(m, "shared_platform")
    step(m, reform, month=0)
    own = m.state.own[:, INFRA].copy()
    changed = step(m, reform, month=1)
    assert {"state.own", "state.reuse"} <= changed
    assert not m.state.own[:, INFRA].any() and (m.state.reuse[:, INFRA] >= own).all()


def test_proposals_frozen_for_the_platform_wait_until_all_its_layers_are_built():
    m = tiny("shared_platform", build_months=2)
    govs = np.array([0, 1, 2])
    reform, _ = activate(m, "shared_platform")
    for month in (0, 1):
        step(m, reform, month)
        assert not m.platforms.ready_for(govs).any()
    step(m, reform, 2)
    assert m.platforms.ready_for(govs).all()


def test_the_province_builds_hardware_and_support_for_poorer_governments():
    m = tiny("shared_platform", province_builds_below=1.0, layers=["infrastructure", "application_support"])
    _, changed = activate(m, "shared_platform")
    assert "platforms.province_built" in changed
    s, pf = m.structure, m.platforms
    poorer = (s.gov_level > 0) & (s.gov_wealth < 1.0)
    assert poorer.any() and not poorer.all()
    assert (pf.province_built[:, INFRA] == poorer).all() and (pf.province_built[:, SUPPORT] == poorer).all()
    assert not pf.province_built[:, [DATA, APP, MOBILE]].any()
    # connected first within their level
    order = reform_of(m, "shared_platform").order[0]
    assert order[0] == 0 and poorer[order[1]]


def test_their_agencies_stop_building_what_the_province_builds():
    m = tiny("shared_platform", province_builds_below=5.0, layers=["infrastructure"])  # every county
    activate(m, "shared_platform")
    st = m.state
    county = m.structure.agency_level > 0
    st.own[:, INFRA] = st.building[:, INFRA] = st.queued[:, INFRA] = False
    st.budget[:] = 1e6
    budget = st.budget.copy()
    at_month(m, 1)
    planning.plan(m)
    assert not (st.building[county, INFRA]).any() and st.building[~county, INFRA].any()
    assert (st.budget[county] <= budget[county]).all()  # the funds they had set aside stay theirs
    # once the province's layer reaches them they use it
    m.platforms.reach[:, LAYERS.index("infrastructure")] = True
    st.queued[:] = False
    planning.plan(m)
    assert st.reuse[county, INFRA].all()
