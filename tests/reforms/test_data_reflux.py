"""data_reflux: vertically managed lines' local records return to the localities, in a
random order, `share_per_month` of the pending returns a month."""

import numpy as np

from .conftest import COUNTY_A, COUNTY_B, TAXATION, activate, step, tiny

LOCAL_TAXATION = sorted([4 * COUNTY_A + TAXATION, 4 * COUNTY_B + TAXATION])  # agencies 5 and 9


def test_activate_queues_the_local_agencies_of_vertical_lines_in_a_drawn_order():
    m = tiny("data_reflux", share_per_month=0.05)
    reform, changed = activate(m, "data_reflux")
    assert changed == {"rng"}  # the order is drawn; nothing returns yet
    assert sorted(reform.pending.tolist()) == LOCAL_TAXATION
    assert reform.per_month == 1  # at least one return a month


def test_step_returns_one_batch_a_month():
    m = tiny("data_reflux", share_per_month=0.5)
    reform, _ = activate(m, "data_reflux")
    first, _ = reform.pending.tolist()
    assert step(m, reform) == {"state.refluxed"}
    assert np.flatnonzero(m.state.refluxed).tolist() == [first]
    step(m, reform)
    assert np.flatnonzero(m.state.refluxed).tolist() == LOCAL_TAXATION
    assert step(m, reform) == set()  # nothing left to return
