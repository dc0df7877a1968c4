"""4. Building and operating (DESIGN §2.4).

Construction ends and systems go live; systems reach end of life and must be renewed.
Every running system has a monthly run cost. An agency's in-house IT unit runs as many
systems as its staff can (at their wages), vendors run the rest at their markup; once an
operating company has taken the agency over, the company runs everything at its own
price with scale economies (seed 001 §2). In-house staff lose skill to the market unless
training and pay hold them (seed 000 §2.4); budgets accrue monthly and lapse beyond a horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import SHAREABLE, row_sum

SHAREABLE_KINDS = np.flatnonzero(SHAREABLE)

if TYPE_CHECKING:
    from ..model import GovModel


def complete_and_expire(model: GovModel) -> None:
    st, a = model.state, model.spec.agents
    month = model.month
    done = st.building & (st.done <= month)
    if done.any():
        rows, kinds = np.nonzero(done)
        st.own[rows, kinds] = True
        st.reuse[rows, kinds] = False
        st.quality[rows, kinds] = st.build_quality[rows, kinds]
        st.built[rows, kinds] = month
        life = model.rng.uniform(0.5, 1.5, size=len(rows)) * a.system_lifetime
        st.expires[rows, kinds] = month + np.maximum(1, life.astype(np.int64))
        st.building[rows, kinds] = False
        st.build_duplicate[rows, kinds] = False
    st.own &= st.expires > month


def duplicate_systems(model: GovModel) -> np.ndarray:
    """(N, K): running systems that duplicate a capability the agency could reach — a
    platform layer, the government app, or the same kind built earlier by another agency
    of its government (DESIGN §4)."""
    s, st = model.structure, model.state
    L = s.n_lines
    G = s.n_gov
    reach = model.kind_reach()  # (G, K) a shared instance is reachable from the government
    dup = st.own & reach[s.agency_gov]
    # first builder per (government, kind) keeps the original; later ones duplicate it
    # (only shareable kinds can be duplicated this way: work on their columns alone)
    sh = SHAREABLE_KINDS
    own = st.own[:, sh]
    key = np.where(own, st.built[:, sh] * L + s.agency_line[:, None], np.iinfo(np.int64).max)
    first = key.reshape(G, L, len(sh)).min(axis=1)
    dup[:, sh] |= own & (key > first[s.agency_gov])
    return dup


def operate(model: GovModel) -> None:
    operating_costs(model)
    people_and_budgets(model)


def operating_costs(model: GovModel) -> None:
    """Who runs which systems this month, at what cost (reads state, changes none)."""
    s, st, a = model.structure, model.state, model.spec.agents
    N = s.n_agencies
    run = st.own @ np.asarray(a.run_cost.as_tuple())  # 万元/month of running the systems
    n_sys = row_sum(st.own)
    by_company = st.company >= 0

    capacity = st.staff * a.systems_per_staff
    inhouse_share = np.where(n_sys > 0, np.minimum(1.0, capacity / np.maximum(n_sys, 1)), 0.0)
    inhouse_share[by_company] = 0.0
    wages = st.staff * a.staff_wage
    vendor_markup = model.vendor_markup[st.vendor]
    vendor_fee = np.where(by_company, 0.0, (1 - inhouse_share) * run * (1 + vendor_markup))
    company_fee = np.zeros(N)
    if by_company.any():
        company_fee[by_company] = run[by_company] * model.company_price_factor()[st.company[by_company]]
    ops = wages + vendor_fee + company_fee

    # who earns what: in-house units, vendors, companies (for concentration and control)
    model.ops_revenue = {
        "inhouse": wages,
        "vendor": np.bincount(st.vendor, weights=vendor_fee, minlength=len(model.vendors)),
        "company": np.bincount(st.company[by_company], weights=company_fee[by_company], minlength=len(model.companies)),
    }
    model.ops_systems = {
        "inhouse": inhouse_share * n_sys,
        "outsourced": (1 - inhouse_share) * n_sys,
        "by_company": by_company,
    }

    dup = duplicate_systems(model)
    dup_run = row_sum(dup * np.asarray(a.run_cost.as_tuple()))
    unit_price = np.where(run > 0, ops / np.where(run > 0, run, 1), 0.0)
    model.spend["operations"] += float(ops.sum())
    model.spend["duplicated_operations"] += float((dup_run * np.minimum(unit_price, 1e9)).sum())
    model.duplicate_now = dup


def people_and_budgets(model: GovModel) -> None:
    """IT staff lose skill to the market unless trained and paid; budgets accrue."""
    st, a, r = model.state, model.spec.agents, model.rules
    units = st.staff > 0
    st.skill[units] -= a.talent_drain * r.talent_drain_factor * st.skill[units]
    if r.training_gain:
        st.skill[units] += r.training_gain * (1 - st.skill[units])
        st.digital += r.training_gain * (1 - st.digital)

    # budgets accrue; funds beyond the horizon lapse
    st.budget = np.minimum(st.budget + st.budget_rate, a.budget_horizon * st.budget_rate)
