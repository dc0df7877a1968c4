"""app_consolidation: a government app per government at `level`, built over
`build_months`; agencies merge their apps into it when it serves their applicants better
(counting the body's pressure); merged functions can break; residents adopt it."""

import numpy as np

from sim.processes import apps
from sim.state import MOBILE

from .conftest import activate, step, tiny


def test_nothing_changes_until_the_app_is_built():
    m = tiny("app_consolidation", build_months=2)
    reform, changed = activate(m, "app_consolidation")
    assert changed == set()
    assert reform.apps.tolist() == [0] and reform.covered.tolist() == [True, True, True]
    assert step(m, reform, 0) == set() and step(m, reform, 1) == set()


def _built(**params):
    m = tiny("app_consolidation", **{"build_months": 1, "merge_per_month": 1.0, **params})
    reform, _ = activate(m, "app_consolidation")
    step(m, reform, 0)
    return m, reform


def test_an_app_its_residents_use_resists_while_an_unused_one_merges_under_the_body_s_pressure():
    m, reform = _built(pressure=0.02, migration_failure=0.0, run_cost=5.0)
    st = m.state
    st.own[:, MOBILE] = False
    st.own[[2, 4], MOBILE] = True
    st.quality[[2, 4], MOBILE] = 0.9
    st.app_users[2], st.app_users[4] = 0.2, 0.0  # the body's pull is 0.02 x office attention
    changed = step(m, reform, 1) - {"gov_apps.joins"}  # who would join with a new app: the draws decide
    assert changed == {
        "gov_apps.reach", "gov_apps.count", "state.own", "state.reuse", "state.merged_app", "spend", "rng",
    }  # fmt: skip
    assert m.gov_apps.count == 1 and m.gov_apps.reach.tolist() == [True, True, True]
    assert np.flatnonzero(st.own[:, MOBILE]).tolist() == [2]  # the used app stays
    assert np.flatnonzero(st.merged_app).tolist() == [4] and st.reuse[4, MOBILE]


def test_without_pressure_or_users_nothing_pulls_an_app_in():
    m, reform = _built(pressure=0.0)
    apps_before = m.state.own[:, MOBILE].copy()
    step(m, reform, 1)
    assert (m.state.own[:, MOBILE] == apps_before).all() and not m.state.merged_app.any()


def test_a_merged_function_breaks_cuts_online_reach_until_repaired():
    m, reform = _built(pressure=1.0, migration_failure=1.0, repair_months=2)
    merged = m.state.own[:, MOBILE].copy()
    step(m, reform, 1)
    web = m.spec.agents.web_channel
    assert (m.state.app_broken == merged).all()
    assert np.allclose(apps.host_reach(m)[merged], web)  # only the web portal while broken
    step(m, reform, 2)
    assert (m.state.app_broken == merged).all()
    step(m, reform, 3)  # repaired: the government app's users reach the services again
    assert not m.state.app_broken.any()
    users = m.gov_apps.users[m.structure.agency_gov[merged]]
    assert (users > 0).all() and np.allclose(apps.host_reach(m)[merged], web + (1 - web) * users)


def test_residents_adopt_the_government_app_at_its_quality_times_the_share_it_hosts():
    m, reform = _built(pressure=1.0, migration_failure=0.0)
    step(m, reform, 1)  # every app merges; adoption had nothing to pull it yet
    assert m.gov_apps.users.tolist() == [0.0, 0.0, 0.0]
    step(m, reform, 2)
    a = m.spec.agents
    q = reform.quality[0]
    assert np.allclose(m.gov_apps.users, q * a.app_innovation)  # Bass from zero: quality x p x potential 1


def test_the_government_app_has_its_builder_s_quality():
    """Built by the market's best vendor (lowest price per unit of quality) — or by the
    operating company where one runs the platform — at that builder's quality."""
    from sim.contracts import best_vendor

    m, reform = _built(pressure=0.0)
    step(m, reform, 1)
    assert reform.quality.tolist() == [m.vendor_quality[best_vendor(m)[0]]]
    m.vendor_quality[best_vendor(m)[0]] = 0.1  # a worse builder would have built a worse app
    assert reform._builder(m)[0][0] != reform.quality[0]
    from sim import GovModel

    from .conftest import TINY

    both = {"reforms.app_consolidation.enabled": True, "reforms.ops_separation.enabled": True}
    m2 = GovModel("baseline", rng=1, **TINY, **both, **{"reforms.app_consolidation.build_months": 1})
    r2, _ = activate(m2, "app_consolidation")
    activate(m2, "ops_separation")
    m2.companies[0].quality = 0.33
    step(m2, r2, 0)
    step(m2, r2, 1)
    assert r2.quality.tolist() == [0.33]


def test_the_body_pays_the_government_app_s_builder_on_delivery_at_its_markup():
    from sim.contracts import best_vendor

    m = tiny("app_consolidation", build_months=2, build_cost=100.0, run_cost=5.0)
    reform, _ = activate(m, "app_consolidation")
    build, ops = m.spend["build"], m.spend["operations"]
    step(m, reform, 0)
    step(m, reform, 1)  # still being built: nothing paid
    assert m.spend["build"] == build and m.spend["operations"] == ops
    step(m, reform, 2)  # delivered: the build at the best vendor's price, then the first month's running
    price = 1.0 + m.vendor_markup[best_vendor(m)[0]]
    assert np.isclose(m.spend["build"] - build, 100.0 * price) and m.spend["operations"] - ops == 5.0
    step(m, reform, 3)
    assert np.isclose(m.spend["build"] - build, 100.0 * price)  # paid once


def test_an_agency_needing_a_new_app_joins_the_government_app_only_when_it_offers_more():
    m, reform = _built(pressure=0.0, migration_failure=0.0, merge_per_month=0.0)
    step(m, reform, 1)
    assert not m.gov_apps.joins.any()  # nobody uses the government app yet: a new app of one's own offers more
    m.state.own[2, MOBILE] = False  # its app reached end of life; it still wants one
    m.state.wants_app[2] = True
    m.state.budget[:] = 1e6
    from sim.processes import planning

    planning.plan(m)
    assert m.state.building[2, MOBILE] or m.state.queued[2, MOBILE]  # it rebuilds its own
    assert not m.state.reuse[2, MOBILE]
    m2, reform2 = _built(pressure=1.0, migration_failure=0.0, merge_per_month=0.0)
    step(m2, reform2, 1)
    assert m2.gov_apps.joins.all()  # under full pressure every covered agency would join
    m2.state.own[2, MOBILE] = False
    m2.state.wants_app[2] = True
    m2.state.budget[:] = 1e6
    planning.plan(m2)
    assert m2.state.reuse[2, MOBILE] and not m2.state.building[2, MOBILE]
