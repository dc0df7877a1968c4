"""Compiled sums must give numpy's numbers bit for bit: fused measures keep the presets'
series identical only if they do (sim/numeric.py)."""

import numpy as np
import pytest

from sim.measures import gini
from sim.numeric import gini_sorted, pairwise_sum


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 8193, 40_001])
def test_pairwise_sum_is_numpy_s_sum_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        a = rng.normal(size=n) * 10 ** rng.uniform(-6, 6, n)  # wide magnitudes: order shows in the last bits
        assert pairwise_sum(a) == a.sum()


def test_a_plain_loop_would_differ_so_the_check_can_fail():
    a = np.random.default_rng(0).normal(size=1000) * 10 ** np.random.default_rng(1).uniform(-6, 6, 1000)
    loop = 0.0
    for v in a:
        loop += v
    assert loop != a.sum()  # the order matters at this size: the test above is not vacuous


def _numpy_gini(x):
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


@pytest.mark.parametrize("n", [0, 1, 2, 9, 30, 200, 2844])
def test_gini_is_the_numpy_formula_bit_for_bit(n):
    x = np.random.default_rng(n).uniform(0, 1, n)
    assert gini(x) == _numpy_gini(x)
    assert gini_sorted(np.sort(x)) == _numpy_gini(x)
    assert gini(np.zeros(n)) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_a_row_s_sum_looked_up_by_its_bits_is_the_row_added_in_column_order(seed):
    """`subset_sums` at `row_bits` against each row added column by column (bool rows, costs
    of very different sizes, where another order of addition differs in the last bits), and
    against numpy's `held @ cost` at the agents' running and build costs."""
    from sim import GovModel
    from sim.numeric import row_bits, subset_sums

    rng = np.random.default_rng(seed)
    held = rng.random((2000, 5)) < 0.6
    cost = rng.uniform(0, 1, 5) * 10.0 ** rng.integers(-3, 4, 5)
    in_order = np.zeros(len(held))
    for k in range(5):
        in_order = in_order + held[:, k] * cost[k]
    bits = np.array([row_bits(held, n) for n in range(len(held))])
    assert np.array_equal(subset_sums(cost)[bits], in_order)
    assert np.array_equal(held, (bits[:, None] >> np.arange(5)) & 1 == 1)
    m = GovModel("baseline", rng=seed)
    for cost in (m.base_run_cost, m.base_build_cost):
        assert np.array_equal(subset_sums(cost)[bits], held @ cost)
