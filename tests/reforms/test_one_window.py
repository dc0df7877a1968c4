"""one_window: re-engineered services accepted at one window with back-office capacity."""

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
