"""Compiled passes of the reforms' monthly steps (the reform modules stay free of numba: the
schema imports them). Each replaces a chain of whole-array numpy masks over (agencies, kinds)
with one pass that returns what the step then acts on, in the row-major order `np.nonzero`
gives, so every draw and sum downstream sees the same numbers in the same order."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ..institutions import Clients
from ..state import INFRA


class Repairs(NamedTuple):
    """The repairs under way (`third_party_evaluation`), one entry a system, by its cell
    (flat n * K + k, ascending): walked in order, not looked up in (N, K) arrays."""

    cells: np.ndarray  # flat n * K + k, ascending, no repeats
    quality: np.ndarray  # the quality the system will run at
    done: np.ndarray  # month it is ready
    of: np.ndarray  # month the repaired system was built
    owed_since: np.ndarray  # the liable supplier's `operator_since`


def no_repairs() -> tuple:
    """`Repairs` with none under way."""
    return tuple(Repairs(*(np.zeros(0, dtype) for dtype in (np.int64, np.float64, np.int64, np.int64, np.int64))))


class Audited(NamedTuple):
    """What an audit pass reads and writes of the running systems."""

    own: np.ndarray  # (N, K)
    built: np.ndarray  # (N, K)
    quality: np.ndarray  # (N, K) changed in place where a repair is done
    operator_since: np.ndarray  # (N)
    audit_month: np.ndarray  # (N, K) month of the last audit, set where audited
    company: np.ndarray  # (N) the agency's operating company, NO_ONE: none


@njit(cache=True)
def settle_repairs(repairs, systems, month):
    """`third_party_evaluation`'s repairs under way (`Repairs`, in cell order): a repair whose
    supplier the agency left lapses; a repair due takes effect on the system still running (its
    quality at least the repair's). Returns the (n, k) of the repairs done (row-major) and the
    repairs still under way (`Repairs`, in cell order)."""
    repairs, systems = Repairs(*repairs), Audited(*systems)
    K = systems.own.shape[1]
    size = len(repairs.cells)
    done = np.empty((2, size), np.int64)
    keep = np.empty(size, np.bool_)
    n_done = n_still = 0
    for j in range(size):
        i = repairs.cells[j]
        n, k = i // K, i % K
        due = repairs.done[j]
        if due >= 0 and systems.operator_since[n] != repairs.owed_since[j]:
            due = -1  # the obligation lapsed with the contract
        if 0 <= due <= month:
            if systems.own[n, k] and systems.built[n, k] == repairs.of[j]:
                systems.quality[n, k] = max(systems.quality[n, k], repairs.quality[j])
                done[0, n_done], done[1, n_done] = n, k
                n_done += 1
            due = -1
        keep[j] = due >= 0
        n_still += keep[j]
    still = (
        repairs.cells[keep],
        repairs.quality[keep],
        repairs.done[keep],
        repairs.of[keep],
        repairs.owed_since[keep],
    )
    return done[:, :n_done].copy(), still


@njit(cache=True)
def start_repairs(repairs, n, k, quality, ready, built, operator_since):
    """`third_party_evaluation`'s new repairs of systems (n, k): the quality each will run at,
    the month it is `ready`, the system repaired (its month built) and the liable supplier
    (the agency's `operator_since`); returns the repairs under way (`Repairs`, in cell order)
    with these merged in, a new repair of a system already under repair (replaced since, and
    found again) taking the old one's place."""
    repairs = Repairs(*repairs)
    K = built.shape[1]
    cells = np.empty(len(n), np.int64)
    for i in range(len(n)):
        cells[i] = n[i] * K + k[i]
    order = np.argsort(cells, kind="mergesort")
    old, size = repairs.cells, len(repairs.cells)
    out_cells = np.empty(size + len(n), np.int64)
    out_quality = np.empty(size + len(n))
    out_done = np.empty(size + len(n), np.int64)
    out_of = np.empty(size + len(n), np.int64)
    out_owed = np.empty(size + len(n), np.int64)
    i = j = c = 0
    while i < size or j < len(n):
        if j == len(n) or (i < size and old[i] < cells[order[j]]):
            x = old[i]
            q, d, f, w = repairs.quality[i], repairs.done[i], repairs.of[i], repairs.owed_since[i]
            i += 1
        else:
            new = order[j]
            x = cells[new]
            a, b = n[new], k[new]
            q, d, f, w = quality[new], ready, np.int64(built[a, b]), np.int64(operator_since[a])
            j += 1
            if i < size and old[i] == x:
                i += 1  # the new repair replaces the old one
        if c > 0 and out_cells[c - 1] == x:
            c -= 1  # the same system twice among the new ones: the later one written, as before
        out_cells[c], out_quality[c], out_done[c], out_of[c], out_owed[c] = x, q, d, f, w
        c += 1
    return out_cells[:c].copy(), out_quality[:c].copy(), out_done[:c].copy(), out_of[:c].copy(), out_owed[:c].copy()


@njit(cache=True)
def audit_pass(repairs, systems, cells, month, under_delivery):
    """`third_party_evaluation`'s audits: running systems are audited where drawn (`cells`,
    flat n * K + k ascending: the draws below the audit rate, ~3% of them,
    `uniforms.cells_below_rate`), unless under repair (the system the repair is for still in
    place), and their audit month set. Only the cells drawn are read; the repairs under way
    (`Repairs`, in cell order, as `settle_repairs` leaves them) are walked alongside. Returns
    the audited cells (flat, ascending: `contracts.record_found_cells` reads them, not a mask
    of every cell), the (n, k) of those below `under_delivery` (row-major) and the agencies run
    by a company with some system audited (ascending)."""
    repairs, systems = Repairs(*repairs), Audited(*systems)
    pending = repairs.cells
    K = systems.own.shape[1]
    pick = np.empty(len(cells), np.int64)
    poor = np.empty((2, len(cells)), np.int64)
    by_company = np.empty(len(cells), np.int64)
    n_pick = n_poor = n_company = p = 0
    for i in cells:
        n, k = i // K, i % K
        if not systems.own[n, k]:
            continue
        while p < len(pending) and pending[p] < i:
            p += 1
        if p < len(pending) and pending[p] == i and systems.built[n, k] == repairs.of[p]:
            continue  # under repair
        pick[n_pick] = i
        n_pick += 1
        systems.audit_month[n, k] = month
        if systems.quality[n, k] < under_delivery:
            poor[0, n_poor], poor[1, n_poor] = n, k
            n_poor += 1
        if systems.company[n] >= 0 and (n_company == 0 or by_company[n_company - 1] != n):
            by_company[n_company] = n  # the agency's first audited system
            n_company += 1
    return pick[:n_pick].copy(), poor[:, :n_poor].copy(), by_company[:n_company].copy()


class Deliveries(NamedTuple):
    """What the institution's check of this month's deliveries reads."""

    own: np.ndarray  # (N, K)
    delivered: np.ndarray  # the cells built this month (flat n * K + k, ascending: `cells_built`)
    proposed: np.ndarray  # (N, K)
    quality: np.ndarray  # (N, K)
    agency_gov: np.ndarray  # (N)
    checks: np.ndarray  # (G) deliverables the government's institution has time to check (0: none)
    audit_month: np.ndarray  # (N, K) month of the last audit, set where checked


@njit(cache=True)
def check_deliveries(x, month, acceptance):
    """`tech_support_institution`'s checks: systems delivered this month through construction
    (proposed before it) in agency order, the first `checks[g]` of each government g; returns
    the checked cells (flat n * K + k, ascending; their audit month set), the (n, k) of those
    below `acceptance` (row-major) and the checks done per government. Only the cells built
    this month are read (`x.delivered`, found once a month by `price_vendor_warranty`)."""
    x = Deliveries(*x)
    K = x.own.shape[1]
    cells = x.delivered
    checked = np.empty(len(cells), np.int64)
    returned = np.empty((2, len(cells)), np.int64)
    taken = np.zeros(len(x.checks), np.int64)  # deliverables of the government so far
    done = np.zeros(len(x.checks))
    n_ret = n_checked = 0
    for i in cells:
        n, k = i // K, i % K
        g = x.agency_gov[n]
        if x.checks[g] > 0 and x.own[n, k] and x.proposed[n, k] < month:
            if taken[g] < x.checks[g]:
                checked[n_checked] = i
                n_checked += 1
                x.audit_month[n, k] = month
                done[g] += 1
                if x.quality[n, k] < acceptance:
                    returned[0, n_ret], returned[1, n_ret] = n, k
                    n_ret += 1
            taken[g] += 1
    return checked[:n_checked].copy(), returned[:, :n_ret].copy(), done


@njit(cache=True)
def vendor_deliveries(x, cells, month):
    """The agencies whose vendor delivered its own work this month (`price_vendor_warranty`:
    no company, proposed after the vendor took the agency over, through construction), and
    each one's (K) delivered kinds. Reads only the cells built this month (`cells`, flat
    n * K + k ascending: `cells_built`, which the institution's check reads too)."""
    x = Clients(*x)
    K = x.own.shape[1]
    rows = np.empty(len(cells), np.int64)
    new = np.zeros((len(cells), K), np.bool_)
    m = 0
    for i in cells:
        n, k = i // K, i % K
        if x.company[n] >= 0 or not x.own[n, k] or not x.since[n] < x.proposed[n, k] < month:
            continue
        if m == 0 or rows[m - 1] != n:  # the agency's first delivered kind
            rows[m] = n
            m += 1
        new[m - 1, k] = True
    return rows[:m].copy(), new[:m].copy()


@njit(cache=True)
def cells_built(built, month):
    """The flat (row-major) indices of the (N, K) cells built in `month`, ascending (a few
    hundred of ~70,000 at 13,750 agencies): one plain pass, into an array of what it found
    (an (N, K)-sized output, or a mask, cost more than the pass)."""
    flat = built.ravel()
    out = np.empty(len(flat), np.int64)
    c = 0
    for i in range(len(flat)):
        if flat[i] == month:
            out[c] = i
            c += 1
    return out[:c].copy()


@njit(cache=True)
def covered_by_developers(order, opened, market, records, capacity):
    """(N) opened datasets some developer uses (`open_data._covered`): along `order` (agencies by
    market, largest records first; `market` and `records` are theirs in that order) the opened
    ones, each covered while its market's records used so far, itself included, stay within
    the market's `capacity`. The running total is kept over every market and the total before
    each market's first dataset taken off, as the numpy it replaces (`cumsum`, then a
    difference) did, so the sums are the same. In the last market, with no negative records,
    the used records only grow: the walk stops at its first dataset beyond the capacity (the
    rest stay uncovered; Guangdong's markets are one)."""
    covered = np.zeros(len(opened), np.bool_)
    total = before = 0.0
    last = -1
    final = market[-1] if len(order) and records[-1] >= 0 else -2  # the last market's least records is its last
    for i in range(len(order)):
        n = order[i]
        if not opened[n]:
            continue
        total += records[i]
        m = market[i]
        if m != last:
            before, last = total - records[i], m
        covered[n] = total - before <= capacity[m]
        if m == final and not covered[n]:
            break
    return covered


@njit(cache=True)
def records_by_market(market, records, opened, n_markets):
    """(G) per market the records of its opened datasets, summed in agency order (as
    `np.bincount` with weights adds them)."""
    out = np.zeros(n_markets)
    m, total = -1, 0.0  # the market being added to (its agencies run together), in a register
    for n in range(len(market)):
        if market[n] != m:
            if m >= 0:
                out[m] = total
            m = market[n]
            total = out[m]
        total += records[n] * opened[n]
    if m >= 0:
        out[m] = total
    return out


@njit(cache=True)
def migrate_rooms(own, reuse, gov_reach, n_lines):
    """`shared_platform`'s mandatory migration (迁云): the agencies of the governments the
    infrastructure layer reaches (`gov_reach`, per government; agency g * n_lines + l is line l
    of government g) move their own machine rooms onto it (`own` off, `reuse` on, in place)."""
    for g in range(len(gov_reach)):
        if not gov_reach[g]:
            continue
        mine, used = own[g * n_lines : (g + 1) * n_lines, INFRA], reuse[g * n_lines : (g + 1) * n_lines, INFRA]
        for line in range(n_lines):  # a slice: a loop from 0, no negative-index check
            if mine[line]:
                mine[line] = False
                used[line] = True


@njit(cache=True)
def refresh_copies(returned, draw, compliance, open_, agency_line, refreshed, month):
    """`data_reflux`'s refreshes: each returned copy (agencies `returned`) is refreshed this
    month (`refreshed`, in place) when the line's top agency (agency `line` of government 0)
    is open to sharing, or complies (`draw < compliance`). Returns how many were refreshed."""
    done = 0
    for i in range(len(returned)):  # without a branch on the draw, which is random
        n = returned[i]
        due = open_[agency_line[n]] | (draw[i] < compliance)
        refreshed[n] = month if due else refreshed[n]
        done += due
    return done


@njit(cache=True)
def still_to_publish(due, open_, opened):
    """`open_data._publish`: the asked agencies (`due`, catalogue order) open to sharing whose
    data is not opened yet, in that order (`due[open[due] & ~opened[due]]` in one pass)."""
    out = np.empty(len(due), np.int64)
    c = 0
    for n in due:
        if open_[n] and not opened[n]:
            out[c] = n
            c += 1
    return out[:c].copy()
