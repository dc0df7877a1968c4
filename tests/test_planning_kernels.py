"""Planning's compiled helpers against their numpy statements, on cases the model states rarely show."""

from __future__ import annotations

import numpy as np
import pytest

from sim.processes import planning


@pytest.mark.parametrize("seed", range(3))
def test_refunds_are_summed_per_agency_in_order_then_added_once_as_bincount(seed):
    """`_refund` touches only the agencies refunded but must equal `budget += np.bincount(...)` bit for bit:
    an agency refunded several times gets the sum of its refunds (in order) added once. Adding each refund
    on its own, adding an agency's sum twice, or refunding a proposal not returned breaks it."""
    rng = np.random.default_rng(seed)
    N, J = 40, 120
    agency = rng.integers(0, N, J)  # many agencies refunded several times
    cost = rng.random(J) * 37.3
    returned = rng.random(J) < 0.6
    budget = rng.random(N) * 100 - 20
    expect = budget + np.bincount(agency[returned], weights=cost[returned], minlength=N)
    planning._refund(agency, cost, returned, budget)
    assert np.array_equal(budget, expect)
    assert np.bincount(agency[returned]).max() > 2  # the case that matters is there


def test_no_refund_changes_no_budget():
    budget = np.array([1.5, -0.0, 3.25])
    planning._refund(np.array([0, 2], np.int64), np.array([4.0, 5.0]), np.zeros(2, bool), budget)
    assert np.array_equal(budget, [1.5, -0.0, 3.25]) and np.signbit(budget[1])


def _run(name: str, seed: int, months: int):
    from sim import GovModel

    m = GovModel(name, rng=seed)
    m.run_for(months)
    return m


@pytest.fixture(scope="module", params=[("baseline", 3, 14), ("guangdong", 5, 30)], ids=["baseline", "guangdong"])
def model(request):
    return _run(*request.param)


def _records_copy(m):
    return tuple(x.copy() for x in planning.RECORDS(m))


@pytest.mark.parametrize("chance", [0.6, 0.0])
def test_deciding_alone_then_starting_is_the_numpy_rule_of_reuse_then_build(model, chance):
    """`_lone_options` and `_decide_and_start` against the numpy statement plan made before:
    reuse where compatible, open and willing, funds back by `np.bincount`; the rest build,
    duplicates where hostable, and start as `_start_builds` starts them on the same draws.
    Reusing without the draw, building a reused proposal, refunding a build, marking the wrong
    duplicates or starting other builds than the kept ones breaks it."""
    from sim.state import Systems
    from sim.substitutes import compatible_for, hostable_for

    m, s, st, a = model, model.structure, model.state, model.spec.agents
    rng = np.random.default_rng(2)
    J = 300
    ra, rk = rng.integers(0, s.n_agencies, J), rng.integers(0, st.own.shape[1], J)
    order = np.lexsort((rk, ra))
    ra, rk, rc = ra[order], rk[order], rng.random(J) * 50
    keep = np.r_[True, (np.diff(ra) != 0) | (np.diff(rk) != 0)]  # one proposal per agency and kind
    ra, rk, rc = ra[keep], rk[keep], rc[keep]
    J = len(ra)
    willing_draw = rng.random(J)
    kr = m.kind_reach()
    take = compatible_for(st.own, kr, s.substitutes, s.n_lines, ra, rk) & st.open[ra] & (willing_draw < chance)
    reuse, budget = st.reuse.copy(), st.budget.copy()
    reuse[ra[take], rk[take]] = True
    if take.any():
        budget += np.bincount(ra[take], weights=rc[take], minlength=s.n_agencies)
    hostable = hostable_for(st.own, st.open, kr, s.substitutes, s.n_lines, ra[~take], rk[~take], a.host_capacity)
    B = int((~take).sum())
    u, noise = rng.random(B), rng.normal(0, 0.1, B)
    builders = (
        *planning.BUILDERS(m),
        planning._NO_COMPANY if not m.companies else np.array([c.quality for c in m.companies]),
    )
    expect_records = _records_copy(m)
    expect_builds = (ra[~take], rk[~take], rc[~take], hostable, planning._NOW, planning._UNREVIEWED)
    expect_spent = planning._start_builds(expect_builds, (u, noise), m.month, a.build_months, builders, expect_records)

    got_reuse, got_budget, got_records = st.reuse.copy(), st.budget.copy(), _records_copy(m)
    systems = Systems(st.own, got_reuse, kr, s.n_lines, s.substitutes, m.line_bits)
    work = planning.Work(s.n_agencies, s.n_gov)
    lone = (st.open, a.host_capacity, work.reusable_at, work.hostable)
    n_reusable = planning._lone_options(systems, ra, rk, lone)
    assert np.array_equal(work.hostable[:J][~take], hostable)
    proposals = tuple(np.concatenate([x, x[:5]]) for x in (ra, rk, rc))  # read up to `len(willing_draw)` only
    decide = (willing_draw, chance, n_reusable, got_budget, got_reuse)
    spent = planning._decide_and_start(
        lone, proposals, decide, work.alone_builds, (u, noise, m.month, a.build_months), builders, got_records
    )
    assert (~take).any() and (take.any() or chance == 0)
    assert np.array_equal(got_reuse, reuse) and np.array_equal(got_budget, budget)  # bit for bit
    for got, want in zip(work.builds, expect_builds[:4], strict=True):
        assert np.array_equal(got[:B], want)
    assert spent == expect_spent
    for got, want in zip(got_records, expect_records, strict=True):
        assert np.array_equal(got, want)


def test_when_every_lone_proposal_is_reused_nothing_starts(model):
    """All reused: funds back, `reuse` set, no build written or started (spending 0)."""
    from sim.state import Systems

    m, s, st, a = model, model.structure, model.state, model.spec.agents
    kr = m.kind_reach()
    work = planning.Work(s.n_agencies, s.n_gov)
    lone = (st.open, a.host_capacity, work.reusable_at, work.hostable)
    systems = Systems(st.own, st.reuse.copy(), kr, s.n_lines, s.substitutes, m.line_bits)
    rows = np.flatnonzero(st.open)[:40]
    kinds = np.zeros(len(rows), np.int64)
    n = planning._lone_options(systems, rows, kinds, lone)
    rows, kinds = rows[work.reusable_at[:n]], kinds[work.reusable_at[:n]]
    assert len(rows) > 0
    work = planning.Work(s.n_agencies, s.n_gov)
    lone = (st.open, a.host_capacity, work.reusable_at, work.hostable)
    assert planning._lone_options(systems, rows, kinds, lone) == len(rows)
    reuse, budget, records = st.reuse.copy(), st.budget.copy(), _records_copy(m)
    costs = np.full(len(rows), 2.5)
    decide = (np.zeros(len(rows)), 0.5, len(rows), budget, reuse)
    builders = (
        *planning.BUILDERS(m),
        planning._NO_COMPANY if not m.companies else np.array([c.quality for c in m.companies]),
    )
    spent = planning._decide_and_start(
        lone, (rows, kinds, costs), decide, work.alone_builds, (*planning._NO_DRAWS, m.month, 1), builders, records
    )
    assert spent == (0.0, 0.0, 0.0) and reuse[rows, kinds].all()
    assert np.array_equal(budget, st.budget + np.bincount(rows, costs, minlength=s.n_agencies))
    assert all(np.array_equal(x, y) for x, y in zip(records, planning.RECORDS(m), strict=True))
