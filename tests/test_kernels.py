"""The compiled kernels against a plain numpy statement of the same rule.

The step's rules run as numba loops (docs/benchmarks.md); each test here restates one rule
in whole-array numpy, the way the model computed it before (0.1.2), and compares on model
states a few months into a run — with and without reforms, so platforms, companies,
reflux and one-stop windows are all exercised. A wrong bit mask, a branch that skips an
agency or a sum into the wrong slot breaks them.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sim import GovModel
from sim.contracts import best_vendor
from sim.institutions import company_scale
from sim.processes import apps, demand, operations, planning, sharing
from sim.state import APP, DATA, KIND_LAYERS, LAYERED_KINDS, MOBILE, NO_BITS, SHAREABLE, Systems, gov_owns
from sim.substitutes import compatible_bits, compatible_reach, usable_of_kind

# (preset, seed, months run): late enough for platforms, companies and reflux to be in place
STATES = [("baseline", 3, 14), ("guangdong", 5, 30), ("zhejiang", 7, 30), ("reform_data_reflux", 11, 30)]


def _run(name: str, seed: int, months: int) -> GovModel:
    m = GovModel(name, rng=seed)
    m.run_for(months)
    return m


@pytest.fixture(scope="module", params=STATES, ids=[f"{n}-{s}-{k}" for n, s, k in STATES])
def model(request) -> GovModel:
    return _run(*request.param)


def test_the_states_exercise_platforms_companies_apps_windows_and_reflux():
    models = [_run(*state) for state in STATES]
    s = [m.structure for m in models]
    on_layer_without_data = [
        (m.platforms.reach[m.structure.agency_gov, 1][m.dyad_provider] & ~m.state.own[m.dyad_provider, DATA]).sum()
        for m in models
    ]
    assert max(on_layer_without_data) > 0
    assert any(m.companies and (m.state.company >= 0).any() for m in models)
    assert any(m.gov_apps.reach.any() for m in models)
    assert any(m.rules.window_capacity.sum() > 0 for m in models)
    assert any(m.state.refluxed.any() for m in models) and len(s) == len(STATES)
    assert any(m.platforms.province_built.any() for m in models)


def _access(m: GovModel) -> np.ndarray:
    """Own systems, and shared ones used where a compatible instance is reachable."""
    s, st = m.structure, m.state
    return st.own | (st.reuse & compatible_reach(st.own, m.kind_reach(), s.substitutes, s.n_lines))


def test_gov_owns_is_any_agency_of_the_government(model):
    s = model.structure
    expect = model.state.own.reshape(s.n_gov, s.n_lines, -1).any(axis=1)
    assert np.array_equal(gov_owns(model.state.own, s.n_gov, s.n_lines), expect)


def test_serve_matches_the_array_rule(model):
    m, s, st = model, model.structure, model.state
    access = _access(m)
    prov = m.dyad_provider
    on_layer = m.platforms.reach[s.agency_gov, 1]
    has_data = access[prov, DATA] | on_layer[prov]
    capable = has_data & access[s.d_req, APP]
    elsewhere = m.libraries.current[prov] | (m.openness.opened[prov] & m.openness.fit)
    served = (m.shared & capable) | (elsewhere & access[s.d_req, APP])
    missing = np.bincount(s.link_inst, weights=~served[s.link_dyad], minlength=len(s.inst_gov))
    stuck = ~served & ~((has_data & m.window_links) | elsewhere)  # fetched over a link opened to the window
    unfetchable = np.bincount(s.link_inst, weights=stuck[s.link_dyad], minlength=len(s.inst_gov))
    h = s.inst_handler
    reach = apps.host_reach(m)[h]
    online = (missing == 0) * np.where(st.own[h, APP], st.quality[h, APP], 0.0) * st.digital[h] * reach

    out = demand.serve(m)
    assert np.array_equal(out.capable, capable) and np.array_equal(out.served, served)
    assert np.array_equal(out.missing, missing) and np.array_equal(out.unfetchable, unfetchable)
    assert np.allclose(out.online, online, rtol=0, atol=1e-15)
    g_req = s.agency_gov[s.d_req]
    assert np.allclose(out.need_by_gov, np.bincount(g_req, weights=s.d_weight, minlength=s.n_gov))
    assert np.allclose(out.served_by_gov, np.bincount(g_req, weights=s.d_weight * served, minlength=s.n_gov))
    assert out.n_served == served.sum()
    assert out.served_weight == pytest.approx((s.d_weight * served).sum(), rel=1e-12)


def test_windows_trips_and_ratings_match_the_array_rule(model):
    """The service kernel's windows, trips and ratings, per government, against numpy: a wrong
    government's capacity, a window counted for an ineligible service or a swapped count fails."""
    m, s = model, model.structure
    out, r = demand.serve(m), m.rules
    missing, stuck, online, gov = out.missing, out.unfetchable, out.online, s.inst_gov
    eligible = (r.reengineered[s.inst_svc] | r.hall[gov]) & (missing > 0)
    time = np.where(eligible, s.inst_volume * (1 - online) * (1 + m.spec.agents.fetch_effort * (missing - stuck)), 0)
    need = np.bincount(gov, weights=time, minlength=s.n_gov)[gov]
    w = np.where(eligible & (need > 0), np.minimum(1.0, r.window_capacity[gov] / np.where(need > 0, need, 1)), 0.0)
    offline = 1 - online
    trips = offline * (w * (1 + stuck) + (1 - w) * (1 + missing))
    one_trip = online + offline * (w * (stuck == 0) + (1 - w) * (missing == 0))
    stars = np.clip(4.0 - missing, 1, 5), np.clip(4.0 - stuck, 1, 5)
    rating = 5 * online + offline * (w * stars[1] + (1 - w) * stars[0])
    for got, want in ((out.windowed, w), (out.trips, trips), (out.one_trip, one_trip), (out.rating, rating)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_islands_are_connected_components_of_served_links(model):
    m, s = model, model.structure
    served = m.outcome.served
    g = nx.Graph()
    g.add_nodes_from(np.flatnonzero(m.linked_agencies).tolist())
    g.add_edges_from(zip(s.d_req[served].tolist(), m.dyad_provider[served].tolist(), strict=True))
    assert m.measures["information_islands"] == nx.number_connected_components(g)


def test_a_link_served_by_a_copy_held_elsewhere_builds_no_trust(model):
    m, a = model, model.spec.agents
    outcome = dataclasses.replace(m.outcome, served=np.ones_like(m.outcome.served))  # every link served by a copy
    shared, window_links = m.shared, m.window_links
    try:
        m.shared, m.window_links = np.zeros_like(shared), np.zeros_like(shared)  # ... but no provider shared
        trust = sharing.link_gain(m, outcome, update_trust=True)[4]
    finally:
        m.shared, m.window_links = shared, window_links
    t = m.trust
    assert np.allclose(trust, t - a.trust_decay * (t - m.trust_floor), rtol=0, atol=1e-15)


def test_link_gains_sum_per_provider_as_bincounts(model):
    m, s, a = model, model.structure, model.spec.agents
    gain, money, sum_positive, sum_refusal, trust = sharing.link_gain(m, m.outcome, update_trust=True)
    t, exchanged = m.trust, (m.shared & m.outcome.capable) | m.window_links  # the provider shared, not a copy
    expect = np.where(exchanged, t + a.trust_gain * (1 - t), t - a.trust_decay * (t - m.trust_floor))
    assert np.allclose(trust, expect, rtol=0, atol=1e-15) and trust is not m.trust
    assert sharing.link_gain(m, m.outcome)[4] is m.trust  # unchanged unless asked
    prov = m.dyad_provider
    positive = np.where(m.outcome.capable, np.maximum(gain, 0.0), 0.0)
    assert np.allclose(sum_positive, np.bincount(prov, weights=positive, minlength=s.n_agencies))
    refusal = m.rules.penalty * m.rules.audit_probability + m.rules.pressure[s.agency_gov[prov]]
    assert np.allclose(sum_refusal, np.bincount(prov, weights=refusal, minlength=s.n_agencies))
    assert (money >= 0).all()


def _copy_state(m: GovModel):
    st = m.state
    return st.reuse.copy(), st.budget.copy()


def _proposal_args(m: GovModel, reuse, budget, bits=None, reviewer_of_gov=None, app_draw=None, queued=None):
    st, a, s = m.state, m.spec.agents, m.structure
    bits = m.line_bits if bits is None else bits
    kind_reach = np.ones((s.n_gov, st.own.shape[1]), bool)  # filled by `_proposals` from the platforms and apps
    systems = Systems(st.own, reuse, kind_reach, s.n_lines, s.substitutes, bits)
    wants = planning.Wants(
        app=st.wants_app.copy(),
        app_draw=np.ones(s.n_agencies) if app_draw is None else app_draw,  # 1: no agency comes to want an app
        app_propensity=a.app_propensity,
        gov_app=m.gov_apps.joins,
        province_built=m.platforms.province_built,
        reviewer_of_gov=np.full(s.n_gov, -1) if reviewer_of_gov is None else reviewer_of_gov,
        routed=reviewer_of_gov is not None,
    )
    reach = planning.Reach(platform=m.platforms.reach, app=m.gov_apps.reach)
    queued = st.queued.copy() if queued is None else queued
    projects = planning.Projects(building=st.building, queued=queued, budget=budget)
    prices = planning.prices_of(m)  # the base cost read-only, as the run passes it: no other signature to compile
    return (
        tuple(systems),
        tuple(reach),
        tuple(wants),
        tuple(projects),
        tuple(prices),
        planning.Work(s.n_agencies, s.n_gov).proposals,
    )


def _propose(args):
    """`_proposals` on `args`: the proposals decided alone (rows, kinds, costs) and those that wait
    (rows, kinds, costs, reviewers), as copies of the parts of the work space it wrote."""
    n_alone, n_queued = planning._proposals(*args)
    out = args[-1]
    return tuple(x[:n_alone].copy() for x in out[:3]), tuple(x[:n_queued].copy() for x in out[3:])


def test_proposals_are_the_lacking_kinds_each_agency_can_pay_for_in_order(model):
    m, s, st, a = model, model.structure, model.state, model.spec.agents
    need = np.ones_like(st.own)
    need[:, MOBILE] = st.wants_app
    lacking = need & ~_access(m) & ~st.building & ~st.queued
    lacking[:, MOBILE] &= ~m.gov_apps.joins  # an agency that decided to put its app into the government app
    lacking &= ~m.platforms.province_built[s.agency_gov]  # the province builds those (guangdong)
    price = planning.build_factor(m)[:, None] * np.asarray(a.build_cost.as_tuple())[None, :]
    cost = np.where(lacking, price, 0.0)
    affordable = lacking & (np.cumsum(cost, axis=1) <= st.budget[:, None])
    rows, kinds = np.nonzero(affordable)

    reuse, budget = _copy_state(m)
    args = _proposal_args(m, reuse, budget)
    (got_rows, got_kinds, got_costs), waiting = _propose(args)
    assert np.array_equal(args[0][2], m.kind_reach())  # filled from the platforms and the government apps
    assert np.array_equal(got_rows, rows) and np.array_equal(got_kinds, kinds)
    assert np.allclose(got_costs, price[rows, kinds])
    assert all(len(x) == 0 for x in waiting)  # no body reviews them
    reserved = np.bincount(rows, weights=price[rows, kinds], minlength=s.n_agencies)
    assert np.allclose(budget, st.budget - reserved)
    pairwise = _copy_state(m)  # the lines compared pair by pair (beyond 64 lines): the same proposals
    again, _ = _propose(_proposal_args(m, *pairwise, bits=NO_BITS))
    assert all(np.array_equal(x, y) for x, y in zip(again, (got_rows, got_kinds, got_costs), strict=True))
    assert np.array_equal(pairwise[0], reuse) and np.array_equal(pairwise[1], budget)


def test_proposals_of_reviewed_governments_wait_for_their_body_and_new_app_wants_are_drawn(model):
    """The same proposals, split: those of governments with a reviewer wait for it (marked
    as queued), in order; the others are decided alone. An agency comes to want an app
    where its draw is below the propensity (`st.wants_app |= draw < propensity`)."""
    m, s, st, a = model, model.structure, model.state, model.spec.agents
    rng = np.random.default_rng(5)
    draw = rng.random(s.n_agencies)
    reviewer_of_gov = np.where(rng.random(s.n_gov) < 0.5, rng.integers(0, 4, s.n_gov), -1)
    plain = _proposal_args(m, *_copy_state(m), app_draw=draw)
    (rows, kinds, costs), _ = _propose(plain)
    assert np.array_equal(plain[2][0], st.wants_app | (draw < a.app_propensity))
    queued = st.queued.copy()
    args = _proposal_args(m, *_copy_state(m), reviewer_of_gov=reviewer_of_gov, app_draw=draw, queued=queued)
    alone, waiting = _propose(args)
    waits = reviewer_of_gov[s.agency_gov[rows]] >= 0
    for got, expect in zip(alone, (rows[~waits], kinds[~waits], costs[~waits]), strict=True):
        assert np.array_equal(got, expect)
    expect = (rows[waits], kinds[waits], costs[waits], reviewer_of_gov[s.agency_gov[rows[waits]]])
    for got, want in zip(waiting, expect, strict=True):
        assert np.array_equal(got, want)
    marked = st.queued.copy()
    marked[rows[waits], kinds[waits]] = True
    assert np.array_equal(queued, marked)
    assert waits.any() or len(rows) == 0


def test_deciding_alone_is_the_numpy_rule_of_reuse_then_build(model):
    """`_decide_alone` against the numpy statement plan made before: reuse where compatible,
    open and willing, funds back by `np.bincount`; the rest build, duplicates where hostable."""
    from sim.substitutes import compatible_for, hostable_for

    m, s, st, a = model, model.structure, model.state, model.spec.agents
    rng = np.random.default_rng(2)
    J = 300
    ra, rk = rng.integers(0, s.n_agencies, J), rng.integers(0, st.own.shape[1], J)
    order = np.lexsort((rk, ra))
    ra, rk, rc = ra[order], rk[order], rng.random(J) * 50
    willing_draw, chance = rng.random(J), 0.6
    kr = m.kind_reach()
    take = compatible_for(st.own, kr, s.substitutes, s.n_lines, ra, rk) & st.open[ra] & (willing_draw < chance)
    reuse, budget = st.reuse.copy(), st.budget.copy()
    reuse[ra[take], rk[take]] = True
    if take.any():
        budget += np.bincount(ra[take], weights=rc[take], minlength=s.n_agencies)
    hostable = hostable_for(st.own, st.open, kr, s.substitutes, s.n_lines, ra[~take], rk[~take], a.host_capacity)

    got_reuse, got_budget = st.reuse.copy(), st.budget.copy()
    systems = tuple(Systems(st.own, got_reuse, kr, s.n_lines, s.substitutes, m.line_bits))
    work = planning.Work(s.n_agencies, s.n_gov)
    proposals = tuple(np.concatenate([x, x[:5]]) for x in (ra, rk, rc))  # read up to `len(willing_draw)` only
    decide = (willing_draw, chance, a.host_capacity)
    n = planning._decide_alone(systems, st.open, proposals, decide, got_budget, work.builds)
    assert take.any() and (~take).any()
    assert np.array_equal(got_reuse, reuse) and np.array_equal(got_budget, budget)  # bit for bit
    expect = (ra[~take], rk[~take], rc[~take], hostable)
    assert n == len(expect[0])
    for got, want in zip(work.builds, expect, strict=True):
        assert np.array_equal(got[:n], want)


@pytest.mark.parametrize("seed", range(4))
def test_deciding_the_queue_is_the_numpy_rule_of_review(model, seed):
    """`_decide_queue` against review's numpy statement before it was compiled: the oldest
    decided per body, duplicates rejected (reuse, funds back), the rest start at the body's
    scrutiny; the queue keeps the undecided in order."""
    from sim.control import review_scrutiny
    from sim.substitutes import compatible_for

    m, s, st = model, model.structure, model.state
    rng = np.random.default_rng(seed)
    J, B = 200, 6
    ag, kd = rng.integers(0, s.n_agencies, J), rng.integers(0, st.own.shape[1], J)
    month, reviewer, cost = np.sort(rng.integers(0, 20, J)), rng.integers(0, B, J), rng.random(J) * 40
    held = rng.random(J) < 0.2 if seed % 2 else planning._NOT_HELD
    allowed, capacity = rng.integers(0, 30, B), rng.random(B) * 10
    decided, waiting, taken = planning._oldest_first(reviewer, held if len(held) else np.zeros(J, bool), allowed)
    scrutiny = review_scrutiny(capacity, waiting)
    a_, k_, c_ = ag[decided], kd[decided], cost[decided]
    kr = m.kind_reach()
    dup = compatible_for(st.own, kr, s.substitutes, s.n_lines, a_, k_)
    reuse, budget, queued = st.reuse.copy(), st.budget.copy(), st.queued.copy()
    reuse[a_[dup], k_[dup]] = True
    budget += np.bincount(a_[dup], weights=c_[dup], minlength=s.n_agencies)
    queued[a_, k_] = False

    got = st.reuse.copy(), st.budget.copy(), st.queued.copy()
    systems = tuple(Systems(st.own, got[0], kr, s.n_lines, s.substitutes, m.line_bits))
    waiting_q = (ag, kd, month, reviewer, cost)
    bodies = (allowed, capacity, held)
    builds = planning.Work(s.n_agencies, s.n_gov).reviewed
    got_taken, (revs, rejected, n_rejected, waited), kept, b = planning._decide_queue(
        waiting_q, bodies, systems, got[2], got[1], builds, 25
    )
    builds = tuple(x[:b] for x in builds)
    assert np.array_equal(got_taken, taken) and dup.any() and (~dup).any()
    assert all(np.array_equal(x, y) for x, y in zip(got, (reuse, budget, queued), strict=True))
    assert np.array_equal(revs, reviewer[decided]) and np.array_equal(rejected, dup) and n_rejected == dup.sum()
    assert np.array_equal(waited, 25 - month[decided])
    for k_got, k_want in zip(kept, (ag, kd, month, reviewer, cost), strict=True):
        assert np.array_equal(k_got, k_want[~decided])
    start = ~dup
    expect = (a_[start], k_[start], c_[start], np.zeros(start.sum(), bool), month[decided][start])
    for b_got, b_want in zip(builds[:5], expect, strict=True):
        assert np.array_equal(b_got, b_want)
    assert np.array_equal(builds[5], scrutiny[reviewer[decided]][start])


def _duplicates(m: GovModel) -> np.ndarray:
    """Running systems with a reachable shared instance of their kind, or a compatible
    agency of their government that delivered one earlier (ties: the lower line), is open,
    is not itself a duplicate and hosts fewer than `host_capacity` duplicates (each charged to
    the lowest such line): the rule written as a plain loop."""
    from sim.state import SHAREABLE

    s, st = m.structure, m.state
    L, cap = s.n_lines, m.spec.agents.host_capacity
    dup = st.own & m.kind_reach()[s.agency_gov]
    for g in range(s.n_gov):
        for k in np.flatnonzero(SHAREABLE & ~m.kind_reach()[g]):
            rows = [g * L + i for i in range(L) if st.own[g * L + i, k]]
            hosted: dict[int, int] = {}
            for n in sorted(rows, key=lambda n: (st.built[n, k], n)):
                i = n - g * L
                room = [j for j in sorted(hosted) if hosted[j] < cap and s.substitutes[k, i, j]]
                if room:
                    dup[n, k] = True
                    hosted[room[0]] += 1
                if st.open[n] and cap > 0 and not dup[n, k]:  # a duplicate hosts none
                    hosted[i] = 0
    return dup


def test_operating_costs_and_duplicates_match_the_array_rule(model):
    m, s, st, a = model, model.structure, model.state, model.spec.agents
    run_cost = np.asarray(a.run_cost.as_tuple())
    dup = _duplicates(m)
    run = st.own @ run_cost
    n_sys = st.own.sum(axis=1)
    by_company = st.company >= 0
    share = np.where(n_sys > 0, np.minimum(1.0, st.staff * a.systems_per_staff / np.maximum(n_sys, 1)), 0.0)
    share[by_company] = 0.0
    wages = st.staff * a.staff_wage
    vendor_fee = np.where(by_company, 0.0, (1 - share) * run * (1 + m.vendor_markup[st.vendor]))
    company_fee = np.zeros(s.n_agencies)
    if by_company.any():
        cost = company_scale(m).copy()  # the scale factor for its own team, its hired staff's wages for theirs
        for c in m.companies:
            mine = st.company == c.cidx
            if run[mine].sum() > 0:
                cover = min(1.0, c.staff * a.systems_per_staff / n_sys[mine].sum())
                cost[c.cidx] = cost[c.cidx] * (1 - cover) + c.staff * a.staff_wage / run[mine].sum()
        price = (1 + st.contract_markup) * cost[np.maximum(st.company, 0)]
        company_fee[by_company] = run[by_company] * price[by_company]
    ops = wages + vendor_fee + company_fee
    pool_wages = m.tech_pool.staff.sum() * a.staff_wage
    unit = np.where(run > 0, ops / np.where(run > 0, run, 1), 0.0)
    dup_cost = ((dup @ run_cost) * np.minimum(unit, 1e9)).sum()

    spend = dict(m.spend)
    m.spend = dict.fromkeys(spend, 0.0)
    try:
        operations.operating_costs(m)
        assert m.spend["operations"] == pytest.approx(ops.sum() + pool_wages, rel=1e-12)
        assert m.spend["duplicated_operations"] == pytest.approx(dup_cost, rel=1e-12, abs=1e-9)
        assert np.allclose(m.ops_systems["inhouse"], share * n_sys)
        vendor_rev = np.bincount(st.vendor, weights=vendor_fee, minlength=len(m.vendors))
        assert np.allclose(m.ops_revenue["vendor"], vendor_rev)
    finally:
        m.spend = spend


def test_a_month_s_training_and_budgets_match_the_array_rule(model):
    """`operate`'s compiled pass (`_run` with a month passing) against the numpy statement of
    `people_and_budgets` before 0.2.5: units' and the technical pool's staff lose skill to the
    market and are trained, line staff are trained, budgets accrue and lapse; the month's
    costs are those of `operating_costs` (month 0's call, which changes none of them)."""
    m, st, a, r = model, model.state, model.spec.agents, model.rules
    pool = m.tech_pool
    fields = ("skill", "digital", "budget", "contract_end", "found_sum", "found_count", "vendor", "operator_since")
    fields += ("app_users",)
    saved = {f: getattr(st, f).copy() for f in fields} | {"pool": pool.skill.copy(), "spend": dict(m.spend)}
    drain = a.talent_drain * r.talent_drain_factor
    drained = st.skill - drain * st.skill
    skill = np.where(st.staff > 0, drained + r.training_gain * (1 - drained), st.skill)
    digital = st.digital + r.training_gain * (1 - st.digital)
    budget = np.minimum(st.budget + st.budget_rate, a.budget_horizon * st.budget_rate)
    pooled = pool.skill - drain * pool.skill
    pool_skill = np.where(pool.staff > 0, pooled + r.training_gain * (1 - pooled), pool.skill)
    # citizens adopt the departmental apps (Bass), an app not running has none
    bass = apps.bass_step(st.app_users, st.quality[:, MOBILE], a.app_innovation, a.app_imitation, a.app_potential)
    users = np.where(st.own[:, MOBILE], bass, 0.0)
    try:
        operations.operating_costs(m)
        costs = dict(m.spend)
        assert all(np.array_equal(getattr(st, f), saved[f]) for f in fields)
        st.contract_end[:] = m.month + 1  # no contract ends: the costs are the same
        operations._run(m, month_passes=True)
        assert np.array_equal(st.skill, skill) and np.array_equal(st.digital, digital)
        assert np.array_equal(st.budget, budget) and np.array_equal(pool.skill, pool_skill)
        assert np.array_equal(st.app_users, users) and not np.array_equal(users, saved["app_users"])
        month = costs["operations"] - saved["spend"]["operations"]
        assert m.spend["operations"] - costs["operations"] == pytest.approx(month, rel=1e-12)
        assert not np.array_equal(skill, saved["skill"]) and not np.array_equal(budget, saved["budget"])
    finally:  # in place: the state's arrays are the same objects for the whole run (`operations.Ops`)
        for f in fields:
            getattr(st, f)[...] = saved[f]
        pool.skill, m.spend = saved["pool"], saved["spend"]


def test_operations_reads_the_renewals_contracts_builds(model):
    """`operations.renewal_args` (from the model's `Ops` and the month's values) hands
    `vendor_renewals` what `contracts.renewal_views` builds by keyword: the same arrays (the
    same buffers: the model's own) and the same values, in the same fields; a field added,
    dropped or moved there breaks it."""
    from sim.contracts import renewal_views

    def same(a, b):
        if isinstance(a, tuple):
            return isinstance(b, tuple) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(b, np.ndarray):
            return isinstance(a, np.ndarray) and _same_buffer(a, b)
        return isinstance(a, (int, float)) and a == b and isinstance(a, int) == isinstance(b, (int, np.integer))

    m = copy.deepcopy(model)  # a copy makes its own `Ops`, of its own arrays
    for x in (model, m):
        assert same(operations.renewal_args(operations.ops_of(x), operations.MONTHLY(x)), renewal_views(x))


def _same_buffer(a: np.ndarray, b: np.ndarray) -> bool:
    """The same memory seen the same way (an array a compiled call hands back is a new object)."""
    where = a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    return where and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype


def test_expiry_and_delivery_find_every_finished_project(model):
    m, st = model, model.state
    own = st.own.copy()
    month = m.month + 1
    rows, kinds = np.divmod(
        operations._expire_and_find_done(own, st.expires, st.building, st.done, month), own.shape[1]
    )
    assert np.array_equal(own, st.own & (st.expires > month))
    expect_rows, expect_kinds = np.nonzero(st.building & (st.done <= month))
    assert np.array_equal(rows, expect_rows) and np.array_equal(kinds, expect_kinds)


def test_delivery_and_expiry_are_the_numpy_rule(model):
    """`complete_and_expire` (`_expire_and_find_done`, the lives drawn, `_deliver`) against the
    numpy statement of the rule: systems past their end stop; finished projects go live with
    their quality, terms and a life of uniform(1 ± spread) x the mean life (at least a month),
    drawn from the model's generator in row-major order; the months they took are summed."""
    import copy

    m = copy.deepcopy(model)  # the fixture is shared: a copy changes
    st, a = m.state, m.spec.agents
    m.steps = max(m.steps + 1, int(st.done[st.building].min()) + 1)  # a month in which some finish
    month = m.month
    rng, before = copy.deepcopy(m.rng), copy.deepcopy(st)
    done = before.building & (before.done <= month)
    rows, kinds = np.nonzero(done)
    assert len(rows) > 0
    life = rng.uniform(1 - a.lifetime_spread, 1 + a.lifetime_spread, size=len(rows)) * a.system_lifetime
    expires = before.expires.copy()
    expires[rows, kinds] = month + np.maximum(1, life.astype(np.int64))
    operations.complete_and_expire(m)
    assert np.array_equal(st.own, (before.own & (before.expires > month)) | done)
    assert np.array_equal(st.expires, expires) and np.array_equal(st.built, np.where(done, month, before.built))
    assert np.array_equal(st.quality, np.where(done, before.build_quality, before.quality))
    assert not (st.reuse & done).any() and not (st.building & done).any() and not (st.build_duplicate & done).any()
    assert np.array_equal(st.specified, np.where(done, before.build_specified, before.specified))
    assert np.array_equal(st.rights, np.where(done, before.build_rights, before.rights))
    assert m.deliveries[-1] == (float((month - before.proposed[done]).sum()), len(rows))
    assert m.rng.random() == rng.random()  # as many draws, in the same order


@pytest.mark.parametrize("spread", [0.0, 0.1, 0.2, 0.25, 1 / 3, 0.5])
def test_numpy_s_uniform_is_low_plus_its_range_times_random(spread):
    """`complete_and_expire` draws systems' lives with `Generator.random` and makes numpy's
    `uniform(1 - spread, 1 + spread)` of them in `_deliver` (low + (high - low) x u): the same
    stream consumed and the same numbers, as long as numpy computes `uniform` that way."""
    drawn, made = np.random.default_rng(17), np.random.default_rng(17)
    low, high = 1 - spread, 1 + spread
    assert np.array_equal(drawn.uniform(low, high, size=200_000) * 96, (low + (high - low) * made.random(200_000)) * 96)
    assert drawn.random() == made.random()  # the streams are where they were


def test_a_shared_system_no_longer_reachable_is_lacking_again():
    """An agency that reused a kind (`reuse`) can use it only while the government can
    still reach a shared instance: without one it lacks the kind and proposes it."""
    m = GovModel("baseline", rng=1)
    s, st = m.structure, m.state
    n = int(np.flatnonzero(~st.own[:, APP] & ~st.building[:, APP] & ~st.queued[:, APP])[0])
    st.reuse[n, APP] = True  # reused an application, which is not a shareable kind
    assert not m.shared_ok()[s.agency_gov[n], APP]
    budget = st.budget.copy()
    budget[n] = 1e9
    (rows, kinds, _), _ = _propose(_proposal_args(m, st.reuse.copy(), budget))
    assert APP in kinds[rows == n]
    assert not m.access()[n, APP]


def test_compiled_and_interpreted_kernels_give_the_same_run(tmp_path):
    """With NUMBA_DISABLE_JIT the kernels run as plain Python on numpy scalars: the
    compiled loops must mean exactly what their Python text says (bit masks on booleans,
    integer conversions, selects), month after month, with reforms acting."""
    code = (
        "import sys; from sim import GovModel\n"
        "m = GovModel('guangdong', rng=3, **{'government.sizes': [1, 3, 8]}); m.run_for(30)\n"
        "m.datacollector.get_model_vars_dataframe().to_csv(sys.argv[1])\n"
    )
    out = tmp_path / "interpreted.csv"
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, timeout=300)
    interpreted = pd.read_csv(out, index_col=0)
    m = GovModel("guangdong", rng=3, **{"government.sizes": [1, 3, 8]})
    m.run_for(30)
    compiled = m.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(compiled, interpreted, check_dtype=False, rtol=1e-12, atol=1e-12)


def test_a_reused_data_system_serves_only_while_a_compatible_line_runs_one():
    """Reuse counts in the service kernel only where a compatible line's system (or a
    platform layer) is reachable: the same pairs planning and review read (§7.3)."""
    m = GovModel("baseline", rng=1)
    s, st = m.structure, m.state
    g = int(np.flatnonzero(~m.platforms.reach[:, 1])[0])  # no data layer
    n, i, j = g * s.n_lines, 0, 1
    block = slice(g * s.n_lines, (g + 1) * s.n_lines)
    st.own[block, DATA] = False
    st.own[n + j, DATA] = True  # only line j runs a data system
    st.reuse[n, DATA] = True
    on_layer = m.platforms.reach[:, 1]
    for compatible in (False, True):
        s.substitutes[DATA, i, j] = s.substitutes[DATA, j, i] = compatible
        m.line_bits = compatible_bits(s.substitutes)  # fixed for a run: made once, so remade here
        for bits in (NO_BITS, m.line_bits):  # pair by pair, and by the lines' bits
            systems = Systems(st.own, st.reuse, m.kind_reach(), s.n_lines, s.substitutes, bits)
            has_data, _ = demand._data_and_apps(systems, on_layer)
            assert has_data[n] == compatible
        assert demand.data_capable(m, np.array([n]))[0] == compatible
        assert m.access()[n, DATA] == compatible


def test_usable_of_kind_is_compatible_reach_of_each_agency(model):
    """The per-agency kernel that data_capable reads (bit masks of compatible lines) gives
    `compatible_reach`'s answer for every agency and kind, and the pairwise path for more
    than 64 lines agrees with it."""
    s, st = model.structure, model.state
    reach = model.kind_reach()
    expect = compatible_reach(st.own, reach, s.substitutes, s.n_lines)
    for k in range(expect.shape[1]):
        assert np.array_equal(usable_of_kind(st.own, reach, s.substitutes, s.n_lines, k), expect[:, k])
    # the same government as 65+ lines: pad every government's block with lines owning nothing
    pad = 65 - s.n_lines
    if pad > 0:
        own = np.zeros((s.n_gov, 65, st.own.shape[1]), bool)
        own[:, : s.n_lines] = st.own.reshape(s.n_gov, s.n_lines, -1)
        subs = np.zeros((s.substitutes.shape[0], 65, 65), bool)
        subs[:, : s.n_lines, : s.n_lines] = s.substitutes
        got = usable_of_kind(own.reshape(-1, own.shape[2]), reach, subs, 65, DATA).reshape(s.n_gov, 65)
        assert np.array_equal(got[:, : s.n_lines].ravel(), expect[:, DATA])


def test_best_vendor_is_the_lowest_price_per_quality_of_each_market(model):
    """Per market, the vendor with the lowest (1 + markup) / the quality agencies expect from
    it (its claim less the known mean overstatement), ties to the lower id (the order a stable
    sort gives)."""
    seen = np.clip(model.vendor_claim - model.spec.agents.claim_gap, 0, 1)
    value = (1.0 + model.vendor_markup) / np.maximum(seen, 1e-9)
    expect = np.full(model.structure.n_gov, -1, np.int64)
    for v in np.argsort(value, kind="stable")[::-1]:  # the best written last
        expect[model.vendor_market[v]] = v
    assert np.array_equal(best_vendor(model), expect)
    tied = model.vendor_claim.copy(), model.vendor_markup.copy()
    try:  # every vendor alike: the lowest id of each market
        model.vendor_claim[:], model.vendor_markup[:] = 0.5, 0.2
        firsts = {m: v for v, m in reversed(list(enumerate(model.vendor_market)))}
        got = best_vendor(model)
        assert all(got[m] == v for m, v in firsts.items())
    finally:
        model.vendor_claim[:], model.vendor_markup[:] = tied


def test_kind_reach_is_each_kinds_platform_layer_and_the_government_app(model):
    """The compiled `kind_reach` restated with numpy: a layered kind is reachable where its
    platform layer is, the mobile app where a government app is, other kinds never. The
    states with platforms (guangdong, zhejiang) make a wrong layer column fail."""
    want = np.zeros((model.structure.n_gov, len(SHAREABLE)), bool)
    want[:, LAYERED_KINDS] = model.platforms.reach[:, KIND_LAYERS]
    want[:, MOBILE] = model.gov_apps.reach
    np.testing.assert_array_equal(model.kind_reach(), want)


def test_row_any_and_row_sum_are_numpys_reductions_over_the_kinds():
    from sim.state import row_any, row_sum

    rng = np.random.default_rng(1)
    for n in (0, 1, 7, 300):
        a = rng.random((n, 5)) < 0.3
        assert np.array_equal(row_any(a), a.any(axis=1))
        assert np.array_equal(row_sum(a), a.sum(axis=1))


def _oldest_first_numpy(reviewer, held, allowed):
    """The review's ranking as whole-array numpy (0.2.3): a stable sort by body, the rank
    within each body's run, decided below its allowance."""
    idx = np.flatnonzero(~held)
    order = idx[np.argsort(reviewer[idx], kind="stable")]
    rev = reviewer[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(rev)) + 1))
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    decided = np.zeros(len(reviewer), bool)
    decided[order[rank < allowed[rev]]] = True
    waiting = np.bincount(rev, minlength=len(allowed))
    return decided, waiting, np.bincount(reviewer[decided], minlength=len(allowed))


@pytest.mark.parametrize("seed", range(6))
def test_bodies_decide_their_oldest_proposals_as_the_ranked_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    n, bodies = int(rng.integers(0, 400)), int(rng.integers(1, 30))
    reviewer = rng.integers(0, bodies, n)
    held = rng.random(n) < (0.3 if seed % 2 else 0.0)  # with and without the freeze
    allowed = rng.integers(0, 6, bodies)
    got = planning._oldest_first(reviewer, held, allowed)
    for a, b in zip(got, _oldest_first_numpy(reviewer, held, allowed), strict=True):
        assert np.array_equal(a, b)
    assert got[0].sum() > 0 or n == 0 or allowed.max() == 0 or held.all()  # the test decides something


def test_data_capable_from_bits_is_the_pairwise_rule(model):
    """`data_capable` by the lines' bits against the per-agency rule (`usable_of_kind`)."""
    s, st = model.structure, model.state
    prov = model.dyad_provider
    can_use = usable_of_kind(st.own, model.kind_reach(), s.substitutes, s.n_lines, DATA)
    layer = model.platforms.reach[s.agency_gov, 1]
    expected = (st.own[:, DATA] | (st.reuse[:, DATA] & can_use) | layer)[prov]
    assert np.array_equal(demand.data_capable(model, prov), expected)


def test_government_app_kernels_match_the_array_rule():
    """app_consolidation's compiled steps against its numpy statement (0.2.3): the share of
    hosted apps per government app, the agencies that reconsider, and who joins."""
    m = _run("guangdong", 5, 30)
    reform = next(r for r in m.reforms if r.key == "app_consolidation")
    st, s = m.state, m.structure
    app = reform.app_of_gov[s.agency_gov]
    inside = (app >= 0) & st.reuse[:, MOBILE] & ~st.own[:, MOBILE]
    with_app = (app >= 0) & (st.own[:, MOBILE] | inside)
    idx = np.searchsorted(reform.apps, app[with_app])
    hosted = np.bincount(idx, weights=inside[with_app], minlength=len(reform.apps))
    total = np.bincount(idx, minlength=len(reform.apps))
    expected = np.where(total > 0, hosted / np.maximum(total, 1), 0.0)
    cand = np.flatnonzero(st.own[:, MOBILE] & reform.covered[s.agency_gov])
    share, own_apps = apps.hosted_and_own_apps(reform.app_index, st.own, st.reuse, s.n_lines, len(reform.apps))
    assert np.array_equal(share, expected) and expected.max() > 0
    assert np.array_equal(own_apps, cand) and len(cand)
    offer = reform._offer(m)
    joins = reform._joins(m, offer)
    covered = np.flatnonzero(reform.covered[s.agency_gov])
    a = m.spec.agents
    value = apps.new_app_value(m.vendor_quality, a.app_innovation, a.app_imitation, a.app_potential, a.system_lifetime)
    own = value[st.vendor[covered]]
    cq = np.array([c.quality for c in m.companies])
    by_company = apps.new_app_value(cq, a.app_innovation, a.app_imitation, a.app_potential, a.system_lifetime)
    own = np.where(st.company[covered] >= 0, by_company[np.maximum(st.company[covered], 0)], own)
    expected_joins = np.zeros(s.n_agencies, bool)
    expected_joins[covered] = offer[s.agency_gov[covered]] > own
    assert np.array_equal(joins, expected_joins)


@pytest.mark.parametrize("n", [1, 5, 64, 65, 300])
def test_a_new_app_s_value_is_the_same_with_or_without_grouping_equal_qualities(n):
    q = np.round(np.random.default_rng(n).uniform(0.3, 0.9, n), 2)  # repeated values, as vendors' draws are not
    rows = np.array([apps.new_app_value(np.array([x]), 0.03, 0.38, 0.5, 96)[0] for x in q])
    assert np.array_equal(apps.new_app_value(q, 0.03, 0.38, 0.5, 96), rows)


@pytest.mark.parametrize("seed", range(6))
def test_a_new_app_s_value_is_the_mean_of_its_bass_curve(seed):
    """`new_app_value`'s compiled passes (ninth pass) against its numpy statement: quality ×
    the mean of `bass_curve` over the app's life, bit for bit (lives below and above numpy's
    128-element pairwise block, builders below and above the grouping threshold)."""
    r = np.random.default_rng(seed)
    n, months = int(r.integers(1, 150)), int(r.choice([1, 7, 96, 200]))
    q, pp, qq, potential = r.uniform(0, 1, n), r.uniform(0.001, 0.1), r.uniform(0.05, 0.6), r.uniform(0.1, 1)
    distinct, which = (q, slice(None)) if n <= 64 else np.unique(q, return_inverse=True)
    curve = apps.bass_curve(np.arange(months)[None, :], distinct[:, None], pp, qq, potential)
    expected = (distinct * curve.mean(axis=1))[which]
    assert np.array_equal(apps.new_app_value(q, pp, qq, potential, months), expected)


@pytest.mark.parametrize("scenario", ["reform_tech_support_institution", "baseline"])
def test_vendor_renewals_match_the_array_rule(scenario):
    """`vendor_renewals` against `due`, `best_vendor`, `switching_cost`, `with_buyout`,
    `expected_quality`, `seen_quality`, `as_built_here` and `choose` (0.2.4), on agencies with
    findings on their record and, under the institution, its support and buy-outs: the same
    agencies switch, to the same vendors, at the same exit cost (to the last bit) for the
    systems their vendor runs (B7, 0.2.5: the in-house unit's share stays)."""
    from sim import contracts

    m = _run(scenario, 3, 30)
    st, a = m.state, m.spec.agents
    vendors_run = np.flatnonzero(st.company < 0)
    st.contract_end[vendors_run[::2]] = m.month  # half of them due, and the agencies run by a company not
    st.found_sum[vendors_run[::3]], st.found_count[vendors_run[::3]] = 1.2, 3.0  # findings on a third
    m.vendor_markup[::4] *= 0.5  # some rivals cheap enough to switch to
    n = contracts.due(m, company=False)
    best = contracts.best_vendor(m)[m.structure.agency_market[n]]
    mine, own = st.vendor[n], st.own[n]
    best_price, my_price = 1.0 + m.vendor_markup[best], 1.0 + m.vendor_markup[mine]
    rebuild = contracts.switching_cost(
        own, st.rights[n], m.base_run_cost, m.base_build_cost, best_price, a.migration_months
    )
    cost, buys = contracts.with_buyout(m, n, rebuild, my_price)
    x = contracts.RenewalInputs(
        run=own @ m.base_run_cost,
        systems=own.sum(axis=1).astype(float),
        switching=cost,
        company_price=my_price,
        company_quality=contracts.expected_quality(m, n, m.vendor_claim[mine]),
        vendor_price=best_price,
        vendor_quality=contracts.as_built_here(m, n, contracts.seen_quality(m, m.vendor_claim[best])),
        staff_available=np.zeros(len(n)),
        staff_skill=np.zeros(len(n)),
    )
    term = a.vendor_contract_months
    switch = (contracts.choose(tuple(x), term, a.systems_per_staff, a.staff_wage) == contracts.SWITCH) & (best != mine)

    movers = n[switch]
    renewals = contracts.renew_vendor_contracts
    before = st.vendor.copy()
    spent = m.spend["build"]
    renewals(m)
    assert np.array_equal(st.vendor != before, np.isin(np.arange(len(before)), movers))
    assert np.array_equal(st.vendor[movers], best[switch])
    systems = own.sum(axis=1)  # B7: the exit moves only what the vendor runs, not the in-house unit's share
    inhouse = np.where(systems > 0, np.minimum(1.0, st.staff[n] * a.systems_per_staff / np.maximum(systems, 1)), 0.0)
    assert ((inhouse > 0) & switch).any()  # some movers keep systems in house
    assert m.spend["build"] == spent + float((cost * (1.0 - inhouse))[switch].sum())
    assert (st.contract_end[n] == m.month + term).all() and not st.found_count[n].any()
    assert switch.any() and (~switch).any() and len(n) < len(vendors_run)
    if scenario == "baseline":
        assert not buys.any()
    else:
        assert m.tech_support.staff.any() and buys.any() and (rebuild != cost).any()


def test_company_revenue_and_running_cost_match_the_array_rule():
    """`company_revenue` and `_company_runs` against the numpy statement (the build value of the
    company's own work delivered in a month, review 0.2.4; its systems and their running cost)."""
    from sim.institutions import Clients, _company_runs, company_revenue

    m = _run("reform_all", 3, 30)
    st, c = m.state, m.companies[0]
    ran = st.company >= 0
    systems, run = _company_runs(st.own, st.company, len(m.companies), m.base_run_cost)
    assert np.array_equal(
        run, np.bincount(st.company[ran], weights=st.own[ran] @ m.base_run_cost, minlength=len(m.companies))
    )
    assert np.array_equal(
        systems, np.bincount(st.company[ran], weights=st.own[ran].sum(axis=1), minlength=len(m.companies))
    )
    month = int(np.max(st.built))  # a month with deliveries
    mine = st.company == c.cidx
    new = st.own[mine] & (st.built[mine] == month) & (st.proposed[mine] < month)
    own = new & (st.proposed[mine] > st.operator_since[mine][:, None])  # its own work, not a predecessor's
    x = Clients(own=st.own, built=st.built, proposed=st.proposed, company=st.company, since=st.operator_since)
    builds = company_revenue(tuple(x), c.cidx, month, m.base_build_cost)
    assert builds == (own @ m.base_build_cost).sum() > 0
