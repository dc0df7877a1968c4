"""3. IT planning: proposals, review, and the start of construction (DESIGN §2.3).

An agency that lacks a capability it needs — infrastructure, common support (identity,
e-certificates, payment), a data resource, its line application, a mobile app it wants —
proposes a project when its IT funds cover the price. Without unified approval it decides
alone: it reuses a reachable shared system only if it is open, willing and the system is
compatible; otherwise it builds its own, duplicates included (seed 000 §2.2). With unified
approval its proposal waits in the queue of the nearest coordinating body, which decides a
limited number each month, oldest first, rejects duplicates and points the agency to the
platform or the existing system (seed 000 §3.2, seed 002 §4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..control import review_scrutiny, terms_of_projects
from ..institutions import record_reviews
from ..state import MOBILE, N_KINDS, SHAREABLE, Pipeline, Systems, kinds_owned, shared_ok_bits
from ..substitutes import can_use_by_bits, can_use_shared, compatible_for, hostable_for, lines_owning

if TYPE_CHECKING:
    from ..model import GovModel


def plan(model: GovModel) -> None:
    s, st, r, a = model.structure, model.state, model.rules, model.spec.agents
    rng = model.rng
    N = s.n_agencies
    month = model.month

    st.wants_app |= rng.random(N) < a.app_propensity
    # what each agency lacks, and of it what it can pay for, kind by kind, from its funds;
    # under app consolidation an agency that decided so puts a new app into the government app
    kind_reach = model.kind_reach()
    running = Systems(st.own, st.reuse, kind_reach, s.n_lines, s.substitutes, model.line_bits)
    wants = Wants(app=st.wants_app, gov_app=model.gov_apps.joins, province_built=model.platforms.province_built)
    prices = Prices(factor=build_factor(model), base=model.base_build_cost)
    rows, kinds, costs, _ = _proposals(tuple(running), tuple(wants), st.building, st.queued, tuple(prices), st.budget)
    if len(rows) == 0:
        review(model)
        return

    ra, rk, rc = rows, kinds, costs  # decided alone, unless a body reviews them
    if r.approval:
        reviewer = model.review.reviewer_of_gov[s.agency_gov[rows]]
        queue_it = reviewer >= 0
        if queue_it.any():
            qa, qk = rows[queue_it], kinds[queue_it]
            model.queue.push(qa, qk, month, reviewer[queue_it], costs[queue_it])
            st.queued[qa, qk] = True
            ra, rk, rc = rows[~queue_it], kinds[~queue_it], costs[~queue_it]
    if len(ra):
        reusable = compatible_for(
            st.own, kind_reach, model.structure.substitutes, s.n_lines, ra, rk
        )  # own unchanged since
        willing = st.open[ra] & (rng.random(len(ra)) < a.voluntary_reuse * r.compatibility)
        take = reusable & willing
        st.reuse[ra[take], rk[take]] = True
        if take.any():  # funds of the reused go back
            st.budget += np.bincount(ra[take], weights=rc[take], minlength=N)
        # an auditor counts a build as duplicated where an owner would have hosted it (§7.4)
        hostable = hostable_for(
            st.own, st.open, kind_reach, s.substitutes, s.n_lines, ra[~take], rk[~take], a.host_capacity
        )
        start_builds(model, ra[~take], rk[~take], rc[~take], duplicate=hostable)
    review(model)


def systems(model: GovModel) -> Systems:
    st, s = model.state, model.structure
    return Systems(st.own, st.reuse, model.kind_reach(), s.n_lines, s.substitutes, model.line_bits)


class Wants(NamedTuple):
    app: np.ndarray  # (N) the agency wants a mobile app
    gov_app: np.ndarray  # (N) the agency puts a new or renewed app into the government app
    province_built: np.ndarray  # (G, K) kinds the province builds for the government (not proposed)


class Prices(NamedTuple):
    factor: np.ndarray  # (N) multiple of the base cost the agency pays
    base: np.ndarray  # (K) base build cost, 万元


@njit(cache=True)
def _proposals(systems, wants, building, queued, prices, budget):
    """An agency lacks a kind it needs (every kind, the mobile app only if wanted) that it
    cannot use, is not building and has not proposed; it proposes the lacking kinds in
    order while their running total stays within its funds, which it reserves. Returns
    (rows, kinds, costs) in row-major order and the (G, K) shared capabilities reachable;
    changes `budget` (funds reserved) and `reuse` (redirected apps) in place."""
    systems, wants, prices = (
        Systems(*systems),
        Wants(*wants),
        Prices(*prices),
    )  # named again (state.py: kernel views)
    own, reuse, kind_reach, n_lines = systems.own, systems.reuse, systems.kind_reach, systems.n_lines
    wants_app, joins_gov_app, province_built = wants.app, wants.gov_app, wants.province_built
    price_factor, base_cost = prices.factor, prices.base
    N = own.shape[0]
    G = N // n_lines
    flat_own, flat_reuse = own.ravel(), reuse.ravel()
    flat_building, flat_queued = building.ravel(), queued.ravel()
    rows = np.empty(N * N_KINDS, np.int64)
    kinds = np.empty(N * N_KINDS, np.int64)
    costs = np.empty(N * N_KINDS)
    shared_ok = np.empty((G, N_KINDS), np.bool_)
    line_bits = systems.line_bits
    by_bits = line_bits.shape[1] == n_lines  # lines compared by bits, not pair by pair
    owned = np.zeros(N_KINDS, np.uint64)  # per kind, the government's lines running one
    m = 0
    for g in range(G):
        # what the government shares, read from its block of agencies while in cache
        ok = shared_ok_bits(kind_reach, g, kinds_owned(flat_own, g, n_lines))
        for k in range(N_KINDS):
            shared_ok[g, k] = (ok >> k) & 1
        if by_bits:  # per kind, the government's lines running one
            for k in range(N_KINDS):
                owned[k] = lines_owning(own, g * n_lines, n_lines, k)
        for n in range(g * n_lines, (g + 1) * n_lines):
            i = n * N_KINDS
            lacks = 0  # one bit per kind, kept in a register (K is a compile-time constant)
            for k in range(N_KINDS):
                if by_bits:  # without a branch on `reuse`, which is random: own | (reuse & reachable)
                    reach = can_use_by_bits(kind_reach, owned[k], line_bits, g, n - g * n_lines, k)
                    usable = flat_own[i + k] | (flat_reuse[i + k] & reach)
                else:
                    usable = flat_own[i + k]
                    if flat_reuse[i + k] and not usable:  # a shared instance it could use (§7.3)
                        usable = can_use_shared(own, kind_reach, systems.substitutes, n_lines, n, k)
                lacks |= (1 - (usable | flat_building[i + k] | flat_queued[i + k])) << k
            lacks &= ~((1 - wants_app[n]) << MOBILE)  # the app only if wanted (no branch)
            # what the province builds for the government (seed 004 §2.1) is not the
            # agency's to build: it uses the province's layer once it reaches it
            for k in range(N_KINDS):
                if province_built[g, k] and (lacks >> k) & 1:
                    lacks &= ~(1 << k)
                    if kind_reach[g, k]:
                        reuse[n, k] = True
            # under app consolidation an agency that prefers the government app to a new app of its own
            if ((lacks >> MOBILE) & 1) & joins_gov_app[n]:
                reuse[n, MOBILE] = True
                lacks &= ~(1 << MOBILE)
            # most agencies lack something they cannot afford yet: work without branches
            # on what they lack; the one branch, on a proposal made, is rarely taken
            total = reserved = 0.0
            for k in range(N_KINDS):
                lacking = (lacks >> k) & 1
                cost = price_factor[n] * base_cost[k]
                total += lacking * cost
                if lacking & (total <= budget[n]):
                    rows[m], kinds[m], costs[m] = n, k, cost
                    m += 1
                    reserved += cost
            budget[n] -= reserved
    return rows[:m], kinds[:m], costs[:m], shared_ok


def review(model: GovModel) -> None:
    """Coordinating bodies decide the oldest proposals in their queue, up to capacity."""
    q, st = model.queue, model.state
    month = model.month
    model.step_stats["decided"] = 0
    model.step_stats["rejected_duplicates"] = 0
    model.step_stats["waited"] = []
    if len(q) == 0:
        return

    held = np.zeros(len(q), bool)
    if model.rules.freeze_until_platform:
        # 暂停其他信息化项目的立项 while the provincial centre is built (seed 002 §4)
        held = SHAREABLE[q.kind] & ~model.platforms.ready_for(model.structure.agency_gov[q.agency])
    allowed = model.review.allowance()
    decided, waiting, taken = _oldest_first(q.reviewer, held, allowed)
    scrutiny = review_scrutiny(model.review.capacity, waiting)
    model.review.consume(taken)

    ag, kd, cost = q.agency[decided], q.kind[decided], q.cost[decided]
    duplicate = _reusable(model, ag, kd)
    st.reuse[ag[duplicate], kd[duplicate]] = True
    st.budget += np.bincount(ag[duplicate], weights=cost[duplicate], minlength=len(st.budget))
    start_builds(
        model,
        ag[~duplicate],
        kd[~duplicate],
        cost[~duplicate],
        duplicate=duplicate[~duplicate],
        proposed=q.month[decided][~duplicate],
        scrutiny=scrutiny[q.reviewer[decided]][~duplicate],
    )
    record_reviews(model, q.reviewer[decided], duplicate)

    st.queued[ag, kd] = False
    model.step_stats["decided"] = int(decided.sum())
    model.step_stats["rejected_duplicates"] = int(duplicate.sum())
    model.step_stats["waited"] = month - q.month[decided]
    q.keep(~decided)


@njit(cache=True)
def _oldest_first(reviewer, held, allowed):
    """Each body decides the oldest proposals it reviews that are not held, up to what it is
    allowed this month (the queue is in arrival order). Returns the proposals decided, and
    per body the proposals waiting for it (not held) and those it decided."""
    waiting = np.zeros(len(allowed), np.int64)
    taken = np.zeros(len(allowed), np.int64)
    decided = np.zeros(len(reviewer), np.bool_)
    for j in range(len(reviewer)):
        if held[j]:
            continue
        b = reviewer[j]
        decided[j] = waiting[b] < allowed[b]  # its rank among the body's proposals, oldest first
        taken[b] += decided[j]
        waiting[b] += 1
    return decided, waiting, taken


def _reusable(model: GovModel, agencies: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """A shared instance of the kind that could serve the agency is reachable (a platform
    layer, the government app, or a compatible agency's system of its government, §7.3) —
    so building one would duplicate it."""
    if len(agencies) == 0:
        return np.zeros(0, bool)
    st, s = model.state, model.structure
    return compatible_for(st.own, model.kind_reach(), model.structure.substitutes, s.n_lines, agencies, kinds)


def build_factor(model: GovModel) -> np.ndarray:
    """(N,) multiple of the base build cost each agency pays: its vendor's or its
    company's markup."""
    st = model.state
    markups = np.array([c.markup for c in model.companies]) if model.companies else _NO_COMPANY
    return _price_factor(st.vendor, st.company, model.vendor_markup, markups)


@njit(cache=True)
def _price_factor(vendor, company, vendor_markup, company_markup):
    """`build_factor` in one pass: 1 + the markup of the agency's company, else its vendor's."""
    out = np.empty(len(vendor))
    for n in range(len(vendor)):
        out[n] = 1.0 + (company_markup[company[n]] if company[n] >= 0 else vendor_markup[vendor[n]])
    return out


def start_builds(model: GovModel, agencies, kinds, costs, duplicate, proposed=None, scrutiny=0.0) -> None:
    """Projects start (`proposed`: the month each was proposed; default this month;
    `scrutiny`: how closely a coordinating body examined each, 0 where none reviewed it)."""
    if len(agencies) == 0:
        return
    st, a, tsi, rng = model.state, model.spec.agents, model.tech_support, model.rng
    J = len(agencies)
    u = rng.random(J)  # the rights clause's draw (`control.project_terms`), then the quality's
    noise = rng.normal(0, a.quality_spread, J)
    projects = Projects(
        agencies=agencies,
        kinds=kinds,
        costs=costs,
        duplicate=duplicate,
        noise=noise,
        u=u,
        proposed=_NOW if proposed is None else np.asarray(proposed, np.int64),
        scrutiny=np.full(J, float(scrutiny)) if np.ndim(scrutiny) == 0 else np.asarray(scrutiny, dtype=float),
    )
    builders = Builders(
        vendor=st.vendor,
        company=st.company,
        vendor_quality=model.vendor_quality,
        company_quality=np.array([c.quality for c in model.companies]) if model.companies else _NO_COMPANY,
        tsi_support=tsi.quality_support,
        tsi_staff=tsi.staff,
        n_lines=model.structure.n_lines,
    )
    terms = Terms(
        staff=st.staff,
        skill=st.skill,
        tsi_skill=tsi.skill,
        tsi_specified=tsi.specified,
        specified=st.build_specified,
        rights=st.build_rights,
        proposed=st.proposed,
    )
    build, duplicated, months = _start_builds(
        tuple(projects), model.month, a.build_months, tuple(builders), tuple(terms), tuple(st.pipeline())
    )
    # the pipeline's total duration, kept as projects start and finish (measures read it)
    model.building_months += months
    model.n_building += J
    model.spend["build"] += build
    model.spend["duplicated_build"] += duplicated


_NOW = np.zeros(0, np.int64)  # `Projects.proposed` when every project is proposed this month
_NO_COMPANY = np.zeros(1)


class Projects(NamedTuple):
    agencies: np.ndarray
    kinds: np.ndarray
    costs: np.ndarray  # 万元
    duplicate: np.ndarray  # a shared instance was reachable
    noise: np.ndarray  # the draw around the builder's quality
    u: np.ndarray  # the draw of whether the rights clause holds (`control.project_terms`)
    proposed: np.ndarray  # month each was proposed (empty: this month)
    scrutiny: np.ndarray  # how closely a coordinating body examined each (0: none reviewed it)


class Terms(NamedTuple):
    """Who decides and specifies a project (`control.project_terms`), and where its terms are kept."""

    staff: np.ndarray  # (N) the agency's in-house IT staff
    skill: np.ndarray  # (N) their skill
    tsi_skill: np.ndarray  # (G) its government's technical-support institution's skill
    tsi_specified: np.ndarray  # (G) projects the institution specified since its monthly step (changed)
    specified: np.ndarray  # (N, K) the project's decision and specification (changed)
    rights: np.ndarray  # (N, K) the government holds its rights (changed)
    proposed: np.ndarray  # (N, K) month the project was proposed (changed)


class Builders(NamedTuple):
    """Who builds an agency's projects, and how well."""

    vendor: np.ndarray  # (N)
    company: np.ndarray  # (N) NO_ONE before take-over
    vendor_quality: np.ndarray  # (vendors)
    company_quality: np.ndarray  # (companies)
    tsi_support: float  # share of the quality gap a technical-support institution closes
    tsi_staff: np.ndarray  # (G)
    n_lines: int


@njit(cache=True)
def _start_builds(projects, month, build_months, builders, terms, pipeline):
    """Projects start: their terms (`control.project_terms`; an institution charges the
    specification to its month), then construction by the agency's company if it has one,
    else its vendor, at the builder's quality with noise; a technical-support institution in
    the government closes part of the gap to full quality. Returns the spending, its
    duplicated part and the months the projects add to the pipeline (proposal to go-live)."""
    projects, builders, terms, pipeline = (
        Projects(*projects),
        Builders(*builders),
        Terms(*terms),
        Pipeline(*pipeline),
    )  # named again (state.py: kernel views)
    agencies, kinds, n_lines = projects.agencies, projects.kinds, builders.n_lines
    J = len(agencies)
    g = agencies // n_lines  # agency `g * n_lines + l`
    proposed = np.full(J, month, np.int64) if len(projects.proposed) == 0 else projects.proposed
    tsi_staff = builders.tsi_staff
    specified, rights = terms_of_projects(
        terms.staff[agencies], terms.skill[agencies], tsi_staff[g], terms.tsi_skill[g], projects.scrutiny, projects.u
    )
    months = 0
    for j in range(J):
        n, k = agencies[j], kinds[j]
        terms.specified[n, k], terms.rights[n, k] = specified[j], rights[j]
        terms.tsi_specified[g[j]] += tsi_staff[g[j]] > 0  # the institution's staff time (its monthly step charges it)
        terms.proposed[n, k] = proposed[j]
        months += month + build_months - proposed[j]
    spent, duplicated = _build(projects, month + build_months, builders, pipeline)
    return spent, duplicated, float(months)


@njit(cache=True)
def _build(projects, done_month, builders, pipeline):
    """Construction starts, by the agency's company if it has one, else its vendor."""
    agencies, kinds, costs, duplicate, noise = (
        projects.agencies,
        projects.kinds,
        projects.costs,
        projects.duplicate,
        projects.noise,
    )
    vendor, company, vendor_quality, company_quality, tsi_support, tsi_staff, n_lines = (
        builders.vendor,
        builders.company,
        builders.vendor_quality,
        builders.company_quality,
        builders.tsi_support,
        builders.tsi_staff,
        builders.n_lines,
    )
    building, done, build_quality, build_duplicate = (
        pipeline.building,
        pipeline.done,
        pipeline.build_quality,
        pipeline.build_duplicate,
    )
    spent = duplicated = 0.0
    for j in range(len(agencies)):
        n, k = agencies[j], kinds[j]
        builder = company_quality[company[n]] if company[n] >= 0 else vendor_quality[vendor[n]]
        q = min(max(builder + noise[j], 0.0), 1.0)
        support = tsi_support * (tsi_staff[n // n_lines] > 0)
        building[n, k] = True
        done[n, k] = done_month
        build_quality[n, k] = q + support * (1 - q)
        build_duplicate[n, k] = duplicate[j]
        spent += costs[j]
        duplicated += costs[j] * duplicate[j]
    return spent, duplicated
