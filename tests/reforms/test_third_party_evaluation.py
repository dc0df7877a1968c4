"""third_party_evaluation: audits of running systems; under-delivering ones go back to their builder."""

import numpy as np

from sim.state import NEVER_AUDITED

from .conftest import activate, step, tiny


def test_activation_changes_nothing_but_the_body_to_run_it():
    m = tiny("third_party_evaluation")
    _, changed = activate(m, "third_party_evaluation")
    assert changed == set() and len(m.bodies) == 3


def test_step_audits_systems_sends_poor_ones_to_their_builder_and_pays_per_audit():
    params = {"audit_rate": 1.0, "under_delivery": 0.6, "repair_months": 2, "repair_share": 0.3, "audit_cost": 0.5}
    m = tiny("third_party_evaluation", **params)
    reform, _ = activate(m, "third_party_evaluation")
    own, quality = m.state.own.copy(), m.state.quality.copy()
    spent = m.spend["programmes"]
    changed = step(m, reform, month=3)
    poor = own & (quality < 0.6)
    assert poor.any()
    # nothing is fixed by the audit itself: the quality stays until the builder's repair is done
    # the repair is paid when done; the initial systems are the initial vendor's work
    # (`operator_since` −1): on its record
    assert changed == {"audits.month", "audits.last", "spend", "rng"} | {"state.found_sum", "state.found_count"}
    assert (m.state.found_count == own.sum(axis=1)).all()
    assert (m.audits.month == np.where(own, 3, NEVER_AUDITED)).all() and m.audits.last == 3
    assert (m.state.quality == quality).all()
    assert (reform.repair_done == np.where(poor, 5, -1)).all()
    assert m.spend["programmes"] - spent == own.sum() * 0.5
    assert m.audits.recent(3 + 11) and not m.audits.recent(3 + 12)
    # the operator pays repair_share of the build price when the repair is done, outside IT spending
    from sim.processes.planning import build_factor

    n, k = np.nonzero(poor)
    price = (m.base_build_cost[k] * build_factor(m)[n]).sum()
    step(m, reform, month=5)
    assert np.isclose(m.audits.repair_cost, 0.3 * price)


def test_a_repair_delivers_the_builders_quality_never_worse_and_only_on_the_same_system():
    m = tiny("third_party_evaluation", audit_rate=1.0, under_delivery=0.6, repair_months=2)
    reform, _ = activate(m, "third_party_evaluation")
    quality = m.state.quality.copy()
    step(m, reform, month=3)
    poor = reform.repair_done == 5
    n, k = np.nonzero(poor)
    redone = reform.repair_quality[n, k]
    m.state.built[n[0], k[0]] = 4  # the first one was replaced by a new system meanwhile
    m.state.quality[n[0], k[0]] = 0.1
    step(m, reform, month=4)  # not due yet; under repair, so not audited again
    assert (m.state.quality[n[1:], k[1:]] == quality[n[1:], k[1:]]).all()
    assert (m.audits.month[n[1:], k[1:]] == 3).all()
    assert m.audits.month[n[0], k[0]] == 4  # the replacement is a new system: audited as any other
    step(m, reform, month=5)
    assert m.state.quality[n[0], k[0]] == 0.1  # the replacement is not the system repaired
    assert (m.state.quality[n[1:], k[1:]] == np.maximum(quality[n[1:], k[1:]], redone[1:])).all()
    assert (reform.repair_done[poor] != 5).all()  # done; a repair still under the line may be sent back again


def test_a_poor_builder_repairs_poorly():
    """The repair's quality is the builder's, not a set value: with every vendor at 0.3 the
    repaired systems stay under-delivering (spread 0)."""
    m = tiny("third_party_evaluation", audit_rate=1.0, under_delivery=0.6, repair_months=1)
    m.spec = m.spec.model_copy(update={"agents": m.spec.agents.model_copy(update={"quality_spread": 0.0})})
    m.vendor_quality[:] = 0.3
    reform, _ = activate(m, "third_party_evaluation")
    step(m, reform, month=3)
    poor = reform.repair_done == 4
    assert poor.any() and np.allclose(reform.repair_quality[poor], 0.3)


def test_no_audit_without_running_systems_leaves_the_record_alone():
    m = tiny("third_party_evaluation", audit_rate=0.0)
    reform, _ = activate(m, "third_party_evaluation")
    assert step(m, reform) == {"rng"}  # the draws are made; none falls under the rate
    assert m.audits.last == NEVER_AUDITED


def _company_run(**params):
    """Every agency marked as run by a company (only its contract terms matter here)."""
    m = tiny("third_party_evaluation", audit_rate=1.0, **params)
    reform, _ = activate(m, "third_party_evaluation")
    m.state.company[:] = 0
    return m, reform


def test_a_price_review_recovers_over_priced_fees_and_leaves_the_contract_alone():
    m, reform = _company_run(reasonable_markup=0.15)
    over = np.arange(12) % 2 == 0
    markup = np.where(over, 0.5, 0.1)
    m.state.contract_markup[:] = markup
    m.state.operator_since[:] = 1
    spent = m.spend["operations"]
    step(m, reform, month=3)
    assert (m.state.contract_markup == markup).all()  # no markup written by the audit
    run = m.state.own @ np.asarray(m.spec.agents.run_cost.as_tuple())
    audited = m.state.own.any(axis=1)
    expect = ((0.5 - 0.15) * run * 2)[over & audited].sum()  # two months of excess fees since take-over
    assert expect > 0 and np.isclose(m.audits.recovered, expect)
    assert np.isclose(spent - m.spend["operations"], expect)
    step(m, reform, month=3)  # the same fees are not recovered twice
    assert np.isclose(m.audits.recovered, expect)


def test_the_quality_audits_find_on_the_supplier_s_systems_stays_on_the_agency_s_record():
    """Every audited system its supplier built goes on the record (not only the poor ones: the
    renewal compares their mean with a rival's mean), for a company's client and a vendor's."""
    for company in (0, -1):
        m, reform = _company_run(under_delivery=0.6)
        m.state.company[:] = company
        quality = m.state.quality.copy()
        m.state.operator_since[:] = -1
        proposed = np.where(np.arange(12) % 2 == 0, 0, -5)  # odd agencies' systems predate the supplier
        m.state.proposed[:] = proposed[:, None]
        own = m.state.own.copy()
        step(m, reform, month=3)
        mine = own & (proposed >= 0)[:, None]  # legacy systems are not on the supplier's record
        assert mine.any() and (own & ~mine).any()
        assert (m.state.found_count == mine.sum(axis=1)).all()
        assert np.allclose(m.state.found_sum, np.where(mine, quality, 0).sum(axis=1))


def test_a_pending_repair_lapses_when_the_agency_leaves_the_supplier_found_at_fault():
    """The supplier found at fault owes the repair; an agency that switches supplier (or takes
    operations back) before it is done ends that obligation: the system keeps the quality found
    and is audited again, so the new supplier answers for it only when an audit finds it again."""
    m = tiny("third_party_evaluation", audit_rate=1.0, under_delivery=0.6, repair_months=3)
    reform, _ = activate(m, "third_party_evaluation")
    quality = m.state.quality.copy()
    step(m, reform, month=3)
    poor = reform.repair_done == 6
    n, k = np.nonzero(poor)
    assert len(n) > 1
    left = n == n[0]  # the first agency switches vendor in month 4 (`renew_vendor_contracts` sets the month)
    m.state.operator_since[n[0]] = 4
    step(m, reform, month=5)
    assert (m.audits.month[n[left], k[left]] == 5).all()  # no longer under repair: audited again
    assert (m.audits.month[n[~left], k[~left]] == 3).all()  # the others' repairs are still owed
    assert (reform.repair_done[n[left], k[left]] == 8).all()  # found again: now the new supplier's repair
    step(m, reform, month=6)
    assert (m.state.quality[n[left], k[left]] == quality[n[left], k[left]]).all()  # the old repair never came
    # review 0.2.4, 7: a lapsed repair was paid (and on a company's record) when ordered; it is
    # paid when done, so only the repairs done are
    from sim.processes.planning import build_factor

    price = (m.base_build_cost[k[~left]] * build_factor(m)[n[~left]]).sum()
    assert np.isclose(m.audits.repair_cost, m.spec.reforms.third_party_evaluation.repair_share * price)
    assert (m.state.quality[n[~left], k[~left]] >= quality[n[~left], k[~left]]).all()


def test_a_vendor_switch_marks_a_new_supplier():
    from sim.contracts import best_vendor, renew_vendor_contracts

    from .conftest import at_month

    m = tiny("third_party_evaluation")
    st = m.state
    best = best_vendor(m)[m.structure.agency_market]
    m.vendor_markup[:] = 5.0  # every vendor but the best of each market is far dearer
    m.vendor_markup[np.unique(best)] = 0.1
    st.rights[:] = st.own  # leaving is a migration
    st.contract_end[:] = 4
    at_month(m, 4)
    before = st.vendor.copy()
    renew_vendor_contracts(m)
    moved = st.vendor != before
    assert moved.any() and (~moved).any()
    assert (st.operator_since[moved] == 4).all() and (st.operator_since[~moved] == -1).all()  # the initial vendor


def test_findings_on_a_vendor_s_systems_reach_its_renewal():
    """Review 0.2.4: what audits found on a vendor's systems reached no renewal. Every vendor
    at the same price and claim: agencies renew (switching costs something); where audits found
    their vendor's systems at 0.3 (the posterior falls to 0.5 from the prior 0.7), those whose
    vendor is not their market's best switch to it."""
    from sim.contracts import best_vendor, renew_vendor_contracts

    from .conftest import at_month

    moved = {}
    for found in (0, 1):
        m = tiny("third_party_evaluation")
        st = m.state
        m.vendor_markup[:], m.vendor_quality[:] = 0.1, 0.7
        m.vendor_claim[:] = 0.7 + m.spec.agents.claim_gap  # every claim overstates by the mean
        st.rights[:] = st.own  # leaving is a migration
        st.found_sum[:], st.found_count[:] = 0.3 * found, found
        st.contract_end[:] = 4
        at_month(m, 4)
        before = st.vendor.copy()
        renew_vendor_contracts(m)
        moved[found] = st.vendor != before
        assert (st.found_count == 0).all()  # the record starts again with the new term
    other = before != best_vendor(m)[m.structure.agency_market]
    running = m.state.own.any(axis=1)
    assert not moved[0].any()
    assert (other & running).any() and (moved[1] == (other & running)).all()
