"""skills_training: skills rise by training; a pay premium holds talent."""

from .conftest import activate, step, tiny


def test_activate_sets_training_and_talent_drain_and_books_the_cost():
    m = tiny("skills_training", skill_gain=0.02, pay_premium=0.5, cost_per_agency=0.25)
    reform, changed = activate(m, "skills_training")
    assert changed == {"rules.training_gain", "rules.talent_drain_factor", "fixed_costs"}
    assert m.rules.training_gain == 0.02 and m.rules.talent_drain_factor == 0.5
    assert m.fixed_costs == {"skills_training": 0.25 * 12}
    assert step(m, reform) == set()
