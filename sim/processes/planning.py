"""3. IT planning: proposals, review, and the start of construction (DESIGN §2.3).

An agency that lacks a capability it needs — infrastructure, common support (identity,
e-certificates, payment), a data resource, its line application, a mobile app it wants —
proposes a project when its IT funds cover the price. Without unified approval it decides
alone: it reuses a reachable shared system only if it is open, willing and the system is
compatible; otherwise it builds its own, duplicates included (seed 000 §2.2). With unified
approval its proposal waits in the queue of the nearest coordinating body, which decides a
limited number each month, oldest first, rejects duplicates and points the agency to the
platform or the existing system (seed 000 §3.2, seed 002 §4).

A month's planning is three compiled calls (proposals, the lone decisions, the start of
construction) between the draws, which stay in Python in their order; their arguments are
read off the model by views (`sim/views.py`) and their results written into the model's
work space (`Work`), so that no call builds a structure or returns new arrays.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..control import review_scrutiny, terms_of_projects
from ..institutions import record_reviews
from ..state import LAYER_COLUMN, MOBILE, N_KINDS, SHAREABLE, SHAREABLE_FLAGS, Systems
from ..substitutes import can_host, can_use_shared
from ..views import view

if TYPE_CHECKING:
    from ..model import GovModel


def plan(model: GovModel) -> None:
    work = model.__dict__.get("planning_work") or Work.of(model)
    rng = model.rng
    rng.random(out=work.app_draw)  # who comes to want a mobile app this month (`rng.random(N)`'s numbers)
    # what each agency lacks, and of it what it can pay for, kind by kind, from its funds;
    # under app consolidation an agency that decided so puts a new app into the government app
    running = work.running
    prices = (*PRICES(model), np.array(list(map(_MARKUP, model.companies))) if model.companies else _NO_COMPANY)
    n_alone, n_queued = _proposals(running, REACH(model), WANTS(model), work.projects, prices, work.proposals)
    # with unified approval they wait for a coordinating body: `review` joins them to its queue
    if n_alone:  # decided alone: reuse where willing and compatible, else build
        a = model.spec.agents
        willing = rng.random(n_alone)
        chance = a.voluntary_reuse * model.rules.compatibility
        decide = (willing, chance, a.host_capacity)
        n_builds = _decide_alone(running, model.state.open, work.alone, decide, model.state.budget, work.builds)
        _start(model, work.alone_builds, n_builds)  # proposed this month, reviewed by none
    review(model, running, n_queued)


@njit(cache=True)
def begun_before(building, months_left, build_months, done, proposed):
    """Projects under way at month 0 (`building`, row by row) go live after their `months_left` and were
    proposed `build_months` before that: numpy's `done[building] = months_left`, then `proposed[building] =
    done[building] - build_months`, in one pass (a test holds the two equal)."""
    j = 0
    for n in range(building.shape[0]):
        for k in range(building.shape[1]):
            if building[n, k]:
                done[n, k] = months_left[j]
                proposed[n, k] = done[n, k] - build_months
                j += 1


def systems(model: GovModel) -> Systems:
    st, s = model.state, model.structure
    return Systems(st.own, st.reuse, model.kind_reach(), s.n_lines, s.substitutes, model.line_bits)


class Work:
    """A model's work space for planning (made on its first plan, kept as `model.planning_work`):
    the month's draws of who comes to want an app, the kinds reachable from each government, and
    the proposals and builds the kernels write (at most one per agency and kind a month), read up
    to the counts they return. Read only within one `plan`: nothing in it outlives the month."""

    def __init__(self, n_agencies: int, n_gov: int) -> None:
        size = n_agencies * N_KINDS
        self.app_draw = np.empty(n_agencies)
        self.kind_reach = np.zeros((n_gov, N_KINDS), np.bool_)
        self.alone = (np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size))  # rows, kinds, costs
        self.queued = (np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size), np.empty(size, np.int64))
        self.proposals = (*self.alone, *self.queued)  # `_proposals`' out: alone, then waiting (with reviewers)
        self.builds = (np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size), np.empty(size, np.bool_))
        self.alone_builds = (*self.builds, _NOW, _UNREVIEWED)  # `Builds`: proposed this month, reviewed by none
        self.reviewed = _reviewed_builds(size)
        self.running = self.projects = self.records = ()  # read off the model by `of`

    def fit(self, n_waiting: int) -> Work:
        """The work space with room for the builds of `n_waiting` queued proposals (one per
        agency and kind at most, as `_proposals` marks them: more only if a caller queued others)."""
        if n_waiting > len(self.reviewed[0]):
            self.reviewed = _reviewed_builds(n_waiting)
        return self

    @classmethod
    def of(cls, model: GovModel) -> Work:
        """The model's work space, with the kernels' arguments that are the same arrays for the
        whole run (the agencies' state, the structure, this work space) read once: `SYSTEMS`,
        `PROJECTS` and `RECORDS` (nothing replaces them after set-up: tests/test_planning_args.py)."""
        s = model.structure
        work = model.planning_work = cls(s.n_agencies, s.n_gov)
        work.running, work.projects, work.records = SYSTEMS(model), PROJECTS(model), RECORDS(model)
        return work


def _reviewed_builds(size: int) -> tuple:
    """`Builds` of up to `size` reviewed proposals (`_decide_queue` writes all but `duplicate`: none is)."""
    return (
        np.empty(size, np.int64),
        np.empty(size, np.int64),
        np.empty(size),
        np.zeros(size, np.bool_),
        np.empty(size, np.int64),
        np.empty(size),
    )


class Wants(NamedTuple):
    app: np.ndarray  # (N) the agency wants a mobile app (changed: `app_draw` adds to it)
    app_draw: np.ndarray  # (N) uniform draws: the agency comes to want one below `app_propensity`
    app_propensity: float
    gov_app: np.ndarray  # (N) the agency puts a new or renewed app into the government app
    province_built: np.ndarray  # (G, K) kinds the province builds for the government (not proposed)
    reviewer_of_gov: np.ndarray  # (G) the body a government's proposals wait for (NO_ONE: none)
    routed: bool  # unified approval: proposals wait for `reviewer_of_gov` (else every one is decided alone)


class Reach(NamedTuple):
    """What makes a shared instance reachable from a government (`state.kind_reach_of`)."""

    platform: np.ndarray  # (G, N_LAYERS) a platform layer reaches the government
    app: np.ndarray  # (G) a government app serves it


class Projects(NamedTuple):
    """What agencies have under way (all changed by `_proposals`)."""

    building: np.ndarray  # (N, K)
    queued: np.ndarray  # (N, K) marked for the proposals that wait
    budget: np.ndarray  # (N) funds: the proposals' costs reserved


class Prices(NamedTuple):
    """What an agency pays for a build: the base cost times 1 + its company's markup, else its vendor's."""

    vendor: np.ndarray  # (N)
    company: np.ndarray  # (N) NO_ONE before take-over
    vendor_markup: np.ndarray  # (vendors)
    base: np.ndarray  # (K) base build cost, 万元
    company_markup: np.ndarray  # (companies) last: computed each call, the rest read by `PRICES`


def prices_of(model: GovModel) -> Prices:
    markups = np.array(list(map(_MARKUP, model.companies))) if model.companies else _NO_COMPANY
    return Prices(*PRICES(model), company_markup=markups)


SYSTEMS = view(  # `Systems` with the kinds reachable this month (filled by `_proposals`)
    Systems,
    own="state.own",
    reuse="state.reuse",
    kind_reach="planning_work.kind_reach",
    n_lines="structure.n_lines",
    substitutes="structure.substitutes",
    line_bits="line_bits",
)
REACH = view(Reach, platform="platforms.reach", app="gov_apps.reach")
WANTS = view(
    Wants,
    app="state.wants_app",
    app_draw="planning_work.app_draw",
    app_propensity="spec.agents.app_propensity",
    gov_app="gov_apps.joins",
    province_built="platforms.province_built",
    reviewer_of_gov="review.reviewer_of_gov",
    routed="rules.approval",
)
PROJECTS = view(Projects, building="state.building", queued="state.queued", budget="state.budget")
PRICES = view(  # `Prices` but its last field, the companies' markups
    Prices,
    computed=1,
    vendor="state.vendor",
    company="state.company",
    vendor_markup="vendor_markup",
    base="base_build_cost",
)


@njit(cache=True)
def _proposals(systems, reach, wants, projects, prices, out):
    """An agency lacks a kind it needs (every kind, the mobile app only if wanted) that it
    cannot use, is not building and has not proposed; it proposes the lacking kinds in
    order while their running total stays within its funds, which it reserves. Writes the
    proposals it decides alone (rows, kinds, costs) and those that wait for a body
    (`Wants.reviewer_of_gov`, marked in `queued`; rows, kinds, costs, reviewers) into `out`
    (`Work.proposals`), each in row-major order, and returns how many of each; fills
    `systems.kind_reach` from `reach`; changes `wants.app`, `budget` (funds reserved) and
    `reuse` (redirected apps) in place."""
    systems, wants, projects = Systems(*systems), Wants(*wants), Projects(*projects)  # named again (state.py)
    _kind_reach_into(reach[0], reach[1], systems.kind_reach)
    n_lines, N = systems.n_lines, systems.own.shape[0]
    vendor, company, vendor_markup, base, company_markup = prices
    budget, queued = projects.budget, projects.queued
    rows, kinds, costs, q_rows, q_kinds, q_costs, q_reviewers = out
    n_alone = n_queued = 0
    lacking_of_line, usable = np.zeros(n_lines, np.int64), np.empty(n_lines * N_KINDS, np.uint8)
    for g in range(N // n_lines):
        reviewer = wants.reviewer_of_gov[g] if wants.routed else -1
        _lacking(systems, projects.building, queued, g, lacking_of_line, usable)
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
            factor = 1.0 + (
                company_markup[company[n]] if company[n] >= 0 else vendor_markup[vendor[n]]
            )  # `build_factor`
            total = reserved = 0.0
            for k in range(N_KINDS):
                lacking = (lacks >> k) & 1
                cost = factor * base[k]
                total += lacking * cost
                if lacking & (total <= budget[n]):
                    if reviewer < 0:
                        rows[n_alone], kinds[n_alone], costs[n_alone] = n, k, cost
                        n_alone += 1
                    else:
                        q_rows[n_queued], q_kinds[n_queued], q_costs[n_queued] = n, k, cost
                        q_reviewers[n_queued] = reviewer
                        queued[n, k] = True
                        n_queued += 1
                    reserved += cost
            budget[n] -= reserved
    return n_alone, n_queued


@njit(cache=True)
def _kind_reach_into(platform_reach, app_reach, out):
    """`state.kind_reach_of` written into `out` (G, K) instead of a new array."""
    for g in range(out.shape[0]):
        for k in range(N_KINDS):
            out[g, k] = platform_reach[g, LAYER_COLUMN[k]] if LAYER_COLUMN[k] >= 0 else False
        out[g, MOBILE] = app_reach[g]


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


@njit(cache=True)
def _decide_alone(systems, host_open, proposals, decide, budget, builds):
    """An agency deciding alone reuses a shared instance it could use (`can_use_shared`) if
    it is open and willing (`decide`: its draw `willing` below `chance`), its reserved funds
    going back; otherwise it builds, a duplicate where an owner would have hosted it
    (`can_host`, §7.4, up to `host_capacity`). `proposals`: (rows, kinds, costs), the first
    `len(willing)` read. Changes `reuse` and `budget`; writes the builds into `builds` (the
    first four fields of `Builds`, `Work.builds`) and returns how many."""
    systems = Systems(*systems)
    own, kind_reach, substitutes, n_lines = systems.own, systems.kind_reach, systems.substitutes, systems.n_lines
    willing, chance, host_capacity = decide
    rows, kinds, costs = proposals
    agencies, kinds_built, costs_built, duplicate = builds
    J = len(willing)
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
    _refund(rows[:J], costs[:J], reused, budget)
    return b


def review(model: GovModel, running: tuple | None = None, n_new: int = 0) -> None:
    """Coordinating bodies decide the oldest proposals in their queue, up to capacity
    (`running`: `SYSTEMS(model)` as `plan` filled it, where the caller has it; `n_new`: the
    proposals `_proposals` queued this month, in the work space, not yet in `model.queue`)."""
    q, st, stats = model.queue, model.state, model.step_stats
    stats["decided"] = stats["rejected_duplicates"] = 0
    stats["waited"] = []
    if len(q) + n_new == 0:
        return
    work = model.__dict__.get("planning_work") or Work.of(model)
    held = _NOT_HELD
    if model.rules.freeze_until_platform:
        if n_new:  # what is held is read off the whole queue
            rows, kinds, costs, reviewers = (x[:n_new] for x in work.queued)
            q.push(rows, kinds, model.month, reviewers, costs)
            n_new = 0
        # 暂停其他信息化项目的立项 while the provincial centre is built (seed 002 §4)
        held = SHAREABLE[q.kind] & ~model.platforms.ready_for(model.structure.agency_gov[q.agency])
    bodies = (model.review.allowance(), model.review.capacity, held)  # `Bodies`
    work.fit(len(q) + n_new)
    running = tuple(systems(model)) if running is None else running
    taken, decided, kept, n_builds = _review(
        WAITING(q), (*work.queued, n_new), bodies, running, (st.queued, st.budget), work.reviewed, model.month
    )
    model.review.consume(taken)
    _start(model, work.reviewed, n_builds)
    reviewers, duplicate, n_rejected, waited = decided
    record_reviews(model, reviewers, duplicate)
    stats["decided"] = len(reviewers)
    stats["rejected_duplicates"] = n_rejected
    stats["waited"] = waited
    q.agency, q.kind, q.month, q.reviewer, q.cost = kept


@njit(cache=True)
def _review(waiting, new, bodies, systems, projects, builds, month):
    """`_decide_queue` on the queue with this month's proposals (`new`: rows, kinds, costs,
    reviewers, how many: `Work.queued`) joined at its end, as `Queue.push` joins them."""
    joined = _joined(Waiting(*waiting), new, month)
    return _decide_queue(joined, bodies, systems, projects[0], projects[1], builds, month)


@njit(cache=True)
def _joined(waiting, new, month):
    """The queue with the first `new[4]` proposals of `new` after it, in new arrays (`Queue.push` in one pass)."""
    rows, kinds, costs, reviewers, n_new = new
    Q = len(waiting.agency)
    agency, kind, months = np.empty(Q + n_new, np.int64), np.empty(Q + n_new, np.int64), np.empty(Q + n_new, np.int64)
    reviewer, cost = np.empty(Q + n_new, np.int64), np.empty(Q + n_new)
    agency[:Q], kind[:Q], months[:Q], reviewer[:Q], cost[:Q] = (
        waiting.agency,
        waiting.kind,
        waiting.month,
        waiting.reviewer,
        waiting.cost,
    )
    agency[Q:], kind[Q:], months[Q:] = rows[:n_new], kinds[:n_new], month
    reviewer[Q:], cost[Q:] = reviewers[:n_new], costs[:n_new]
    return Waiting(agency, kind, months, reviewer, cost)


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
WAITING = view(
    Waiting, agency="agency", kind="kind", month="month", reviewer="reviewer", cost="cost"
)  # of `model.queue`


@njit(cache=True)
def _decide_queue(waiting, bodies, systems, queued, budget, builds, month):
    """Each body decides its oldest proposals (`_oldest_first`): a duplicate of a shared
    instance the agency could use (`can_use_shared`) is rejected, the agency pointed to it
    and its reserved funds returned; the rest start (`Builds`, at the body's scrutiny, written
    into `builds`, `Work.reviewed`). Changes `reuse`, `queued` and `budget`; returns per body
    the proposals decided, the decided ones' (reviewers, rejected, how many rejected, months
    waited by `month`), the queue kept and how many builds start."""
    waiting, bodies, systems = Waiting(*waiting), Bodies(*bodies), Systems(*systems)
    held = bodies.held if len(bodies.held) else np.zeros(len(waiting.agency), np.bool_)
    decided, n_waiting, taken = _oldest_first(waiting.reviewer, held, bodies.allowed)
    scrutiny = review_scrutiny(bodies.capacity, n_waiting)
    D = np.count_nonzero(decided)
    reviewers, rejected, waited = np.empty(D, np.int64), np.empty(D, np.bool_), np.empty(D, np.int64)
    returned = np.zeros(len(decided), np.bool_)  # the rejected proposals, their funds returned
    agencies, kinds, costs, _, proposed, examined = builds
    d = b = 0
    for j in range(len(decided)):
        if not decided[j]:
            continue
        n, k = waiting.agency[j], waiting.kind[j]
        reviewers[d], waited[d] = waiting.reviewer[j], month - waiting.month[j]
        rejected[d] = can_use_shared(systems.own, systems.kind_reach, systems.substitutes, systems.n_lines, n, k)
        if rejected[d]:
            systems.reuse[n, k] = returned[j] = True
        else:  # `Builds` of the proposal, at its body's scrutiny
            agencies[b], kinds[b], costs[b] = n, k, waiting.cost[j]
            proposed[b], examined[b] = waiting.month[j], scrutiny[waiting.reviewer[j]]
            b += 1
        queued[n, k] = False
        d += 1
    _refund(waiting.agency, waiting.cost, returned, budget)
    return taken, (reviewers, rejected, D - b, waited), _kept(waiting, decided, len(decided) - D), b


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
    company's markup (`_proposals` prices agency by agency the same way)."""
    prices = prices_of(model)
    return _price_factor(prices.vendor, prices.company, prices.vendor_markup, prices.company_markup)


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
    J = len(agencies)
    proposed = np.zeros(0, np.int64) if proposed is None else np.asarray(proposed, np.int64)
    scrutiny = np.full(J, float(scrutiny)) if np.ndim(scrutiny) == 0 else np.asarray(scrutiny, dtype=float)
    _start(model, (agencies, kinds, costs, duplicate, proposed, scrutiny), J)


class Builds(NamedTuple):
    """Projects that start this month, one entry each."""

    agencies: np.ndarray
    kinds: np.ndarray
    costs: np.ndarray  # 万元
    duplicate: np.ndarray  # a shared instance was reachable
    proposed: np.ndarray  # month each was proposed (empty: this month)
    scrutiny: np.ndarray  # how closely a coordinating body examined each (empty: none reviewed them)


def _start(model: GovModel, builds: tuple, J: int) -> None:
    """`start_builds` of the first `J` of the `Builds` a kernel returned or wrote: the draws, then construction."""
    if J == 0:
        return
    rng = model.rng
    u = rng.random(J)  # the rights clause's draw (`control.project_terms`), then the quality's
    noise = rng.normal(0, model.spec.agents.quality_spread, J)
    quality = np.array(list(map(_QUALITY, model.companies))) if model.companies else _NO_COMPANY
    records = (model.__dict__.get("planning_work") or Work.of(model)).records
    build, duplicated, months = _start_builds(
        builds, (u, noise), model.month, model.spec.agents.build_months, (*BUILDERS(model), quality), records
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


BUILDERS = view(  # `Builders` but its last field, the companies' qualities
    Builders,
    computed=1,
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
    Reads the first `len(draws[0])` of `builds`; returns the spending, its duplicated part and
    the months the projects add to the pipeline (proposal to go-live)."""
    builds, builders, records = Builds(*builds), Builders(*builders), Records(*records)  # named again
    u, noise = draws
    J = len(u)  # the first J of `builds`
    agencies, kinds, n_lines = builds.agencies[:J], builds.kinds[:J], builders.n_lines
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
    for j in range(len(noise)):
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
