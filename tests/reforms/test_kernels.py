"""The reforms' compiled passes (`sim/reforms/kernels.py`) against the whole-array numpy each
replaced, on random states: a wrong mask, a skipped cell, a list out of row-major order or a
sum in another order breaks them (results must stay bit-identical, so equality is exact)."""

from __future__ import annotations

import numpy as np

from sim.reforms import kernels

CASES = 150


def _state(rng, month):
    n, k = int(rng.integers(1, 50)), 5
    own = rng.random((n, k)) < rng.random()
    built = rng.integers(month - 3, month + 1, (n, k)).astype(np.int32)
    proposed = (built - rng.integers(0, 3, (n, k))).astype(np.int32)
    since = rng.integers(-1, month, n).astype(np.int32)
    return own, built, proposed, since


def _old_audit(rep, own, built, quality, since, draw, month, rate, under):
    """`third_party_evaluation`'s step as numpy masks (before the compiled passes)."""
    pending = rep["done"] >= 0
    n, k = np.nonzero(pending)
    left = since[n] != rep["owed"][n, k]
    rep["done"][n[left], k[left]] = -1
    due = (rep["done"] >= 0) & (rep["done"] <= month)
    same = due & own & (built == rep["of"])
    quality[same] = np.maximum(quality[same], rep["quality"][same])
    rep["done"][due] = -1
    under_repair = (rep["done"] >= 0) & (built == rep["of"])
    pick = own & (draw < rate) & ~under_repair
    poor = np.array(np.nonzero(pick & (quality < under)))
    return pick, np.array(np.nonzero(same)), poor


def _listed(rep: dict) -> tuple:
    """The (N, K) repairs `rep` (done -1: none) as `kernels.Repairs`: the systems under repair in cell order."""
    cells = np.flatnonzero(rep["done"] >= 0)
    return tuple(kernels.Repairs(cells, *(rep[key].ravel()[cells] for key in ("quality", "done", "of", "owed"))))


def test_settle_repairs_and_audit_pass_are_the_numpy_masks():
    rng = np.random.default_rng(0)
    for case in range(CASES):
        month = 10
        own, built, _, since = _state(rng, month)
        shape = own.shape
        quality = rng.random(shape)
        on = rng.random(shape) < 0.4
        rep = {
            "quality": rng.random(shape),
            "done": np.where(on, rng.integers(month - 1, month + 3, shape), -1),
            "of": np.where(rng.random(shape) < 0.8, built, built - 1).astype(np.int64),
            "owed": np.where(rng.random(shape) < 0.8, since[:, None], since[:, None] - 1).astype(np.int64),
        }
        draw, rate, under = rng.random(shape), rng.random(), rng.random()
        old = {key: a.copy() for key, a in rep.items()}
        q_old = quality.copy()
        pick_old, done_old, poor_old = _old_audit(old, own, built, q_old, since, draw, month, rate, under)
        company = np.where(rng.random(len(own)) < 0.5, 0, -1)

        repairs = _listed(rep)
        audit_month = np.full(shape, -1, np.int32)
        systems = tuple(
            kernels.Audited(
                own=own, built=built, quality=quality, operator_since=since, audit_month=audit_month, company=company
            )
        )
        done, still = kernels.settle_repairs(repairs, systems, month)
        drawn = np.flatnonzero(draw < rate)
        pick, poor, by_company = kernels.audit_pass(still, systems, drawn, month, under)
        np.testing.assert_array_equal(done, done_old, err_msg=str(case))
        for got, want in zip(still, _listed(old), strict=True):  # the ones still under way, as they were
            np.testing.assert_array_equal(got, want, err_msg=str(case))
        np.testing.assert_array_equal(quality, q_old, err_msg=str(case))
        np.testing.assert_array_equal(pick, np.flatnonzero(pick_old), err_msg=str(case))
        np.testing.assert_array_equal(poor, poor_old, err_msg=str(case))
        np.testing.assert_array_equal(by_company, np.flatnonzero(pick_old.any(axis=1) & (company >= 0)))
        np.testing.assert_array_equal(audit_month, np.where(pick_old, month, -1), err_msg=str(case))


def _first_of_each_gov(items, gov, can):
    """The first `can[g]` items of each government g in row-major order (stable sort by
    government, rank within it)."""
    n, k = np.nonzero(items)
    g = gov[n]
    order = np.argsort(g, kind="stable")
    rank = np.empty(len(n), np.int64)
    rank[order] = np.arange(len(n)) - np.searchsorted(g[order], g[order])
    out = np.zeros(items.shape, bool)
    ok = rank < can[g]
    out[n[ok], k[ok]] = True
    return out


def test_check_deliveries_is_the_ranked_numpy_rule():
    """The institution checks this month's deliveries through construction, the first
    `left / check_months` of each government with an institution, in agency order — sorted
    or unsorted governments, fractional and unlimited time."""
    rng = np.random.default_rng(1)
    for case in range(CASES):
        month = 7
        own, built, proposed, _ = _state(rng, month)
        G = int(rng.integers(1, 6))
        gov = rng.integers(0, G, len(own))
        gov = np.sort(gov) if case % 2 else gov
        quality, acceptance = rng.random(own.shape), rng.random()
        staffed = rng.random(G) < 0.7
        can = np.where(rng.random(G) < 0.2, np.inf, rng.integers(0, 6, G) / rng.choice([1.0, 0.5, 3.0], G))
        delivered = own & (built == month) & (proposed < month) & staffed[gov][:, None]
        want = delivered & _first_of_each_gov(delivered, gov, can)
        audit_month = np.full(own.shape, -1, np.int32)
        x = kernels.Deliveries(
            own=own,
            delivered=kernels.cells_built(built, month),
            proposed=proposed,
            quality=quality,
            agency_gov=gov,
            checks=np.where(staffed, can, 0.0),
            audit_month=audit_month,
        )
        checked, returned, done = kernels.check_deliveries(tuple(x), month, acceptance)
        np.testing.assert_array_equal(checked, np.flatnonzero(want), err_msg=str(case))
        np.testing.assert_array_equal(returned, np.array(np.nonzero(want & (quality < acceptance))))
        np.testing.assert_array_equal(done, np.bincount(gov, weights=want.sum(axis=1), minlength=G))
        np.testing.assert_array_equal(audit_month, np.where(want, month, -1))


def test_vendor_deliveries_are_the_numpy_mask():
    """A vendor's own deliveries this month: no company, through construction, proposed after
    the vendor took the agency over; the rows with some, in agency order."""
    from sim.institutions import Clients

    rng = np.random.default_rng(2)
    for case in range(CASES):
        month = 9
        own, built, proposed, since = _state(rng, month)
        company = np.where(rng.random(len(own)) < 0.3, 0, -1)
        new = own & (built == month) & (proposed < month)
        new &= (proposed > since[:, None]) & (company < 0)[:, None]
        rows = np.flatnonzero(new.any(axis=1))
        x = Clients(own=own, built=built, proposed=proposed, company=company, since=since)
        got_rows, got = kernels.vendor_deliveries(tuple(x), kernels.cells_built(built, month), month)
        np.testing.assert_array_equal(got_rows, rows, err_msg=str(case))
        np.testing.assert_array_equal(got, new[rows], err_msg=str(case))


def _old_covered(opened, market, records, capacity):
    """`open_data._covered` as it sorted the opened datasets each month."""
    idx = np.flatnonzero(opened)
    order = idx[np.lexsort((-records[idx], market[idx]))]
    mk, rec = market[order], records[order]
    used = np.cumsum(rec)
    first = np.r_[True, mk[1:] != mk[:-1]] if len(order) else np.zeros(0, bool)
    before = (used - rec)[first]
    used = used - np.repeat(before, np.diff(np.r_[np.flatnonzero(first), len(order)]))
    covered = np.zeros(len(opened), bool)
    covered[order] = used <= capacity[mk]
    return covered


def test_developer_coverage_and_market_records_are_the_numpy_rule():
    """The sort order made once (ties in agency order, as the monthly stable sort of the
    opened ones), the running sums kept as numpy kept them (across markets, then the
    difference): the same coverage bit for bit, with tied and fractional records."""
    rng = np.random.default_rng(3)
    for case in range(CASES):
        n, G = int(rng.integers(1, 80)), int(rng.integers(1, 6))
        market = rng.integers(0, G, n)
        records = rng.integers(1, 5, n) / rng.choice([1.0, 3.0, 7.0])
        opened = rng.random(n) < rng.random()
        capacity = rng.random(G) * records.sum() / G
        order = np.lexsort((-records, market))
        got = kernels.covered_by_developers(order, opened, market[order], records[order], capacity)
        np.testing.assert_array_equal(got, _old_covered(opened, market, records, capacity), err_msg=str(case))
        want = np.bincount(market, weights=records * opened, minlength=G)
        np.testing.assert_array_equal(kernels.records_by_market(market, records, opened, G), want)


def test_found_quality_is_the_numpy_row_sums():
    """`contracts._record_found_at` (the examined cells listed, as the audits and checks return
    them; `record_found_quality` lists a mask's cells for it) against the whole-array rule it
    replaced: the qualities found on the supplier's own work summed per row in kind order,
    then added to the record; sparse and dense masks, rows of any length."""
    from sim.contracts import _record_found_at

    rng = np.random.default_rng(4)
    for case in range(CASES):
        month = 12
        own, _, proposed, since = _state(rng, month)
        examined = own & (rng.random(own.shape) < rng.choice([0.02, 0.3, 1.0]))
        quality = rng.random(own.shape)
        found_sum, found_count = rng.random(len(own)) * (rng.random(len(own)) < 0.5), rng.integers(0, 3, len(own)) * 1.0
        mine = examined & (proposed > since[:, None])
        want_sum = found_sum + np.where(mine, quality, 0.0).sum(axis=1)
        want_count = found_count + mine.sum(axis=1)
        at_sum, at_count = found_sum.copy(), found_count.copy()
        _record_found_at(np.flatnonzero(examined), proposed, since, quality, at_sum, at_count)  # the cells, listed
        np.testing.assert_array_equal(at_sum, want_sum, err_msg=str(case))
        np.testing.assert_array_equal(at_count, want_count, err_msg=str(case))


def test_market_view_is_the_numpy_rule():
    """`institutions._market_view` (members read in runs of consecutive agencies) against the
    numpy statement of a company's view: members in one run, several runs and single agencies;
    the float sums in member order (`np.cumsum`'s last element adds left to right); the
    company's own work delivered as `company_revenue` reads it (its clients are members); the
    market's platform layers, pool and institution capacity as `layers_in` and the bincounts."""
    from sim.institutions import Agencies, AuditView, Builds, Clients, MarketGovs, _market_view, company_revenue

    rng = np.random.default_rng(5)
    for case in range(CASES):
        month = 30
        own, built, proposed, since = _state(rng, month)
        N, G = len(own), int(rng.integers(1, 6))
        members = np.flatnonzero(rng.random(N) < rng.choice([0.3, 0.8, 1.0]))
        company = np.where(np.isin(np.arange(N), members), rng.integers(-1, 2, N), -1)
        x = Agencies(
            own=own,
            company=company,
            staff=rng.random(N) * 5,
            skill=rng.random(N),
            records=rng.random(N) * 100,
            gov=rng.integers(0, G, N),
            served_elsewhere=rng.random(N) < 0.3,
        )
        cost = rng.random(5) * 50
        b = Builds(built=built, proposed=proposed, since=since, month=month, cost=cost)
        market, P = rng.integers(0, 2, G), int(rng.integers(0, 4))
        g = MarketGovs(
            market=market,
            reaches_data=rng.random(G) < 0.5,
            pool=(rng.random(G) * 3, rng.random(G)),
            tsi=(rng.random(G) * 3, rng.random(G)),
            platform_gov=rng.integers(0, G, P),
            platform_ready=rng.random((P, 4)) < 0.5,
        )
        audited = rng.integers(month - 20, month, own.shape).astype(np.int32)
        runs_platform, mkt = bool(rng.random() < 0.5), int(rng.integers(0, 2))
        audits = tuple(AuditView(audited, month - 12, True))
        got = _market_view(members, (1, mkt, runs_platform), tuple(x), audits, tuple(b), tuple(g))
        m, o = members, own[members]
        ours = x.company[m] == 1
        hosts = (ours | (runs_platform & g.reaches_data[x.gov[m]])) & ~x.served_elsewhere[m]
        cum = lambda v: float(np.cumsum(np.r_[0.0, v])[-1])  # noqa: E731
        clients = Clients(own=own, built=built, proposed=proposed, company=company, since=since)
        want = (
            int(o.sum()),
            int(o[ours].sum()),
            cum(x.staff[m] * x.skill[m]),
            int((o & (audited[m] > month - 12)).sum()),
            cum(x.records[m]),
            cum(np.where(hosts, x.records[m], 0.0)),
            company_revenue(tuple(clients), 1, month, cost),
            int(g.platform_ready[market[g.platform_gov] == mkt].sum()),
            np.bincount(market, weights=g.pool[0] * g.pool[1], minlength=2)[mkt],
            np.bincount(market, weights=g.tsi[0] * g.tsi[1], minlength=2)[mkt],
        )
        assert got == want, case


def test_cells_built_are_numpy_s():
    """The cells built in a month are `np.flatnonzero(built == month)` (row-major, every one)."""
    rng = np.random.default_rng(7)
    for case in range(CASES):
        month = 9
        _, built, _, _ = _state(rng, month)
        np.testing.assert_array_equal(kernels.cells_built(built, month), np.flatnonzero(built == month), str(case))


def test_vendor_books_table_is_the_trailing_record():
    """The vendors' records as a table (`TrailingTable`) add and total as `Trailing` of vectors
    does, bit for bit: slots reused after the window, vectors growing as vendors enter, several
    amounts in one month; and the expected rate is paid over revenue where there is revenue."""
    from sim.agents.supplier import Trailing, TrailingTable, VendorBooks

    rng = np.random.default_rng(8)
    for case in range(40):
        months = int(rng.integers(1, 6))
        old, new = Trailing(months), TrailingTable(months)
        old_r, new_books = Trailing(months), VendorBooks(months)
        width = int(rng.integers(1, 4))
        for month in range(20):
            width += int(rng.random() < 0.2)
            for _ in range(int(rng.integers(0, 3))):
                x = rng.normal(size=int(rng.integers(1, width + 1))) * (rng.random() < 0.8)
                old.add(month, x)
                new.add(month, x)
                r = np.abs(rng.normal(size=width)) * (rng.random(width) < 0.7)
                old_r.add(month, r)
                new_books.warranty.add(month, x)
                new_books.revenue.add(month, r)
            np.testing.assert_array_equal(new.total_by(month, width), old.total_by(month, width), str(case))
            paid, revenue = old.total_by(month, width), old_r.total_by(month, width)
            want = np.where(revenue > 0, paid / np.where(revenue > 0, revenue, 1.0), 0.0)
            np.testing.assert_array_equal(new_books.expected(month, width), want, str(case))


def test_build_factor_of_some_agencies_is_planning_s():
    """`charge_warranty` prices the systems it books at `build_factor_of` the agencies: the
    same numbers as every agency's `planning.build_factor`, with and without companies."""
    from sim import GovModel
    from sim.agents.supplier import build_factor_of
    from sim.processes.planning import build_factor

    for name in ("baseline", "reform_ops_separation"):
        m = GovModel(name, rng=3)
        m.run_for(14)
        n = np.random.default_rng(0).integers(0, m.structure.n_agencies, 50)
        n = np.r_[n, np.flatnonzero(m.state.company >= 0)[:20]]  # some a company runs
        assert (m.state.company[n] >= 0).any() == bool(m.companies)
        np.testing.assert_array_equal(build_factor_of(m, n), build_factor(m)[n])


def test_own_work_totals_are_the_numpy_bincounts():
    """`supplier._own_work_totals` against the masks and bincounts it replaced: a system is its
    vendor's own work where no company runs the agency, its company's where one does, in both
    cases only if proposed after the supplier took the agency over; amounts add in order."""
    from sim.agents.supplier import _own_work_totals

    rng = np.random.default_rng(9)
    for case in range(CASES):
        own, _, proposed, since = _state(rng, 12)
        N, V, C = len(own), int(rng.integers(1, 5)), int(rng.integers(0, 3))
        company = np.where(rng.random(N) < 0.4, rng.integers(0, max(C, 1), N), -1) if C else np.full(N, -1)
        vendor = rng.integers(0, V, N)
        J = int(rng.integers(0, 30))
        n, k, amount = rng.integers(0, N, J), rng.integers(0, 5, J), rng.normal(size=J)
        mine = proposed[n, k] > since[n]
        v_mine, c_mine = mine & (company[n] < 0), mine & (company[n] >= 0)
        by_vendor, by_company, vendors, companies = _own_work_totals(
            n, k, amount, (company, vendor, proposed, since), V, C
        )
        assert vendors == v_mine.any() and companies == c_mine.any(), case
        np.testing.assert_array_equal(by_vendor, np.bincount(vendor[n[v_mine]], amount[v_mine], V), str(case))
        np.testing.assert_array_equal(
            by_company, np.bincount(company[n[c_mine]], weights=amount[c_mine], minlength=C), str(case)
        )


def test_still_to_publish_and_best_vendor_are_numpy_s():
    """`still_to_publish` is the asked agencies open and not yet opened, in catalogue order;
    `_best_seen_vendor` is `_best_vendor` of `seen_quality` (claims less the gap, clipped)."""
    from sim.contracts import _best_seen_vendor, _best_vendor

    rng = np.random.default_rng(10)
    for case in range(CASES):
        N = int(rng.integers(1, 40))
        due = rng.permutation(N)[: rng.integers(0, N + 1)]
        open_, opened = rng.random(N) < 0.6, rng.random(N) < 0.3
        got = kernels.still_to_publish(due, open_, opened)
        np.testing.assert_array_equal(got, due[open_[due] & ~opened[due]], str(case))
        V, G = int(rng.integers(1, 12)), int(rng.integers(1, 5))
        markup, claim, market = rng.random(V), rng.random(V) * 1.3, rng.integers(0, G, V)
        gap = rng.random() * 0.3
        want = _best_vendor(markup, np.clip(claim - gap, 0.0, 1.0), market, G)
        np.testing.assert_array_equal(_best_seen_vendor((markup, claim, market), gap, G), want, str(case))


def test_audit_cells_are_numpy_s_draws_and_leave_the_stream_as_numpy():
    """The cells drawn below the audit rate (`uniforms.cells_below_rate`, compiled PCG64) are
    `np.flatnonzero(rng.random(size) < rate)` from the same generator, which is then where
    numpy's draw leaves it, its buffered 32 bits included (a 32-bit draw before and after):
    at any rate, ties with the rate included; another bit generator draws through numpy."""
    from sim.reforms.uniforms import cells_below_rate

    pick = np.random.default_rng(15)
    for case in range(CASES):
        want, got = np.random.default_rng(case), np.random.default_rng(case)
        for rng in (want, got):
            rng.integers(0, 7, case % 3)  # odd counts of 32-bit draws leave 32 bits buffered
        size = int(pick.integers(0, 400)) if case % 10 else 68_750
        rate = [0.0, 0.03, 0.5, float(pick.random()), 1.0, 1 - 2**-53, 2**-53][case % 7]
        expected = np.flatnonzero(want.random(size) < rate)
        cells = cells_below_rate(got, size, rate)
        np.testing.assert_array_equal(cells, expected, str(case))
        assert cells.dtype == np.int64
        assert got.bit_generator.state == want.bit_generator.state
        np.testing.assert_array_equal(got.integers(0, 9, 3), want.integers(0, 9, 3))
    other, same = np.random.Generator(np.random.MT19937(5)), np.random.Generator(np.random.MT19937(5))
    np.testing.assert_array_equal(cells_below_rate(other, 99, 0.3), np.flatnonzero(same.random(99) < 0.3))


def test_audit_threshold_is_the_float_comparison():
    """A draw `b * 2**-53` is below the rate exactly where `b < threshold(rate)`, at the edges
    (b just either side of `rate * 2**53`, rates of 0, 1, the least and largest below 1)."""
    from sim.reforms.uniforms import threshold

    rng = np.random.default_rng(14)
    rates = [0.0, 1.0, 0.5, 2**-53, 1 - 2**-53, 0.03, np.nextafter(0.03, 1), 5e-324, 1.5, -1.0, float("nan")]
    for rate in rates + list(rng.random(50)):
        near = np.nan_to_num(np.floor(rate * 2.0**53)) + np.arange(-2, 3)
        b = np.concatenate([rng.integers(0, 2**53, 1000), np.clip(near, 0, 2**53 - 1), [0, 2**53 - 1]])
        b = b.astype(np.uint64)
        np.testing.assert_array_equal(b < np.uint64(threshold(rate)), b.astype(np.float64) * 2.0**-53 < rate, rate)


def test_migrate_rooms_is_the_numpy_masks():
    """The mandatory migration moves every own machine room of the governments the layer
    reaches onto it, and no other (agency g * n_lines + l is line l of government g)."""
    from sim.state import INFRA

    rng = np.random.default_rng(12)
    for case in range(CASES):
        G, L = int(rng.integers(1, 8)), int(rng.integers(1, 6))
        own, reuse = rng.random((G * L, 5)) < 0.5, rng.random((G * L, 5)) < 0.3
        reach = rng.random(G) < 0.5
        want_own, want_reuse = own.copy(), reuse.copy()
        on = want_own[:, INFRA] & np.repeat(reach, L)
        want_own[on, INFRA] = False
        want_reuse[on, INFRA] = True
        kernels.migrate_rooms(own, reuse, reach, L)
        np.testing.assert_array_equal(own, want_own, str(case))
        np.testing.assert_array_equal(reuse, want_reuse, str(case))


def test_start_repairs_and_refresh_copies_are_numpy_s():
    """New repairs merge into the repairs under way as the numpy fancy assignments on (N, K)
    arrays would write them (a new one replaces one under way; the later of two holds); the
    reflux refreshes are the numpy masks (open top agency, or the draw complies), the count of
    them returned."""
    rng = np.random.default_rng(13)
    for case in range(CASES):
        month = 8
        own, built, _, since = _state(rng, month)
        N, K = own.shape
        on = rng.random((N, K)) < 0.2
        rep = {
            "quality": rng.random((N, K)),
            "done": np.where(on, rng.integers(month, month + 3, (N, K)), -1),
            "of": rng.integers(-3, month, (N, K)),
            "owed": rng.integers(-1, month, (N, K)),
        }
        # new repairs in any order, some of systems already under repair, some twice (the later one holds)
        cells = rng.integers(0, N * K, rng.integers(0, 8))
        n, k = cells // K, cells % K
        q = rng.random(len(n))
        got = kernels.start_repairs(_listed(rep), n, k, q, month + 2, built, since)
        rep["quality"][n, k], rep["done"][n, k], rep["of"][n, k], rep["owed"][n, k] = (
            q,
            month + 2,
            built[n, k],
            since[n],
        )
        for a, b in zip(got, _listed(rep), strict=True):  # the numpy fancy assignments, listed
            np.testing.assert_array_equal(a, b, str(case))
            assert a.dtype == b.dtype

        lines = int(rng.integers(1, 6))
        agency_line = np.tile(np.arange(lines), 4)
        open_ = rng.random(len(agency_line)) < 0.5
        returned = rng.permutation(len(agency_line))[: rng.integers(0, len(agency_line))]
        draw, rate = rng.random(len(returned)), rng.random()
        refreshed = rng.integers(-5, 0, len(agency_line))
        want_r = refreshed.copy()
        done = returned[open_[agency_line[returned]] | (draw < rate)]
        want_r[done] = month
        assert kernels.refresh_copies(returned, draw, rate, open_, agency_line, refreshed, month) == len(done)
        np.testing.assert_array_equal(refreshed, want_r, str(case))


def test_merge_apps_is_the_numpy_masks():
    """The agencies drawn to reconsider merge where the government app offers more than their
    own app's quality x users; their own app stops, they use the government app, lose their users."""
    from sim.processes.apps import merge_apps
    from sim.state import MOBILE

    rng = np.random.default_rng(14)
    for case in range(CASES):
        G, L = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        N = G * L
        own, reuse, merged = rng.random((N, 5)) < 0.6, rng.random((N, 5)) < 0.3, rng.random(N) < 0.2
        quality, users = rng.random((N, 5)), rng.random(N)
        offer, agency_gov = rng.random(G) * 0.6, np.repeat(np.arange(G), L)
        cand = np.flatnonzero(own[:, MOBILE])
        draw, rate = rng.random(len(cand)), rng.random()
        w = [a.copy() for a in (own, reuse, merged, quality, users)]
        c = cand[draw < rate]
        merge = c[offer[agency_gov[c]] > w[3][c, MOBILE] * w[4][c]]
        w[0][merge, MOBILE], w[1][merge, MOBILE], w[2][merge], w[4][merge] = False, True, True, 0.0
        got = merge_apps(cand, draw, rate, offer, agency_gov, (own, reuse, merged, quality, users))
        np.testing.assert_array_equal(got, merge, str(case))
        for a, b in zip((own, reuse, merged, quality, users), w, strict=True):
            np.testing.assert_array_equal(a, b, str(case))


def test_company_prices_kernel_is_the_masked_gather():
    """`institutions._company_prices` against the mask-and-gather it replaced: 0 where no
    company runs the agency, (1 + its contract's markup) x its company's cost factor elsewhere."""
    from sim.institutions import _company_prices

    rng = np.random.default_rng(12)
    for case in range(CASES):
        N, C = int(rng.integers(0, 60)), int(rng.integers(1, 4))
        company = np.where(rng.random(N) < rng.random(), rng.integers(0, C, N), -1)
        markup, cost = rng.random(N) * 0.4, rng.random(C) * 2
        want = np.zeros(N)
        by = company >= 0
        want[by] = (1 + markup[by]) * cost[company[by]]
        np.testing.assert_array_equal(_company_prices(company, markup, cost), want, err_msg=str(case))


def test_hand_over_is_the_fancy_indexed_take_over():
    """`institutions._hand_over` against the fancy-indexed assignments of `take_over` it replaced:
    contract, record, and the machine rooms moved onto the platform only where the government
    reaches its infrastructure layer."""
    from sim.institutions import HandOver, _hand_over
    from sim.state import INFRA

    rng = np.random.default_rng(13)
    for case in range(CASES):
        N, G, K = int(rng.integers(1, 40)), int(rng.integers(1, 5)), 5
        got = HandOver(
            company=np.full(N, -1, np.int64),
            contract_markup=np.full(N, 0.3),
            contract_end=np.full(N, 7, np.int32),
            operator_since=np.full(N, -1, np.int32),
            found=(np.ones(N), np.full(N, 2.0)),
            own=rng.random((N, K)) < 0.5,
            reuse=rng.random((N, K)) < 0.2,
            onto_platform=(rng.integers(0, G, N), rng.random(G) < 0.5),
        )
        want = HandOver(*(tuple(a.copy() for a in f) if isinstance(f, tuple) else f.copy() for f in got))
        agencies = rng.permutation(N)[: int(rng.integers(0, N + 1))]
        _hand_over(agencies, (1, 0.25, 40, 4), tuple(got))
        want.company[agencies], want.contract_markup[agencies] = 1, 0.25
        want.contract_end[agencies], want.operator_since[agencies] = 40, 4
        want.found[0][agencies], want.found[1][agencies] = 0.0, 0.0
        gov, reach = want.onto_platform
        moved = agencies[want.own[agencies, INFRA] & reach[gov[agencies]]]
        want.own[moved, INFRA], want.reuse[moved, INFRA] = False, True
        for field, g, w in zip(HandOver._fields, got, want, strict=True):
            for a, b in zip(g, w, strict=True) if isinstance(g, tuple) else [(g, w)]:
                np.testing.assert_array_equal(a, b, err_msg=f"{field} {case}")


def test_abolish_is_the_numpy_abolish_units():
    """`institutions._abolish` against `abolish_units`' numpy statements it replaced (gathers, the
    hire's `np.sum`s, `TechPool.join`'s bincounts and staff-weighted mean over every government,
    the staff moved to other posts): a sum in another order, a government left out of the mean
    or a unit not zeroed breaks it (exact equality)."""
    from sim.institutions import _abolish
    from sim.state import TechPool

    rng = np.random.default_rng(17)
    for case in range(CASES):
        N, G = int(rng.integers(1, 400)), int(rng.integers(1, 6))
        staff, skill = rng.random(N) * 20 * (rng.random(N) < 0.8), rng.random(N)
        other, gov = rng.random(N) * 3, rng.integers(0, G, N)
        pool_staff = rng.random(G) * 5 * (rng.random(G) < 0.5)
        pool_skill = np.where(pool_staff > 0, rng.random(G), 0.0)
        agencies = rng.permutation(N)[: int(rng.integers(0, N + 1))]
        shares = (float(rng.random() * 0.5), float(rng.random() * 0.5))
        want_staff, want_skill, want_other = staff.copy(), skill.copy(), other.copy()
        s, k = want_staff[agencies], want_skill[agencies]
        hired, pooled = s * shares[0], s * shares[1]
        want_hire = (float(hired.sum()), float((hired * k).sum()))
        pool = TechPool(staff=pool_staff.copy(), skill=pool_skill.copy())
        pool.join(gov[agencies], pooled, k)
        want_other[agencies] += s - hired - pooled
        want_staff[agencies], want_skill[agencies] = 0.0, 0.0
        got = _abolish(agencies, (staff, skill, other, gov), shares, (pool_staff, pool_skill))
        assert got[:2] == want_hire, case
        for a, b in ((got[2], pool.staff), (got[3], pool.skill), (staff, want_staff), (skill, want_skill)):
            np.testing.assert_array_equal(a, b, err_msg=str(case))
        np.testing.assert_array_equal(other, want_other, err_msg=str(case))
