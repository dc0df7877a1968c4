"""tech_support_institution: staff who oversee outsourced systems and help specify projects."""

from .conftest import activate, step, tiny


def test_activate_staffs_an_institution_at_the_chosen_levels():
    m = tiny("tech_support_institution", levels=["province"], staff=15.0, skill=0.8, span=10.0, quality_support=0.3)
    reform, changed = activate(m, "tech_support_institution")
    assert changed == {
        "tech_support.staff", "tech_support.skill", "tech_support.span", "tech_support.quality_support",
        "fixed_costs",
    }  # fmt: skip
    t = m.tech_support
    assert t.staff.tolist() == [15.0, 0.0, 0.0] and t.skill.tolist() == [0.8, 0.0, 0.0]
    assert (t.span, t.quality_support) == (10.0, 0.3)
    assert t.capacity(m.structure.gov_market).tolist() == [15.0 * 0.8, 0.0, 0.0]  # all in the province's market
    assert m.fixed_costs == {"tech_support_institution": 15.0 * m.spec.agents.staff_wage}
    assert step(m, reform) == set()
