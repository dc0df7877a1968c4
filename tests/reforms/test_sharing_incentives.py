"""sharing_incentives: rewards per shared link, expected penalty per refused link, ratings."""

from .conftest import activate, step, tiny


def test_activate_sets_reward_penalty_and_audit_and_books_the_cost():
    m = tiny("sharing_incentives", reward=0.3, penalty=1.0, audit_probability=0.3, cost=5.0, use_ratings=False)
    reform, changed = activate(m, "sharing_incentives")
    # a body to run the evaluation exists before the reform's own changes
    assert [type(b).__name__ for b in m.bodies] == ["GeneralOffice"] * 3
    assert changed == {"rules.reward", "rules.penalty", "rules.audit_probability", "fixed_costs"}
    r = m.rules
    assert (r.reward, r.penalty, r.audit_probability, r.rating_credit) == (0.3, 1.0, 0.3, 0.0)
    assert m.fixed_costs == {"sharing_incentives": 5.0}
    assert step(m, reform) == set()


def test_ratings_credit_providers_only_when_used():
    m = tiny("sharing_incentives", use_ratings=True, rating_credit=0.2)
    _, changed = activate(m, "sharing_incentives")
    assert "rules.rating_credit" in changed and m.rules.rating_credit == 0.2
