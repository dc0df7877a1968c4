"""Planning's compiled helpers against their numpy statements, on cases the model states rarely show."""

from __future__ import annotations

import numpy as np
import pytest

from sim.processes import planning


@pytest.mark.parametrize("seed", range(3))
def test_refunds_are_summed_per_agency_in_order_then_added_once_as_bincount(seed):
    """`_refund` touches only the agencies refunded but must equal `budget += np.bincount(...)` bit for bit:
    an agency refunded several times gets the sum of its refunds (in order) added once. Adding each refund
    on its own, adding an agency's sum twice, or refunding a proposal not returned breaks it."""
    rng = np.random.default_rng(seed)
    N, J = 40, 120
    agency = rng.integers(0, N, J)  # many agencies refunded several times
    cost = rng.random(J) * 37.3
    returned = rng.random(J) < 0.6
    budget = rng.random(N) * 100 - 20
    expect = budget + np.bincount(agency[returned], weights=cost[returned], minlength=N)
    planning._refund(agency, cost, returned, budget)
    assert np.array_equal(budget, expect)
    assert np.bincount(agency[returned]).max() > 2  # the case that matters is there


def test_no_refund_changes_no_budget():
    budget = np.array([1.5, -0.0, 3.25])
    planning._refund(np.array([0, 2], np.int64), np.array([4.0, 5.0]), np.zeros(2, bool), budget)
    assert np.array_equal(budget, [1.5, -0.0, 3.25]) and np.signbit(budget[1])
