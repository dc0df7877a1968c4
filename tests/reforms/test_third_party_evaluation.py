"""third_party_evaluation: audits of running systems; under-delivering ones are fixed."""

import numpy as np

from sim.state import NEVER_AUDITED

from .conftest import activate, step, tiny


def test_activation_changes_nothing_but_the_body_to_run_it():
    m = tiny("third_party_evaluation")
    _, changed = activate(m, "third_party_evaluation")
    assert changed == set() and len(m.bodies) == 3


def test_step_audits_systems_fixes_poor_ones_and_pays_per_audit():
    m = tiny("third_party_evaluation", audit_rate=1.0, under_delivery=0.6, fix_quality=0.8, audit_cost=0.5)
    reform, _ = activate(m, "third_party_evaluation")
    own, quality = m.state.own.copy(), m.state.quality.copy()
    spent = m.spend["programmes"]
    changed = step(m, reform, month=3)
    poor = own & (quality < 0.6)
    assert poor.any()
    assert changed == {"audits.month", "audits.last", "state.quality", "spend", "rng"}
    assert (m.audits.month == np.where(own, 3, NEVER_AUDITED)).all() and m.audits.last == 3
    assert (m.state.quality == np.where(poor, 0.8, quality)).all()
    assert m.spend["programmes"] - spent == own.sum() * 0.5
    assert m.audits.recent(3 + 11) and not m.audits.recent(3 + 12)


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


def test_audits_cut_an_over_priced_contract_to_the_reasonable_markup():
    m, reform = _company_run(reasonable_markup=0.15)
    m.state.contract_markup[:] = np.where(np.arange(12) % 2 == 0, 0.5, 0.1)
    step(m, reform, month=3)
    audited = m.state.own.any(axis=1)
    expect = np.where(audited & (np.arange(12) % 2 == 0), 0.15, np.where(np.arange(12) % 2 == 0, 0.5, 0.1))
    assert (m.state.contract_markup == expect).all()  # over-priced cut; fair ones untouched


def test_under_delivery_found_on_a_company_run_agency_stays_on_its_record():
    m, reform = _company_run(under_delivery=0.6, fix_quality=0.8)
    quality = m.state.quality.copy()
    poor = m.state.own & (quality < 0.6)
    assert poor.any()
    step(m, reform, month=3)
    found = np.where(poor, quality, np.inf).min(axis=1)
    assert (m.state.found_quality == found).all()  # inf where nothing was found
    m.state.company[:] = -1  # vendors' clients: no company contract to judge
    m.state.found_quality[:] = np.inf
    m.state.quality[:] = quality
    step(m, reform, month=4)
    assert np.isinf(m.state.found_quality).all()
