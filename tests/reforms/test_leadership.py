"""leadership: pressure on providers per refused link at the levels with a chief data officer."""

from .conftest import activate, step, tiny


def test_activate_adds_pressure_at_the_chosen_levels_only():
    m = tiny("leadership", levels=["county"], pressure=0.5)
    reform, changed = activate(m, "leadership")
    assert changed == {"rules.pressure"}
    assert m.rules.pressure.tolist() == [0.0, 0.5, 0.5]
    assert step(m, reform) == set()


def test_pressure_adds_to_what_is_there():
    m = tiny("leadership", pressure=0.5)
    m.rules.pressure[:] = 0.25
    activate(m, "leadership")
    assert m.rules.pressure.tolist() == [0.75, 0.75, 0.75]
