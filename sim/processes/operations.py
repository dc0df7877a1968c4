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
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import config, njit, types
from numba.experimental import structref

from ..contracts import after_switches, inhouse_share, kinds_held, vendor_renewals
from ..institutions import company_cost
from ..numeric import pairwise_sum, subset_sums
from ..state import KINDS_IN_SET, MONTH, N_KINDS, Pipeline, kind_reach_of
from ..substitutes import duplicates_in_order, running_duplicates
from ..views import view
from .apps import _adopt

if TYPE_CHECKING:
    from ..model import GovModel


def complete_and_expire(model: GovModel) -> None:
    st, month = model.state, model.month
    # systems past end of life stop (a system delivered this month runs at least a month)
    # the month as int32, the months' own type: the comparisons stay 32-bit (20% faster at 13,750 agencies);
    # its four arrays passed as they are (a compiled call unboxes four arrays in a quarter of an `Ops`' time)
    cells = _expire_and_find_done(st.own, st.expires, st.building, st.done, MONTH(month))
    if len(cells) == 0:  # nothing delivered: nothing drawn, no time taken
        model.deliveries.append((0.0, 0))
        return
    # each system's life: uniform in (1 ± spread) x the mean life. numpy's `uniform(low, high)` is
    # low + (high - low) x `random()`, the same draws: made in `_deliver` from `random`, the
    # same numbers at half the call's cost (tests/test_kernels.py checks numpy still does so)
    # months from proposal to go-live of the projects delivered this month (DESIGN §4)
    took = _go_live(ops_of(model), cells, model.rng.random(len(cells)), month)
    model.deliveries.append((took, len(cells)))
    model.building_months -= took
    model.n_building -= len(cells)


@njit(cache=True)
def _go_live(ops, cells, draws, month):
    """`_deliver` on the model's arrays (`Ops`), the lives made from the standard uniforms `draws`."""
    spread = ops.lifetime_spread
    pipeline = (
        ops.own,
        ops.reuse,
        ops.quality,
        ops.built,
        ops.expires,
        ops.building,
        ops.done,
        ops.build_quality,
        ops.build_duplicate,
    )
    terms = (ops.proposed, ops.specified, ops.build_specified, ops.rights, ops.build_rights)
    return _deliver(cells, (draws, 1 - spread, 1 + spread, ops.system_lifetime), month, pipeline, terms)


class Terms(NamedTuple):
    """A project's terms, which go live with its system."""

    proposed: np.ndarray  # (N, K) month the project was proposed
    specified: np.ndarray  # (N, K) the running system's decision and specification (changed)
    build_specified: np.ndarray  # (N, K) the project's
    rights: np.ndarray  # (N, K) the government holds the running system's rights (changed)
    build_rights: np.ndarray  # (N, K) the project's


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
    renewed or switched (`contracts.vendor_renewals`), the month's systems are run
    (`operating_costs`), IT staff lose skill to the market unless trained and paid, budgets
    accrue (`_people_and_budgets`) and citizens adopt the departmental apps (`apps._adopt`);
    then what switching pays and draws (`contracts.after_switches`, which reads nothing the
    rest changes and changes nothing adoption reads: spending and rights)."""
    after_switches(model, *_run(model, month_passes=True))


def operating_costs(model: GovModel) -> None:
    """Who runs which systems this month, at what cost (reads state, changes none)."""
    _run(model, month_passes=False)


def _run(model: GovModel, month_passes: bool):
    """`_operate` on the model's arrays (`ops_of`) and this month's values (`MONTHLY`); without
    `month_passes`, only the costs (month 0's). Returns the vendor switches
    (`contracts.vendor_renewals`). The per-agency results are written into arrays made once
    per model (`ops_out`): this month's `ops_systems` and `ops_revenue["inhouse"]` are
    overwritten by the next month's."""
    ops = ops_of(model)
    cost = company_cost(model) if model.companies else _NO_COMPANIES
    (n_switched, pay_only, exit_total), duplicate, revenue, totals = _operate(ops, MONTHLY(model), cost, month_passes)
    # who earns what, and who runs how many systems (for concentration and control)
    by_company, wages, inhouse, outsourced, movers, exit_cost, buys = model.ops_out
    model.ops_revenue = {"inhouse": wages, "vendor": revenue[0], "company": revenue[1]}
    # the auditor's count of duplicates, by kind (`measures.duplicate_measures`)
    model.ops_systems = {"inhouse": inhouse, "outsourced": outsourced, "by_company": by_company, "duplicate": duplicate}
    spend = model.spend
    spend["operations"] += totals[0]
    spend["duplicated_operations"] += totals[1]
    if n_switched == 0:  # most months every agency renews
        return _NO_SWITCH
    if pay_only:  # all `after_switches` would do (`_switches_pay_only`): the exit costs
        spend["build"] += exit_total
        return _NO_SWITCH
    return movers[:n_switched], exit_cost[:n_switched], buys[:n_switched]


class OpsOut(NamedTuple):
    """`_operate`'s per-agency results, written in place (made once per model, `ops_of`)."""

    by_company: np.ndarray  # (N) bool: a company runs the agency's systems
    wages: np.ndarray  # (N) its in-house staff's wages
    inhouse: np.ndarray  # (N) systems its staff run
    outsourced: np.ndarray  # (N) systems its vendor or company runs
    movers: np.ndarray  # (N) int64: the first `n_switched`, agencies that switched vendor, in order
    exit_cost: np.ndarray  # (N) their exit costs
    buys: np.ndarray  # (N) bool: each bought its legacy systems' rights


_NO_SWITCH = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool))
_NO_COMPANIES = np.zeros(0)


# ---------------------------------------------------------------------------- the model's arrays, made once
# What operations reads and writes every month and what stays the same object for the whole
# run: the agencies' state (assigned only while the model is set up, then written in place),
# the structure, the base costs, the compatibility bits, the spec's values (frozen), and the
# arrays operations keeps (`ops_out`, `running_order`). Held in a numba structref (`Ops`),
# which a compiled call unboxes as one object (~1.2 µs) instead of ~60 arrays and numbers
# (~0.2 µs each), the same buffers: writes on either side are seen by the other. An array
# REPLACED on the model (not written in place) would leave it stale: nothing in sim does
# (tests/test_operations_args.py runs every preset with every reform and checks).
# A copy or a pickle of the model drops it (`Ops.__reduce__`): the copy makes its own.
OPS_PATHS = {
    "own": "state.own",
    "built": "state.built",
    "expires": "state.expires",
    "building": "state.building",
    "done": "state.done",
    "quality": "state.quality",
    "reuse": "state.reuse",
    "build_quality": "state.build_quality",
    "build_duplicate": "state.build_duplicate",
    "proposed": "state.proposed",
    "specified": "state.specified",
    "build_specified": "state.build_specified",
    "rights": "state.rights",
    "build_rights": "state.build_rights",
    "host_open": "state.open",
    "staff": "state.staff",
    "company": "state.company",
    "vendor": "state.vendor",
    "contract_markup": "state.contract_markup",
    "contract_end": "state.contract_end",
    "operator_since": "state.operator_since",
    "found_sum": "state.found_sum",
    "found_count": "state.found_count",
    "skill": "state.skill",
    "digital": "state.digital",
    "budget": "state.budget",
    "budget_rate": "state.budget_rate",
    "app_users": "state.app_users",
    "market": "structure.agency_market",
    "agency_gov": "structure.agency_gov",
    "substitutes": "structure.substitutes",
    "n_lines": "structure.n_lines",
    "n_gov": "structure.n_gov",
    "line_bits": "line_bits",
    "run_cost": "base_run_cost",
    "build_cost": "base_build_cost",
    "order": "running_order",
    "by_company": "ops_out.by_company",
    "wages": "ops_out.wages",
    "inhouse": "ops_out.inhouse",
    "outsourced": "ops_out.outsourced",
    "movers": "ops_out.movers",
    "exit_cost": "ops_out.exit_cost",
    "buys": "ops_out.buys",
    "host_capacity": "spec.agents.host_capacity",
    "systems_per_staff": "spec.agents.systems_per_staff",
    "wage": "spec.agents.staff_wage",
    "talent_drain": "spec.agents.talent_drain",
    "horizon": "spec.agents.budget_horizon",
    "contract_months": "spec.agents.vendor_contract_months",
    "migration_months": "spec.agents.migration_months",
    "claim_gap": "spec.agents.claim_gap",
    "claim_gap_spread": "spec.agents.claim_gap_spread",
    "quality_spread": "spec.agents.quality_spread",
    "lifetime_spread": "spec.agents.lifetime_spread",
    "system_lifetime": "spec.agents.system_lifetime",
    "app_innovation": "spec.agents.app_innovation",
    "app_imitation": "spec.agents.app_imitation",
    "app_potential": "spec.agents.app_potential",
    "buyout_share": "spec.reforms.tech_support_institution.buyout_share",
}
OPS_SOURCE = attrgetter(*OPS_PATHS.values())


class Ops(structref.StructRefProxy):
    """The model's arrays and values operations reads every month (`OPS_PATHS`), as one object."""

    def __reduce__(self):
        return (_dropped, ())

    def __deepcopy__(self, memo):
        return None


def _dropped() -> None:
    return None


@structref.register
class OpsType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(t)) for name, t in fields)


structref.define_proxy(Ops, OpsType, tuple(OPS_PATHS))


@njit(cache=True)
def _new_ops(*fields):
    return Ops(*fields)


class _PlainOps(SimpleNamespace):
    """`Ops` where the kernels run as Python (`NUMBA_DISABLE_JIT`): the same fields, as attributes."""

    def __reduce__(self):
        return (_dropped, ())

    def __deepcopy__(self, memo):
        return None


def _made_ops(values: tuple) -> Ops | _PlainOps:
    if config.DISABLE_JIT:  # a structref is made by compiled code only
        return _PlainOps(**dict(zip(OPS_PATHS, values, strict=True)))
    return _new_ops(*values)


def ops_of(model: GovModel) -> Ops | _PlainOps:
    """The model's `Ops`, made on first use (month 0's costs, once the model's state is set up)."""
    ops = getattr(model, "ops_args", None)
    if ops is None:
        s = model.structure
        N, f = s.n_agencies, np.empty
        if getattr(model, "ops_out", None) is None:
            model.ops_out = OpsOut(f(N, bool), f(N), f(N), f(N), f(N, np.int64), f(N), f(N, bool))
        if getattr(model, "running_order", None) is None:
            # (G, K, L) int8: the delivery order of each government's systems of each kind at the
            # last count (`substitutes.duplicates_in_order`), kept from month to month (a hint
            # only: the count is the same whatever it holds)
            model.running_order = np.full((s.n_gov, N_KINDS, min(s.n_lines, 64)), -1, np.int8)
        ops = model.ops_args = _made_ops(OPS_SOURCE(model))
    return ops


class Monthly(NamedTuple):
    """What operations reads that may be another object or value from month to month."""

    month: int
    vendor_markup: np.ndarray  # (vendors): vendors enter (`GovModel.add_vendor`)
    vendor_claim: np.ndarray  # (vendors) claimed quality (`GovModel.vendor_claim`)
    vendor_market: np.ndarray  # (vendors) market government
    tsi_staff: np.ndarray  # (G) the technical-support institution's staff
    quality_support: float
    platform_reach: np.ndarray  # (G, N_LAYERS) a platform layer reaches the government (`kind_reach_of`)
    app_reach: np.ndarray  # (G) a government app serves it
    pool_staff: np.ndarray  # (G) the technical pool's staff: government IT staff, paid as such
    pool_skill: np.ndarray  # (G) their skill
    drain_factor: float  # the rules' factor on the talent drain (`Rules.talent_drain_factor`)
    gain: float  # share of the gap to full skill training closes a month


MONTHLY = view(
    Monthly,
    month="month",
    vendor_markup="vendor_markup",
    vendor_claim="vendor_claim",
    vendor_market="vendor_market",
    tsi_staff="tech_support.staff",
    quality_support="tech_support.quality_support",
    platform_reach="platforms.reach",
    app_reach="gov_apps.reach",
    pool_staff="tech_pool.staff",
    pool_skill="tech_pool.skill",
    drain_factor="rules.talent_drain_factor",
    gain="rules.training_gain",
)


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


@njit(cache=True)
def renewal_args(ops, monthly):
    """What `contracts.vendor_renewals` reads (`contracts.renewal_views`' three views), from
    the model's arrays and this month's values."""
    m = Monthly(*monthly)
    agencies = (
        ops.contract_end,
        ops.company,
        ops.vendor,
        ops.operator_since,
        ops.own,
        ops.rights,
        ops.found_sum,
        ops.found_count,
        ops.market,
        ops.staff,
    )
    vendors = (m.vendor_markup, m.vendor_claim, m.vendor_market, ops.n_gov, m.tsi_staff, m.quality_support)
    beliefs = (ops.claim_gap, ops.claim_gap_spread, ops.quality_spread)
    terms = (ops.run_cost, ops.build_cost, m.month, ops.contract_months, ops.migration_months, ops.n_lines)
    return agencies, (*vendors, ops.buyout_share), (*terms, beliefs, ops.systems_per_staff)


@njit(cache=True)
def _duplicates(ops, monthly):
    """The auditor's count of duplicates (`substitutes.duplicates_in_order`, from the
    compatibility bits where the model has them, else `substitutes.running_duplicates`)."""
    m = Monthly(*monthly)
    kind_reach = kind_reach_of(m.platform_reach, m.app_reach)
    if ops.line_bits.shape[1] == ops.n_lines:
        return duplicates_in_order(
            ops.own, ops.built, kind_reach, ops.line_bits, ops.n_lines, ops.host_open, ops.host_capacity, ops.order
        )
    return running_duplicates(
        ops.own, ops.built, kind_reach, ops.substitutes, ops.n_lines, ops.host_open, ops.host_capacity
    )


@njit(cache=True)
def _operate(ops, monthly, company_cost, month_passes):
    """`operate` in one pass: the vendor renewals (`contracts.vendor_renewals`), the auditor's
    duplicates (`_duplicates`), who runs what at what cost (`_operating_costs`, each company
    at its cost factor `company_cost`), then the month's training and budgets
    (`_people_and_budgets`) and app adoption (`apps._adopt`); renewals, training and adoption
    only as a month passes (`month_passes` False: month 0's costs, before any month, leave
    them and contracts as they are). Writes the per-agency results and the vendor switches
    into the model's `ops_out`; returns (how many agencies switched, whether they only pay
    their exit costs, their sum), the duplicates, (fees per vendor, per company), and
    (operations spending, what running duplicates costs)."""
    m = Monthly(*monthly)
    switched = (0, True, 0.0)
    if month_passes:
        agencies, vendors, terms = renewal_args(ops, monthly)
        movers, exit_cost, buys = vendor_renewals(agencies, vendors, terms)
        n = len(movers)
        ops.movers[:n], ops.exit_cost[:n], ops.buys[:n] = movers, exit_cost, buys
        switched = (n, _switches_pay_only(ops.agency_gov, m.tsi_staff, movers, buys), pairwise_sum(exit_cost))
    duplicate = _duplicates(ops, monthly)
    operators = (ops.staff, ops.company, ops.vendor, m.vendor_markup, ops.contract_markup, m.pool_staff)
    costs = (ops.run_cost, ops.systems_per_staff, ops.wage)
    out = (ops.by_company, ops.wages, ops.inhouse, ops.outsourced, ops.movers, ops.exit_cost, ops.buys)
    revenue, totals = _operating_costs(ops.own, duplicate, operators, company_cost, costs, out)
    # the technical pool's staff are government IT staff: their wages are operations spending
    totals = (totals[0] + pairwise_sum(m.pool_staff) * ops.wage, totals[1])
    if month_passes:
        training = Training(
            ops.skill,
            ops.digital,
            ops.budget,
            ops.budget_rate,
            m.pool_skill,
            ops.talent_drain,
            m.drain_factor,
            m.gain,
            ops.horizon,
        )
        _people_and_budgets(ops.staff, training, m.pool_staff)
        _adopt(ops.own, ops.quality, ops.app_users, ops.app_innovation, ops.app_imitation, ops.app_potential)
    return switched, duplicate, revenue, totals


@njit(cache=True)
def _switches_pay_only(agency_gov, tsi_staff, movers, buys):
    """Whether all `contracts.after_switches` does for these switches is to charge their exit
    costs: no legacy rights were bought, and no mover's government has a technical-support
    institution to write the rebuilt systems' terms (`contracts._rights_clause` then returns
    before any draw)."""
    writer = False
    for j in range(len(movers)):
        writer = writer or buys[j] or tsi_staff[agency_gov[movers[j]]] > 0
    return not writer


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
