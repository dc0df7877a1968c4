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

from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..control import review_scrutiny, terms_of_projects
from ..institutions import record_reviews
from ..state import MOBILE, N_KINDS, SHAREABLE, SHAREABLE_FLAGS, Systems
from ..substitutes import can_host, can_use_shared
from ..views import view

if TYPE_CHECKING:
    from ..model import GovModel


def plan(model: GovModel) -> None:
    s, st, r, a = model.structure, model.state, model.rules, model.spec.agents
    rng = model.rng
    app_draw = rng.random(s.n_agencies)  # who comes to want a mobile app this month
    # what each agency lacks, and of it what it can pay for, kind by kind, from its funds;
    # under app consolidation an agency that decided so puts a new app into the government app
    running = tuple(Systems(st.own, st.reuse, model.kind_reach(), s.n_lines, s.substitutes, model.line_bits))
    wants = Wants(
        app=st.wants_app,
        app_draw=app_draw,
        app_propensity=a.app_propensity,
        gov_app=model.gov_apps.joins,
        province_built=model.platforms.province_built,
        reviewer_of_gov=model.review.reviewer_of_gov if r.approval else _NO_REVIEWER,
    )
    alone, queued = _proposals(running, tuple(wants), st.building, st.queued, tuple(prices_of(model)), st.budget)
    if len(queued[0]):  # with unified approval they wait for a coordinating body
        model.queue.push(queued[0], queued[1], model.month, queued[3], queued[2])
    if len(alone[0]):  # decided alone: reuse where willing and compatible, else build
        willing = rng.random(len(alone[0]))
        chance = a.voluntary_reuse * r.compatibility
        builds = _decide_alone(running, st.open, alone, willing, chance, a.host_capacity, st.budget)
        _start(model, (*builds, _NOW, _UNREVIEWED))  # proposed this month, reviewed by none
    review(model, running)


def systems(model: GovModel) -> Systems:
    st, s = model.state, model.structure
    return Systems(st.own, st.reuse, model.kind_reach(), s.n_lines, s.substitutes, model.line_bits)


class Wants(NamedTuple):
    app: np.ndarray  # (N) the agency wants a mobile app (changed: `app_draw` adds to it)
    app_draw: np.ndarray  # (N) uniform draws: the agency comes to want one below `app_propensity`
    app_propensity: float
    gov_app: np.ndarray  # (N) the agency puts a new or renewed app into the government app
    province_built: np.ndarray  # (G, K) kinds the province builds for the government (not proposed)
    reviewer_of_gov: np.ndarray  # (G) the body a government's proposals wait for (NO_ONE: none); (0): no review


class Prices(NamedTuple):
    """What an agency pays for a build: the base cost times 1 + its company's markup, else its vendor's."""

    vendor: np.ndarray  # (N)
    company: np.ndarray  # (N) NO_ONE before take-over
    vendor_markup: np.ndarray  # (vendors)
    company_markup: np.ndarray  # (companies)
    base: np.ndarray  # (K) base build cost, 万元


def prices_of(model: GovModel) -> Prices:
    st = model.state
    markups = np.array(list(map(_MARKUP, model.companies))) if model.companies else _NO_COMPANY
    return Prices(
        vendor=st.vendor,
        company=st.company,
        vendor_markup=model.vendor_markup,
        company_markup=markups,
        base=model.base_build_cost,
    )


_NO_REVIEWER = np.zeros(0, np.int64)  # `Wants.reviewer_of_gov` without unified approval


@njit(cache=True)
def _proposals(systems, wants, building, queued, prices, budget):
    """An agency lacks a kind it needs (every kind, the mobile app only if wanted) that it
    cannot use, is not building and has not proposed; it proposes the lacking kinds in
    order while their running total stays within its funds, which it reserves. Returns the
    proposals it decides alone and those that wait for a body (`Wants.reviewer_of_gov`,
    marked in `queued`), each (rows, kinds, costs[, reviewers]) in row-major order; changes
    `wants.app`, `budget` (funds reserved) and `reuse` (redirected apps) in place."""
    systems, wants, prices = Systems(*systems), Wants(*wants), Prices(*prices)  # named again (state.py: kernel views)
    n_lines, N = systems.n_lines, systems.own.shape[0]
    out = (np.empty(N * N_KINDS, np.int64), np.empty(N * N_KINDS, np.int64), np.empty(N * N_KINDS))  # `_propose`
    count = np.zeros(2, np.int64)
    routed = len(wants.reviewer_of_gov) > 0
    factor = _price_factor(prices.vendor, prices.company, prices.vendor_markup, prices.company_markup)
    lacking_of_line, usable = np.zeros(n_lines, np.int64), np.empty(n_lines * N_KINDS, np.uint8)
    for g in range(N // n_lines):
        reviewer = wants.reviewer_of_gov[g] if routed else -1
        _lacking(systems, building, queued, g, lacking_of_line, usable)
        # what the province builds for the government (seed 004 §2.1) is not the agency's
        # to build: it uses the province's layer once it reaches it
        province, reached = 0, 0
        for k in range(N_KINDS):
            province |= np.int64(wants.province_built[g, k]) << k
            reached |= np.int64(systems.kind_reach[g, k]) << k
        for n in range(g * n_lines, (g + 1) * n_lines):
            wants.app[n] |= wants.app_draw[n] < wants.app_propensity
            lacks = lacking_of_line[n - g * n_lines] & ~((1 - wants.app[n]) << MOBILE)  # the app only if wanted
            redirected = lacks & province & reached
            lacks &= ~province
            if redirected:
                for k in range(N_KINDS):
                    if (redirected >> k) & 1:
                        systems.reuse[n, k] = True
            # under app consolidation an agency that prefers the government app to a new app of its own
            if ((lacks >> MOBILE) & 1) & wants.gov_app[n]:
                systems.reuse[n, MOBILE] = True
                lacks &= ~(1 << MOBILE)
            if lacks == 0:  # half the agencies, most months: nothing to price or reserve
                continue
            # an agency that lacks something often cannot afford it yet: work without branches
            # on what it lacks; the one branch, on a proposal made, is rarely taken
            total = reserved = 0.0
            for k in range(N_KINDS):
                lacking = (lacks >> k) & 1
                cost = factor[n] * prices.base[k]
                total += lacking * cost
                if lacking & (total <= budget[n]):
                    _propose(out, count, n, k, cost, reviewer, queued)
                    reserved += cost
            budget[n] -= reserved
    return _split(out, count, wants.reviewer_of_gov, n_lines)


@njit(cache=True)
def _lacking(systems, building, queued, g, lacks, usable):
    """`lacks[i]`, bit k set: line i of government `g` can use no system of kind k (its own,
    or a shared one it reuses that it can still reach, §7.3), and is neither building nor
    proposing one. `usable`: (n_lines x N_KINDS) work space."""
    if systems.line_bits.shape[1] != systems.n_lines:  # lines compared pair by pair
        _lacking_pairwise(systems, building, queued, g, lacks)
        return
    own, reuse, kind_reach, n_lines, line_bits = (
        systems.own,
        systems.reuse,
        systems.kind_reach,
        systems.n_lines,
        systems.line_bits,
    )
    start, size = g * n_lines * N_KINDS, n_lines * N_KINDS  # the government's rows, kind after kind
    rows_own, rows_reuse = own.ravel()[start : start + size].view(np.uint8), reuse.ravel()[start : start + size]
    rows_building, rows_queued = building.ravel()[start : start + size], queued.ravel()[start : start + size]
    for k in range(N_KINDS):  # first whether a shared instance is within reach: `can_use_by_bits`
        if kind_reach[g, k] or not SHAREABLE_FLAGS[k]:
            for i in range(n_lines):
                usable[i * N_KINDS + k] = kind_reach[g, k]
            continue
        owned = np.uint64(0)  # `lines_owning`
        for i in range(n_lines):
            owned |= np.uint64(rows_own[i * N_KINDS + k]) << np.uint64(i)
        for i in range(n_lines):
            usable[i * N_KINDS + k] = (owned & line_bits[k, i]) != 0
    for j in range(size):  # own | (reuse & reachable), or under way: byte by byte, on vectors
        usable[j] = rows_own[j] | (rows_reuse[j] & usable[j]) | rows_building[j] | rows_queued[j]
    for i in range(n_lines):
        bits = 0
        for k in range(N_KINDS):
            bits |= np.int64(1 - usable[i * N_KINDS + k]) << k
        lacks[i] = bits


@njit(cache=True)
def _lacking_pairwise(systems, building, queued, g, lacks):
    """`_lacking` for governments of more than 64 lines: a shared instance looked for line by line."""
    own, reuse, n_lines, lo = systems.own, systems.reuse, systems.n_lines, g * systems.n_lines
    lacks[:] = 0
    for k in range(N_KINDS):
        for i in range(n_lines):
            usable = own[lo + i, k]
            if reuse[lo + i, k] and not usable:  # a shared instance it could use (§7.3)
                usable = can_use_shared(own, systems.kind_reach, systems.substitutes, n_lines, lo + i, k)
            lacks[i] |= np.int64(1 - (usable | building[lo + i, k] | queued[lo + i, k])) << k


@njit(cache=True, inline="always")
def _propose(out, count, n, k, cost, reviewer, queued):
    """Agency `n` proposes kind `k`, deciding alone (from the front of the `out` arrays,
    `count[0]` so far) or, with a `reviewer`, waiting for it (from the back, `count[1]`)."""
    rows, kinds, costs = out
    if reviewer < 0:
        j = count[0]
        count[0] += 1
    else:
        count[1] += 1
        j = len(rows) - count[1]
        queued[n, k] = True
    rows[j], kinds[j], costs[j] = n, k, cost


@njit(cache=True)
def _split(out, count, reviewer_of_gov, n_lines):
    """The proposals decided alone (rows, kinds, costs) and those that wait (rows, kinds,
    costs, reviewers), each in the order they were made."""
    rows, kinds, costs = out
    alone = (rows[: count[0]], kinds[: count[0]], costs[: count[0]])
    back = len(rows) - count[1]
    q_rows, q_kinds, q_costs = rows[back:][::-1].copy(), kinds[back:][::-1].copy(), costs[back:][::-1].copy()
    reviewers = reviewer_of_gov[q_rows // n_lines] if count[1] else np.zeros(0, np.int64)
    return alone, (q_rows, q_kinds, q_costs, reviewers)


@njit(cache=True)
def _decide_alone(systems, host_open, proposals, willing, chance, host_capacity, budget):
    """An agency deciding alone reuses a shared instance it could use (`can_use_shared`) if
    it is open and willing (`willing` below `chance`), its reserved funds going back;
    otherwise it builds, a duplicate where an owner would have hosted it (`can_host`, §7.4).
    Changes `reuse` and `budget`; returns the builds (the first four fields of `Builds`)."""
    systems = Systems(*systems)
    own, kind_reach, substitutes, n_lines = systems.own, systems.kind_reach, systems.substitutes, systems.n_lines
    rows, kinds, costs = proposals
    J = len(rows)
    agencies, kinds_built, costs_built = np.empty(J, np.int64), np.empty(J, np.int64), np.empty(J)
    duplicate = np.empty(J, np.bool_)
    reused = np.zeros(J, np.bool_)  # the reused proposals' funds go back (`_refund`)
    b = 0
    for j in range(J):
        n, k = rows[j], kinds[j]
        if can_use_shared(own, kind_reach, substitutes, n_lines, n, k) and host_open[n] and willing[j] < chance:
            systems.reuse[n, k] = reused[j] = True
        else:
            agencies[b], kinds_built[b], costs_built[b] = n, k, costs[j]
            duplicate[b] = can_host(own, host_open, kind_reach, substitutes, n_lines, n, k, host_capacity)
            b += 1
    _refund(rows, costs, reused, budget)
    return agencies[:b], kinds_built[:b], costs_built[:b], duplicate[:b]


def review(model: GovModel, running: tuple | None = None) -> None:
    """Coordinating bodies decide the oldest proposals in their queue, up to capacity
    (`running`: `tuple(systems(model))` where the caller has it)."""
    q, st = model.queue, model.state
    model.step_stats["decided"] = 0
    model.step_stats["rejected_duplicates"] = 0
    model.step_stats["waited"] = []
    if len(q) == 0:
        return

    held = _NOT_HELD
    if model.rules.freeze_until_platform:
        # 暂停其他信息化项目的立项 while the provincial centre is built (seed 002 §4)
        held = SHAREABLE[q.kind] & ~model.platforms.ready_for(model.structure.agency_gov[q.agency])
    bodies = Bodies(allowed=model.review.allowance(), capacity=model.review.capacity, held=held)
    waiting = Waiting(agency=q.agency, kind=q.kind, month=q.month, reviewer=q.reviewer, cost=q.cost)
    taken, decided, kept, builds = _decide_queue(
        tuple(waiting), tuple(bodies), tuple(systems(model)) if running is None else running, st.queued, st.budget
    )
    model.review.consume(taken)
    _start(model, builds)
    reviewers, duplicate, waited = decided
    record_reviews(model, reviewers, duplicate)
    model.step_stats["decided"] = len(reviewers)
    model.step_stats["rejected_duplicates"] = int(np.count_nonzero(duplicate))
    model.step_stats["waited"] = model.month - waited
    q.agency, q.kind, q.month, q.reviewer, q.cost = kept


class Waiting(NamedTuple):
    """The review queue (`state.Queue`), in arrival order."""

    agency: np.ndarray
    kind: np.ndarray
    month: np.ndarray  # proposed
    reviewer: np.ndarray  # the body it waits for
    cost: np.ndarray  # 万元 reserved


class Bodies(NamedTuple):
    """The reviewing bodies this month."""

    allowed: np.ndarray  # (B) whole proposals each may decide (`Review.allowance`)
    capacity: np.ndarray  # (B) proposals a month it examines fully (`review_scrutiny`)
    held: np.ndarray  # (queue) frozen until the platform is built; (0): none held


_NOT_HELD = np.zeros(0, np.bool_)


@njit(cache=True)
def _decide_queue(waiting, bodies, systems, queued, budget):
    """Each body decides its oldest proposals (`_oldest_first`): a duplicate of a shared
    instance the agency could use (`can_use_shared`) is rejected, the agency pointed to it
    and its reserved funds returned; the rest start (`Builds`, at the body's scrutiny).
    Changes `reuse`, `queued` and `budget`; returns per body the proposals decided, the
    decided ones' (reviewers, rejected, months proposed), the queue kept and the builds."""
    waiting, bodies, systems = Waiting(*waiting), Bodies(*bodies), Systems(*systems)
    held = bodies.held if len(bodies.held) else np.zeros(len(waiting.agency), np.bool_)
    decided, n_waiting, taken = _oldest_first(waiting.reviewer, held, bodies.allowed)
    scrutiny = review_scrutiny(bodies.capacity, n_waiting)
    D = np.count_nonzero(decided)
    reviewers, rejected, proposed = np.empty(D, np.int64), np.empty(D, np.bool_), np.empty(D, np.int64)
    build = np.empty(D, np.int64)  # positions in the queue of the proposals that start
    returned = np.zeros(len(decided), np.bool_)  # ... and of those rejected, their funds returned
    d = b = 0
    for j in range(len(decided)):
        if not decided[j]:
            continue
        n, k = waiting.agency[j], waiting.kind[j]
        reviewers[d], proposed[d] = waiting.reviewer[j], waiting.month[j]
        rejected[d] = can_use_shared(systems.own, systems.kind_reach, systems.substitutes, systems.n_lines, n, k)
        if rejected[d]:
            systems.reuse[n, k] = returned[j] = True
        else:
            build[b] = j
            b += 1
        queued[n, k] = False
        d += 1
    _refund(waiting.agency, waiting.cost, returned, budget)
    builds = _queued_builds(waiting, build[:b], scrutiny)
    return taken, (reviewers, rejected, proposed), _kept(waiting, decided, len(decided) - D), builds


@njit(cache=True)
def _refund(agency, cost, returned, budget):
    """The funds of the proposals `returned` back to their agencies: summed per agency in order, then added to
    its funds once (as `budget += np.bincount(agency[returned], cost[returned], minlength=N)`), touching only
    the agencies refunded, not a sum over every agency."""
    refund = np.empty(len(budget))  # read only where set below
    for j in range(len(agency)):
        if returned[j]:
            refund[agency[j]] = 0.0
    for j in range(len(agency)):
        if returned[j]:
            refund[agency[j]] += cost[j]
    for j in range(len(agency)):
        n = agency[j]
        if returned[j] and refund[n] == refund[n]:  # NaN: added already
            budget[n] += refund[n]
            refund[n] = np.nan


@njit(cache=True)
def _queued_builds(waiting, starts, scrutiny):
    """`Builds` of the queued proposals at positions `starts`, at their body's scrutiny."""
    b = len(starts)
    agencies, kinds, costs = np.empty(b, np.int64), np.empty(b, np.int64), np.empty(b)
    months, examined = np.empty(b, np.int64), np.empty(b)
    for i in range(b):
        j = starts[i]
        agencies[i], kinds[i], costs[i] = waiting.agency[j], waiting.kind[j], waiting.cost[j]
        months[i], examined[i] = waiting.month[j], scrutiny[waiting.reviewer[j]]
    return agencies, kinds, costs, np.zeros(b, np.bool_), months, examined


@njit(cache=True)
def _kept(waiting, decided, n_kept):
    """The queue without the decided proposals, in order (one pass, not a mask per field)."""
    agency, kind, month = np.empty(n_kept, np.int64), np.empty(n_kept, np.int64), np.empty(n_kept, np.int64)
    reviewer, cost = np.empty(n_kept, np.int64), np.empty(n_kept)
    i = 0
    for j in range(len(decided)):
        if not decided[j]:
            agency[i], kind[i], month[i] = waiting.agency[j], waiting.kind[j], waiting.month[j]
            reviewer[i], cost[i] = waiting.reviewer[j], waiting.cost[j]
            i += 1
    return agency, kind, month, reviewer, cost


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


def build_factor(model: GovModel) -> np.ndarray:
    """(N,) multiple of the base build cost each agency pays: its vendor's or its
    company's markup."""
    prices = prices_of(model)
    return _price_factor(prices.vendor, prices.company, prices.vendor_markup, prices.company_markup)


@njit(cache=True)
def _price_factor(vendor, company, vendor_markup, company_markup):
    """`build_factor` in one pass: 1 + the markup of the agency's company, else its vendor's
    (plain arrays: read through `Prices` inside `_proposals`' loop it took twice as long)."""
    out = np.empty(len(vendor))
    for n in range(len(vendor)):
        out[n] = 1.0 + (company_markup[company[n]] if company[n] >= 0 else vendor_markup[vendor[n]])
    return out


def start_builds(model: GovModel, agencies, kinds, costs, duplicate, proposed=None, scrutiny=0.0) -> None:
    """Projects start (`proposed`: the month each was proposed; default this month;
    `scrutiny`: how closely a coordinating body examined each, 0 where none reviewed it)."""
    J = len(agencies)
    proposed = np.zeros(0, np.int64) if proposed is None else np.asarray(proposed, np.int64)
    scrutiny = np.full(J, float(scrutiny)) if np.ndim(scrutiny) == 0 else np.asarray(scrutiny, dtype=float)
    _start(model, (agencies, kinds, costs, duplicate, proposed, scrutiny))


class Builds(NamedTuple):
    """Projects that start this month, one entry each."""

    agencies: np.ndarray
    kinds: np.ndarray
    costs: np.ndarray  # 万元
    duplicate: np.ndarray  # a shared instance was reachable
    proposed: np.ndarray  # month each was proposed (empty: this month)
    scrutiny: np.ndarray  # how closely a coordinating body examined each (empty: none reviewed them)


def _start(model: GovModel, builds: tuple) -> None:
    """`start_builds` of the `Builds` a kernel returned: the draws, then construction."""
    J = len(builds[0])
    if J == 0:
        return
    rng = model.rng
    u = rng.random(J)  # the rights clause's draw (`control.project_terms`), then the quality's
    noise = rng.normal(0, model.spec.agents.quality_spread, J)
    quality = np.array(list(map(_QUALITY, model.companies))) if model.companies else _NO_COMPANY
    build, duplicated, months = _start_builds(
        builds, (u, noise), model.month, model.spec.agents.build_months, (*BUILDERS(model), quality), RECORDS(model)
    )
    # the pipeline's total duration, kept as projects start and finish (measures read it)
    model.building_months += months
    model.n_building += J
    model.spend["build"] += build
    model.spend["duplicated_build"] += duplicated


_NO_COMPANY = np.zeros(1)
_NOW, _UNREVIEWED = np.zeros(0, np.int64), np.zeros(0)  # `Builds.proposed`: this month; `.scrutiny`: none
_MARKUP, _QUALITY = attrgetter("markup"), attrgetter("quality")  # a map over companies: half a comprehension's time


class Builders(NamedTuple):
    """Who builds an agency's projects, and how well; who on the government side specifies them."""

    vendor: np.ndarray  # (N)
    company: np.ndarray  # (N) NO_ONE before take-over
    vendor_quality: np.ndarray  # (vendors)
    tsi_support: float  # share of the quality gap a technical-support institution closes
    tsi_staff: np.ndarray  # (G) its government's technical-support institution's staff
    tsi_skill: np.ndarray  # (G) and their skill
    staff: np.ndarray  # (N) the agency's in-house IT staff
    skill: np.ndarray  # (N) their skill
    n_lines: int
    company_quality: np.ndarray  # (companies) last: computed each call, the rest read by `BUILDERS`


class Records(NamedTuple):
    """Where a starting project is recorded (all changed)."""

    tsi_specified: np.ndarray  # (G) projects the institution specified since its monthly step
    specified: np.ndarray  # (N, K) the project's decision and specification
    rights: np.ndarray  # (N, K) the government holds its rights
    proposed: np.ndarray  # (N, K) month the project was proposed
    building: np.ndarray  # (N, K)
    done: np.ndarray  # (N, K) month it goes live
    quality: np.ndarray  # (N, K) quality it will have
    duplicate: np.ndarray  # (N, K) a shared instance was reachable


BUILDERS = view(  # `Builders` but its last field
    NamedTuple("BuildersRead", [(f, object) for f in Builders._fields[:-1]]),
    vendor="state.vendor",
    company="state.company",
    vendor_quality="vendor_quality",
    tsi_support="tech_support.quality_support",
    tsi_staff="tech_support.staff",
    tsi_skill="tech_support.skill",
    staff="state.staff",
    skill="state.skill",
    n_lines="structure.n_lines",
)
RECORDS = view(
    Records,
    tsi_specified="tech_support.specified",
    specified="state.build_specified",
    rights="state.build_rights",
    proposed="state.proposed",
    building="state.building",
    done="state.done",
    quality="state.build_quality",
    duplicate="state.build_duplicate",
)


@njit(cache=True)
def _start_builds(builds, draws, month, build_months, builders, records):
    """Projects start: their terms (`control.project_terms`, from `draws[0]`; an institution
    charges the specification to its month), then construction by the agency's company if it
    has one, else its vendor, at the builder's quality with noise (`draws[1]`); a
    technical-support institution in the government closes part of the gap to full quality.
    Returns the spending, its duplicated part and the months the projects add to the
    pipeline (proposal to go-live)."""
    builds, builders, records = Builds(*builds), Builders(*builders), Records(*records)  # named again
    u, noise = draws
    agencies, kinds, n_lines = builds.agencies, builds.kinds, builders.n_lines
    J = len(agencies)
    g = agencies // n_lines  # agency `g * n_lines + l`
    proposed = np.full(J, month, np.int64) if len(builds.proposed) == 0 else builds.proposed
    scrutiny = np.zeros(J) if len(builds.scrutiny) == 0 else builds.scrutiny
    tsi_staff = builders.tsi_staff
    specified, rights = terms_of_projects(
        builders.staff[agencies], builders.skill[agencies], tsi_staff[g], builders.tsi_skill[g], scrutiny, u
    )
    months = 0
    for j in range(J):
        n, k = agencies[j], kinds[j]
        records.specified[n, k], records.rights[n, k] = specified[j], rights[j]
        records.tsi_specified[g[j]] += tsi_staff[g[j]] > 0  # the institution's staff time (its monthly step charges it)
        records.proposed[n, k] = proposed[j]
        months += month + build_months - proposed[j]
    spent, duplicated = _build(builds, noise, month + build_months, builders, records)
    return spent, duplicated, float(months)


@njit(cache=True)
def _build(builds, noise, done_month, builders, records):
    """Construction starts, by the agency's company if it has one, else its vendor."""
    vendor, company, company_quality = builders.vendor, builders.company, builders.company_quality
    spent = duplicated = 0.0
    for j in range(len(builds.agencies)):
        n, k = builds.agencies[j], builds.kinds[j]
        builder = company_quality[company[n]] if company[n] >= 0 else builders.vendor_quality[vendor[n]]
        q = min(max(builder + noise[j], 0.0), 1.0)
        support = builders.tsi_support * (builders.tsi_staff[n // builders.n_lines] > 0)
        records.building[n, k] = True
        records.done[n, k] = done_month
        records.quality[n, k] = q + support * (1 - q)
        records.duplicate[n, k] = builds.duplicate[j]
        spent += builds.costs[j]
        duplicated += builds.costs[j] * builds.duplicate[j]
    return spent, duplicated
