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

from typing import TYPE_CHECKING

import numpy as np

from ..state import MOBILE, SHAREABLE, row_sum

if TYPE_CHECKING:
    from ..model import GovModel


def plan(model: GovModel) -> None:
    s, st, r, a = model.structure, model.state, model.rules, model.spec.agents
    rng = model.rng
    N = s.n_agencies
    month = model.month

    st.wants_app |= rng.random(N) < a.app_propensity
    need = np.ones_like(st.own)
    need[:, MOBILE] = st.wants_app
    access = model.access()
    lacking = need & ~access & ~st.building & ~st.queued

    # redirected apps: under app consolidation new departmental apps go into the government app
    if model.superapp_reach.any():
        redirect = lacking[:, MOBILE] & model.superapp_reach[s.agency_gov]
        st.reuse[redirect, MOBILE] = True
        lacking[redirect, MOBILE] = False

    price = model.build_price()
    # only agencies lacking something can propose (a few in a hundred): work on their rows
    cand = np.flatnonzero(row_sum(lacking))
    cost = np.where(lacking[cand], price[cand], 0.0)
    affordable = lacking[cand] & (np.cumsum(cost, axis=1) <= st.budget[cand, None])
    sub, kinds = np.nonzero(affordable)
    rows = cand[sub]
    if len(rows) == 0:
        review(model)
        return
    costs = price[rows, kinds]
    st.budget -= np.bincount(rows, weights=costs, minlength=N)  # funds reserved

    reviewer = model.reviewer_of_agency[rows] if r.approval else np.full(len(rows), -1)
    queue_it = reviewer >= 0
    if queue_it.any():
        qa, qk = rows[queue_it], kinds[queue_it]
        model.queue.push(qa, qk, month, reviewer[queue_it], costs[queue_it])
        st.queued[qa, qk] = True

    ra, rk, rc = rows[~queue_it], kinds[~queue_it], costs[~queue_it]
    if len(ra):
        reusable = model.reusable(ra, rk)
        willing = st.open[ra] & (rng.random(len(ra)) < a.voluntary_reuse * r.compatibility)
        take = reusable & willing
        model.use_shared(ra[take], rk[take])
        st.budget += np.bincount(ra[take], weights=rc[take], minlength=N)
        model.start_builds(ra[~take], rk[~take], rc[~take], duplicate=reusable[~take])
    review(model)


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
        held = SHAREABLE[q.kind] & ~model.platform_ready_for(q.agency)
    # rank within each reviewer among proposals not held (queue order is arrival order)
    idx = np.flatnonzero(~held)
    order = idx[np.argsort(q.reviewer[idx], kind="stable")]
    rev = q.reviewer[order]
    starts = np.r_[0, np.flatnonzero(np.diff(rev)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    allowed = model.review_allowance()
    decide_idx = order[rank < allowed[rev]]
    decided = np.zeros(len(q), bool)
    decided[decide_idx] = True
    model.consume_allowance(np.bincount(q.reviewer[decided], minlength=len(allowed)))

    ag, kd, cost = q.agency[decided], q.kind[decided], q.cost[decided]
    duplicate = model.reusable(ag, kd)
    model.use_shared(ag[duplicate], kd[duplicate])
    st.budget += np.bincount(ag[duplicate], weights=cost[duplicate], minlength=len(st.budget))
    model.start_builds(ag[~duplicate], kd[~duplicate], cost[~duplicate], duplicate=duplicate[~duplicate])
    model.record_reviews(q.reviewer[decided], duplicate)

    st.queued[ag, kd] = False
    model.step_stats["decided"] = int(decided.sum())
    model.step_stats["rejected_duplicates"] = int(duplicate.sum())
    model.step_stats["waited"] = month - q.month[decided]
    q.keep(~decided)
