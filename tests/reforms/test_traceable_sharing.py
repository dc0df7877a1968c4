"""traceable_sharing: lower liability per link, a ledger cost per shared link."""

from .conftest import activate, step, tiny


def test_activate_lowers_liability_and_adds_the_ledger_cost():
    m = tiny("traceable_sharing", liability_reduction=0.7, ledger_cost=0.05)
    reform, changed = activate(m, "traceable_sharing")
    assert changed == {"rules.liability_factor", "rules.ledger_cost"}
    assert m.rules.liability_factor == 1 - 0.7 and m.rules.ledger_cost == 0.05
    assert step(m, reform) == set()
