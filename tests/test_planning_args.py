"""Planning's kernel arguments read once per model (`planning.Work.of`) must stay the model's own arrays."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.cases import every_reform
from sim import GovModel
from sim.processes import planning


@pytest.mark.parametrize(
    ("scenario", "overrides"),
    [("baseline", {}), ("guangdong", {"government.sizes": [1, 3, 8]}), ("guangdong", every_reform())],
)
def test_arguments_read_once_are_the_arrays_the_model_still_holds(scenario, overrides):
    """`SYSTEMS`, `PROJECTS` and `RECORDS` are read when the work space is made (the first month)
    and passed every month after: a reform or process that replaced one of those arrays instead
    of writing into it would leave planning reading and writing a stale copy. After a run with
    every reform on, each must still be the very object the model holds."""
    if scenario == "guangdong" and "government.sizes" not in overrides:
        overrides = {**overrides, "government.sizes": [1, 3, 8]}
    m = GovModel(scenario, rng=4, **overrides)
    m.run_for(60)
    work = m.planning_work
    for kept, now in ((work.running, planning.SYSTEMS(m)), (work.projects, planning.PROJECTS(m))):
        assert all(a is b for a, b in zip(kept, now, strict=True))
    assert all(a is b for a, b in zip(work.records, planning.RECORDS(m), strict=True))
    assert work.records[4] is m.state.building and np.any(m.state.building)  # projects did start


def test_review_builds_room_grows_with_a_queue_longer_than_one_proposal_per_agency_and_kind():
    """`Work.fit`: the review's builds are written into the work space, which holds one per agency
    and kind; a queue longer than that (only a caller can make one) gets room, not a write past the end."""
    work = planning.Work(3, 1)
    assert len(work.reviewed[0]) == 15
    assert work.fit(10) is work and len(work.reviewed[0]) == 15
    work.fit(40)
    assert all(len(x) == 40 for x in work.reviewed) and not work.reviewed[3].any()
