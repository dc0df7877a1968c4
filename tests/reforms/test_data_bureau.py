"""data_bureau: a bureau per government at the chosen levels, brokerage, a service hall
under the `services` mandate, vendor entry under `industry`."""

import numpy as np

from sim import GovModel
from sim.institutions import ensure_coordinator

from .conftest import COUNTY_A, COUNTY_B, PROVINCE, TINY, activate, step, tiny


def test_activate_creates_a_bureau_per_government_that_reviews_its_own_proposals():
    m = tiny("data_bureau", it_attention=0.5, brokerage=0.3, staff=10.0)
    _, changed = activate(m, "data_bureau")
    assert changed == {
        "bodies", "review.body_of_gov", "review.reviewer_of_gov", "review.capacity", "review.credit",
        "rules.brokerage", "fixed_costs",
    }  # fmt: skip
    assert [(type(b).__name__, b.gov, b.attention, b.mandate) for b in m.bodies] == [
        ("DataBureau", PROVINCE, 0.5, "centre"),
        ("DataBureau", COUNTY_A, 0.5, "centre"),
        ("DataBureau", COUNTY_B, 0.5, "centre"),
    ]
    assert m.review.body_of_gov.tolist() == m.review.reviewer_of_gov.tolist() == [0, 1, 2]
    assert m.review.capacity.tolist() == [0.0, 0.0, 0.0]  # no approval power without unified approval
    assert m.rules.brokerage.tolist() == [0.3, 0.3, 0.3]
    assert m.fixed_costs == {"data_bureau": 3 * 10.0 * m.spec.agents.staff_wage}


def test_a_bureau_at_the_top_only_reviews_for_the_governments_below():
    m = tiny("data_bureau", levels=["province"])
    activate(m, "data_bureau")
    assert m.review.body_of_gov.tolist() == [0, -1, -1]
    assert m.review.reviewer_of_gov.tolist() == [0, 0, 0]
    assert m.rules.brokerage.tolist() == [0.3, 0.0, 0.0]


def test_a_bureau_supersedes_the_general_office_a_reform_created_before():
    m = tiny("data_bureau")
    assert not m.bodies  # nothing before activation
    ensure_coordinator(m)  # a reform that needs a body ran first: general offices
    activate(m, "data_bureau")
    assert [type(b).__name__ for b in m.bodies] == ["GeneralOffice"] * 3 + ["DataBureau"] * 3
    assert [b.superseded for b in m.bodies] == [True] * 3 + [False] * 3
    assert m.review.reviewer_of_gov.tolist() == [3, 4, 5]


def test_services_mandate_opens_a_hall_with_the_effort_left_from_it():
    m = tiny("data_bureau", mandate="services", it_attention=0.25, window_capacity=400.0)
    _, changed = activate(m, "data_bureau")
    assert {"rules.hall", "rules.window_capacity"} <= changed
    assert m.rules.hall.tolist() == [True, True, True]
    assert m.rules.window_capacity.tolist() == [300.0, 300.0, 300.0]


def test_step_changes_nothing_under_the_centre_mandate():
    m = tiny("data_bureau")
    reform, _ = activate(m, "data_bureau")
    assert step(m, reform) == set()


def test_industry_mandate_draws_a_vendor_into_the_market_each_time_a_whole_entry_accrues():
    m = tiny("data_bureau", mandate="industry", vendor_entry_per_year=6.0)  # one every two months
    reform, _ = activate(m, "data_bureau")
    n = len(m.vendors)
    assert step(m, reform) == set()  # half an entry accrued
    assert step(m, reform) == {"vendors", "rng"}  # the new vendor's quality is drawn
    assert len(m.vendors) == n + 1 and m.vendors[-1].market == 0
    assert len(m.vendor_quality) == len(m.vendor_markup) == len(m.vendor_market) == n + 1
    assert np.isclose(reform._entry_credit, 0.0)


def test_a_new_mandate_opens_or_closes_the_service_hall_and_moves_vendor_entry():
    m = tiny("data_bureau", mandate="centre", window_capacity=100.0, it_attention=0.5, vendor_entry_per_year=12.0)
    reform, _ = activate(m, "data_bureau")
    assert not m.rules.hall.any() and (m.rules.window_capacity == 0).all()
    reform.remandate(m, "services")
    assert m.rules.hall.all() and np.allclose(m.rules.window_capacity, 50.0)
    assert {b.mandate for b in m.bodies} == {"services"} and reform.p.mandate == "services"
    reform.remandate(m, "services")  # the same mandate again changes nothing
    assert np.allclose(m.rules.window_capacity, 50.0)
    vendors = len(m.vendor_quality)
    reform.remandate(m, "industry")
    assert not m.rules.hall.any() and np.allclose(m.rules.window_capacity, 0.0)
    step(m, reform, month=1)  # the industry mandate courts firms: a vendor a month at 12 a year
    assert len(m.vendor_quality) > vendors


def test_a_new_mandate_brings_its_effort_split_to_the_hall_and_to_review():
    """Relabelled to services at IT attention 0.6, a centre bureau (attention 1.0) opens halls
    staffed by the 0.4 of its effort left from IT and reviews with 0.6 of the approval
    capacity; relabelled back, both return."""
    m = GovModel(
        "baseline", rng=1, **TINY, **{"reforms.data_bureau.enabled": True, "reforms.unified_approval.enabled": True}
    )
    reform, _ = activate(m, "data_bureau")
    activate(m, "unified_approval")
    full = m.review.capacity.copy()
    assert (full > 0).all() and not m.rules.hall.any()
    reform.remandate(m, "services", 0.6)
    assert m.rules.hall.all() and np.allclose(m.rules.window_capacity, 400.0 * 0.4)
    assert np.allclose(m.review.capacity, 0.6 * full)
    assert {b.attention for b in m.bodies} == {0.6} and reform.p.it_attention == 0.6
    reform.remandate(m, "centre", 1.0)
    assert not m.rules.hall.any() and np.allclose(m.rules.window_capacity, 0.0)
    assert np.array_equal(m.review.capacity, full)
