"""Government control over its IT (issue 14 §2): five dimensions, each read from state.

Seed 000 §2.4 ("部分政务信息化的运行管理实际脱离政府管控") and seed 002 §7 (data and source
code must belong to the government; it must hold the highest passwords) name what control
is made of; seed 004 §2.1 says Guangdong's bureau keeps "政府在建设中的主导性" while a
company operates. The dimensions, over agencies' running systems (platform layers apart):

- `control_decision_rights`: who decided and specified each system. Half for the decision
  to build (how closely government examined the proposal: the agency's IT unit at its skill,
  or a reviewing body at the scrutiny its capacity affords over the proposals waiting for it;
  0 where neither exists and the supplier's offer is taken, seed 000 §2.4 "推动或主导"),
  half for the specification (the skill of the government side that wrote it: the agency's
  IT unit or a technical-support institution; 0 where the supplier wrote it). Stored on each
  system when its project starts (`AgencyState.specified`).
- `control_ownership`: share of systems whose code and data rights the government holds
  (`AgencyState.rights`: specified by a government unit or under a technical-support
  institution's contract terms, seed 002 §7).
- `control_contracts`: for systems run by a supplier, how open the exit is: a year's fees
  (what the agency pays: (1 + markup) x running cost, times its company's cost factor for a
  company's client, `institutions.company_prices`) / (a year's fees + switching cost) —
  switching means migrating a system the government holds the rights to, or rebuilding one it
  does not — times 12 / months to the contract's end when that is over a year (a functional
  form assumed, no source); systems run by government staff count 1.
- `control_capacity`: share of the systems run by others that government staff could take
  back: spare in-house capacity (staff × skill × `systems_per_staff` beyond what a unit
  already runs), the technical pool (staff moved from abolished units to the bureau) and
  technical-support institutions' staff, per government, capped at its systems outsourced.
- `control_audit`: share of running systems the government knows first-hand: run by its
  own staff, or audited or checked on delivery in the last 12 months.

`government_control` is their weighted mean; the weights are equal (`CONTROL_WEIGHTS`,
assumed: no source ranks the dimensions; equal weighting is the default of the OECD/JRC
Handbook on Constructing Composite Indicators, Nardo et al. 2008).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .state import N_KINDS, YEAR

DIMENSIONS = ("control_decision_rights", "control_ownership", "control_contracts", "control_capacity", "control_audit")
CONTROL_WEIGHTS = dict.fromkeys(DIMENSIONS, 0.2)  # assumed: equal weights (Nardo et al. 2008)


class ControlInputs(NamedTuple):
    """Arrays the control kernel reads (per agency unless said)."""

    own: np.ndarray  # (N, K) runs a system of the kind
    specified: np.ndarray  # (N, K) government's part in deciding and specifying it, 0-1
    rights: np.ndarray  # (N, K) government holds its code and data rights
    audited: np.ndarray  # (N, K) month of its last audit or delivery check
    inhouse: np.ndarray  # (N,) systems run by the agency's own staff
    staff: np.ndarray  # (N,) in-house IT staff
    skill: np.ndarray  # (N,) their skill
    contract_end: np.ndarray  # (N,) month its operations contract ends
    agency_gov: np.ndarray  # (N,) its government
    run_cost: np.ndarray  # (K,) 万元/month per system
    build_cost: np.ndarray  # (K,) 万元 per project
    pool: np.ndarray  # (G,) staff x skill of the government's technical pool and institution


class Fees(NamedTuple):
    """What each agency's exit is priced at (sim/measures.py computes both agency by agency
    in its one pass; `control_measures` takes them as arrays)."""

    markup: np.ndarray  # (N,) markup of the vendor that would rebuild its systems on an exit (its market's best)
    price: np.ndarray  # (N,) multiple of the running cost its fees are: 1 + markup, x its company's cost factor


@njit(cache=True)
def as_bytes(x):
    """`x` with its (N, K) flags read as bytes (0/1): a flag read as a bool and added or
    multiplied compiles to a branch per system (LLVM's select), a byte to arithmetic. Its
    (N, K) arrays must have the kinds' `N_KINDS` columns (`agency_systems` reads that many)."""
    for kinds in (x.own.shape[1], x.specified.shape[1], x.rights.shape[1], x.audited.shape[1]):
        if kinds != N_KINDS:
            raise ValueError("control: (N, K) arrays must have N_KINDS columns")
    return ControlInputs(
        x.own.view(np.uint8),
        x.specified,
        x.rights.view(np.uint8),
        x.audited,
        x.inhouse,
        x.staff,
        x.skill,
        x.contract_end,
        x.agency_gov,
        x.run_cost,
        x.build_cost,
        x.pool,
    )


@njit(cache=True, inline="always")
def set_sum(values, factor, kinds):
    """Sum of `values[k] * factor` over the kinds in the set `kinds` (bit k: kind k), in kind
    order: what adding kind by kind over an agency's systems gives."""
    total = 0.0
    for k in range(len(values)):
        if (kinds >> k) & 1:
            total += values[k] * factor
    return total


@njit(cache=True)
def set_sums(values, factor):
    """(2^K,) `set_sum` of every set of kinds: an agency's sum is then one lookup. A set's sum
    is that of its kinds below its highest plus the highest's term, as `set_sum` adds them."""
    out = np.empty(1 << len(values))
    out[0] = 0.0
    for top in range(len(values)):
        term = values[top] * factor
        for kinds in range(1 << top, 2 << top):
            out[kinds] = out[kinds - (1 << top)] + term
    return out


@njit(cache=True, inline="always")  # inlined: a call would copy the views' 12 arrays
def agency_systems(x, n, recent, decision):
    """Agency `n`'s running systems: `decision` with their parts added in kind order (the
    running sum, so every caller adds in one order); how many run, hold government rights and
    were audited or checked since month `recent`; the set of kinds it runs and of those whose
    rights the government holds (bit k: kind k). `x` as `as_bytes` makes it: each term is
    added times its flag (0 or 1; adding 0 leaves a sum of non-negative terms as it was),
    without a branch per system. The kinds' count is the constant `N_KINDS` (the state's
    (N, K) arrays, checked by the callers): the loop unrolls (a sixth off the measures' pass)."""
    count = rights = known = runs_set = held_set = 0
    for k in range(N_KINDS):
        runs = np.int64(x.own[n, k])
        held = np.int64(x.rights[n, k]) & runs
        count += runs
        rights += held
        known += (x.audited[n, k] > recent) & runs
        runs_set |= runs << k
        held_set |= held << k
        decision += x.specified[n, k] * runs
    return decision, count, rights, known, runs_set, held_set


@njit(cache=True, inline="always")
def agency_exit(x, n, systems, price, month, systems_per_staff):
    """Agency `n`'s contracts' and audit's system-weighted terms, its systems outsourced and
    its staff's spare capacity (systems). `systems` = (running, audited or checked in the last
    year, their running cost, the cost of switching all of them: rebuilding those whose rights
    the supplier keeps and migrating the others); none running is not asked."""
    count, known, run, switch_all = systems
    inh = min(x.inhouse[n], count)
    out = count - inh
    share_out = out / count
    fees = 12 * run * share_out * price
    switching = switch_all * share_out
    openness = fees / (fees + switching) if fees + switching > 0 else 1.0
    openness *= 12 / max(x.contract_end[n] - month, 12)  # times 12 / months left past a year (x 1 within it)
    spare = max(0.0, x.staff[n] * x.skill[n] * systems_per_staff - inh)
    return inh + out * openness, inh + min(known * share_out, out), out, spare


@njit(cache=True, inline="always")
def add_agency(totals, by_gov, g, count, rights, exit_terms):
    """`totals` (systems, ownership, contracts, audit) with an agency's running systems, those
    whose rights the government holds and its exit's terms (`agency_exit`) added, and its
    outsourced systems and spare capacity added to its government `g`'s (`by_gov`, two (G,)
    arrays): what the measures' pass and `_control_sums` add, in one order."""
    systems, ownership, contracts, audit = totals
    contract, audited, out, spare = exit_terms
    by_gov[0][g] += out
    by_gov[1][g] += spare
    return systems + count, ownership + rights, contracts + contract, audit + audited


@njit(cache=True)
def capacity_sums(outsourced_g, spare_g, pool, systems_per_staff):
    """Systems outsourced, and those government staff could take back, over governments."""
    capable = outsourced = 0.0
    for g in range(len(pool)):
        outsourced += outsourced_g[g]
        capable += min(outsourced_g[g], spare_g[g] + pool[g] * systems_per_staff)
    return capable, outsourced


@njit(cache=True)
def _control_sums(x, fees, month, migration_months, systems_per_staff):
    """Systems-weighted sums of each dimension, the running systems, and the outsourced
    systems in all and those government staff could take back (per government)."""
    x, fees = as_bytes(ControlInputs(*x)), Fees(*fees)  # named again: passed as plain tuples, which numba types fast
    G = len(x.pool)
    decision = 0.0
    totals = (0.0, 0.0, 0.0, 0.0)  # systems, ownership, contracts, audit (`add_agency`)
    outsourced_g = np.zeros(G)
    spare_g = np.zeros(G)
    run_of, migrate_of = set_sums(x.run_cost, 1.0), set_sums(x.run_cost, migration_months)
    for n in range(x.own.shape[0]):
        decision, count, rights, known, runs_set, held_set = agency_systems(x, n, month - YEAR, decision)
        if count == 0:
            continue
        # switching rebuilds the systems whose rights the supplier keeps, at the rebuilder's markup
        rebuild = set_sum(x.build_cost, 1 + fees.markup[n], runs_set ^ held_set)
        terms = (float(count), float(known), run_of[runs_set], rebuild + migrate_of[held_set])
        exit_terms = agency_exit(x, n, terms, fees.price[n], month, systems_per_staff)
        totals = add_agency(totals, (outsourced_g, spare_g), x.agency_gov[n], count, rights, exit_terms)
    systems, ownership, contracts, audit = totals
    capable, outsourced = capacity_sums(outsourced_g, spare_g, x.pool, systems_per_staff)
    return decision, ownership, contracts, audit, systems, capable, outsourced


def control_measures(
    x: ControlInputs, fees: Fees, month: int, migration_months: float, systems_per_staff: float
) -> dict:
    """The five dimensions and their weighted mean (`control_dimensions`)."""
    sums = _control_sums(tuple(x), tuple(fees), month, migration_months, systems_per_staff)
    return control_dimensions(*sums)


def control_dimensions(
    decision: float, ownership: float, contracts: float, audit: float, systems: float, capable: float, outsourced: float
) -> dict:
    """The five dimensions and their weighted mean (`dimensions`), by name."""
    return dict(
        zip(NAMES, dimensions(decision, ownership, contracts, audit, systems, capable, outsourced), strict=True)
    )


NAMES = (*DIMENSIONS, "government_control")
_WEIGHTS = tuple(CONTROL_WEIGHTS[k] for k in DIMENSIONS)  # a constant of the compiled code


@njit(cache=True)
def dimensions(decision, ownership, contracts, audit, systems, capable, outsourced):
    """The five dimensions from their systems-weighted sums, and their weighted mean. Shares
    of running systems are undefined (NaN) where no system runs, and so is their mean: a
    government with nothing to control has neither full nor no control (it was 1, full control
    over nothing). Capacity is 1 where systems run and none is outsourced (nothing to take
    back), as its definition says. The mean is Python's `sum` of the weighted terms
    (`python_sum`), as it was computed before it was compiled."""
    nothing = np.nan
    dims = (
        decision / systems if systems else nothing,
        ownership / systems if systems else nothing,
        contracts / systems if systems else nothing,
        capable / outsourced if outsourced else (1.0 if systems else nothing),
        audit / systems if systems else nothing,
    )
    terms = np.empty(len(dims))
    for k in range(len(dims)):
        terms[k] = _WEIGHTS[k] * dims[k]
    return dims[0], dims[1], dims[2], dims[3], dims[4], python_sum(terms)


@njit(cache=True)
def python_sum(values):
    """`sum(values)` as CPython 3.12 adds a list of floats (Python/bltinmodule.c): the start, 0,
    plus the first, then Neumaier's compensated sum, the compensation added at the end when it
    is finite and not 0. (`math.fsum` is another algorithm; numpy's sum is pairwise.)"""
    if len(values) == 0:
        return 0.0
    total = 0.0 + values[0]
    c = 0.0
    for i in range(1, len(values)):
        x = values[i]
        t = total + x
        if abs(total) >= abs(x):
            c += (total - t) + x
        else:
            c += (x - t) + total
        total = t
    if c != 0.0 and np.isfinite(c):
        total += c
    return total


def project_terms(
    staff: np.ndarray,
    skill: np.ndarray,
    tsi_staff: np.ndarray,
    tsi_skill: np.ndarray,
    scrutiny: float | np.ndarray,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For projects starting (one entry each): the government's part in deciding and
    specifying them, and whether it holds their code and data rights.

    Decision (half): how closely someone in government examined the proposal — the agency's
    IT unit at its skill, or a reviewing body at the `scrutiny` it could afford (its review
    capacity over the proposals waiting for it, `review_scrutiny`), whichever is more; an
    agency without an IT unit and without a reviewer takes what its supplier offers (0),
    whoever runs it. Specification (half): the skill of whoever on the government side writes
    it — the agency's IT unit, or a technical-support institution of its government (seed 000
    §3.2 "技术保障机构协助开展部门业务需求梳理") — else the supplier does (0). Rights: the clause
    that code and data belong to the government (seed 002 §7) is in the terms where a
    government unit or institution wrote them, and holds with probability its skill (`u`, one
    uniform draw per project; assumed: a weaker writer leaves gaps a vendor keeps the code through)."""
    scrutiny = np.full(len(u), float(scrutiny)) if np.ndim(scrutiny) == 0 else np.asarray(scrutiny, dtype=float)
    return terms_of_projects(staff, skill, tsi_staff, tsi_skill, scrutiny, u)


@njit(cache=True)
def terms_of_projects(staff, skill, tsi_staff, tsi_skill, scrutiny, u):
    """`project_terms` project by project (element by element: the same numbers as the
    whole-array expressions, without six temporaries for a few projects a month)."""
    J = len(u)
    specified = np.empty(J)
    rights = np.empty(J, np.bool_)
    for j in range(J):
        unit = skill[j] if staff[j] > 0 else 0.0
        institution = tsi_skill[j] if tsi_staff[j] > 0 else 0.0
        decided = max(unit, scrutiny[j])
        writer = max(unit, institution)
        specified[j] = 0.5 * decided + 0.5 * writer  # assumed: the decision and the specification weigh equally
        rights[j] = u[j] < writer
    return specified, rights


@njit(cache=True)
def review_scrutiny(capacity: np.ndarray, waiting: np.ndarray) -> np.ndarray:
    """(B,) share of a full examination each body gives a proposal it decides this month:
    its monthly capacity over the proposals waiting for it, at most 1 (assumed: a body with a
    backlog spreads its reviewers' time over it rather than examining only the oldest). Compiled:
    planning's review kernel calls it."""
    return np.minimum(1.0, capacity / np.maximum(waiting, 1))


def initial_terms(st, vendor_contract_months: int, rng: np.random.Generator | np.ndarray) -> None:
    """Systems in place at month 0 were decided by their agency and specified by its IT
    unit where it had one (which then holds each system's rights with probability its skill,
    `project_terms`); vendors' contracts end spread over the year (agency by agency, no draw).
    `rng`: the generator, or its uniforms drawn already (one per agency and kind: `random(own.shape)`)."""
    u = rng if isinstance(rng, np.ndarray) else rng.random(st.own.shape)
    _initial_terms(st.own, st.staff, st.skill, u, vendor_contract_months, st.specified, st.rights, st.contract_end)


@njit(cache=True)
def _initial_terms(own, staff, skill, u, contract_months, specified, rights, contract_end):
    """`initial_terms` into its arrays: `project_terms`' specification (no institution, no review) where a
    system runs, else 0; rights where it runs and its draw is below the unit's skill (0 without a unit);
    contract ends agency index modulo `contract_months` (tests/test_setup.py holds it to the numpy code)."""
    N, K = own.shape
    none = np.zeros(N)
    made, _ = terms_of_projects(staff, skill, none, none, none, np.ones(N))
    for n in range(N):
        writer = skill[n] if staff[n] > 0 else 0.0
        for k in range(K):
            specified[n, k] = made[n] if own[n, k] else 0.0
            rights[n, k] = own[n, k] and u[n, k] < writer
        contract_end[n] = n % contract_months
