"""Issue 14, control side: government control, duplication, contracts and transfers act
through agents' state, shown by running the model (paired seeds: the same seed gives the
same initial government in every scenario). `assert_effect` requires the mean paired
difference over the ten seeds of `conftest.SEEDS` to have the stated sign with a paired t
statistic above 2. No test compares against a typed-in model figure.
"""

from __future__ import annotations

import numpy as np

from sim import GovModel
from sim.api import run_model
from sim.control import DIMENSIONS
from sim.measures import control_measures

from .conftest import SEEDS, series
from .test_mechanisms import SEEDS_40, assert_effect, paired

OPS = "reform_ops_separation"


# ---------------------------------------------------------------- government control
def test_government_control_in_guangdong_is_above_zero_and_rests_on_the_bureau_review():
    for seed in SEEDS[:2]:
        s = series("guangdong", seed=seed)
        assert (s["government_control"] > 0).all()
        # every agency is run by the company at the end, yet the bureau still examines projects
        assert s["operator_share"].iloc[-1] > 0.9 and s["control_decision_rights"].iloc[-1] > 0
    review = {"reforms.unified_approval.enabled": True}
    assert_effect(paired(OPS, OPS, "control_decision_rights", None, review), 1, "decision rights under review")
    # the review counts as far as the body can examine what waits for it: no label of the switch
    swamped = {**review, "reforms.unified_approval.capacity": 0.5}
    assert_effect(paired(OPS, OPS, "control_decision_rights", review, swamped), -1, "a swamped body decides less")


def _set_specified(m):
    m.state.specified[m.state.own] = 1.0


def _set_rights(m):
    m.state.rights[:] = m.state.own


def _staff_a_pool(m):
    m.tech_pool.staff[:] += 100.0
    m.tech_pool.skill[:] = 0.8


def _audit_everything(m):
    m.audits.month[m.state.own] = m.month


def test_each_control_dimension_reads_the_state_it_names():
    changes = {
        "control_decision_rights": _set_specified,
        "control_ownership": _set_rights,
        "control_capacity": _staff_a_pool,
        "control_audit": _audit_everything,
    }
    for dim, change in changes.items():
        m = GovModel(OPS, rng=3)
        m.run_for(30)
        before = control_measures(m)
        change(m)
        after = control_measures(m)
        assert after[dim] > before[dim], dim
        assert after["government_control"] > before["government_control"], dim
        untouched = [d for d in DIMENSIONS if d not in (dim, "control_contracts")]
        assert all(after[d] == before[d] for d in untouched), dim
    # contracts: rights turn a rebuild into a migration; a longer term closes the exit
    m = GovModel(OPS, rng=3)
    m.run_for(30)
    before = control_measures(m)
    _set_rights(m)
    assert control_measures(m)["control_contracts"] > before["control_contracts"]
    m = GovModel(OPS, rng=3)
    m.run_for(30)
    m.state.contract_end[m.state.company >= 0] += 120
    assert control_measures(m)["control_contracts"] < before["control_contracts"]


def test_a_technical_support_institution_holds_rights_and_agencies_leave_a_dear_company():
    tsi = {"reforms.tech_support_institution.enabled": True}
    assert_effect(paired(OPS, OPS, "control_ownership", None, tsi), 1, "ownership with an institution")
    # with rights a switch is a migration, and its staff can take operations back; 40 seeds since
    # 0.2.4: its checks no longer put the lowest quality found on the company's record (a bias
    # against the company that had made the effect about 2.5 times larger). Since the third round
    # its checks also reveal how far the company's claim overstates, which keeps an honest company
    # its clients and loses an over-claiming one theirs (tests/test_claims.py): that channel's sign
    # follows the company's draw, so here every supplier overstates alike (findings carry no weight).
    # The institution's quality support is a channel of its own that works the other way in the
    # merged 0.2.4 (ODD §8, third round: with it the effect is t = -1.1 on these seeds; with a dear
    # company, base_markup 0.4, it raises the share, t = +6.7 on 24 seeds): here it is off, so
    # only rights and staff act (t = -9.4 on 24 seeds)
    alike = {"agents.claim_gap_spread": 0.0, "reforms.tech_support_institution.quality_support": 0.0}
    operator = paired(OPS, OPS, "operator_share", alike, {**tsi, **alike}, seeds=SEEDS_40)
    # a Wilcoxon signed-rank test, not a t: in one seed of 40 every agency leaves (a cascade,
    # -0.99), an outlier that swells the t-test's standard error though 39 pairs fall too
    from scipy.stats import wilcoxon

    p = wilcoxon(operator, alternative="less").pvalue
    assert p < 0.01 and (operator < 0).mean() > 0.8, f"operator share: {np.round(operator, 4)} (p = {p:.3g})"


def test_rights_rest_on_the_skill_of_whoever_writes_the_terms():
    """The rights clause holds with the writer's skill: a weaker institution secures fewer rights."""
    strong = {"reforms.tech_support_institution.enabled": True, "reforms.tech_support_institution.skill": 0.9}
    weak = {**strong, "reforms.tech_support_institution.skill": 0.3}
    assert_effect(paired(OPS, OPS, "control_ownership", strong, weak), -1, "ownership with a weak institution")


def test_a_strict_institution_returns_more_for_rework_and_systems_go_live_later():
    """Rework is not free and not instant: a stricter acceptance threshold sends more
    deliverables back, so go-live comes later."""
    lax = {"reforms.tech_support_institution.enabled": True, "reforms.tech_support_institution.acceptance": 0.3}
    strict = {**lax, "reforms.tech_support_institution.acceptance": 0.8}
    assert_effect(paired(OPS, OPS, "mean_delivery_time", lax, strict), 1, "delivery time under a strict institution")
    assert run_model(OPS, seed=1, **strict).tech_support.rework_cost > 0


def test_audits_recover_over_priced_fees_lower_the_markup_and_inform():
    tpe = {"reforms.third_party_evaluation.enabled": True}
    for seed in SEEDS[:2]:
        m = run_model(OPS, seed=seed, **tpe)
        assert m.audits.recovered > 0  # 审减: fees above the reasonable markup came back
    # no audit writes a markup: the company prices for the oversight it sees
    assert_effect(paired(OPS, OPS, "operator_markup", None, tpe), -1, "markup under audits")
    assert_effect(paired(OPS, OPS, "control_audit", None, tpe), 1, "audit information")
    # What audits find reaches renewals by updating what the supplier claims (0.2.4, third
    # round): tests/test_claims.py (the posterior; audits steer agencies away from suppliers
    # that overstate, paired over 20 seeds) and tests/reforms (the renewals read the record).


# ---------------------------------------------------------------- duplication
def test_only_compatible_systems_count_as_duplicates():
    none = {f"agents.substitutability.{k}": 0.0 for k in ("infrastructure", "support", "data")}
    every = {f"agents.substitutability.{k}": 1.0 for k in ("infrastructure", "support", "data")}
    assert_effect(paired("baseline", "baseline", "duplicated_share", None, none), -1, "no compatible lines")
    assert_effect(paired("baseline", "baseline", "duplicated_share", None, every), 1, "all lines compatible")
    assert (series("baseline", seed=1, **none)["duplicated_spending"] == 0).all()  # no platform, no app


def test_a_duplicate_needs_an_owner_who_could_host_it():
    """The auditor counts a system as a duplicate only where an earlier compatible system's
    owner is open and has room: no room, no duplicate; more room, more duplicates."""
    assert (series("baseline", seed=1, **{"agents.host_capacity": 0})["duplicated_spending"] == 0).all()
    roomy = {"agents.host_capacity": 20}
    assert_effect(paired("baseline", "baseline", "duplicated_share", None, roomy), 1, "hosts with more room")
    # with every owner guarded at the start, month 0 counts fewer duplicates of each kind
    guarded = {"agents.initial_open_share": 0.0}
    for kind in ("infrastructure", "support", "data"):
        base, none = series("baseline", seed=1, steps=1), series("baseline", seed=1, steps=1, **guarded)
        assert none[f"duplicate_{kind}"].iloc[0] < base[f"duplicate_{kind}"].iloc[0], kind


# ---------------------------------------------------------------- transfers
def test_equalisation_transfers_narrow_the_county_gap():
    flat = {"agents.equalisation_rate": 0.0}
    assert_effect(paired("baseline", "baseline", "county_gap", flat, None), -1, "county gap with transfers")
    m = GovModel("baseline", rng=1, steps=1)
    wealth = m.structure.gov_wealth[m.structure.agency_gov]
    base = np.asarray(m.spec.agents.budget_per_month)[m.structure.agency_level]
    topped = m.state.budget_rate - base * wealth
    assert (topped[wealth < 1] > 0).all() and (topped[wealth >= 1] == 0).all()
    # the transfer is reported as its own line (financed from above, outside the model)
    assert np.isclose(series("baseline")["transfers_received"].iloc[0], topped.sum())
    assert (series("baseline", **flat)["transfers_received"] == 0).all()


def test_staff_moved_to_other_posts_stay_on_the_payroll_and_are_reported():
    assert (series("baseline")["moved_staff_wages"] == 0).all()
    m = run_model(OPS, seed=1)
    moved = m.state.other_posts.sum()
    assert moved > 0
    assert series(OPS)["moved_staff_wages"].iloc[-1] == moved * m.spec.agents.staff_wage


def test_the_province_builds_poorer_governments_hardware_and_support():
    m = GovModel("guangdong", rng=1)
    m.run_for(24)
    pf, s = m.platforms, m.structure
    covered = pf.province_built.any(axis=1)
    assert covered.any() and not covered[s.gov_level == 0].any()
    city = s.gov_ancestor[:, 1]
    assert (s.gov_wealth[city[covered]] < 1.0).all()
    # their agencies build no infrastructure or support of their own
    agencies = covered[s.agency_gov]
    assert not m.state.building[agencies][:, :2].any()


def test_vendor_lock_in_is_a_renewal_decision():
    from sim.contracts import best_vendor, renew_vendor_contracts

    def renewal(rights: bool):
        m = GovModel("baseline", rng=3)
        st = m.state
        best = best_vendor(m)[m.structure.agency_market]
        dear = st.vendor != best
        m.vendor_markup[np.unique(st.vendor[dear])] = 1.0  # every other vendor now charges double
        m.vendor_markup[np.unique(best)] = 0.1
        st.rights[:] = st.own if rights else False
        st.contract_end[:] = m.month
        before = st.vendor.copy()
        renew_vendor_contracts(m)
        return (st.vendor != before).sum(), dear.sum(), (st.vendor == best)[dear].mean()

    moved, dear, to_best = renewal(rights=True)
    assert dear > 0 and moved > 0.9 * dear and to_best > 0.9  # migration is cheap: they leave a dear vendor
    moved_locked, _, _ = renewal(rights=False)
    assert moved_locked < moved  # without rights a switch means rebuilding: some stay locked in
