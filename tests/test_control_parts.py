"""The parts behind government control, duplication, contracts and transfers (issue 14),
on hand-made arrays: each test sets the one piece of state a rule reads and checks the
rule follows it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.contracts import RENEW, SWITCH, TAKE_BACK, RenewalInputs, choose, switching_cost
from sim.control import DIMENSIONS, ControlInputs, Fees, control_measures
from sim.fiscal import equalised_budget_rate, transfer
from sim.state import DATA, INFRA, MOBILE, N_KINDS
from sim.substitutes import compatible_for, compatible_reach, draw, running_duplicates

NEVER_AUDITED = -(10**6)

SUBST = np.array([0.7, 0.5, 0.3, 0.0, 0.0])


# ---------------------------------------------------------------- substitutability
def test_substitutes_are_symmetric_reflexive_and_spare_vertical_lines():
    vertical = np.array([True, False, False, False, False, False])
    sub = draw(np.random.default_rng(3), SUBST, vertical)
    assert sub.shape == (N_KINDS, 6, 6)
    assert (sub == sub.transpose(0, 2, 1)).all()
    assert sub[:, np.arange(6), np.arange(6)].all()
    off = ~np.eye(6, dtype=bool)
    assert not sub[:, 0][:, off[0]].any() and not sub[:, :, 0][:, off[0]].any()  # vertical: none
    assert not sub[MOBILE][off].any()  # not shareable: only itself


def test_substitute_draws_leave_the_model_stream_alone():
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    draw(b, SUBST, np.zeros(4, bool))
    assert a.random() == b.random()


def test_substitutability_share_follows_the_parameter():
    sub = draw(np.random.default_rng(1), np.array([0.9, 0.5, 0.1, 0, 0]), np.zeros(60, bool))
    off = ~np.eye(60, dtype=bool)
    shares = [sub[k][off].mean() for k in range(3)]
    assert abs(shares[0] - 0.9) < 0.03 and abs(shares[1] - 0.5) < 0.03 and abs(shares[2] - 0.1) < 0.03


def _two_lines(compatible: bool):
    sub = np.zeros((N_KINDS, 2, 2), bool)
    sub[:, [0, 1], [0, 1]] = True
    sub[INFRA, 0, 1] = sub[INFRA, 1, 0] = compatible
    own = np.zeros((2, N_KINDS), bool)
    own[:, INFRA] = True
    built = np.zeros((2, N_KINDS), np.int32)
    built[1, INFRA] = 5  # line 1 built later
    return own, built, sub


OPEN2 = np.ones(2, bool)


def test_only_a_compatible_earlier_system_makes_a_duplicate():
    reach = np.zeros((1, N_KINDS), bool)
    for compatible in (True, False):
        own, built, sub = _two_lines(compatible)
        dup = running_duplicates(own, built, reach, sub, 2, OPEN2, 1)
        assert not dup[0, INFRA]  # the first builder is the original
        assert dup[1, INFRA] == compatible
        assert compatible_reach(own, reach, sub, 2)[1, INFRA] == compatible
    own, built, sub = _two_lines(False)
    reach[0, INFRA] = True  # a platform layer serves every line
    assert running_duplicates(own, built, reach, sub, 2, ~OPEN2, 0)[:, INFRA].all()  # whatever the owners


def _three_lines():
    """Three mutually compatible lines whose machine rooms were delivered in line order."""
    sub = np.ones((N_KINDS, 3, 3), bool)
    own = np.zeros((3, N_KINDS), bool)
    own[:, INFRA] = True
    built = np.zeros((3, N_KINDS), np.int32)
    built[:, INFRA] = [0, 5, 9]
    return own, built, sub


def test_a_duplicate_needs_an_earlier_owner_open_to_host_it():
    own, built, sub = _three_lines()
    reach = np.zeros((1, N_KINDS), bool)
    guarded_first = np.array([False, True, True])
    dup = running_duplicates(own, built, reach, sub, 3, guarded_first, 5)[:, INFRA]
    assert list(dup) == [False, False, True]  # line 1 had no open host; line 2 has line 1
    assert not running_duplicates(own, built, reach, sub, 3, np.zeros(3, bool), 5)[:, INFRA].any()


def test_a_host_takes_on_no_more_than_its_capacity():
    own, built, sub = _three_lines()
    reach = np.zeros((1, N_KINDS), bool)
    only_first = np.array([True, False, False])
    for capacity, expected in ((1, [False, True, False]), (2, [False, True, True]), (0, [False, False, False])):
        dup = running_duplicates(own, built, reach, sub, 3, only_first, capacity)[:, INFRA]
        assert list(dup) == expected, capacity


def test_a_duplicate_hosts_no_later_duplicate():
    """Six mutually compatible open systems: the count is of systems that could have been
    avoided together — with capacity c, each original hosts c, so 6 - ceil(6 / (c + 1))."""
    from sim.substitutes import _running_duplicates_pairwise

    L = 6
    sub = np.ones((N_KINDS, L, L), bool)
    own = np.zeros((L, N_KINDS), bool)
    own[:, INFRA] = True
    built = np.zeros((L, N_KINDS), np.int32)
    built[:, INFRA] = np.arange(L)
    reach = np.zeros((1, N_KINDS), bool)
    host_open = np.ones(L, bool)
    for capacity, expected in ((1, 3), (2, 4), (5, 5)):
        fast = running_duplicates(own, built, reach, sub, L, host_open, capacity)[:, INFRA]
        slow = _running_duplicates_pairwise(own, built, reach, sub, L, host_open, capacity, np.zeros_like(own))
        assert fast.sum() == expected and (fast == slow[:, INFRA]).all(), capacity
    # capacity 1: originals 0, 2, 4 each host the next one
    assert list(running_duplicates(own, built, reach, sub, L, host_open, 1)[:, INFRA]) == [False, True] * 3


# ---------------------------------------------------------------- control dimensions
def _inputs(**change):
    N = 4
    own = np.zeros((N, N_KINDS), bool)
    own[:, [INFRA, DATA]] = True
    x = dict(
        own=own, specified=np.full((N, N_KINDS), 0.5), rights=np.zeros((N, N_KINDS), bool),
        audited=np.full((N, N_KINDS), NEVER_AUDITED, np.int32), inhouse=np.zeros(N), staff=np.zeros(N),
        skill=np.zeros(N), markup=np.full(N, 0.15), price=np.full(N, 1.15), contract_end=np.full(N, 12, np.int32),
        agency_gov=np.zeros(N, np.int64), run_cost=np.ones(N_KINDS), build_cost=np.full(N_KINDS, 30.0),
        pool=np.zeros(1),
    )  # fmt: skip
    x.update(change)
    fees = Fees(markup=x.pop("markup"), price=x.pop("price"))
    return ControlInputs(**x), fees


def _control(inputs):
    return control_measures(*inputs, month=10, migration_months=3.0, systems_per_staff=1.5)


def test_each_control_dimension_reads_its_own_state():
    base = _control(_inputs())
    assert 0 < base["government_control"] < 1
    moved = {
        "control_decision_rights": _inputs(specified=np.ones((4, N_KINDS))),
        "control_ownership": _inputs(rights=np.ones((4, N_KINDS), bool)),
        "control_audit": _inputs(audited=np.full((4, N_KINDS), 5, np.int32)),
        "control_capacity": _inputs(pool=np.array([3.0])),
    }
    for dim, x in moved.items():
        after = _control(x)
        assert after[dim] > base[dim], dim
        assert after["government_control"] > base["government_control"], dim
        others = [d for d in DIMENSIONS if d not in (dim, "control_contracts")]
        assert all(after[d] == base[d] for d in others), dim
    # contracts: rights make switching a migration, not a rebuild; a long contract closes the exit
    assert _control(_inputs(rights=np.ones((4, N_KINDS), bool)))["control_contracts"] > base["control_contracts"]
    long = _control(_inputs(contract_end=np.full(4, 46, np.int32)))
    assert long["control_contracts"] < base["control_contracts"]


def test_systems_run_by_government_staff_are_controlled():
    x = _inputs(inhouse=np.full(4, 2.0), staff=np.full(4, 2.0), skill=np.full(4, 0.6))
    out = _control(x)
    assert out["control_contracts"] == 1.0 and out["control_audit"] == 1.0 and out["control_capacity"] == 1.0


def test_a_government_with_no_running_system_reports_no_control_figure():
    """Review B9: with nothing running every dimension read 1 (full control over nothing) and
    so did the index. Shares of no systems are undefined: NaN, and the index with them."""
    out = _control(_inputs(own=np.zeros((4, N_KINDS), bool)))
    assert all(np.isnan(out[d]) for d in (*DIMENSIONS, "government_control")), out


def test_spending_per_request_is_undefined_without_requests():
    """Review B9: the division was unguarded (a government without requests divided by 0)."""
    from sim.measures import compute_measures

    from .reforms.conftest import tiny

    m = tiny()
    assert compute_measures(m)["spending_per_request"] > 0
    m.structure.inst_volume[:] = 0.0
    with np.errstate(all="raise"):  # no division by zero on the way
        assert np.isnan(compute_measures(m)["spending_per_request"])


def test_the_compiled_sum_adds_floats_as_python_sum_does():
    """`control.python_sum` (the control index's mean, compiled) against CPython's `sum` of a
    list of floats (Neumaier's compensated sum in 3.12), bit for bit: terms of mixed sign and
    magnitude where a plain or pairwise sum rounds otherwise, NaN and infinities."""
    from sim.control import python_sum

    rng = np.random.default_rng(5)
    cases = [[], [0.0], [-0.0], [0.1] * 10, [1e16, 1.0, -1e16], [np.inf, 1.0], [np.inf, -np.inf], [np.nan, 1.0]]
    cases += [(rng.standard_normal(n) * 10.0 ** rng.integers(-8, 17, n)).tolist() for n in range(1, 40)]
    plain_differs = False
    for values in cases:
        got, want = python_sum(np.array(values, float)), sum(values)
        assert got == want or (np.isnan(got) and np.isnan(want)), values
        assert np.signbit(got) == np.signbit(want), values
        total = 0.0
        for v in values:
            total += v
        plain_differs |= total != want and not np.isnan(want)
    assert plain_differs  # the cases tell a compensated sum from a plain one


def _dimensions_in_python(decision, ownership, contracts, audit, systems, capable, outsourced):
    """The dimensions as `control_dimensions` computed them in Python before they were compiled."""
    nothing = float("nan")
    dims = {
        "control_decision_rights": decision / systems if systems else nothing,
        "control_ownership": ownership / systems if systems else nothing,
        "control_contracts": contracts / systems if systems else nothing,
        "control_capacity": capable / outsourced if outsourced else (1.0 if systems else nothing),
        "control_audit": audit / systems if systems else nothing,
    }
    dims["government_control"] = float(sum([0.2 * dims[k] for k in DIMENSIONS]))
    return dims


def test_compiled_dimensions_are_the_python_rule():
    from sim.control import control_dimensions

    rng = np.random.default_rng(9)
    sums = [tuple((rng.random(7) * rng.integers(0, 200)).tolist()) for _ in range(200)]  # Python floats
    sums += [
        (1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0),
        (0.3, 0.2, 0.9, 0.4, 2.0, 0.0, 0.0),
        (0.3, 0.2, 0.9, 0.4, 2.0, 1.0, 2.0),
    ]
    for s in sums:
        got, want = control_dimensions(*s), _dimensions_in_python(*s)
        assert list(got) == list(want)
        assert all(got[k] == want[k] or (np.isnan(got[k]) and np.isnan(want[k])) for k in want), s


# ---------------------------------------------------------------- contracts
def _renewal(**change):
    x = dict(
        run=np.array([10.0]), systems=np.array([4.0]), switching=np.array([0.0]), company_price=np.array([1.0]),
        company_quality=np.array([0.8]), vendor_price=np.array([1.15]), vendor_quality=np.array([0.8]),
        staff_available=np.array([0.0]), staff_skill=np.array([0.0]),
    )  # fmt: skip
    x.update({k: np.array([v], float) for k, v in change.items()})
    return choose(tuple(RenewalInputs(**x)), 36, 1.5, 1.5)[0]


def test_renewal_compares_price_quality_switching_cost_and_staff():
    assert _renewal() == RENEW  # cheaper incumbent, same quality
    assert _renewal(company_price=1.6) == SWITCH  # dear incumbent, free switch
    assert _renewal(company_price=1.6, switching=400.0) == RENEW  # a rebuild locks the agency in
    assert _renewal(company_quality=0.4) == SWITCH  # an audit found it under-delivers
    back = {"company_price": 1.6, "staff_available": 3.0, "staff_skill": 0.9}
    assert _renewal(**back) == TAKE_BACK
    assert _renewal(**{**back, "staff_available": 2.0}) == SWITCH  # too few staff to run 4 systems


def test_a_take_back_is_priced_at_the_whole_staff_it_moves():
    """Review 0.2.3: `choose` priced 1 system at 1/1.5 of a staff member's wage while the
    take-back moves (and pays) a whole one, so small take-backs looked cheaper than they are."""
    small = {"run": 1.0, "systems": 1.0, "staff_available": 1.0, "staff_skill": 0.9}
    # renewing: 1 x 1.0 x 36 / 0.8 = 45; a whole staff member: 1.5 x 36 / 0.9 = 60 (2/3 of one: 40)
    assert _renewal(**small) == RENEW


def test_switching_means_migrating_what_the_government_owns_and_rebuilding_the_rest():
    own = np.array([[True, True, False, False, False]])
    rights = np.array([[True, False, False, False, False]])
    cost = switching_cost(own, rights, np.ones(N_KINDS), np.full(N_KINDS, 20.0), np.array([1.1]), 3.0)
    assert np.isclose(cost[0], 3.0 + 22.0)


# ---------------------------------------------------------------- transfers
def test_equalisation_tops_up_the_poor_only():
    base = np.full(3, 10.0)
    wealth = np.array([0.4, 1.0, 1.6])
    rate = equalised_budget_rate(base, wealth, 0.5)
    assert np.allclose(rate, [10 * (0.4 + 0.3), 10.0, 16.0])
    assert np.allclose(transfer(base, wealth, 0.5), [3.0, 0.0, 0.0])
    assert np.allclose(equalised_budget_rate(base, wealth, 0.0), base * wealth)


def test_compatible_for_some_pairs_is_compatible_reach_read_there():
    rng = np.random.default_rng(2)
    L, G = 6, 4
    sub = draw(rng, SUBST, np.array([True] + [False] * (L - 1)))
    own = rng.random((G * L, N_KINDS)) < 0.4
    reach = rng.random((G, N_KINDS)) < 0.2
    agencies, kinds = np.repeat(np.arange(G * L), N_KINDS), np.tile(np.arange(N_KINDS), G * L)
    full = compatible_reach(own, reach, sub, L)
    assert np.array_equal(compatible_for(own, reach, sub, L, agencies, kinds), full[agencies, kinds])
    assert full.any() and not full.all()


def test_duplicates_by_bit_masks_match_the_pairwise_rule():
    from sim.substitutes import _running_duplicates_pairwise

    rng = np.random.default_rng(4)
    for L in (5, 40):
        G = 6
        sub = draw(rng, SUBST, rng.random(L) < 0.1)
        own = rng.random((G * L, N_KINDS)) < 0.6
        built = rng.integers(-30, 5, size=(G * L, N_KINDS)).astype(np.int32)
        reach = rng.random((G, N_KINDS)) < 0.2
        for capacity in (0, 1, 3, 100):
            host_open = rng.random(G * L) < 0.5
            fast = running_duplicates(own, built, reach, sub, L, host_open, capacity)
            slow = _running_duplicates_pairwise(own, built, reach, sub, L, host_open, capacity, np.zeros_like(own))
            assert np.array_equal(fast, slow) and fast.any() and not fast[own].all()


def test_the_decision_is_the_governments_as_far_as_someone_in_it_examined_the_proposal():
    from sim.control import project_terms, review_scrutiny

    staff, skill = np.array([0.0, 3.0, 0.0, 0.0]), np.array([0.0, 0.6, 0.0, 0.0])
    none = np.zeros(4)
    scrutiny = np.array([0.0, 0.0, 1.0, 0.25])  # no reviewer, no reviewer, an idle body, a swamped one
    specified, rights = project_terms(staff, skill, none, none, scrutiny, np.full(4, 0.5))
    # no company label: an agency with an IT unit decides at its skill, whoever runs it
    assert specified.tolist() == [0.0, 0.5 * 0.6 + 0.5 * 0.6, 0.5, 0.125]
    assert rights.tolist() == [False, True, False, False]
    # a body reviewing 4 proposals a month examines fully 2 waiting, a quarter of 16
    assert review_scrutiny(np.array([4.0, 4.0, 0.0]), np.array([2, 16, 5])).tolist() == [1.0, 0.25, 0.0]


def test_the_rights_clause_holds_with_the_skill_of_whoever_wrote_the_terms():
    """A unit or institution writes the clause; it holds with probability the writer's skill
    (a draw per project), never where the supplier wrote the terms."""
    from sim.control import project_terms

    staff, skill = np.array([3.0, 3.0, 0.0, 0.0]), np.array([0.3, 0.3, 0.0, 0.0])
    tsi_staff, tsi_skill = np.array([0.0, 0.0, 15.0, 0.0]), np.array([0.0, 0.0, 0.9, 0.0])
    _, rights = project_terms(staff, skill, tsi_staff, tsi_skill, 0.0, np.array([0.2, 0.5, 0.5, 0.0]))
    assert rights.tolist() == [True, False, True, False]  # 0.2 < 0.3; 0.5 > 0.3; 0.5 < 0.9; no writer
    u = np.random.default_rng(3).random(20_000)
    for writer in (0.2, 0.8):
        _, rights = project_terms(np.ones(len(u)), np.full(len(u), writer), np.zeros(len(u)), np.zeros(len(u)), 0.0, u)
        assert abs(rights.mean() - writer) < 0.02


@pytest.mark.parametrize("lines", [5, 16, 17, 40, 64])
def test_many_systems_are_counted_in_delivery_order_as_few_are(lines):
    """`duplicates_by_bits` orders few systems by insertion and many (over 16) by rank: both
    against the pair-by-pair count, on random months (before 0 too, repeated across lines:
    ties go to the lower line), owners, openness, compatibility and capacities."""
    from sim.substitutes import _running_duplicates_pairwise, compatible_bits, duplicates_by_bits

    rng = np.random.default_rng(lines)
    G = 20
    sub = rng.random((N_KINDS, lines, lines)) < 0.5
    sub = sub | sub.transpose(0, 2, 1)
    own = rng.random((G * lines, N_KINDS)) < rng.uniform(0.2, 1.0, (G * lines, 1))
    own[:lines] = True  # the first government runs every kind on every line
    built = rng.integers(-60, 60, own.shape).astype(np.int32)
    reach = rng.random((G, N_KINDS)) < 0.2
    host_open = rng.random(G * lines) < 0.6
    for capacity in (0, 1, 2, 7):
        fast = duplicates_by_bits(own, built, reach, compatible_bits(sub), lines, host_open, capacity)
        slow = _running_duplicates_pairwise(own, built, reach, sub, lines, host_open, capacity, np.zeros_like(own))
        assert np.array_equal(fast, slow), capacity
    assert own.reshape(G, lines, N_KINDS).sum(axis=1).max() > 16 or lines <= 16  # the path for many is taken


def _control_sums_by_hand(x: ControlInputs, fees: Fees, month: int, migration_months: float, spp: float):
    """The control sums system by system, in plain Python, adding only what runs (the rule's
    first form): the compiled kernels add every kind times its flag and read set sums from tables."""
    decision = ownership = contracts = audit = systems = 0.0
    out_g, spare_g = np.zeros(len(x.pool)), np.zeros(len(x.pool))
    for n in range(len(x.own)):
        count = run = rebuild = migrate = known = rights = 0.0
        for k in range(x.own.shape[1]):
            if x.own[n, k]:
                count += 1
                run += x.run_cost[k]
                decision += x.specified[n, k]
                rights += x.rights[n, k]
                known += x.audited[n, k] > month - 12
                if x.rights[n, k]:
                    migrate += migration_months * x.run_cost[k]
                else:
                    rebuild += x.build_cost[k] * (1 + fees.markup[n])
        if count == 0:
            continue
        inh = min(x.inhouse[n], count)
        out = count - inh
        fee = 12 * run * (out / count) * fees.price[n]
        switching = (rebuild + migrate) * (out / count)
        openness = fee / (fee + switching) if fee + switching > 0 else 1.0
        if x.contract_end[n] - month > 12:
            openness *= 12 / (x.contract_end[n] - month)
        systems += count
        ownership += rights
        contracts += inh + out * openness
        audit += inh + min(known * (out / count), out)
        out_g[x.agency_gov[n]] += out
        spare_g[x.agency_gov[n]] += max(0.0, x.staff[n] * x.skill[n] * spp - inh)
    capable = sum(min(out_g[g], spare_g[g] + x.pool[g] * spp) for g in range(len(x.pool)))
    return decision, ownership, contracts, audit, systems, capable, float(out_g.sum())


def test_compiled_control_sums_equal_the_rule_system_by_system():
    """Every sum bit for bit (the kernels add flags as bytes and read set sums from tables: a
    wrong bit, a swapped table or a sum in another order shows here), on random inputs where
    every branch is taken: rights and none, audits old and recent, long and short contracts."""
    from sim.control import _control_sums

    rng = np.random.default_rng(7)
    N, G = 300, 7
    own = rng.random((N, N_KINDS)) < 0.5
    own[:5] = False  # agencies with nothing running
    x = ControlInputs(
        own=own, specified=rng.random((N, N_KINDS)), rights=rng.random((N, N_KINDS)) < 0.3,
        audited=rng.integers(-20, 10, (N, N_KINDS)).astype(np.int32), inhouse=rng.integers(0, 3, N).astype(float),
        staff=rng.integers(0, 3, N).astype(float), skill=rng.random(N),
        contract_end=rng.integers(0, 50, N).astype(np.int32),
        agency_gov=rng.integers(0, G, N), run_cost=rng.random(N_KINDS) * 3, build_cost=rng.random(N_KINDS) * 40,
        pool=rng.random(G),
    )  # fmt: skip
    fees = Fees(markup=rng.random(N) * 0.3, price=1 + rng.random(N) * 0.3)
    got = _control_sums(tuple(x), tuple(fees), 10, 3.0, 1.5)
    want = _control_sums_by_hand(x, fees, 10, 3.0, 1.5)
    assert got[:5] == want[:5]  # the order-sensitive sums exactly
    assert got[5:] == pytest.approx(want[5:], rel=1e-12)  # numpy and Python sum the governments differently


def test_set_sum_tables_add_as_the_loop_does():
    from sim.control import set_sum, set_sums

    rng = np.random.default_rng(3)
    values, factor = rng.random(N_KINDS) * 7, 1.137
    table = set_sums(values, factor)
    for kinds in range(1 << N_KINDS):
        expected = 0.0
        for k in range(N_KINDS):
            if kinds >> k & 1:
                expected += values[k] * factor
        assert table[kinds] == expected == set_sum(values, factor, kinds), kinds


@pytest.mark.parametrize("lines", [5, 40])
def test_duplicates_from_any_order_hint_are_the_count_without_one(lines):
    """`duplicates_in_order` reads each government's systems in the order it kept from its last
    call: carried over months of deliveries and expiries (systems come and go, months move),
    and from a garbage hint (repeated, missing and stale lines), the count is the one without
    a hint, and the hint it leaves is the running systems in delivery order."""
    from sim.substitutes import compatible_bits, duplicates_by_bits, duplicates_in_order

    rng = np.random.default_rng(lines)
    G = 12
    sub = rng.random((N_KINDS, lines, lines)) < 0.4
    bits = compatible_bits(sub | sub.transpose(0, 2, 1))
    own = rng.random((G * lines, N_KINDS)) < 0.6
    built = rng.integers(-40, 0, own.shape).astype(np.int32)
    reach = rng.random((G, N_KINDS)) < 0.2
    host_open = rng.random(G * lines) < 0.6
    order = np.full((G, N_KINDS, lines), -1, np.int8)
    for month in range(12):
        stop = rng.random(own.shape) < 0.1  # expire, and deliveries this month (some the same cell)
        new = rng.random(own.shape) < 0.1
        own = (own & ~stop) | new
        built = np.where(new, month, built).astype(np.int32)
        if month == 6:  # a garbage hint: lines repeated, missing, stale
            order = rng.integers(-1, lines, order.shape).astype(np.int8)
        for capacity in (1, 2):
            hinted = duplicates_in_order(own, built, reach, bits, lines, host_open, capacity, order)
            assert np.array_equal(hinted, duplicates_by_bits(own, built, reach, bits, lines, host_open, capacity))
        g, k = 3, 0
        running = np.flatnonzero(own[g * lines : (g + 1) * lines, k])
        expected = running[np.lexsort((running, built[g * lines + running, k]))]
        if not reach[g, k]:
            assert list(order[g, k, : len(expected)]) == list(expected)


@pytest.mark.parametrize("shape", [(7, 5), (444, 5), (13, 3)])
def test_expiry_and_finished_projects_match_numpy_on_any_shape(shape):
    """`operations._expire_and_find_done` looks only into the eight-cell words of `building`
    that hold a project, then the cells past the last whole word: on shapes whose size is not
    a multiple of eight, sparse and dense, it clears what expired and finds every project that
    ends, in row-major order, as numpy does."""
    from sim.processes.operations import _expire_and_find_done
    from sim.state import MONTH

    rng = np.random.default_rng(shape[0])
    for density in (0.0, 0.02, 0.5, 1.0):
        own = rng.random(shape) < 0.7
        expires = rng.integers(0, 20, shape).astype(MONTH)
        building = rng.random(shape) < density
        done = rng.integers(0, 20, shape).astype(MONTH)
        cleared = own.copy()
        rows, kinds = np.divmod(_expire_and_find_done(cleared, expires, building, done, MONTH(10)), shape[1])
        assert np.array_equal(cleared, own & (expires > 10))
        expect_rows, expect_kinds = np.nonzero(building & (done <= 10))
        assert np.array_equal(rows, expect_rows) and np.array_equal(kinds, expect_kinds)
