"""Review 0.2.4 (third round), finding 1: suppliers claim more than they deliver (seed 003
质量评估), agencies read a claim less the mean overstatement, and what audits find on the
incumbent's systems updates that prior (normal-normal posterior mean). Unit tests of the
posterior and of the claims' stream; one model-level paired test that audits steer agencies
away from suppliers who overstate."""

from __future__ import annotations

import numpy as np

from sim import GovModel, contracts
from sim.api import run_model

from .reforms.conftest import tiny
from .test_mechanisms import assert_effect


def _posterior(m: GovModel, claim: float, found: list[float]) -> float:
    """`expected_quality` of agency 0 with `found` on its record and an incumbent claiming `claim`."""
    m.state.found_sum[0], m.state.found_count[0] = sum(found), len(found)
    return float(contracts.expected_quality(m, np.array([0]), np.array([claim]))[0])


def _with(m: GovModel, **agents) -> GovModel:
    m.spec = m.spec.model_copy(update={"agents": m.spec.agents.model_copy(update=agents)})
    return m


def test_no_findings_give_the_claim_less_the_mean_overstatement():
    m = tiny()
    a = m.spec.agents
    assert a.claim_gap > 0 and a.claim_gap_spread > 0  # the baseline overstates, unevenly
    assert np.isclose(_posterior(m, 0.8, []), 0.8 - a.claim_gap)
    assert np.isclose(_posterior(m, 0.05, []), 0.0)  # within [0, 1]


def test_the_posterior_weighs_findings_by_the_two_spreads():
    """σ = τ = 0.1: one finding weighs as much as the prior; many give their mean; the mean
    moves toward the findings as they accumulate."""
    m = _with(tiny(), claim_gap=0.1, claim_gap_spread=0.1, quality_spread=0.1)
    assert np.isclose(_posterior(m, 0.8, [0.5]), (0.7 + 0.5) / 2)
    assert np.isclose(_posterior(m, 0.8, [0.5, 0.5, 0.5]), (0.7 + 3 * 0.5) / 4)
    assert abs(_posterior(m, 0.8, [0.5] * 10_000) - 0.5) < 1e-3
    wider = _with(tiny(), claim_gap=0.1, claim_gap_spread=0.3, quality_spread=0.1)
    assert _posterior(wider, 0.8, [0.5]) < _posterior(m, 0.8, [0.5])  # a less certain prior yields more


def test_findings_carry_no_weight_when_every_supplier_overstates_alike():
    m = _with(tiny(), claim_gap=0.1, claim_gap_spread=0.0)
    assert np.isclose(_posterior(m, 0.8, [0.2, 0.3]), 0.7)
    exact = _with(tiny(), claim_gap=0.1, claim_gap_spread=0.1, quality_spread=0.0)
    assert np.isclose(_posterior(exact, 0.8, [0.2, 0.3]), 0.25)  # exact findings: their mean


def test_an_institution_shrinks_the_prior_as_it_lifts_every_build():
    """Where a technical-support institution closes s of the quality gap, the prior is the
    claim's reading as built there, and its σ shrinks by (1 − s), as the true quality's does;
    so does the findings' noise (every build is lifted), which leaves the weights as without it
    (review 0.2.4: only the prior's σ shrank, so findings weighed (1 − s)² too little)."""
    m = tiny()
    m.tech_support.staff[:], m.tech_support.quality_support = 10.0, 0.5
    s = 0.5
    a = m.spec.agents
    seen = 0.8 - a.claim_gap
    prior = seen + s * (1 - seen)
    assert np.isclose(_posterior(m, 0.8, []), prior)
    tau2, sigma2 = (a.claim_gap_spread * (1 - s)) ** 2, (a.quality_spread * (1 - s)) ** 2
    assert np.isclose(_posterior(m, 0.8, [0.5]), (sigma2 * prior + tau2 * 0.5) / (sigma2 + tau2))
    q2, g2 = a.quality_spread**2, a.claim_gap_spread**2
    unscaled = (q2 * prior + g2 * 0.5) / (q2 + g2)
    assert np.isclose(_posterior(m, 0.8, [0.5]), unscaled)  # both shrink: the weights are the same


def test_claims_come_from_their_own_stream_and_overstate_by_the_drawn_gap():
    """The gaps are drawn from a child of the model's generator: the rest of the model is
    the same whatever they are; each supplier's gap is its claim less its true quality."""
    wide = GovModel("baseline", rng=4, **{"agents.claim_gap_spread": 0.05})
    none = GovModel("baseline", rng=4, **{"agents.claim_gap_spread": 0.0})
    assert np.array_equal(wide.vendor_quality, none.vendor_quality)
    assert np.array_equal(wide.state.quality, none.state.quality) and np.array_equal(
        wide.state.vendor, none.state.vendor
    )
    assert wide.rng.random() == none.rng.random()  # the main stream is where it would be
    a = none.spec.agents
    assert np.allclose(none.vendor_claim, np.minimum(none.vendor_quality + a.claim_gap, 1))
    gap = wide.vendor_claim - wide.vendor_quality
    inside = (wide.vendor_claim > 0) & (wide.vendor_claim < 1)
    assert 0.03 < gap[inside].std() < 0.07 and abs(gap[inside].mean() - a.claim_gap) < 0.03  # N(0.1, 0.05)


def test_a_company_claims_its_quality_plus_its_own_gap():
    m = run_model("reform_ops_separation", seed=1, steps=3)
    c = m.companies[0]
    assert np.isclose(c.claimed_quality, min(max(c.quality + c.claim_gap, 0.0), 1.0))
    assert c.claim_gap != m.spec.agents.claim_gap  # drawn, not the mean


def test_audits_steer_agencies_away_from_suppliers_that_overstate():
    """Model level: in the baseline with third-party evaluation on (yearly vendor contracts,
    audits of 30% of systems a month, overstatements of σ 0.2) against off, the same 20 seeds,
    36 months: the mean overstatement (claim − true quality) of the vendors that agencies with
    running systems hold at the end is lower with audits (paired t < −2; `assert_effect`).
    Without findings an agency cannot tell an honest supplier from one that overstates."""
    over = {"reforms.third_party_evaluation.audit_rate": 0.3, "agents.claim_gap_spread": 0.2}
    diff = []
    for seed in range(1, 21):
        held = []
        for on in (False, True):
            m = run_model("baseline", seed=seed, steps=36, **{"reforms.third_party_evaluation.enabled": on}, **over)
            st = m.state
            vendor = st.vendor[st.own.any(axis=1) & (st.company < 0)]
            held.append(float((m.vendor_claim - m.vendor_quality)[vendor].mean()))
        diff.append(held[1] - held[0])
    assert_effect(np.array(diff), -1, "overstatement of the suppliers held under audits")
