"""unified_approval: proposals go to the government's body, which decides `capacity` x its
IT attention a month."""

import numpy as np

from .conftest import activate, step, tiny


def test_activate_gives_bodies_the_power_and_capacity_to_review():
    m = tiny("unified_approval", capacity=10.0)
    reform, changed = activate(m, "unified_approval")
    # the general offices the reform needs exist already (the model ensures them first)
    assert [(type(b).__name__, b.attention) for b in m.bodies] == [("GeneralOffice", 0.3)] * 3
    assert changed == {"rules.approval", "review.approval_capacity", "review.capacity"}
    assert m.rules.approval and not m.rules.freeze_until_platform
    assert m.review.approval_capacity == 10.0
    assert np.allclose(m.review.capacity, [3.0, 3.0, 3.0])
    assert step(m, reform) == set()


def test_freeze_until_platform_is_a_rule_the_reform_sets():
    m = tiny("unified_approval", freeze_until_platform=True)
    _, changed = activate(m, "unified_approval")
    assert "rules.freeze_until_platform" in changed and m.rules.freeze_until_platform


def test_once_active_proposals_wait_in_the_queue_of_their_own_body():
    m = tiny("unified_approval", capacity=0.0)  # nobody decides: every proposal stays queued
    m.run_for(12)
    q = m.queue
    assert len(q) > 0
    gov = m.structure.agency_gov[q.agency]
    assert q.reviewer.tolist() == gov.tolist()  # body b is government b's general office
    assert m.state.queued[q.agency, q.kind].all()
    assert m.step_stats["decided"] == 0 and not m.state.building.any()
