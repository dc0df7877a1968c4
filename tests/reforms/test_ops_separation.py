"""ops_separation: operating companies per market take agencies' operations over, upper
levels first, `migration_per_month` a month, abolishing in-house units where told to."""

import numpy as np

from sim import GovModel
from sim.contracts import renew_company_contracts
from sim.institutions import company_position, company_scale
from sim.state import INFRA, LAYER_OF_KIND

from .conftest import TINY, activate, at_month, step, tiny


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
    assert changed == {
        "state.company", "state.staff", "state.skill", "companies", "state.contract_markup", "state.contract_end",
        "state.other_posts", "tech_pool.staff", "tech_pool.skill",
        "state.operator_since",  # a new supplier (the initial vendor's is −1)
    }  # fmt: skip
    assert m.state.company.tolist() == [0] * 5 + [-1] * 7
    assert m.state.staff[:5].tolist() == [0.0] * 5 and m.state.skill[:5].tolist() == [0.0] * 5
    assert (m.state.staff[5:] == staff_before[5:]).all()
    c = m.companies[0]
    # the contract: the company's asking markup when it took over, for `contract_months`
    assert (m.state.contract_markup[:5] == c.p.base_markup).all()
    assert (m.state.contract_end[:5] == m.month + c.p.contract_months).all()
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


# ---------------------------------------------------------------- issue 14: staff, scale, contracts


def test_abolished_units_staff_go_to_the_company_the_bureau_pool_and_other_posts():
    m = tiny("ops_separation", migration_per_month=12, staff_to_company=0.3, staff_to_bureau=0.2)
    reform, _ = activate(m, "ops_separation")
    staff, skill = m.state.staff.copy(), m.state.skill.copy()
    assert staff.sum() > 0
    step(m, reform)
    c, pool = m.companies[0], m.tech_pool
    assert np.isclose(c.staff, 0.3 * staff.sum()) and np.isclose(c.staff_skill, (staff * skill).sum() / staff.sum())
    gov = m.structure.agency_gov
    assert np.allclose(pool.staff, 0.2 * np.bincount(gov, weights=staff, minlength=3))
    assert np.allclose(m.state.other_posts, 0.5 * staff)
    # nobody vanished: every former IT post is somewhere
    assert np.isclose(c.staff + pool.staff.sum() + m.state.other_posts.sum(), staff.sum())


def test_the_cost_curve_is_one_at_the_reference_size_and_flat_without_scale_economies():
    m = tiny("ops_separation", migration_per_month=12, scale_elasticity=0.1)
    reform, _ = activate(m, "ops_separation")
    step(m, reform)
    systems = float(m.state.own[m.state.company == 0].sum())
    assert systems > 0
    assert np.isclose(company_scale(m)[0], (systems / m.companies[0].p.scale_reference) ** -0.1)
    m.companies[0].p = m.companies[0].p.model_copy(update={"scale_reference": systems})
    assert np.isclose(company_scale(m)[0], 1.0)
    m.companies[0].p = m.companies[0].p.model_copy(update={"scale_elasticity": 0.0})
    assert company_scale(m)[0] == 1.0


def _due_for_renewal(**params):
    m = tiny("ops_separation", migration_per_month=12, abolish_inhouse=True, **params)
    reform, _ = activate(m, "ops_separation")
    step(m, reform, month=0)
    m.state.contract_end[:] = 1  # every contract ends in month 1
    return m


def test_a_dear_company_loses_the_renewal_when_the_government_holds_the_rights():
    m = _due_for_renewal()
    m.companies[0].markup = 3.0  # asks far more than a vendor
    m.state.rights[:] = True  # switching is a migration
    m.tech_pool.staff[:] = 0.0  # nobody to take it back
    at_month(m, 1)
    renew_company_contracts(m)
    running = m.state.own.any(axis=1)
    assert (m.state.company[running] == -1).all()  # all switched to a vendor
    assert (m.state.contract_end[running] == 1 + m.spec.agents.vendor_contract_months).all()
    assert (m.state.operator_since[running] == 1).all()  # a new supplier: what it owed (repairs) lapses


def test_without_rights_the_rebuild_cost_locks_the_agency_in():
    m = _due_for_renewal()
    m.companies[0].markup = 0.6
    m.state.rights[:] = False
    m.tech_pool.staff[:] = 0.0
    at_month(m, 1)
    renew_company_contracts(m)
    running = m.state.own.any(axis=1)
    assert (m.state.company[running] == 0).all()  # renewed, at the asking markup
    assert (m.state.contract_markup[running] == 0.6).all()
    assert (m.state.operator_since[running] == 0).all()  # the same company since its take-over
    m2 = _due_for_renewal()
    m2.companies[0].markup = 0.6
    m2.state.rights[:] = True
    m2.tech_pool.staff[:] = 0.0
    at_month(m2, 1)
    renew_company_contracts(m2)
    assert (m2.state.company[m2.state.own.any(axis=1)] == -1).any()  # the same price, with rights: some leave


def test_staff_in_the_bureau_pool_take_operations_back():
    m = _due_for_renewal()
    m.companies[0].markup = 1.0
    m.state.rights[:] = True
    m.tech_pool.staff[:] = 50.0
    m.tech_pool.skill[:] = 0.9
    at_month(m, 1)
    renew_company_contracts(m)
    back = m.state.company == -1
    assert back.any() and (m.state.staff[back] > 0).all()  # run again by government staff
    assert (m.state.operator_since[back] == 1).all()  # its vendor builds for it again from now
    assert m.tech_pool.staff.sum() < 150.0  # who moved from the pool


def test_the_company_s_hired_staff_enter_its_quality_and_its_cost():
    """Staff hired from abolished units run systems_per_staff systems each at their skill and
    are paid their wages: the company's quality is the mix, its cost factor counts the wages."""
    from sim.agents.supplier import staff_cover
    from sim.institutions import company_cost, company_prices, company_systems

    m = tiny("ops_separation", migration_per_month=5, abolish_inhouse=True, staff_to_company=0.05)
    reform, _ = activate(m, "ops_separation")
    step(m, reform)
    c, a = m.companies[0], m.spec.agents
    assert c.staff > 0 and 0 < c.cover < 1
    assert c.cover == staff_cover(c.staff, company_systems(m)[0], a.systems_per_staff)
    assert np.isclose(c.quality, (1 - c.cover) * c.p.quality + c.cover * c.staff_skill)
    assert c.quality < c.p.quality  # in-house skill (about 0.6) is below the company's 0.85
    ran = m.state.company == 0
    run = (m.state.own[ran] @ np.asarray(a.run_cost.as_tuple())).sum()
    scale = company_scale(m)[0]
    assert np.isclose(company_cost(m)[0], scale * (1 - c.cover) + c.staff * a.staff_wage / run)
    # what agencies pay follows: without the hired staff the price is the scale factor's
    with_staff = company_prices(m)[ran]
    c.staff = 0.0
    assert np.allclose(company_prices(m)[ran], (1 + m.state.contract_markup[ran]) * scale)
    assert not np.allclose(with_staff, company_prices(m)[ran])


def test_agencies_of_one_government_take_back_no_more_staff_than_it_has():
    """Review 0.2.3: every agency due in a month compared the take-back with the staff its
    government had at the start of the month, so several agencies of one government drew on
    the same pool and the remainder was taken from the institution, driving its staff below
    zero (reform_all, seeds 1-2: nine governments). Each now takes from what is left, and
    chooses again (renew or switch) where nothing is."""
    m = _due_for_renewal()
    m.companies[0].markup = 3.0  # far dearer than government staff
    m.state.rights[:] = True
    m.tech_pool.staff[:] = 2.0  # enough for about one agency per government
    m.tech_pool.skill[:] = 0.9
    m.tech_support.free[:] = 0.0
    at_month(m, 1)
    due = np.flatnonzero(m.state.company >= 0)
    staff_before = m.state.staff.copy()
    renew_company_contracts(m)
    assert (m.tech_pool.staff >= 0).all() and (m.tech_support.staff >= 0).all() and (m.tech_support.free >= 0).all()
    moved = np.bincount(m.structure.agency_gov, weights=m.state.staff - staff_before, minlength=m.structure.n_gov)
    assert (moved <= 2.0 + 1e-9).all()  # no government gave more staff than its pool held
    back = due[(m.state.company[due] == -1) & (m.state.staff[due] > 0)]
    assert len(back) > 0  # some did take operations back
    others = np.setdiff1d(due, back)
    assert len(others) > 0 and (m.state.staff[others] == 0).all()  # the rest renewed or switched, unstaffed


def _company_and_institution(quality: float, proposed: int = 2, **params):
    """The tiny government, every agency taken over by one company in month 1, with an
    institution in the province that checks what is delivered; in month 5 every agency's
    infrastructure, proposed in month `proposed` (after the take-over: the company's own work;
    0: its predecessor's, the vendor's), is delivered at `quality` (the province's four are
    checked, the counties' are not); the month's build value is recorded."""
    m = GovModel(
        "baseline",
        rng=1,
        **TINY,
        **{
            "reforms.ops_separation.enabled": True,
            "reforms.ops_separation.migration_per_month": 12,
            "reforms.tech_support_institution.enabled": True,
            "reforms.tech_support_institution.acceptance": 0.6,
            **{f"reforms.ops_separation.{k}": v for k, v in params.items()},
        },
    )
    ops, _ = activate(m, "ops_separation")
    tsi, _ = activate(m, "tech_support_institution")
    step(m, ops, month=1)  # takes every agency over
    st = m.state
    assert (st.company == 0).all() and (st.operator_since == 1).all()
    st.own[:, INFRA] = True
    st.built[:], st.proposed[:] = -5, -10
    st.built[:, INFRA], st.proposed[:, INFRA] = 5, proposed
    st.quality[:, INFRA] = quality
    step(m, ops, month=5)  # records what it delivered
    return m, ops, tsi


def test_a_company_whose_deliverables_are_returned_prices_the_rework_into_its_markup():
    """Two identical companies; the institution returns one's own deliverables (the province's
    four of the twelve it built): that company expects to pay rework_share of their build price
    per unit of the build value it delivered and asks a higher markup the next month; the
    other's markup follows the rule without rework, exactly. A returned deliverable did not go
    live: the build value counts the eight accepted (review 0.2.4, 6: it counted redone ones
    again, and its fees)."""
    (poor, ops_p, tsi_p), (good, ops_g, tsi_g) = _company_and_institution(0.3), _company_and_institution(0.9)
    cp, cg = poor.companies[0], good.companies[0]
    price = poor.base_build_cost[INFRA] * (1 + cp.markup)
    assert cp.markup == cg.markup and np.isclose(cp.revenue.total(5), 12 * price)  # the same so far
    step(poor, tsi_p, month=5)  # checks the province's deliverables
    step(good, tsi_g, month=5)
    assert not poor.state.own[:4, INFRA].any() and good.state.own[:4, INFRA].all()
    share = poor.spec.reforms.tech_support_institution.rework_share
    assert np.isclose(cp.warranty.total(5), share * 4 * price) and cg.warranty.total(5) == 0.0
    assert np.isclose(cp.revenue.total(5), 8 * price) and np.isclose(cg.revenue.total(5), 12 * price)
    expected = share * 4 / 8
    assert np.isclose(cp.expected_warranty(5), expected) and cg.expected_warranty(5) == 0.0
    markup = cg.markup
    step(poor, ops_p, month=6)
    step(good, ops_g, month=6)
    assert np.isclose(cp.markup - cg.markup, cp.p.markup_adjust * expected)
    dep, oversight, _, _ = company_position(good, cg)
    target = cg.p.base_markup + cg.p.markup_sensitivity * dep * cg.profit_motive * (1 - oversight)
    assert cg.markup == markup + cg.p.markup_adjust * (target - markup)  # no rework: the rule unchanged
    # the record is a trailing window: `warranty_months` on, the rework no longer counts
    assert cp.expected_warranty(4 + cp.p.warranty_months) > 0 and cp.expected_warranty(5 + cp.p.warranty_months) == 0


def test_the_warranty_is_priced_over_the_fees_as_well_as_the_builds():
    """Review 0.2.4 (last pass): one markup prices a company's builds and its operations fees,
    so the increment that recovers its warranty is the warranty over both; over its builds
    alone it was recovered again on every fee. A month in which it charges fees and delivers
    nothing of its own adds the fees, at their price, to the base the warranty is spread over."""
    poor, ops, tsi = _company_and_institution(0.3)
    step(poor, tsi, month=5)  # returns four of its twelve deliverables
    c = poor.companies[0]
    price = poor.base_build_cost[INFRA] * (1 + c.markup)
    paid = poor.spec.reforms.tech_support_institution.rework_share * 4 * price
    assert np.isclose(c.expected_warranty(5), paid / (8 * price))  # no fees charged yet
    fees = 30.0 * price
    poor.ops_revenue = poor.ops_revenue | {"company": np.array([fees])}  # what operations charged in month 6
    step(poor, ops, month=6)
    assert np.isclose(c.revenue.total(6), 8 * price + fees)
    assert np.isclose(c.expected_warranty(6), paid / (8 * price + fees))


def test_a_one_month_warranty_window_prices_last_month_s_rework():
    """Review 0.2.4, 5: the company set its price before the month's rework was booked, so it
    read `warranty_months` - 1 months, none at all with a window of 1. It now reads the last
    `warranty_months` complete months: with 1, month 5's rework moves month 6's markup."""
    (poor, ops_p, tsi_p), (good, ops_g, tsi_g) = (_company_and_institution(q, warranty_months=1) for q in (0.3, 0.9))
    step(poor, tsi_p, month=5)
    step(good, tsi_g, month=5)
    step(poor, ops_p, month=6)
    step(good, ops_g, month=6)
    share = poor.spec.reforms.tech_support_institution.rework_share
    cp, cg = poor.companies[0], good.companies[0]
    assert np.isclose(cp.markup - cg.markup, cp.p.markup_adjust * share * 4 / 8)


def test_a_predecessor_s_returned_deliverable_goes_back_to_the_vendor_that_built_it():
    """Review 0.2.4, 2: a project the agency's vendor started before the take-over and delivered
    after it was redone by the company, at its quality, and charged to its record. It goes back
    to its builder, the vendor: redone at the vendor's quality, paid at the vendor's price, and
    on neither the company's record nor its build value."""
    m, _, tsi = _company_and_institution(0.3, proposed=0)
    m.spec = m.spec.model_copy(update={"agents": m.spec.agents.model_copy(update={"quality_spread": 0.0})})
    m.vendor_quality[:] = 0.45
    c = m.companies[0]
    c.quality = 0.95
    assert c.revenue.total(5) == 0.0  # the vendor's project is not the company's build value
    step(m, tsi, month=5)
    assert not m.state.own[:4, INFRA].any()  # returned
    support = m.tech_support.quality_support
    assert np.allclose(m.state.build_quality[:4, INFRA], 0.45 + support * 0.55)  # the vendor redoes it
    share = m.spec.reforms.tech_support_institution.rework_share
    vendor_price = (m.base_build_cost[INFRA] * (1 + m.vendor_markup[m.state.vendor[:4]])).sum()
    assert np.isclose(m.tech_support.rework_cost, share * vendor_price)
    assert c.warranty.total(5) == 0.0 and c.expected_warranty(5) == 0.0


def test_repairs_of_legacy_systems_are_paid_but_only_the_company_s_own_builds_are_priced():
    """Review 0.2.4, 3: repairs of legacy systems a company took over made its warranty record, so
    a one-off backlog became a standing markup. It pays them (a cost of taking the agency over)
    but prices only repairs of what it built: an audit repair on an own build goes on its
    record, one on a legacy system does not; both are paid when done."""
    from sim.reforms.third_party_evaluation import ThirdPartyEvaluation

    m, _, _ = _company_and_institution(0.3)
    audit = ThirdPartyEvaluation(m.spec.reforms.third_party_evaluation)
    audit.activate(m)
    legacy = INFRA + 1
    m.state.own[:, legacy] = True  # a legacy system of each agency (proposed before the take-over)
    n, k = np.array([4, 8, 5]), np.array([INFRA, INFRA, legacy])  # two own builds, one legacy system
    audit._start_repairs(m, n, k)
    c = m.companies[0]
    assert c.warranty.total(5) == 0.0 and m.audits.repair_cost == 0.0  # paid when done
    months = m.spec.reforms.third_party_evaluation.repair_months
    at_month(m, 5 + months)
    audit._pass(m, np.zeros(0, np.int64))  # repairs due take effect; no cell drawn for audit
    share = m.spec.reforms.third_party_evaluation.repair_share
    factor = 1 + c.markup
    own = share * 2 * m.base_build_cost[INFRA] * factor
    assert np.isclose(c.warranty.total(5 + months), own)
    assert np.isclose(m.audits.repair_cost, own + share * m.base_build_cost[legacy] * factor)


def test_the_renewal_weighs_what_audits_found_against_what_the_company_claims():
    """Review 0.2.4 (third round): findings update the prior the company's claim gives (claim
    less the mean overstatement), against the rival's claim read the same way. Company and
    rival both read as 0.6, at the same price: findings of 0.9 and 0.9 (posterior 0.8 at
    σ = τ = 0.1) renew; findings of 0.3 and 0.3 (posterior 0.4) switch. (Before the third
    round the found mean replaced the company's stated quality; before the second, the lowest
    quality found did.)"""
    from sim.institutions import company_cost

    chosen = {}
    for found in ((0.9, 0.9), (0.3, 0.3)):
        m = _due_for_renewal()
        a = m.spec.agents
        assert a.claim_gap_spread == a.quality_spread == 0.1  # the posteriors above
        m.state.rights[:] = True  # switching is a cheap migration
        m.tech_pool.staff[:] = 0.0  # no take-back
        m.vendor_markup[:], m.vendor_quality[:] = 0.1, 0.6
        m.vendor_claim[:] = 0.6 + a.claim_gap
        c = m.companies[0]
        c.claim_gap = 0.6 + a.claim_gap - c.quality  # its claim reads as 0.6 too
        m.companies[0].markup = 1.1 / company_cost(m)[0] - 1  # the company's price is the vendors'
        m.state.found_sum[:], m.state.found_count[:] = sum(found), len(found)
        at_month(m, 1)
        due = np.flatnonzero(m.state.company >= 0)
        renew_company_contracts(m)
        chosen[found] = m.state.company[due]
        assert (m.state.found_count[due] == 0).all()  # the record starts again with the new term
    assert (chosen[(0.9, 0.9)] == 0).all()
    assert (chosen[(0.3, 0.3)] == -1).all()


def test_contract_control_reads_the_fees_a_company_s_client_actually_pays():
    """Review B6: control_contracts priced a company's fees at (1 + markup) x running cost,
    without the company's cost factor, so the exit of its clients looked more open than it is.
    A company with stronger scale economies charges less for the same markup: its clients'
    fees are smaller against the same switching cost, and the measure falls."""
    from sim.institutions import company_prices
    from sim.measures import _fee_multiple, control_measures

    m = tiny("ops_separation", migration_per_month=12)
    reform, _ = activate(m, "ops_separation")
    step(m, reform, month=0)
    ran = m.state.company >= 0
    assert ran.any()
    assert np.allclose(_fee_multiple(m)[ran], company_prices(m)[ran])
    assert np.allclose(_fee_multiple(m)[~ran], 1 + m.vendor_markup[m.state.vendor[~ran]])
    before = control_measures(m)
    c = m.companies[0]
    c.p = c.p.model_copy(update={"scale_reference": c.p.scale_reference / 20})  # far past its reference size
    after = control_measures(m)
    assert company_prices(m)[ran].max() < 1 + m.state.contract_markup[ran].min()
    assert after["control_contracts"] < before["control_contracts"]
    assert all(after[d] == before[d] for d in ("control_ownership", "control_audit", "control_capacity"))


def test_an_exit_rebuild_is_priced_at_the_market_s_best_vendor():
    """Review 0.2.4 (third round, #9): control_contracts priced the rebuild of systems without
    rights at the incumbent's markup; the renewals price it at the market's best vendor's, who
    would rebuild. Raising the company's contract markup raises its clients' fees but no longer
    their switching cost: their exit opens; lowering the best vendor's markup opens it too."""
    from sim.contracts import best_vendor
    from sim.measures import control_measures

    m = tiny("ops_separation", migration_per_month=12)
    reform, _ = activate(m, "ops_separation")
    step(m, reform, month=0)
    m.state.rights[:] = False  # every exit is a rebuild
    before = control_measures(m)["control_contracts"]
    m.state.contract_markup[m.state.company >= 0] += 0.5  # dearer fees, the same rebuild
    dearer = control_measures(m)["control_contracts"]
    assert dearer > before
    best = np.unique(best_vendor(m))
    m.vendor_markup[best[best >= 0]] *= 0.5  # the rival rebuilds for less
    assert control_measures(m)["control_contracts"] > dearer


def test_the_unit_that_takes_operations_back_writes_the_rights_into_what_it_rebuilds():
    """Review U6: on a take-back only a technical-support institution wrote the rights clause,
    so systems the government's own staff rebuilt stayed without rights where there was none.
    The receiving unit writes it now, holding with probability its skill (as on a new project)."""
    m = _due_for_renewal()
    m.companies[0].markup = 20.0  # far dearer than anything else: every agency leaves
    m.state.rights[:] = False  # leaving means rebuilding
    m.tech_pool.staff[:] = 50.0
    m.tech_pool.skill[:] = 0.9
    assert not m.tech_support.staff.any()  # no institution anywhere
    at_month(m, 1)
    due = np.flatnonzero(m.state.company >= 0)
    renew_company_contracts(m)
    back = due[(m.state.company[due] == -1) & (m.state.staff[due] > 0)]
    assert len(back) > 0
    own = m.state.own[back]
    share = m.state.rights[back][own].mean()
    assert 0.6 < share <= 1.0  # about the unit's skill, 0.9
    # a switch to another supplier: only an institution writes the new terms, not the agency's unit
    from sim.contracts import _rights_clause

    m = tiny()
    m.state.rights[:] = False
    has_unit = np.flatnonzero((m.state.staff > 0) & m.state.own.any(axis=1))
    assert len(has_unit) > 0 and not m.tech_support.staff.any()
    _rights_clause(m, has_unit)
    assert not m.state.rights.any()
    _rights_clause(m, has_unit, taken_back=True)
    assert m.state.rights[has_unit].any()


def test_a_take_over_starts_the_company_s_quality_record_afresh():
    """What audits found on the vendor's systems before the company took the agency over is the
    vendor's record, not the company's."""
    m = tiny("ops_separation", migration_per_month=5)
    reform, _ = activate(m, "ops_separation")
    m.state.found_sum[:], m.state.found_count[:] = 0.9, 3
    step(m, reform, month=0)
    taken = m.state.company >= 0
    assert taken.any() and (~taken).any()
    assert (m.state.found_count[taken] == 0).all() and (m.state.found_sum[taken] == 0).all()
    assert (m.state.found_count[~taken] == 3).all()  # still with their vendor


def test_in_whole_months_each_company_prices_this_month_s_fees_with_its_builds(monkeypatch):
    """Referee 0.2.5: the fees in the warranty's base are the ones operations charged this
    month (operations runs before the reforms), each company its own. Over 24 months of
    whole steps with two competing companies and an institution, every month's entry in a
    company's record is its own builds at its markup plus `ops_revenue["company"][its index]`,
    read after this month's operations."""
    from sim.agents import supplier
    from sim.institutions import Clients, company_revenue
    from sim.processes import operations

    operated, entries = {}, []
    operate, record = operations.operate, supplier.OperatingCompany._record_revenue

    def stamped(model):
        operate(model)
        operated["month"] = model.month

    def checked(company, m, view):
        st = m.state
        x = Clients(own=st.own, built=st.built, proposed=st.proposed, company=st.company, since=st.operator_since)
        builds = company_revenue(tuple(x), company.cidx, m.month, m.base_build_cost) * (1 + company.markup)
        before = company.revenue.total(m.month)
        record(company, m, view)
        assert operated["month"] == m.month  # this month's fees, not last month's
        entries.append((company.revenue.total(m.month) - before, builds + m.ops_revenue["company"][company.cidx]))

    monkeypatch.setattr(operations, "operate", stamped)
    monkeypatch.setattr(supplier.OperatingCompany, "_record_revenue", checked)
    m = GovModel(
        "reform_ops_separation",
        rng=3,
        **{"reforms.ops_separation.companies": 2, "reforms.tech_support_institution.enabled": True},
    )
    m.run_for(24)
    got, expected = np.array(entries).T
    fees = np.array([[c.cidx, m.ops_revenue["company"][c.cidx]] for c in m.companies])
    assert len(m.companies) >= 2 and len(np.unique(fees[:, 1])) > 1  # two companies, charging different fees
    assert len(entries) > 0 and (expected > 0).any()
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-9)


def _numpy_options(m, n):
    """`contracts._options` as numpy statements over the helper functions (before 0.2.5's eighth pass)."""
    from sim import contracts as C
    from sim.institutions import company_cost

    st, s, a = m.state, m.structure, m.spec.agents
    run = st.own[n] @ m.base_run_cost
    systems = st.own[n].sum(axis=1).astype(float)
    scale = company_cost(m)[st.company[n]]
    asking = np.array([c.markup for c in m.companies])[st.company[n]]
    claim = np.array([c.claimed_quality for c in m.companies])[st.company[n]]
    quality = C.expected_quality(m, n, claim)
    vendor = C.best_vendor(m)[s.agency_market[n]]
    factor = 1.0 + m.vendor_markup[vendor]
    cost = C.switching_cost(st.own[n], st.rights[n], m.base_run_cost, m.base_build_cost, factor, a.migration_months)
    cost, buys = C.with_buyout(m, n, cost, 1 + asking)
    staff, skill = C.available_staff(m, n)
    vendor_quality = C.as_built_here(m, n, C.seen_quality(m, m.vendor_claim[vendor]))
    x = C.RenewalInputs(run, systems, cost, (1 + asking) * scale, quality, factor, vendor_quality, staff, skill)
    choice = C.choose(tuple(x), m.companies[0].p.contract_months, a.systems_per_staff, a.staff_wage)
    return x, vendor, cost, buys, choice


def test_company_renewal_options_are_the_numpy_statements():
    """`contracts._options` (one compiled pass, `_company_options`) against the numpy statements
    it replaced, exactly: with and without an institution (buy-outs, quality support), agencies
    with and without in-house staff, findings on record and rights held; every option chosen."""
    from sim import contracts as C

    rng = np.random.default_rng(11)
    seen_choices = set()
    for tsi in (False, True):
        m = GovModel("reform_ops_separation", rng=4, **{"reforms.tech_support_institution.enabled": tsi})
        m.run_for(14)
        st = m.state
        n = np.flatnonzero(st.company >= 0)
        assert len(n) > 20
        for case in range(6):
            st.found_count[n] = rng.integers(0, 4, len(n)) * (rng.random(len(n)) < 0.5)
            st.found_sum[n] = st.found_count[n] * rng.random(len(n))
            st.rights[n] = rng.random((len(n), st.rights.shape[1])) < rng.random()
            st.staff[n] = np.where(rng.random(len(n)) < 0.3, rng.integers(1, 4, len(n)), 0.0)
            st.skill[n] = rng.random(len(n))
            m.tech_pool.staff[:] = rng.integers(0, 30, len(m.tech_pool.staff)) * (case % 2)
            m.companies[0].markup = float(rng.random() * 0.5)
            got, want = C._options(m, n), _numpy_options(m, n)
            for field, g, w in zip(C.RenewalInputs._fields, got[0], want[0], strict=True):
                np.testing.assert_array_equal(g, w, err_msg=f"{field} {tsi} {case}")
            for g, w in zip(got[1:], want[1:], strict=True):
                np.testing.assert_array_equal(g, w, err_msg=f"{tsi} {case}")
            seen_choices |= set(got[4].tolist())
            assert not tsi or case == 0 or got[3].any() or not (m.tech_support.staff > 0).any()
    assert seen_choices == {C.RENEW, C.SWITCH, C.TAKE_BACK}
