"""4. Building and operating (DESIGN §2.4).

Construction ends and systems go live; systems reach end of life and must be renewed.
Every running system has a monthly run cost. An agency's in-house IT unit runs as many
systems as its staff can (at their wages), vendors run the rest at their markup; once an
operating company has taken the agency over, the company runs everything at its own
price with scale economies (seed 001 §2). In-house staff lose skill to the market unless
training and pay hold them (seed 000 §2.4); budgets accrue monthly and lapse beyond a horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..contracts import renew_vendor_contracts
from ..institutions import company_prices
from ..state import MONTH, N_KINDS, Pipeline
from ..substitutes import duplicates

if TYPE_CHECKING:
    from ..model import GovModel


def complete_and_expire(model: GovModel) -> None:
    st, a = model.state, model.spec.agents
    month = model.month
    # systems past end of life stop (a system delivered this month runs at least a month)
    # the month as int32, the months' own type: the comparisons stay 32-bit (20% faster at 13,750 agencies)
    rows, kinds = _expire_and_find_done(st.own, st.expires, st.building, st.done, MONTH(month))
    life = _NO_LIFE
    if len(rows):
        life = model.rng.uniform(1 - a.lifetime_spread, 1 + a.lifetime_spread, size=len(rows)) * a.system_lifetime
    terms = Terms(
        proposed=st.proposed,
        specified=st.specified,
        build_specified=st.build_specified,
        rights=st.rights,
        build_rights=st.build_rights,
    )
    # months from proposal to go-live of the projects delivered this month (DESIGN §4)
    took = _deliver(rows, kinds, life, month, tuple(st.pipeline()), tuple(terms))
    model.deliveries.append((took, len(rows)))
    model.building_months -= took
    model.n_building -= len(rows)


_NO_LIFE = np.zeros(0)


class Terms(NamedTuple):
    """A project's terms, which go live with its system."""

    proposed: np.ndarray  # (N, K) month the project was proposed
    specified: np.ndarray  # (N, K) the running system's decision and specification (changed)
    build_specified: np.ndarray  # (N, K) the project's
    rights: np.ndarray  # (N, K) the government holds the running system's rights (changed)
    build_rights: np.ndarray  # (N, K) the project's


@njit(cache=True)
def _deliver(rows, kinds, life, month, pipeline, terms):
    """Finished projects go live: the agency runs its own system (no longer a shared one),
    at the quality built, until it reaches the end of its drawn life (at least a month);
    who decided and specified it, and who holds its rights, go live with it. Returns the
    months from proposal to go-live, summed."""
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
    for j in range(len(rows)):
        n, k = rows[j], kinds[j]
        own[n, k] = True
        reuse[n, k] = False
        quality[n, k] = build_quality[n, k]
        built[n, k] = month
        expires[n, k] = month + max(1, np.int64(life[j]))
        building[n, k] = False
        build_duplicate[n, k] = False
        terms.specified[n, k] = terms.build_specified[n, k]
        terms.rights[n, k] = terms.build_rights[n, k]
        took += month - terms.proposed[n, k]
    return float(took)


@njit(cache=True)
def _expire_and_find_done(own, expires, building, done, month):
    """Clears `own` where the system expired; returns the (row, kind) pairs whose
    construction ends this month, in row-major order. Flat loops, a count before any
    store, and bitwise tests (one branch, rarely taken): the first pass vectorises."""
    K = own.shape[1]
    flat_own, flat_expires = own.ravel(), expires.ravel()
    flat_building, flat_done = building.ravel(), done.ravel()
    n_done = 0
    for i in range(len(flat_own)):
        flat_own[i] &= flat_expires[i] > month
        n_done += flat_building[i] & (flat_done[i] <= month)
    found = np.empty(n_done, np.int64)
    j = 0
    for i in range(len(flat_own) if n_done else 0):
        if flat_building[i] & (flat_done[i] <= month):
            found[j] = i
            j += 1
    return found // K, found % K


def operate(model: GovModel) -> None:
    renew_vendor_contracts(model)
    operating_costs(model)
    people_and_budgets(model)


def operating_costs(model: GovModel) -> None:
    """Who runs which systems this month, at what cost (reads state, changes none)."""
    s, st, a = model.structure, model.state, model.spec.agents
    by_company = st.company >= 0
    price = company_prices(model) if by_company.any() else np.zeros(len(st.company))
    duplicate = duplicates(
        st.own, st.built, model.kind_reach(), s.substitutes, model.line_bits, s.n_lines, st.open, a.host_capacity
    )
    operators = Operators(
        staff=st.staff,
        company=st.company,
        vendor=st.vendor,
        vendor_markup=model.vendor_markup,
        price=price,
        n_companies=len(model.companies),
    )
    costs = RunCosts(run_cost=model.base_run_cost, systems_per_staff=a.systems_per_staff, wage=a.staff_wage)
    wages, inhouse, outsourced, vendor_rev, company_rev, ops_total, dup_total = _operating_costs(
        st.own, duplicate, s.n_lines, tuple(operators), tuple(costs)
    )
    # the technical pool's staff are government IT staff: their wages are operations spending
    ops_total += float(model.tech_pool.staff.sum()) * a.staff_wage
    # who earns what, and who runs how many systems (for concentration and control)
    model.ops_revenue = {"inhouse": wages, "vendor": vendor_rev, "company": company_rev}
    model.ops_systems = {"inhouse": inhouse, "outsourced": outsourced, "by_company": by_company}
    model.ops_systems["duplicate"] = duplicate  # the auditor's count, by kind (`measures.duplicate_measures`)
    model.spend["operations"] += ops_total
    model.spend["duplicated_operations"] += dup_total


class Operators(NamedTuple):
    """Who runs each agency's systems, at what price."""

    staff: np.ndarray  # (N) in-house IT staff
    company: np.ndarray  # (N) operating company, NO_ONE before take-over
    vendor: np.ndarray  # (N) small vendor
    vendor_markup: np.ndarray  # (vendors)
    price: np.ndarray  # (N) run by a company: (1 + its contract's markup) x the company's scale factor
    n_companies: int


class RunCosts(NamedTuple):
    run_cost: np.ndarray  # (K) 万元 a month per running system
    systems_per_staff: float
    wage: float  # 万元 a month per IT staff member


@njit(cache=True)
def _operating_costs(own, duplicate, n_lines, operators, costs):
    """In-house units run as many systems as their staff can (at their wages), vendors the
    rest at their markup; a company runs everything of the agencies it took over, at the
    agency's contract price (a multiple of the running cost). `duplicate` (N, K): the
    running systems an auditor counts as duplicates (`sim/substitutes.py`).
    Per agency: wages, systems run in-house and outsourced; per vendor and company: fees
    earned; in all: operations spending, and what running duplicates costs."""
    operators, costs = Operators(*operators), RunCosts(*costs)  # named again (state.py: kernel views)
    staff, company, vendor, vendor_markup, price, n_companies = (
        operators.staff,
        operators.company,
        operators.vendor,
        operators.vendor_markup,
        operators.price,
        operators.n_companies,
    )
    run_cost, systems_per_staff, staff_wage = costs.run_cost, costs.systems_per_staff, costs.wage
    N = own.shape[0]
    wages = np.empty(N)
    inhouse = np.empty(N)
    outsourced = np.empty(N)
    vendor_rev = np.zeros(len(vendor_markup))
    company_rev = np.zeros(n_companies)
    ops_total = 0.0
    dup_total = 0.0
    for g in range(N // n_lines):
        lo = g * n_lines
        for line in range(n_lines):
            n = lo + line
            run = 0.0  # 万元/month of running the systems
            dup_run = 0.0
            count = 0
            for k in range(N_KINDS):  # branch-free: `own` is random
                run += own[n, k] * run_cost[k]
                count += own[n, k]
                dup_run += duplicate[n, k] * run_cost[k]
            wages[n] = staff[n] * staff_wage
            if company[n] >= 0:
                share = 0.0
                fee = run * price[n]
                company_rev[company[n]] += fee
            else:
                share = min(1.0, staff[n] * systems_per_staff / count) if count > 0 else 0.0
                fee = (1 - share) * run * (1 + vendor_markup[vendor[n]])
                vendor_rev[vendor[n]] += fee
            inhouse[n] = share * count
            outsourced[n] = (1 - share) * count
            ops = wages[n] + fee
            ops_total += ops
            if run > 0:  # duplicates cost what the agency pays per unit of running cost
                dup_total += dup_run * min(ops / run, 1e9)
    return wages, inhouse, outsourced, vendor_rev, company_rev, ops_total, dup_total


def people_and_budgets(model: GovModel) -> None:
    """IT staff lose skill to the market unless trained and paid; budgets accrue."""
    st, a, r = model.state, model.spec.agents, model.rules
    drain = a.talent_drain * r.talent_drain_factor
    _people_and_budgets(
        st.staff, st.skill, st.digital, st.budget, st.budget_rate, drain, r.training_gain, a.budget_horizon
    )
    pool = model.tech_pool  # the bureau's technical staff are pulled and trained as units' are
    drained = pool.skill - drain * pool.skill
    pool.skill = np.where(pool.staff > 0, drained + r.training_gain * (1 - drained), pool.skill)


@njit(cache=True)
def _people_and_budgets(staff, skill, digital, budget, budget_rate, drain, training_gain, horizon):
    for n in range(len(staff)):
        drained = skill[n] - drain * skill[n]  # only units' staff (a select: no branch)
        skill[n] = drained + training_gain * (1 - drained) if staff[n] > 0 else skill[n]
        digital[n] += training_gain * (1 - digital[n])
        # budgets accrue; funds beyond the horizon lapse
        budget[n] = min(budget[n] + budget_rate[n], horizon * budget_rate[n])
