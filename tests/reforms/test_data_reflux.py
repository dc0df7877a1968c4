"""data_reflux: vertically managed lines' local records return to the localities, in a
random order, `share_per_month` of the pending returns a month; a returned copy is used
while current, and the line's top agency must keep refreshing it."""

import numpy as np

from .conftest import COUNTY_A, COUNTY_B, PROVINCE, TAXATION, activate, step, tiny

LOCAL_TAXATION = sorted([4 * COUNTY_A + TAXATION, 4 * COUNTY_B + TAXATION])  # agencies 5 and 9
TOP_TAXATION = 4 * PROVINCE + TAXATION


def test_activate_queues_the_local_agencies_of_vertical_lines_in_a_drawn_order():
    m = tiny("data_reflux", share_per_month=0.05)
    reform, changed = activate(m, "data_reflux")
    assert changed == {"rng"}  # the order is drawn; nothing returns yet
    assert sorted(reform.pending.tolist()) == LOCAL_TAXATION
    assert reform.per_month == 1  # at least one return a month


def test_step_returns_one_batch_a_month():
    m = tiny("data_reflux", share_per_month=0.5, refresh_compliance=1.0, refresh_cost=0.1)
    reform, _ = activate(m, "data_reflux")
    first, _ = reform.pending.tolist()
    assert step(m, reform, 0) == {"state.refluxed"}  # nothing to refresh yet: no draw
    assert np.flatnonzero(m.state.refluxed).tolist() == [first]
    spent = m.spend["sharing"]
    assert step(m, reform, 1) == {"state.refluxed", "spend", "rng"}
    assert np.flatnonzero(m.state.refluxed).tolist() == LOCAL_TAXATION
    assert np.isclose(m.spend["sharing"] - spent, 0.1)  # the first copy refreshed
    assert step(m, reform, 2) - {"spend", "rng"} == set()  # nothing left to return


def test_a_copy_the_top_does_not_refresh_goes_stale_and_the_line_s_data_comes_from_the_top_again():
    m = tiny("data_reflux", share_per_month=1.0, refresh_compliance=0.0, max_age=2)
    reform, _ = activate(m, "data_reflux")
    m.state.open[TOP_TAXATION] = False
    step(m, reform, 0)
    assert np.flatnonzero(m.state.refluxed).tolist() == LOCAL_TAXATION
    step(m, reform, 1)
    assert m.state.refluxed[LOCAL_TAXATION].all()  # returned last month: still current
    step(m, reform, 2)
    assert not m.state.refluxed.any()
    m.state.open[TOP_TAXATION] = True  # an open top refreshes every copy
    spent = m.spend["sharing"]
    step(m, reform, 3)
    assert m.state.refluxed[LOCAL_TAXATION].all()
    assert np.isclose(m.spend["sharing"] - spent, 2 * m.spec.reforms.data_reflux.refresh_cost)


def test_a_copy_kept_longer_than_the_never_mark_stays_current():
    """`_current` compares every agency's last refresh at once only while the oldest current month is after
    NEVER (the month of a copy never returned); with a longer `max_age` it reads the returned copies alone."""
    from sim.reforms.data_reflux import NEVER

    m = tiny("data_reflux", share_per_month=1.0, refresh_compliance=0.0, max_age=-NEVER + 5)
    reform, _ = activate(m, "data_reflux")
    m.state.open[TOP_TAXATION] = False  # no refresh: the copies age
    for month in range(3):
        step(m, reform, month)
        assert np.flatnonzero(m.state.refluxed).tolist() == LOCAL_TAXATION
