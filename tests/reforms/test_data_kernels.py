"""Open data's and the government app's compiled passes of the ninth pass against the numpy
each replaced, on random states (equality is exact: results must stay bit-identical)."""

from __future__ import annotations

import numpy as np

from sim.reforms import data_kernels, kernels

CASES = 150


def test_asking_and_publishing_are_the_numpy_masks():
    """The newly asked not yet opened join the waiting ones, the open ones of these are
    asked, the capable ones open, and those still not opened keep waiting, in order."""
    rng = np.random.default_rng(21)
    for case in range(CASES):
        N = int(rng.integers(1, 40))
        catalogue = rng.permutation(N)
        cut = int(rng.integers(0, N + 1))
        opened = rng.random(N) < 0.3
        waiting = catalogue[:cut][~opened[catalogue[:cut]]]
        newly = catalogue[cut : cut + int(rng.integers(0, N + 1))]
        open_ = rng.random(N) < 0.6
        want_wait = np.concatenate([waiting, newly[~opened[newly]]])
        want_ask = kernels.still_to_publish(want_wait, open_, opened)
        wait, ask = data_kernels.ask_waiting(waiting, newly, open_, opened)
        np.testing.assert_array_equal(wait, want_wait, str(case))
        np.testing.assert_array_equal(ask, want_ask, str(case))
        capable = rng.random(len(ask)) < 0.5
        want_opened = opened.copy()
        want_opened[ask] = capable
        got_opened = opened.copy()
        still = data_kernels.publish(got_opened, ask, capable, wait)
        np.testing.assert_array_equal(got_opened, want_opened, str(case))
        np.testing.assert_array_equal(still, wait[~want_opened[wait]], str(case))


def test_developers_and_share_are_the_numpy_rule():
    """Entry, exit and the opened share per market: the same divisions as the numpy arrays."""
    rng = np.random.default_rng(22)
    for case in range(CASES):
        G = int(rng.integers(1, 12))
        records = rng.integers(0, 4, G) * rng.random(G) * 100
        opened = records * rng.random(G) * (rng.random(G) < 0.8)
        n = rng.integers(0, 6, G)
        value, cost = rng.random() * 0.01, rng.random() * 0.5
        want = n + (value * opened / (n + 1) > cost) - ((n > 0) & (value * opened / np.maximum(n, 1) < cost))
        got = data_kernels.enter_and_exit(opened, n, value, cost)
        np.testing.assert_array_equal(got, want, str(case))
        assert got.dtype == np.int64
        share = np.where(records > 0, opened / np.maximum(records, 1e-12), 0.0)
        np.testing.assert_array_equal(data_kernels.opened_share(opened, records), share, str(case))


def test_coverage_stops_early_only_where_it_may():
    """`covered_by_developers` stops in the last market at its first dataset beyond the
    capacity: the same coverage as a full walk (`tests/reforms/test_kernels._old_covered`)
    with one market, zero records, and a negative record (where it must not stop)."""
    from tests.reforms.test_kernels import _old_covered

    rng = np.random.default_rng(23)
    for case in range(CASES):
        n, G = int(rng.integers(1, 80)), int(rng.integers(1, 3))
        market = rng.integers(0, G, n)
        records = rng.integers(0, 5, n) / rng.choice([1.0, 3.0, 7.0])
        if case % 3 == 0:
            records[rng.integers(0, n)] = -rng.random()
        opened = rng.random(n) < rng.random()
        capacity = rng.random(G) * max(records.sum(), 1.0) / G
        order = np.lexsort((-records, market))
        got = kernels.covered_by_developers(order, opened, market[order], records[order], capacity)
        np.testing.assert_array_equal(got, _old_covered(opened, market, records, capacity), str(case))


def test_base_data_feed_is_the_numpy_masks():
    """The providing sources, then those fit (on the data layer, or an own data system good
    enough) and willing (open, or drawn to comply) updated this month, and no other."""
    from sim.state import DATA, DATA_LAYER

    rng = np.random.default_rng(24)
    for case in range(CASES):
        G, L = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        N = G * L
        agencies = np.flatnonzero(rng.random(N) < 0.6)
        links = rng.integers(0, 3, N)
        sources = data_kernels.providing(agencies, links)
        np.testing.assert_array_equal(sources, agencies[links[agencies] > 0], str(case))
        own, quality = rng.random((N, 5)) < 0.5, rng.random((N, 5))
        open_, reach, gov = rng.random(N) < 0.5, rng.random((G, 3)) < 0.3, np.repeat(np.arange(G), L)
        draw, month = rng.random(len(sources)), int(rng.integers(0, 60))
        updated = rng.integers(-5, 0, N)
        want = updated.copy()
        fit = reach[gov[sources], DATA_LAYER] | (own[sources, DATA] & (quality[sources, DATA] >= 0.5))
        want[sources[fit & (open_[sources] | (draw < 0.3))]] = month
        x = data_kernels.Sources(own, quality, open_, reach, gov)
        data_kernels.feed_library(sources, draw, tuple(x), 0.5, 0.3, updated, month)
        np.testing.assert_array_equal(updated, want, str(case))
