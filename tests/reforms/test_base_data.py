"""base_data: base libraries for the listed lines are built, then reach every handler."""

from .conftest import HEALTH, PUBLIC_SECURITY, activate, step, tiny


def test_libraries_are_paid_for_while_built_then_serve_their_lines():
    m = tiny("base_data", lines=["public_security", "health"], build_months=2, build_cost=200.0, run_cost=10.0)
    reform, changed = activate(m, "base_data")
    assert changed == set()
    for month in (0, 1):
        spent = m.spend["platform"]
        assert step(m, reform, month) == {"spend"}
        assert m.spend["platform"] - spent == 2 * 200.0 / 2
    spent = m.spend["platform"]
    assert step(m, reform, 2) == {"rules.base_lines", "spend"}
    assert m.rules.base_lines.tolist() == [i in (PUBLIC_SECURITY, HEALTH) for i in range(4)]
    assert m.spend["platform"] - spent == 2 * 10.0
