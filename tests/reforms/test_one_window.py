"""one_window: re-engineered services accepted at one window with back-office capacity."""

import numpy as np

from sim.processes import demand, sharing
from sim.state import APP, DATA

from .conftest import activate, step, tiny


def test_activate_reengineers_a_drawn_share_of_services_and_staffs_the_windows():
    m = tiny("one_window", services_share=0.5, window_capacity=300.0, cost_per_window=3.0)
    reform, changed = activate(m, "one_window")
    assert changed == {"rules.reengineered", "rules.window_capacity", "fixed_costs", "rng"}
    assert int(m.rules.reengineered.sum()) == 2  # half of the 4 service kinds
    assert m.rules.window_capacity.tolist() == [300.0, 300.0, 300.0]  # every government handles services
    assert m.fixed_costs == {"one_window": 3 * 3.0}
    assert step(m, reform) == set()


def test_every_service_with_a_full_share():
    m = tiny("one_window", services_share=1.0)
    activate(m, "one_window")
    assert m.rules.reengineered.all()


def _window_everywhere(capacity: float = 1e9):
    m = tiny("one_window", services_share=1.0, window_capacity=capacity)
    activate(m, "one_window")
    m.state.own[:, DATA] = True
    m.state.own[:, APP] = False  # nothing online: every request is offline
    m.shared[:] = False  # and no link served
    return m


def _decide(m, gain: float, money: float = 0.5):
    """The providers' sharing decision with every link's gain and money cost set."""
    D = len(m.shared)
    before = m.spend["sharing"]
    sharing.set_links(m, demand.serve(m), np.full(D, gain), np.full(D, money))
    return m.spend["sharing"] - before


def test_the_back_office_fetches_only_over_links_its_providers_share_else_the_applicant_brings_it():
    m = _window_everywhere()
    m.state.open[:] = False
    assert _decide(m, gain=1.0) == 0.0 and not m.window_links.any()  # guarded providers share nothing
    out = demand.serve(m)
    assert (out.missing > 0).all() and (out.windowed == 1).all()
    assert np.array_equal(out.unfetchable, out.missing)
    assert np.allclose(out.trips, 1 + out.missing) and not out.one_trip.any()  # the window saved nothing
    m.state.open[:] = True
    assert _decide(m, gain=-1.0) == 0.0  # open providers, but no link pays: still nothing to fetch
    assert np.array_equal(demand.serve(m).unfetchable, out.missing)
    cost = _decide(m, gain=1.0, money=0.5)
    assert m.window_links.all() and not m.shared.any()  # the handlers lack the application: to the window
    assert np.isclose(cost, 0.5 * len(m.shared))  # the provider side pays each link's cost
    out = demand.serve(m)
    assert not out.unfetchable.any() and np.allclose(out.trips, 1.0) and np.allclose(out.one_trip, 1.0)


def test_without_a_window_no_link_opens_to_a_back_office():
    m = tiny()
    m.state.own[:, DATA] = True
    m.state.own[:, APP] = False
    m.state.open[:] = True
    assert _decide(m, gain=1.0) == 0.0 and not m.window_links.any()


def test_fetching_data_takes_window_time():
    m = _window_everywhere(capacity=100.0)
    m.state.open[:] = True
    _decide(m, gain=1.0)
    quick = demand.serve(m).windowed
    m.spec = m.spec.model_copy(update={"agents": m.spec.agents.model_copy(update={"fetch_effort": 2.0})})
    slow = demand.serve(m).windowed
    assert (slow < quick).all()
