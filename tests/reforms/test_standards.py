"""standards: cheaper integration and compatible systems."""

from .conftest import activate, step, tiny


def test_activate_cuts_link_cost_and_raises_compatibility():
    m = tiny("standards", cost_reduction=0.4, compatibility=0.8)
    reform, changed = activate(m, "standards")
    assert changed == {"rules.link_cost_factor", "rules.compatibility"}
    assert m.rules.link_cost_factor == 1 - 0.4 and m.rules.compatibility == 0.8
    assert step(m, reform) == set()


def test_compatibility_never_falls():
    m = tiny("standards", compatibility=0.1)  # below the scenario's 0.2
    _, changed = activate(m, "standards")
    assert changed == {"rules.link_cost_factor"} and m.rules.compatibility == 0.2
