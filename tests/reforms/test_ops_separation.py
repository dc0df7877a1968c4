"""ops_separation: operating companies per market take agencies' operations over, upper
levels first, `migration_per_month` a month, abolishing in-house units where told to."""

import numpy as np

from sim.institutions import company_position
from sim.state import INFRA, LAYER_OF_KIND

from .conftest import activate, step, tiny


def test_activate_creates_the_market_company_with_every_covered_agency_queued_upper_levels_first():
    m = tiny("ops_separation", companies=1)
    _, changed = activate(m, "ops_separation")
    assert changed == {"companies"}
    (c,) = m.companies
    assert (c.market, c.cidx, c.markup, c.data_hold) == (0, 0, c.p.base_markup, 0.0)
    assert c.queue.tolist() == list(range(12))  # the province's 4 agencies, then the counties'


def test_competing_companies_split_the_market_by_government():
    m = tiny("ops_separation", companies=2)
    activate(m, "ops_separation")
    assert [c.queue.tolist() for c in m.companies] == [[0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7]]


def test_step_takes_over_a_batch_abolishes_its_units_and_moves_the_markup():
    m = tiny("ops_separation", migration_per_month=5, abolish_inhouse=True)
    reform, _ = activate(m, "ops_separation")
    staff_before = m.state.staff.copy()
    changed = step(m, reform)
    assert changed == {"state.company", "state.staff", "state.skill", "companies"}
    assert m.state.company.tolist() == [0] * 5 + [-1] * 7
    assert m.state.staff[:5].tolist() == [0.0] * 5 and m.state.skill[:5].tolist() == [0.0] * 5
    assert (m.state.staff[5:] == staff_before[5:]).all()
    c = m.companies[0]
    assert c.queue.tolist() == list(range(5, 12))
    # the markup moves `markup_adjust` of the way to the target the company's position allows
    dep, oversight, hosted, rights = company_position(m, c)
    target = c.p.base_markup + c.p.markup_sensitivity * dep * c.profit_motive * (1 - oversight)
    assert dep > 0 and np.isclose(c.markup, c.p.base_markup + c.p.markup_adjust * (target - c.p.base_markup))
    assert np.isclose(c.data_hold, c.p.markup_adjust * hosted * c.profit_motive * (1 - rights))


def test_in_house_units_stay_when_not_abolished_and_machine_rooms_move_onto_a_reachable_platform():
    m = tiny("ops_separation", migration_per_month=4, abolish_inhouse=False)
    reform, _ = activate(m, "ops_separation")
    m.platforms.reach[0, LAYER_OF_KIND[INFRA]] = True  # the province reaches a cloud
    staff, own_infra = m.state.staff.copy(), m.state.own[:4, INFRA].copy()
    changed = step(m, reform)
    assert "state.staff" not in changed and (m.state.staff == staff).all()
    assert not m.state.own[:4, INFRA].any() and (m.state.reuse[:4, INFRA] == own_infra).all()


def test_an_ownership_change_in_its_month_sets_the_state_share():
    m = tiny("ops_separation", ownership_changes=[{"month": 0, "state_share": 0.1}])
    reform, _ = activate(m, "ops_separation")
    step(m, reform, month=0)
    assert m.companies[0].state_share == 0.1
