"""Same-process A/B of the ninth pass's reform code (open data, app consolidation, base data,
shared platform) against the numpy each replaced, on one live state.

    cd TREE && PYTHONPATH=TREE python -m benchmarks.data_reforms_ab [--month 30] [--repeat 200]

Runs Guangdong with every reform on at 13,750 agencies to `--month`, then times each pair
(main ae12731's numpy, written out here, and the compiled call now in `sim`) on the same arrays,
alternating which goes first, and prints the medians in µs: hot (repeated) and cold (after a
32 MB pass that evicts the caches, as a month's other work does). Results are not compared
here: the tests do that (`tests/reforms/test_data_kernels.py`).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim.state import MOBILE


def _ab(label, old, new, repeat):
    junk = np.ones(4_000_000)
    for cold in (False, True):
        times = {0: [], 1: []}
        for i in range(repeat):
            for k, f in ((0, old), (1, new)) if i % 2 else ((1, new), (0, old)):
                if cold:
                    junk.sum()
                t = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - t)
        a, b = np.median(times[0]) * 1e6, np.median(times[1]) * 1e6
        print(f"{label:32s} {'cold' if cold else 'hot ':4s} old {a:7.1f}  new {b:7.1f} µs (median)")


def _hosted_share(app_of_gov, own, reuse, n_lines, n_apps):
    """main ae12731's `apps.hosted_share`: (apps) share of the covered agencies with an app whose
    services the government app hosts (they use it instead of an app of their own)."""
    hosted = np.zeros(n_apps, np.int64)
    total = np.zeros(n_apps, np.int64)
    for g in range(len(app_of_gov)):
        i = app_of_gov[g]
        if i < 0:
            continue
        # the government's agencies as slices (a loop from 0 needs no negative-index check) and
        # its counts in registers (counts: exact in any order)
        mine, used = own[g * n_lines : (g + 1) * n_lines, MOBILE], reuse[g * n_lines : (g + 1) * n_lines, MOBILE]
        with_app = inside = 0
        for n in range(n_lines):
            hosted_here = used[n] & ~mine[n]
            with_app += mine[n] | hosted_here
            inside += hosted_here
        total[i] += with_app
        hosted[i] += inside
    out = np.zeros(n_apps)
    for i in range(n_apps):
        if total[i] > 0:
            out[i] = hosted[i] / total[i]
    return out


def _own_apps_covered(own, app_of_gov, n_lines):
    """main ae12731's `apps.own_apps_covered`: agencies running their own app under a government app, in order."""
    out = np.empty(own.shape[0], np.int64)
    m = 0
    for g in range(len(app_of_gov)):
        if app_of_gov[g] < 0:
            continue
        mine = own[g * n_lines : (g + 1) * n_lines, MOBILE]  # a slice: a loop from 0, no negative-index check
        for line in range(n_lines):
            out[m] = g * n_lines + line
            m += mine[line]
    return out[:m]


def _full_walk(order, opened, market, records, capacity):
    """main ae12731's `kernels.covered_by_developers`: the whole walk (compiled by `_pairs`)."""
    covered = np.zeros(len(opened), np.bool_)
    total = before = 0.0
    last = -1
    for i in range(len(order)):
        n = order[i]
        if not opened[n]:
            continue
        total += records[i]
        m = market[i]
        if m != last:
            before, last = total - records[i], m
        covered[n] = total - before <= capacity[m]
    return covered


def _pairs(m):
    """(label, old numpy, new call) on the model's state."""
    from numba import njit

    from sim.processes import apps
    from sim.processes.demand import on_data_layer
    from sim.reforms import data_kernels as dk
    from sim.reforms import kernels
    from sim.state import DATA

    reforms = {r.key: r for r in m.reforms}
    ac, od, bd, sp = (reforms[k] for k in ("app_consolidation", "open_data", "base_data", "shared_platform"))
    s, st, o, a, p = m.structure, m.state, m.openness, m.spec.agents, od.p
    cq = np.array([c.quality for c in m.companies] or [0.0])
    newly = od.catalogue[max(int(od.asked) - 275, 0) : int(od.asked)]
    updated = bd.updated.copy()

    def old_value():
        q_col, age = cq[:, None], np.arange(a.system_lifetime)[None, :]
        curve = apps.bass_curve(age, q_col, a.app_innovation, a.app_imitation, a.app_potential)
        return q_col[:, 0] * curve.mean(axis=1)

    def old_developers():
        opened = kernels.records_by_market(s.agency_market, s.agency_records, o.opened, s.n_gov)
        np.where(od.records > 0, opened / np.maximum(od.records, 1e-12), 0.0)
        value, n = p.record_value * opened, o.developers
        return n + (value / (n + 1) > p.developer_cost) - ((n > 0) & (value / np.maximum(n, 1) < p.developer_cost))

    def new_developers():
        opened = kernels.records_by_market(s.agency_market, s.agency_records, o.opened, s.n_gov)
        dk.opened_share(opened, od.records)
        return dk.enter_and_exit(opened, o.developers, p.record_value, p.developer_cost)

    def old_publish():
        fresh = newly[~o.opened[newly]]
        waiting = np.concatenate([od.waiting, fresh]) if len(fresh) else od.waiting
        ask = kernels.still_to_publish(waiting, st.open, o.opened)
        opened = o.opened.copy()
        opened[ask] = True
        return waiting[~opened[waiting]]

    def new_publish():
        waiting, ask = dk.ask_waiting(od.waiting, newly, st.open, o.opened)
        return dk.publish(o.opened.copy(), ask, np.ones(len(ask), bool), waiting)

    def old_feed():
        sources = bd.source_agencies[m.links_provided[bd.source_agencies] > 0]
        fit = on_data_layer(m, sources) | (st.own[sources, DATA] & (st.quality[sources, DATA] >= bd.p.min_quality))
        willing = st.open[sources] | (np.zeros(len(sources)) < bd.p.guarded_update)
        updated[sources[fit & willing]] = m.month

    def new_feed():
        sources = dk.providing(bd.source_agencies, m.links_provided)
        x = dk.Sources(st.own, st.quality, st.open, m.platforms.reach, s.agency_gov)
        dk.feed_library(sources, np.zeros(len(sources)), tuple(x), bd.p.min_quality, bd.p.guarded_update, updated, 0)

    run_by_market = np.zeros_like(m.platforms.run_by_market)

    def old_platform():
        run_by_market[:] = 0.0
        np.add.at(run_by_market, s.gov_market[m.platforms.gov], sp.p.run_cost)

    def new_platform():
        run_by_market[:] = 0.0
        run_by_market[:] = sp._run_by_market[1]

    old_hosted, old_own = njit(_hosted_share), njit(_own_apps_covered)

    def old_apps():
        old_hosted(ac.app_index, st.own, st.reuse, s.n_lines, len(ac.apps))
        old_own(st.own, ac.app_index, s.n_lines)

    def new_apps():
        apps.hosted_and_own_apps(ac.app_index, st.own, st.reuse, s.n_lines, len(ac.apps))

    capacity = o.developers * (p.developer_cost / p.record_value)
    full_walk = njit(_full_walk)

    def old_covered():
        return full_walk(od.order, o.opened, *od.in_order, capacity)

    def new_covered():
        return kernels.covered_by_developers(od.order, o.opened, *od.in_order, capacity)

    def new_value():
        return apps.new_app_value(cq, a.app_innovation, a.app_imitation, a.app_potential, a.system_lifetime)

    return [
        ("a new app's value (company)", old_value, new_value),
        ("developers and market records", old_developers, new_developers),
        ("publication glue", old_publish, new_publish),
        ("base data's feed", old_feed, new_feed),
        ("platforms' running cost", old_platform, new_platform),
        ("hosted share and own apps", old_apps, new_apps),
        ("developers' coverage", old_covered, new_covered),
    ]


def main(argv: list[str] | None = None) -> None:
    from benchmarks.cases import every_reform
    from sim import GovModel

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--month", type=int, default=30, help="state timed: 13 or later (every reform running)")
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args(argv)
    if args.month < 13:
        ap.error(f"--month {args.month}: expected 13 or later (base data starts at month 12)")
    m = GovModel("guangdong", rng=2, **{"government.sizes": [1, 21, 228]} | every_reform())
    m.run_for(args.month)
    for label, old, new in _pairs(m):
        old(), new()  # compiled and warm
        _ab(label, old, new, args.repeat)


if __name__ == "__main__":
    main()
