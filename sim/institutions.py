"""Coordinating bodies, review routing, company take-over and the market a company sees.

The institutions reforms create act through these functions; their state lives in the
typed structures of `sim/state.py` (`model.review`, `model.platforms`, `model.tech_support`,
`model.audits`, `model.openness`) and on the agents (`model.bodies`, `model.companies`).
`GovModel` only builds the neutral structures and runs the step (docs/adding-a-reform.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from .numeric import pairwise_sum, subset_sums
from .processes.demand import served_by_others
from .state import DATA_LAYER, INFRA, KINDS_IN_SET, LAYER_OF_KIND, N_KINDS, NO_ONE, YEAR

if TYPE_CHECKING:
    from .agents import CoordinatingBody, OperatingCompany
    from .model import GovModel

INFRA_LAYER = LAYER_OF_KIND[INFRA]


# ------------------------------------------------------------------ bodies and review
def ensure_coordinator(model: GovModel) -> None:
    """Reforms need a body to run them in every government: its data bureau, else its
    general office (seed 000 §1.2.1: without a bureau, IT is left to the general
    office or the development and reform commission)."""
    from .agents import GeneralOffice  # the agents import this module

    missing = np.flatnonzero(model.review.body_of_gov < 0)
    for g in missing:
        new_body(model, GeneralOffice, int(g), model.spec.agents.office_attention, "office")
    if len(missing):
        route_reviews(model)


def new_body(model: GovModel, cls: type[CoordinatingBody], gov: int, attention: float, mandate: str):
    """A body for the government, superseding the one it had (call `route_reviews` after)."""
    body = cls(model, gov, attention, mandate)
    model.bodies.append(body)
    old = model.review.body_of_gov[gov]
    if old >= 0:
        model.bodies[old].superseded = True
    model.review.body_of_gov[gov] = body.bidx
    return body


def route_reviews(model: GovModel) -> None:
    """Each government's proposals go to its own body, else its nearest ancestor's;
    review capacity is the approval capacity scaled by each body's IT attention."""
    s, review = model.structure, model.review
    body = review.body_of_gov.copy()
    for k in range(1, len(s.levels)):
        at = s.governments_at(k)
        inherit = body[at] < 0
        body[at[inherit]] = body[s.gov_parent[at[inherit]]]
    review.reviewer_of_gov = body
    live = np.array([not b.superseded for b in model.bodies], dtype=float)
    attention = np.array([b.attention for b in model.bodies])
    review.capacity = review.approval_capacity * attention * live
    credit = np.zeros(len(model.bodies))
    credit[: len(review.credit)] = review.credit
    review.credit = credit
    if len(model.queue):
        model.queue.reviewer = reviewer_of_agency(model)[model.queue.agency]


def reviewer_of_agency(model: GovModel) -> np.ndarray:
    """(N) the body each agency's proposals go to, NO_ONE if none."""
    return model.review.reviewer_of_gov[model.structure.agency_gov]


def record_reviews(model: GovModel, reviewers: np.ndarray, duplicate: np.ndarray) -> None:
    if len(reviewers) == 0:
        return
    model.review.record(reviewers, duplicate, len(model.bodies))  # read by each body's `reviewed`


# ------------------------------------------------------------------ operating companies
def take_over(model: GovModel, agencies: np.ndarray, company: int) -> None:
    """管运分离: the company takes the agencies' operations under a contract at its asking
    markup for `contract_months`; in-house units are abolished where the scenario says
    so, and own machine rooms move onto the platform (seed 001)."""
    st, s = model.state, model.structure
    c = model.companies[company]
    x = HandOver(
        company=st.company,
        contract_markup=st.contract_markup,
        contract_end=st.contract_end,
        operator_since=st.operator_since,
        found=(st.found_sum, st.found_count),
        own=st.own,
        reuse=st.reuse,
        onto_platform=(s.agency_gov, model.platforms.reach[:, INFRA_LAYER]),
    )
    _hand_over(agencies, (company, c.markup, model.month + c.p.contract_months, model.month), tuple(x))
    if c.p.abolish_inhouse:
        abolish_units(model, agencies, c)


class HandOver(NamedTuple):
    """What a take-over changes per agency (N) (`_hand_over`)."""

    company: np.ndarray
    contract_markup: np.ndarray
    contract_end: np.ndarray
    operator_since: np.ndarray
    found: tuple  # (found_sum, found_count): the vendor's record is not the company's
    own: np.ndarray  # (N, K)
    reuse: np.ndarray  # (N, K)
    onto_platform: tuple  # (agency_gov (N), reach of the infrastructure layer (G))


@njit(cache=True)
def _hand_over(agencies, contract, x):
    """`take_over`'s contract and record, agency by agency: the company, its markup, the term's
    end, the month it took over, an empty record; an own machine room moves onto the platform
    where its government reaches the infrastructure layer. `contract` = (company, markup, end, month)."""
    x = HandOver(*x)
    company, markup, end, month = contract
    found_sum, found_count = x.found
    gov, reach = x.onto_platform
    for n in agencies:
        x.company[n], x.contract_markup[n], x.contract_end[n], x.operator_since[n] = company, markup, end, month
        found_sum[n], found_count[n] = 0.0, 0.0
        if x.own[n, INFRA] and reach[gov[n]]:
            x.own[n, INFRA], x.reuse[n, INFRA] = False, True


def abolish_units(model: GovModel, agencies: np.ndarray, company: OperatingCompany) -> None:
    """The agencies' IT units are abolished (seed 001 §2: 44 bodies, 745 posts); their staff
    go somewhere with their skill: `staff_to_company` to the company, `staff_to_bureau` to
    the government's technical pool (`TechPool.join`), the rest to other posts of the agency
    (行政管理职能回归政府部门), where they no longer work in IT. One compiled pass (`_abolish`)."""
    st, p, pool = model.state, company.p, model.tech_pool
    units = (st.staff, st.skill, st.other_posts, model.structure.agency_gov)
    hired, hired_skill, pool.staff, pool.skill = _abolish(
        agencies, units, (p.staff_to_company, p.staff_to_bureau), (pool.staff, pool.skill)
    )
    company.hire(hired, hired_skill)


@njit(cache=True)
def _abolish(agencies, units, shares, pool):
    """`abolish_units`' numbers, as its numpy statements made them: the staff hired (`np.sum`'s
    pairwise totals of staff and staff x skill), the pool's new staff and skill (`TechPool.join`:
    each government's arrivals added in agency order as `np.bincount` adds, then the
    staff-weighted mean over every government); the units' staff moved to other posts and
    zeroed. `units` = (staff, skill, other_posts, gov) per agency; `shares` = (to company, to bureau)."""
    staff, skill, other_posts, gov = units
    to_company, to_bureau = shares
    pool_staff, pool_skill = pool
    G = len(pool_staff)
    hired, hired_skill = np.empty(len(agencies)), np.empty(len(agencies))
    added, added_skill = np.zeros(G), np.zeros(G)
    for j in range(len(agencies)):
        n = agencies[j]
        s, k = staff[n], skill[n]
        hired[j] = s * to_company
        hired_skill[j] = hired[j] * k
        pooled = s * to_bureau
        added[gov[n]] += pooled
        added_skill[gov[n]] += pooled * k
        other_posts[n] += s - hired[j] - pooled
        staff[n], skill[n] = 0.0, 0.0
    total, mean = np.empty(G), np.empty(G)
    for g in range(G):
        total[g] = pool_staff[g] + added[g]
        mean[g] = (pool_staff[g] * pool_skill[g] + added_skill[g]) / max(total[g], 1e-12) if total[g] > 0 else 0.0
    return float(pairwise_sum(hired)), float(pairwise_sum(hired_skill)), total, mean


def company_scale(model: GovModel) -> np.ndarray:
    """Per company: its cost per system relative to the base run cost, (systems /
    `scale_reference`)^-`scale_elasticity` — 1 at the reference size and without scale
    economies (elasticity 0)."""
    return _scale_of(model, company_systems(model))


def _scale_of(model: GovModel, n_sys: np.ndarray) -> np.ndarray:
    """`company_scale` from the companies' running systems (`company_systems`)."""
    return np.array(
        [(max(1.0, n_sys[c.cidx]) / c.p.scale_reference) ** (-c.p.scale_elasticity) for c in model.companies]
    )


def company_systems(model: GovModel) -> np.ndarray:
    """Per company: the running systems of the agencies it has taken over."""
    return _company_systems(model.state.own, model.state.company, len(model.companies))


def company_cost(model: GovModel) -> np.ndarray:
    """Per company: its monthly cost relative to the base running cost of the systems it runs.
    Its hired staff (from abolished units) run `systems_per_staff` systems each, at most all,
    for their wages, which it pays whether or not it needs them all; its own team runs the
    rest at the scale factor (`company_scale`)."""
    from .agents.supplier import staff_cover

    st, a = model.state, model.spec.agents
    # counted once for the scale and the staff's cover; with the running cost, in one pass
    n_sys, run = _company_runs(st.own, st.company, len(model.companies), model.base_run_cost)
    scale = _scale_of(model, n_sys)
    out = scale.copy()
    for c in model.companies:
        i = c.cidx
        if run[i] > 0:
            cover = staff_cover(c.staff, n_sys[i], a.systems_per_staff)
            out[i] = scale[i] * (1 - cover) + c.staff * a.staff_wage / run[i]
    return out


def company_prices(model: GovModel) -> np.ndarray:
    """(N) per agency run by a company: the multiple of the running cost it pays, (1 +
    its contract's markup) x its company's cost factor (`company_cost`; 0 for the others)."""
    st = model.state
    return _company_prices(st.company, st.contract_markup, company_cost(model))


@njit(cache=True)
def _company_prices(company, contract_markup, cost):
    """`company_prices` agency by agency (the masks and gathers it was, in one pass)."""
    out = np.zeros(len(company))
    for n in range(len(company)):
        if company[n] >= 0:
            out[n] = (1 + contract_markup[n]) * cost[company[n]]
    return out


def platform_runners(model: GovModel) -> np.ndarray:
    """(G,) per market government: the company running its platform layers, or NO_ONE
    (the bureau runs them)."""
    out = np.full(model.structure.n_gov, NO_ONE, np.int64)
    for c in reversed(model.companies):  # the first company that runs it wins
        if c.p.runs_platform:
            out[c.market] = c.cidx
    return out


class MarketView(NamedTuple):
    """A company's month seen from its market, after its take-over (`company_month`)."""

    position: tuple  # (dependence, watched, hosted, strength): `company_position`
    systems: int  # the running systems of its clients (`company_systems`: its clients are all in its market)
    builds: float  # base build value of its own work delivered this month (`company_revenue`)


def company_position(model: GovModel, company: OperatingCompany):
    """What the company's market looks like to it: the government's dependence on it,
    oversight, the share of public records it hosts that no one else serves, data rights.
    Reads only the agencies of its market (a company serves no one outside it)."""
    return company_month(model, company).position


def company_month(model: GovModel, company: OperatingCompany) -> MarketView:
    """`company_position`, `company_systems` and `company_revenue` of the company in one pass
    over its market (`_market_view`): no state they read changes between its take-over and
    the end of its step, and every agency it runs is in its market (take-over hands it only
    its market's agencies), so its systems there are all its systems."""
    s, st, a = model.structure, model.state, model.spec.agents
    mkt = company.market
    runs_platform = platform_runners(model)[mkt] == company.cidx
    agencies = Agencies(
        own=st.own,
        company=st.company,
        staff=st.staff,
        skill=st.skill,
        records=s.agency_records,
        gov=s.agency_gov,
        served_elsewhere=served_by_others(model),
    )
    audits = AuditView(month=model.audits.month, since=model.month - YEAR, recent=model.audits.recent(model.month))
    builds = Builds(
        built=st.built, proposed=st.proposed, since=st.operator_since, month=model.month, cost=model.base_build_cost
    )
    pool, tsi, platforms = model.tech_pool, model.tech_support, model.platforms
    govs = MarketGovs(
        market=s.gov_market,
        reaches_data=platforms.reach[:, DATA_LAYER],
        pool=(pool.staff, pool.skill),
        tsi=(tsi.free, tsi.skill),
        platform_gov=platforms.gov,
        platform_ready=platforms.ready,
    )
    view = _market_view(
        s.market_members(mkt),
        (company.cidx, mkt, runs_platform),
        tuple(agencies),
        tuple(audits),
        tuple(builds),
        tuple(govs),
    )
    n_sys, mine, staff_skill, audited, records, hosted_records, value, platform, pool_skill, capacity = view
    total = n_sys + platform
    share = (mine + (platform if runs_platform else 0)) / total if total else 0.0
    # pool: staff of abolished units at the bureau could run systems again
    take_back = (staff_skill + pool_skill) * a.systems_per_staff
    strength, coverage = _oversight(capacity, tsi.span, n_sys, audited)
    take_back += strength * total
    capacity = min(1.0, take_back / total) if total else 1.0
    dependence = share * (1 - capacity)
    watched = 1 - (1 - coverage) * (1 - strength)
    hosted = hosted_records / max(records, 1e-12)
    return MarketView((dependence, watched, hosted, strength), mine, value)


def _oversight(tsi_capacity: float, span: float, systems: int, audited: int) -> tuple[float, float]:
    """`oversight` of one market, in scalars (the same operations on the same doubles)."""
    if systems <= 0:
        return 0.0, 0.0
    return min(1.0, tsi_capacity * span / max(systems, 1)), audited / max(systems, 1)


class Agencies(NamedTuple):
    """What a company's view of its market reads per agency."""

    own: np.ndarray  # (N, K)
    company: np.ndarray  # (N)
    staff: np.ndarray  # (N) in-house IT staff
    skill: np.ndarray  # (N)
    records: np.ndarray  # (N) public records held
    gov: np.ndarray  # (N) government
    served_elsewhere: np.ndarray  # (N) someone else serves the agency's records too (a developer, a base library)


class AuditView(NamedTuple):
    month: np.ndarray  # (N, K) month of each system's last audit
    since: int  # audits after this month count
    recent: bool  # some audit since then (else no month need be read)


class Builds(NamedTuple):
    """What a company's own work delivered this month reads (`company_revenue`)."""

    built: np.ndarray  # (N, K) month each running system went live
    proposed: np.ndarray  # (N, K) month its project was proposed
    since: np.ndarray  # (N) month its supplier took the agency over (`operator_since`)
    month: int
    cost: np.ndarray  # (K) base build cost


class MarketGovs(NamedTuple):
    """What a company's view of its market reads per government and platform."""

    market: np.ndarray  # (G) market government of each government
    reaches_data: np.ndarray  # (G) the government reaches a platform's data layer
    pool: tuple  # (staff, skill) (G) of its technical pool (`TechPool`)
    tsi: tuple  # (free, skill) (G) of its technical-support institution (`TechSupport`)
    platform_gov: np.ndarray  # (P) the government that built each platform
    platform_ready: np.ndarray  # (P, L) its layers built


@njit(cache=True)
def _market_view(members, who, agencies, audits, builds, govs):
    """One pass over a market's agencies, for its company's view of it: running systems, the
    company's own systems, in-house staff x skill, systems audited since `since`, public
    records, the records the company hosts that no one else serves (its clients'; with
    the platform, every agency's whose government reaches the data layer), and the base build
    value of its own work delivered this month (`company_revenue`: its clients in agency
    order, summed as `np.sum`); then, per government of the market, the platform layers built,
    the pool's staff x skill and the institutions' free staff x skill (`TechSupport.capacity`),
    each added in government order as `np.bincount` adds. `who` = (company, market,
    runs_platform). The members (sorted) come in runs of consecutive agencies (a government's
    lines), each read as slices (numba checks no negative index in a loop from 0: the counts
    vectorise); the sums add in member order."""
    x, audits, b, g = Agencies(*agencies), AuditView(*audits), Builds(*builds), MarketGovs(*govs)  # named again
    cidx, mkt, runs_platform = who
    K = x.own.shape[1]
    held, audited = x.own.ravel().view(np.uint8), audits.month.ravel()  # bytes: the counts vectorise
    since = audits.since if audits.recent else _NEVER  # no audit since then: no month passes the bound
    value_of, values = subset_sums(b.cost), np.empty(len(members))
    n_sys = mine = n_audited = n_values = 0
    sums = (0.0, 0.0, 0.0)  # staff x skill, records, hosted records
    i = 0
    while i < len(members):
        j = i + 1
        while j < len(members) and members[j] == members[j - 1] + 1:
            j += 1
        lo, hi = members[i], members[j - 1] + 1
        systems, seen = _count_held(held[lo * K : hi * K], audited[lo * K : hi * K], since)
        n_sys += systems
        n_audited += seen
        ours, sums, n_values = _run_view(
            x, b, (lo, hi, cidx), (runs_platform, g.reaches_data), sums, (value_of, values, n_values)
        )
        mine += ours
        i = j
    layers, pool, capacity = _market_govs(g, mkt)
    return n_sys, mine, sums[0], n_audited, sums[1], sums[2], pairwise_sum(values[:n_values]), layers, pool, capacity


@njit(cache=True)
def _market_govs(g, mkt):
    """`_market_view`'s per-government part: platform layers built in market `mkt`, and its
    pool's and institutions' staff x skill, added in government order (`np.bincount`)."""
    layers = 0
    for p in range(len(g.platform_gov)):
        if g.market[g.platform_gov[p]] == mkt:
            for layer in range(g.platform_ready.shape[1]):
                layers += g.platform_ready[p, layer]
    pool_staff, pool_skill = g.pool
    free, tsi_skill = g.tsi
    pool = capacity = 0.0
    for gov in range(len(g.market)):
        if g.market[gov] == mkt:
            pool += pool_staff[gov] * pool_skill[gov]
            capacity += free[gov] * tsi_skill[gov]
    return layers, pool, capacity


_NEVER = np.int64(2**62)  # a month bound no audit passes


@njit(cache=True)
def _count_held(held, audited, since):
    """Systems `held` (bytes 0/1) and, of them, those audited after month `since`, in one pass
    (a byte times a comparison: both sums vectorise; three times faster than a count over bools
    and another over the audits)."""
    c = d = 0
    for i in range(len(held)):
        h = np.int64(held[i])
        c += h
        d += h * (audited[i] > since)
    return c, d


@njit(cache=True)
def _run_view(x, b, run, platform, sums, builds):
    """`_market_view` over agencies lo..hi - 1 (`run` = (lo, hi, cidx)): the company's systems
    among them, the running `sums` (staff x skill, records, hosted records) carried on in agency
    order, and each client's own work delivered this month (its kinds as a set, `company_revenue`)
    appended to `builds` = (value_of, values, m); returns the new m."""
    lo, hi, cidx = run
    runs_platform, gov_reaches_data = platform
    value_of, values, m = builds
    own, company, staff, skill = x.own[lo:hi], x.company[lo:hi], x.staff[lo:hi], x.skill[lo:hi]
    records, gov, elsewhere = x.records[lo:hi], x.gov[lo:hi], x.served_elsewhere[lo:hi]
    built, proposed, since = b.built[lo:hi], b.proposed[lo:hi], b.since[lo:hi]
    staff_skill, total_records, hosted = sums
    mine = 0
    for n in range(hi - lo):
        ours = company[n] == cidx
        if ours:  # the kinds' count is a constant: both loops unroll (half the time of one loop of both)
            for k in range(N_KINDS):
                mine += own[n, k]
            bits = 0
            for k in range(N_KINDS):
                if built[n, k] == b.month and own[n, k] and since[n] < proposed[n, k] < b.month:
                    bits |= 1 << k
            values[m] = value_of[bits]
            m += 1
        staff_skill += staff[n] * skill[n]
        total_records += records[n]
        if (ours or (runs_platform and gov_reaches_data[gov[n]])) and not elsewhere[n]:
            hosted += records[n]
    return mine, (staff_skill, total_records, hosted), m


@njit(cache=True)
def _company_systems(own, company, n_companies):
    """Running systems of the agencies each operating company has taken over."""
    return _company_runs(own, company, n_companies, np.zeros(own.shape[1]))[0]


@njit(cache=True)
def _company_runs(own, company, n_companies, run_cost):
    """Per company: the running systems of the agencies it has taken over (`_company_systems`)
    and their running cost at base prices (each agency's kinds added in order, read from the
    sums of every set of kinds, `numeric.subset_sums`; then the agencies in order, as
    `bincount` of `own @ run_cost`). A run of agencies of one company adds into registers,
    not through memory (the counts are whole numbers: exact in any order)."""
    systems = np.zeros(n_companies)
    run = np.zeros(n_companies)
    cost_of = subset_sums(run_cost)
    c, count, cost = NO_ONE, 0.0, 0.0  # the company being added to, and its totals so far
    for n in range(len(company)):
        if company[n] < 0:
            continue
        if company[n] != c:
            if c >= 0:
                systems[c], run[c] = count, cost
            c = company[n]
            count, cost = systems[c], run[c]
        bits = 0  # `row_bits`, over the kinds' constant count: the loop unrolls (a third faster)
        for k in range(N_KINDS):
            bits |= np.int64(own[n, k]) << k
        count += KINDS_IN_SET[bits]
        cost += cost_of[bits]
    if c >= 0:
        systems[c], run[c] = count, cost
    return systems, run


class Clients(NamedTuple):
    """What a company's clients run and what it delivered to them (`company_revenue`)."""

    own: np.ndarray  # (N, K)
    built: np.ndarray  # (N, K) month each running system went live
    proposed: np.ndarray  # (N, K) month its project was proposed
    company: np.ndarray  # (N) the agency's company, NO_ONE before take-over
    since: np.ndarray  # (N) month its supplier took the agency over (`operator_since`)


@njit(cache=True)
def company_revenue(x, cidx, month, build_cost):
    """Company `cidx`'s own work delivered this month: the base build value of what it
    delivered to its clients through construction, projects proposed after it took the agency
    over (month-0 systems and a predecessor's projects excluded); each agency's kinds added in
    order, the agencies' amounts summed as `np.sum` (`sim/numeric.py`)."""
    x = Clients(*x)  # named again (state.py: kernel views)
    N, K = x.own.shape
    value_of = subset_sums(build_cost)  # each set of kinds' value, added in kind order
    builds = np.empty(N)
    m = 0
    for n in range(N):
        if x.company[n] != cidx:
            continue
        bits = 0
        for k in range(K):
            if x.built[n, k] == month and x.own[n, k] and x.since[n] < x.proposed[n, k] < month:
                bits |= 1 << k
        builds[m] = value_of[bits]
        m += 1
    return pairwise_sum(builds[:m])
