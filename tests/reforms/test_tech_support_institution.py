"""tech_support_institution: staff who oversee outsourced systems and help specify projects."""

import numpy as np

from sim.contracts import renew_vendor_contracts
from sim.processes.planning import start_builds

from .conftest import activate, at_month, step, tiny


def test_activate_staffs_an_institution_at_the_chosen_levels():
    m = tiny("tech_support_institution", levels=["province"], staff=15.0, skill=0.8, span=10.0, quality_support=0.3)
    reform, changed = activate(m, "tech_support_institution")
    assert changed == {
        "tech_support.staff", "tech_support.free", "tech_support.skill", "tech_support.span",
        "tech_support.quality_support", "fixed_costs",
    }  # fmt: skip
    t = m.tech_support
    assert t.staff.tolist() == [15.0, 0.0, 0.0] and t.skill.tolist() == [0.8, 0.0, 0.0]
    assert (t.span, t.quality_support) == (10.0, 0.3)
    assert t.capacity(m.structure.gov_market).tolist() == [15.0 * 0.8, 0.0, 0.0]  # all in the province's market
    assert m.fixed_costs == {"tech_support_institution": 15.0 * m.spec.agents.staff_wage}
    assert step(m, reform) == set()


def test_the_institution_checks_deliverables_and_returns_poor_ones():
    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.built[:] = -5
    st.built[:, 0] = 7  # every agency's infrastructure delivered in month 7
    st.quality[:, 0] = 0.3
    delivered = st.own[:, 0] & (np.arange(12) < 4)
    county = st.own[:, 0] & (np.arange(12) >= 4)
    spend = dict(m.spend)
    changed = step(m, reform, month=7)
    assert {"audits.month", "audits.last", "state.own", "state.building", "tech_support.rework_cost"} <= changed
    assert (m.audits.month[delivered, 0] == 7).all() and (m.audits.month[~delivered] != 7).all()
    # returned to the builder: out of service until redone, `rework_months` later
    assert not st.own[delivered, 0].any() and st.building[delivered, 0].all()
    assert (st.done[delivered, 0] == 7 + reform.p.rework_months).all()
    assert st.own[county, 0].all() and (st.quality[county, 0] == 0.3).all()  # no institution there
    # redone at the builder's quality (not set to the threshold), at the builder's cost, not the government's
    assert not np.isclose(st.build_quality[delivered, 0], 0.6).any()
    assert m.tech_support.rework_cost > 0 and m.spend == spend


def test_a_reworked_deliverable_comes_back_and_is_checked_again():
    from sim.processes.operations import complete_and_expire

    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6, rework_months=2)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.built[:] = -5
    st.built[:4, 0] = 7
    st.proposed[:4, 0] = 3  # proposed after the take-over (month 2): the company's projects
    st.own[:4, 0] = True
    st.quality[:, 0] = 0.3
    step(m, reform, month=7)
    assert not st.own[:4, 0].any()
    at_month(m, 9)
    complete_and_expire(m)
    assert st.own[:4, 0].all() and (st.built[:4, 0] == 9).all()
    assert np.allclose(st.quality[:4, 0], st.build_quality[:4, 0])  # the redone quality
    step(m, reform, month=9)
    assert (m.audits.month[:4, 0] == 9).all()  # checked again on its second delivery


def test_a_reworked_project_counts_once_in_delivery_time_from_proposal_to_its_accepted_go_live():
    """Review 0.2.3: a returned deliverable was counted as delivered on its first go-live and
    again on its second, so `mean_delivery_time` averaged the rejected delivery in with the real one."""
    from sim.measures import _delivery_time
    from sim.processes.operations import complete_and_expire

    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6, rework_months=2)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.building[:], st.own[:, 0] = False, False  # one project in the pipeline: agency 0, kind 0
    m.deliveries.clear()
    m.n_building, m.building_months = 1, 4.0  # proposed in month 3, due in month 7
    st.building[0, 0], st.proposed[0, 0], st.done[0, 0], st.build_quality[0, 0] = True, 3, 7, 0.3
    at_month(m, 7)
    complete_and_expire(m)
    step(m, reform, month=7)  # checked and returned: out of service until month 9
    assert not st.own[0, 0] and st.done[0, 0] == 9
    assert sum(c for _, c in m.deliveries) == 0  # the rejected delivery is no go-live
    st.build_quality[0, 0] = 0.9  # redone well
    at_month(m, 9)
    complete_and_expire(m)
    step(m, reform, month=9)
    assert st.own[0, 0]
    assert sum(c for _, c in m.deliveries) == 1 and sum(t for t, _ in m.deliveries) == 6.0  # month 3 -> 9
    assert (m.n_building, m.building_months) == (0, 0.0)
    m.queue.keep(np.zeros(len(m.queue), bool))
    assert _delivery_time(m) == 6.0


def test_systems_in_place_at_month_0_are_not_checked_as_deliveries():
    """Review 0.2.3: a system in place at month 0 with age 0 reads `built == 0`; the institution
    took it for a delivery and could send it back to a builder who never built it."""
    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.building[:] = False
    st.own[:4, 0], st.built[:4, 0], st.proposed[:4, 0], st.quality[:4, 0] = True, 0, 0, 0.3
    step(m, reform, month=0)
    assert st.own[:4, 0].all() and (m.audits.month[:4, 0] < 0).all()  # neither checked nor returned


def test_its_staff_time_is_split_between_specifying_checking_and_what_is_left():
    m = tiny("tech_support_institution", levels=["province"], staff=1.0, spec_months=0.5, check_months=0.25)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.staff[:] = 0.0
    start_builds(m, np.array([0]), np.array([2]), np.ones(1), duplicate=np.zeros(1, bool))  # one specification
    assert m.tech_support.specified.tolist() == [1.0, 0.0, 0.0]
    st.built[:] = -5
    st.own[:4, 0] = True
    st.built[:4, 0] = 7  # four deliverables in the province; time for two after the specification
    st.quality[:, 0] = 0.3
    step(m, reform, month=7)
    checked = m.audits.month[:4, 0] == 7
    assert checked.tolist() == [True, True, False, False]  # the rest go unchecked
    assert st.own[:4, 0].tolist() == [False, False, True, True]  # only the checked ones go back for rework
    assert m.tech_support.free.tolist() == [0.0, 0.0, 0.0] and m.tech_support.specified.sum() == 0
    assert m.tech_support.capacity(m.structure.gov_market).tolist() == [0.0, 0.0, 0.0]  # no time left to oversee


def test_it_specifies_projects_and_holds_their_rights():
    m = tiny("tech_support_institution", levels=["province"], skill=0.8)
    activate(m, "tech_support_institution")
    st = m.state
    st.staff[:] = 0.0  # no agency has an IT unit
    agencies, kinds = np.array([0, 1, 4, 5]), np.array([2, 2, 2, 2])  # two provincial, two county agencies
    st.company[agencies] = 0  # run by a company, proposing alone (no review)
    start_builds(m, agencies, kinds, np.ones(4), duplicate=np.zeros(4, bool))
    assert st.build_specified[agencies, kinds].tolist() == [0.4, 0.4, 0.0, 0.0]  # spec 0.8 x 1/2; decision: none
    assert st.build_rights[agencies, kinds].tolist() == [True, True, False, False]


def test_a_renewal_grants_no_rights_to_systems_already_built():
    m = tiny("tech_support_institution", levels=["province"])
    activate(m, "tech_support_institution")
    st = m.state
    st.rights[:] = False
    st.contract_end[:] = np.where(np.arange(12) % 2 == 0, 3, 9)  # half the contracts end in month 3
    at_month(m, 3)
    renew_vendor_contracts(m)
    assert not st.rights.any()  # the vendor keeps the code it delivered under the old terms
    assert (st.contract_end == np.where(np.arange(12) % 2 == 0, 3 + 12, 9)).all()


def test_legacy_rights_are_a_priced_term_an_agency_leaving_its_operator_may_buy():
    """Where the institution negotiates, leaving costs the cheaper of rebuilding the systems
    without rights and buying their rights (`buyout_share` of their build price) to migrate
    them; elsewhere, and when the price is above the rebuild, there is no buy-out."""
    from sim.contracts import switching_cost, with_buyout

    for share, expect_buys in ((0.1, True), (5.0, False)):
        m = tiny("tech_support_institution", levels=["province"], buyout_share=share)
        activate(m, "tech_support_institution")
        st, a = m.state, m.spec.agents
        st.rights[:] = False
        n = np.flatnonzero(st.own.any(axis=1))
        run_cost, build_cost = np.asarray(a.run_cost.as_tuple()), np.asarray(a.build_cost.as_tuple())
        factor = np.full(len(n), 1.15)
        rebuild = switching_cost(st.own[n], st.rights[n], run_cost, build_cost, factor, a.migration_months)
        cost, buys = with_buyout(m, n, rebuild, factor)
        province = n < 4
        assert (buys == (province & expect_buys)).all()
        assert (cost[~province] == rebuild[~province]).all()  # no institution: rebuild
        buy = (st.own[n] @ build_cost) * factor * share + st.own[n] @ run_cost * a.migration_months
        assert np.allclose(cost[province], np.minimum(buy, rebuild)[province])


def test_a_returned_deliverable_a_company_built_goes_on_its_record_for_the_renewal():
    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.built[:] = -5
    st.built[:4, 0] = 7
    st.proposed[:4, 0] = 3  # proposed after the take-over (month 2): the company's projects
    st.own[:4, 0] = True
    st.quality[:4, 0] = [0.3, 0.4, 0.3, 0.9]
    st.company[:] = -1
    st.company[[0, 1, 3]] = 0  # agencies 0, 1 and 3 run by a company since month 2; 2 by its vendor
    st.operator_since[:] = 2
    step(m, reform, month=7)
    # returned or accepted, what was checked is on its supplier's record: the company's, or
    # the vendor's for agency 2 (the renewal compares their mean with a rival's mean)
    assert (st.found_sum[:4] == [0.3, 0.4, 0.3, 0.9]).all() and (st.found_count[:4] == 1).all()
    assert (st.found_count[4:] == 0).all()  # nothing delivered: nothing found


def test_a_vendor_s_project_delivered_after_a_company_took_over_is_not_on_the_company_s_record():
    """The company is answerable for the projects it built: one proposed before it took the
    agency over (or in that month, planned before its contract began) was its vendor's, even if
    it went live under the company."""
    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.built[:] = -5
    st.built[:3, 0] = 7  # delivered under the company
    st.own[:3, 0] = True
    st.quality[:3, 0] = 0.3  # and each returned
    st.proposed[:3, 0] = [1, 2, 3]  # proposed before, in and after the take-over month
    st.company[:] = -1
    st.company[:3] = 0
    st.operator_since[:] = 2
    step(m, reform, month=7)
    assert (st.found_count[:2] == 0).all()  # the vendor's projects
    assert st.found_sum[2] == 0.3 and st.found_count[2] == 1  # the company's own


def test_a_vendor_whose_own_deliverables_are_returned_prices_the_rework_as_a_company_does():
    """Review 0.2.4, 4: only companies priced rework, so a renewal weighed a company's price with
    its warranty against a vendor's without. A vendor now prices its own record the same way: the
    month after the institution returned some of its deliverables its markup is the base plus what
    it paid per unit of what its markup priced (its build value delivered and its operations fees:
    one markup prices both); a vendor without a record keeps the base markup, exactly; a returned
    deliverable counts in the build value only when accepted."""
    m = tiny("tech_support_institution", levels=["province"], acceptance=0.6)
    reform, _ = activate(m, "tech_support_institution")
    st = m.state
    st.own[:, 0] = True
    st.built[:], st.proposed[:] = -5, -10
    st.built[:, 0], st.proposed[:, 0] = 5, 2  # proposed after each vendor took the agency over (month 0)
    st.quality[:, 0] = np.where(np.arange(12) == 0, 0.3, 0.9)  # the province's first agency's is poor
    step(m, reform, month=5)
    assert not st.own[0, 0] and st.own[1:, 0].all()
    step(m, reform, month=6)
    base = m.spec.agents.vendor_markup
    poor = st.vendor[0]
    builds = np.bincount(st.vendor[1:], minlength=len(m.vendors)) * m.base_build_cost[0] * (1 + base)
    fees = m.ops_revenue["vendor"]  # what operations last charged: the same markup priced them
    value = builds + fees
    paid = m.spec.reforms.tech_support_institution.rework_share * m.base_build_cost[0] * (1 + base)
    assert builds[poor] > 0 and fees[poor] > 0  # it delivered others that were accepted, and runs systems
    assert (
        np.isclose(m.vendor_markup[poor], base + paid / value[poor]) and m.vendors[poor].markup == m.vendor_markup[poor]
    )
    others = np.arange(len(m.vendors)) != poor
    assert (m.vendor_markup[others] == base).all()


def test_the_build_price_of_a_few_systems_is_the_build_factor_s():
    """`build_price` prices systems (n, k) at their agency's company's markup, else its vendor's,
    as the whole (N,) `planning.build_factor` does (it no longer computes every agency's):
    the same number to the last bit, with agencies of both kinds and repeated agencies."""
    from sim import GovModel
    from sim.processes.planning import build_factor
    from sim.reforms.tech_support_institution import build_price

    m = GovModel("reform_all", rng=4)
    m.run_for(30)
    st = m.state
    n = np.r_[np.arange(14), 0, 0]
    st.company[n[1::2]] = -1  # some run by their vendor again (a switch)
    k = np.arange(len(n)) % st.own.shape[1]
    assert (st.company[n] >= 0).any() and (st.company[n] < 0).any()
    assert build_price(m, n, k) == float((m.base_build_cost[k] * build_factor(m)[n]).sum())
