"""4. Building and operating (DESIGN §2.4).

Construction ends and systems go live; systems reach end of life and must be renewed.
Every running system has a monthly run cost. An agency's in-house IT unit runs as many
systems as its staff can (at their wages), vendors run the rest at their markup; once an
operating company has taken the agency over, the company runs everything at its own
price with scale economies (seed 001 §2). In-house staff lose skill to the market unless
training and pay hold them (seed 000 §2.4); budgets accrue monthly and lapse beyond a horizon.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..contracts import (
    VendorContracts,
    VendorMarket,
    after_switches,
    inhouse_share,
    kinds_held,
    vendor_renewals,
)
from ..institutions import company_cost
from ..numeric import pairwise_sum, subset_sums
from ..state import KINDS_IN_SET, MONTH, N_KINDS, Pipeline, kind_reach_of
from ..substitutes import duplicates_in_order, running_duplicates
from ..views import view

if TYPE_CHECKING:
    from ..model import GovModel


def complete_and_expire(model: GovModel) -> None:
    st = model.state
    month = model.month
    # systems past end of life stop (a system delivered this month runs at least a month)
    # the month as int32, the months' own type: the comparisons stay 32-bit (20% faster at 13,750 agencies)
    cells = _expire_and_find_done(st.own, st.expires, st.building, st.done, MONTH(month))
    if len(cells) == 0:  # nothing delivered: nothing drawn, no time taken
        model.deliveries.append((0.0, 0))
        return
    spread, lifetime = _LIFE(model)
    # each system's life: uniform in (1 ± spread) x the mean life. numpy's `uniform(low, high)` is
    # low + (high - low) x `random()`, the same draws: made in `_deliver` from `random`, the
    # same numbers at half the call's cost (tests/test_kernels.py checks numpy still does so)
    life = (model.rng.random(len(cells)), 1 - spread, 1 + spread, lifetime)
    # months from proposal to go-live of the projects delivered this month (DESIGN §4)
    took = _deliver(cells, life, month, PIPELINE(model), TERMS(model))
    model.deliveries.append((took, len(cells)))
    model.building_months -= took
    model.n_building -= len(cells)


class Terms(NamedTuple):
    """A project's terms, which go live with its system."""

    proposed: np.ndarray  # (N, K) month the project was proposed
    specified: np.ndarray  # (N, K) the running system's decision and specification (changed)
    build_specified: np.ndarray  # (N, K) the project's
    rights: np.ndarray  # (N, K) the government holds the running system's rights (changed)
    build_rights: np.ndarray  # (N, K) the project's


PIPELINE = view(
    Pipeline,
    own="state.own",
    reuse="state.reuse",
    quality="state.quality",
    built="state.built",
    expires="state.expires",
    building="state.building",
    done="state.done",
    build_quality="state.build_quality",
    build_duplicate="state.build_duplicate",
)
TERMS = view(
    Terms,
    proposed="state.proposed",
    specified="state.specified",
    build_specified="state.build_specified",
    rights="state.rights",
    build_rights="state.build_rights",
)


@njit(cache=True)
def _deliver(cells, life, month, pipeline, terms):
    """Finished projects (`cells`: n x K + k) go live: the agency runs its own system (no
    longer a shared one), at the quality built, until it reaches the end of its drawn life (at
    least a month; `life`: (standard uniforms, low, high, mean life), a life being
    (low + (high - low) x uniform) x mean life, numpy's `uniform` times it); who decided and
    specified it, and who holds its rights, go live with it. Returns the months from proposal
    to go-live, summed."""
    draws, low, high, lifetime = life
    K = pipeline[0].shape[1]
    pipeline, terms = Pipeline(*pipeline), Terms(*terms)  # named again (state.py: kernel views)
    own, reuse, quality, built, expires, building, build_quality, build_duplicate = (
        pipeline.own,
        pipeline.reuse,
        pipeline.quality,
        pipeline.built,
        pipeline.expires,
        pipeline.building,
        pipeline.build_quality,
        pipeline.build_duplicate,
    )
    took = 0
    for j in range(len(cells)):
        n, k = cells[j] // K, cells[j] % K
        own[n, k] = True
        reuse[n, k] = False
        quality[n, k] = build_quality[n, k]
        built[n, k] = month
        expires[n, k] = month + max(1, np.int64((low + (high - low) * draws[j]) * lifetime))
        building[n, k] = False
        build_duplicate[n, k] = False
        terms.specified[n, k] = terms.build_specified[n, k]
        terms.rights[n, k] = terms.build_rights[n, k]
        took += month - terms.proposed[n, k]
    return float(took)


@njit(cache=True)
def _expire_and_find_done(own, expires, building, done, month):
    """Clears `own` where the system expired; returns the cells (n x K + k) whose
    construction ends this month, in row-major order. A flat first pass that vectorises (bytes
    as bytes, a count before any store); then only the eight-cell words of `building` with a
    project under construction are looked into (most are empty), and the cells past them."""
    flat_own, flat_expires = own.ravel().view(np.uint8), expires.ravel()
    flat_building, flat_done = building.ravel().view(np.uint8), done.ravel()
    n_done = 0
    for i in range(len(flat_own)):
        flat_own[i] &= np.uint8(flat_expires[i] > month)
        n_done += flat_building[i] & np.uint8(flat_done[i] <= month)
    cells = np.empty(n_done, np.int64)
    whole = len(flat_building) - len(flat_building) % 8
    words = flat_building[:whole].view(np.uint64)
    j = 0
    for w in range(len(words) if n_done else 0):
        if words[w] != 0:
            for i in range(8 * w, 8 * w + 8):
                if flat_building[i] & (flat_done[i] <= month):
                    cells[j] = i
                    j += 1
    for i in range(whole, len(flat_building) if n_done else whole):
        if flat_building[i] & (flat_done[i] <= month):
            cells[j] = i
            j += 1
    return cells


def operate(model: GovModel) -> None:
    """A month of operations in one compiled pass (`_operate`): vendor contracts that end are
    renewed or switched (`contracts.renew_vendor_contracts`), the month's systems are run
    (`operating_costs`), IT staff lose skill to the market unless trained and paid, and
    budgets accrue (`_people_and_budgets`); then what switching pays and draws
    (`contracts.after_switches`, which reads nothing the rest changes)."""
    after_switches(model, *_run(model, month_passes=True))


def operating_costs(model: GovModel) -> None:
    """Who runs which systems this month, at what cost (reads state, changes none)."""
    _run(model, month_passes=False)


def _run(model: GovModel, month_passes: bool):
    """`_operate` on the model's state; without `month_passes`, only the costs (month 0's).
    Returns the vendor switches (`contracts.vendor_renewals`). The kernel views are read
    straight off the model (`sim/views.py`: one C-level getter each, no keyword construction);
    the per-agency results are written into arrays made once per model (`ops_out`): this
    month's `ops_systems` and `ops_revenue["inhouse"]` are overwritten by the next month's."""
    out = getattr(model, "ops_out", None)
    if out is None:
        out = _outputs(model)
    cost = company_cost(model) if model.companies else _NO_COMPANIES
    n_switched, duplicate, revenue, totals = _operate(
        renewals(model), RUNNING(model), OPERATORS(model), cost, RUN_COSTS(model), TRAINING(model), month_passes, out
    )
    # who earns what, and who runs how many systems (for concentration and control)
    by_company, wages, inhouse, outsourced, movers, exit_cost, buys = out
    model.ops_revenue = {"inhouse": wages, "vendor": revenue[0], "company": revenue[1]}
    # the auditor's count of duplicates, by kind (`measures.duplicate_measures`)
    model.ops_systems = {"inhouse": inhouse, "outsourced": outsourced, "by_company": by_company, "duplicate": duplicate}
    spend = model.spend
    spend["operations"] += totals[0]
    spend["duplicated_operations"] += totals[1]
    if n_switched == 0:  # most months every agency renews
        return _NO_SWITCH
    return movers[:n_switched], exit_cost[:n_switched], buys[:n_switched]


class OpsOut(NamedTuple):
    """`_operate`'s per-agency results, written in place (made once per model, `_outputs`)."""

    by_company: np.ndarray  # (N) bool: a company runs the agency's systems
    wages: np.ndarray  # (N) its in-house staff's wages
    inhouse: np.ndarray  # (N) systems its staff run
    outsourced: np.ndarray  # (N) systems its vendor or company runs
    movers: np.ndarray  # (N) int64: the first `n_switched`, agencies that switched vendor, in order
    exit_cost: np.ndarray  # (N) their exit costs
    buys: np.ndarray  # (N) bool: each bought its legacy systems' rights


def _outputs(model: GovModel) -> tuple:
    """`OpsOut` for the model's agencies (as a plain tuple, a kernel view); also makes the
    running order (`_running_order`), the other array `_operate` keeps from month to month."""
    N = model.structure.n_agencies
    _running_order(model)
    f = np.empty
    model.ops_out = tuple(OpsOut(f(N, bool), f(N), f(N), f(N), f(N, np.int64), f(N), f(N, bool)))
    return model.ops_out


_NO_SWITCH = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool))
_NO_COMPANIES = np.zeros(0)


def _running_order(model: GovModel) -> np.ndarray:
    """(G, K, L) int8: the delivery order of each government's systems of each kind at the
    last count (`substitutes.duplicates_in_order`), kept on the model from month to month (a
    hint only: the count is the same whatever it holds)."""
    s = model.structure
    order = getattr(model, "running_order", None)
    if order is None:
        order = model.running_order = np.full((s.n_gov, N_KINDS, min(s.n_lines, 64)), -1, np.int8)
    return order


class Running(NamedTuple):
    """The running systems, and what an auditor needs to count duplicates among them
    (`substitutes.running_duplicates`)."""

    own: np.ndarray  # (N, K)
    built: np.ndarray  # (N, K) month each went live
    host_open: np.ndarray  # (N) the agency is open to sharing (its stance)
    platform_reach: np.ndarray  # (G, N_LAYERS) a platform layer reaches the government (`kind_reach_of`)
    app_reach: np.ndarray  # (G) a government app serves it
    substitutes: np.ndarray  # (K, L, L)
    line_bits: np.ndarray  # (K, L) the same as bits, (K, 0) beyond 64 lines (`GovModel.line_bits`)
    n_lines: int
    host_capacity: int
    order: np.ndarray  # (G, K, L) int8 the systems' delivery order at the last count (`_running_order`)


class Operators(NamedTuple):
    """Who runs each agency's systems (at what price: with each company's cost factor,
    `institutions.company_cost`, made each month and passed beside it)."""

    staff: np.ndarray  # (N) in-house IT staff
    company: np.ndarray  # (N) operating company, NO_ONE before take-over
    vendor: np.ndarray  # (N) small vendor
    vendor_markup: np.ndarray  # (vendors)
    contract_markup: np.ndarray  # (N) markup of the agency's contract with its company
    pool_staff: np.ndarray  # (G) the technical pool's staff: government IT staff, paid as such


class RunCosts(NamedTuple):
    run_cost: np.ndarray  # (K) 万元 a month per running system
    systems_per_staff: float
    wage: float  # 万元 a month per IT staff member


class Training(NamedTuple):
    """What a month does to IT staff's skill and to budgets (changed in place)."""

    skill: np.ndarray  # (N) the agency's IT unit's
    digital: np.ndarray  # (N) its line staff's digital skill
    budget: np.ndarray  # (N) 万元 available
    budget_rate: np.ndarray  # (N) 万元 a month
    pool_skill: np.ndarray  # (G) the technical pool's staff's
    talent_drain: float  # share of skill lost a month to the market, before the rules' factor
    drain_factor: float  # the rules' factor on it (`Rules.talent_drain_factor`)
    gain: float  # share of the gap to full skill training closes a month
    horizon: float  # months of allocation a budget keeps; the rest lapses


# the kernel views, read straight off the model (`sim/views.py`)
RUNNING = view(
    Running,
    own="state.own",
    built="state.built",
    host_open="state.open",
    platform_reach="platforms.reach",
    app_reach="gov_apps.reach",
    substitutes="structure.substitutes",
    line_bits="line_bits",
    n_lines="structure.n_lines",
    host_capacity="spec.agents.host_capacity",
    order="running_order",
)
OPERATORS = view(
    Operators,
    staff="state.staff",
    company="state.company",
    vendor="state.vendor",
    vendor_markup="vendor_markup",
    contract_markup="state.contract_markup",
    pool_staff="tech_pool.staff",
)
RUN_COSTS = view(
    RunCosts, run_cost="base_run_cost", systems_per_staff="spec.agents.systems_per_staff", wage="spec.agents.staff_wage"
)
TRAINING = view(
    Training,
    skill="state.skill",
    digital="state.digital",
    budget="state.budget",
    budget_rate="state.budget_rate",
    pool_skill="tech_pool.skill",
    talent_drain="spec.agents.talent_drain",
    drain_factor="rules.talent_drain_factor",
    gain="rules.training_gain",
    horizon="spec.agents.budget_horizon",
)
VENDOR_CONTRACTS = view(
    VendorContracts,
    contract_end="state.contract_end",
    company="state.company",
    vendor="state.vendor",
    operator_since="state.operator_since",
    own="state.own",
    rights="state.rights",
    found_sum="state.found_sum",
    found_count="state.found_count",
    market="structure.agency_market",
    staff="state.staff",
)
VENDOR_MARKET = view(
    VendorMarket,
    markup="vendor_markup",
    claim="vendor_claim",
    market="vendor_market",
    n_gov="structure.n_gov",
    tsi_staff="tech_support.staff",
    quality_support="tech_support.quality_support",
    buyout_share="spec.reforms.tech_support_institution.buyout_share",
)
# `RenewalTerms` in its fields' order, its `beliefs` (three fields on) read as one tuple
_TERMS_HEAD = attrgetter(
    "base_run_cost",
    "base_build_cost",
    "month",
    "spec.agents.vendor_contract_months",
    "spec.agents.migration_months",
    "structure.n_lines",
)
_BELIEFS = attrgetter("spec.agents.claim_gap", "spec.agents.claim_gap_spread", "spec.agents.quality_spread")
_LIFE = attrgetter("spec.agents.lifetime_spread", "spec.agents.system_lifetime")


def renewals(model: GovModel) -> tuple[tuple, tuple, tuple]:
    """`contracts.renewal_views` from getters (the same values, without building NamedTuples
    by keyword: about a fifth of `operate`'s Python at 444 agencies)."""
    terms = (*_TERMS_HEAD(model), _BELIEFS(model), model.spec.agents.systems_per_staff)
    return VENDOR_CONTRACTS(model), VENDOR_MARKET(model), terms


@njit(cache=True)
def _operate(renewals, running, operators, company_cost, costs, training, month_passes, out):
    """`operate` in one pass: the vendor renewals (`contracts.vendor_renewals`), the auditor's
    duplicates (`substitutes.duplicates`, from the compatibility bits where the model has
    them), who runs what at what cost (`_operating_costs`, each company at its cost factor
    `company_cost`), then the month's training and budgets (`_people_and_budgets`); renewals
    and training only as a month passes (`month_passes` False: month 0's costs, before any
    month, leave them and contracts as they are). Writes the per-agency results and the vendor
    switches into `out` (`OpsOut`); returns how many agencies switched, the duplicates, (fees
    per vendor, per company), and (operations spending, what running duplicates costs)."""
    x, o, put = Running(*running), Operators(*operators), OpsOut(*out)
    n_switched = 0
    if month_passes:
        movers, exit_cost, buys = vendor_renewals(renewals[0], renewals[1], renewals[2])
        n_switched = len(movers)
        put.movers[:n_switched], put.exit_cost[:n_switched], put.buys[:n_switched] = movers, exit_cost, buys
    kind_reach = kind_reach_of(x.platform_reach, x.app_reach)
    if x.line_bits.shape[1] == x.n_lines:
        duplicate = duplicates_in_order(
            x.own, x.built, kind_reach, x.line_bits, x.n_lines, x.host_open, x.host_capacity, x.order
        )
    else:
        duplicate = running_duplicates(
            x.own, x.built, kind_reach, x.substitutes, x.n_lines, x.host_open, x.host_capacity
        )
    revenue, totals = _operating_costs(x.own, duplicate, operators, company_cost, costs, out)
    # the technical pool's staff are government IT staff: their wages are operations spending
    totals = (totals[0] + pairwise_sum(o.pool_staff) * RunCosts(*costs).wage, totals[1])
    if month_passes:
        _people_and_budgets(o.staff, Training(*training), o.pool_staff)
    return n_switched, duplicate, revenue, totals


@njit(cache=True)
def _operating_costs(own, duplicate, operators, company_cost, costs, out):
    """In-house units run as many systems as their staff can (at their wages), vendors the
    rest at their markup; a company runs everything of the agencies it took over, at the
    agency's contract price: (1 + its contract's markup) x the company's cost factor, a
    multiple of the running cost. `duplicate` (N, K): the running systems an auditor counts
    as duplicates (`sim/substitutes.py`). `operators`: `Operators`; `company_cost` (companies):
    each company's cost factor (`institutions.company_cost`). Writes into `out` (`OpsOut`),
    per agency: whether a company runs it, wages, systems run in-house and outsourced; returns
    per vendor and company: fees earned; in all: operations spending, and what running
    duplicates costs."""
    o, put = Operators(*operators), OpsOut(*out)
    run_cost, systems_per_staff, staff_wage = RunCosts(*costs)  # named again (state.py: kernel views)
    N = own.shape[0]
    # the running cost of each set of kinds, added in kind order (`subset_sums`): a row's sum
    # looked up by its kinds' bits (5x faster than adding it, the same number)
    run_of = subset_sums(run_cost)
    by_company, wages, inhouse, outsourced = put.by_company, put.wages, put.inhouse, put.outsourced
    vendor_rev = np.zeros(len(o.vendor_markup))
    company_rev = np.zeros(len(company_cost))
    ops_total = 0.0
    dup_total = 0.0
    for n in range(N):
        owned = kinds_held(own, n)
        run = run_of[owned]  # 万元/month of running the systems
        dup_run = run_of[kinds_held(duplicate, n)]
        count = KINDS_IN_SET[owned]
        wages[n] = o.staff[n] * staff_wage
        c = o.company[n]
        by_company[n] = c >= 0
        if c >= 0:
            share = 0.0
            fee = run * ((1 + o.contract_markup[n]) * company_cost[c])
            company_rev[c] += fee
        else:
            share = inhouse_share(o.staff[n], count, systems_per_staff)
            fee = (1 - share) * run * (1 + o.vendor_markup[o.vendor[n]])
            vendor_rev[o.vendor[n]] += fee
        inhouse[n] = share * count
        outsourced[n] = (1 - share) * count
        ops = wages[n] + fee
        ops_total += ops
        if run > 0:  # duplicates cost what the agency pays per unit of running cost
            dup_total += dup_run * min(ops / run, 1e9)
    return (vendor_rev, company_rev), (ops_total, dup_total)


@njit(cache=True)
def _people_and_budgets(staff, t, pool_staff):
    """IT staff lose skill to the market unless trained and paid (units' staff and the
    technical pool's alike); line staff are trained; budgets accrue."""
    drain = t.talent_drain * t.drain_factor  # as the product was made in Python before
    for n in range(len(staff)):
        drained = t.skill[n] - drain * t.skill[n]  # only units' staff (a select: no branch)
        t.skill[n] = drained + t.gain * (1 - drained) if staff[n] > 0 else t.skill[n]
        t.digital[n] += t.gain * (1 - t.digital[n])
        # budgets accrue; funds beyond the horizon lapse
        t.budget[n] = min(t.budget[n] + t.budget_rate[n], t.horizon * t.budget_rate[n])
    for g in range(len(pool_staff)):  # the bureau's technical staff are pulled and trained as units' are
        drained = t.pool_skill[g] - drain * t.pool_skill[g]
        t.pool_skill[g] = drained + t.gain * (1 - drained) if pool_staff[g] > 0 else t.pool_skill[g]
