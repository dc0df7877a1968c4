"""app_consolidation: a government app per government at `level`, built over
`build_months`, takes the departmental apps beneath it in."""

import numpy as np

from sim.state import MOBILE

from .conftest import activate, step, tiny


def test_nothing_changes_until_the_app_is_built():
    m = tiny("app_consolidation", build_months=2)
    reform, changed = activate(m, "app_consolidation")
    assert changed == set()
    assert reform.apps.tolist() == [0] and reform.covered.tolist() == [True, True, True]
    assert step(m, reform, 0) == set() and step(m, reform, 1) == set()


def test_once_built_the_app_serves_the_governments_beneath_and_absorbs_their_apps():
    m = tiny("app_consolidation", build_months=1, merge_per_month=1.0, run_cost=5.0)
    reform, _ = activate(m, "app_consolidation")
    step(m, reform, 0)
    apps = m.state.own[:, MOBILE].copy()
    spent = m.spend["operations"]
    changed = step(m, reform, 1)
    assert changed == {
        "gov_apps.reach", "gov_apps.count", "state.own", "state.reuse", "state.merged_app", "spend", "rng",
    }  # fmt: skip
    assert m.gov_apps.count == 1 and m.gov_apps.reach.tolist() == [True, True, True]
    assert m.spend["operations"] - spent == 5.0
    assert not m.state.own[:, MOBILE].any()
    assert (m.state.merged_app == apps).all() and (m.state.reuse[apps, MOBILE]).all()


def test_a_share_of_the_remaining_apps_merges_each_month():
    m = tiny("app_consolidation", build_months=1, merge_per_month=0.5)
    reform, _ = activate(m, "app_consolidation")
    step(m, reform, 0)
    apps = int(m.state.own[:, MOBILE].sum())
    step(m, reform, 1)
    left = int(m.state.own[:, MOBILE].sum())
    assert 0 < left < apps and int(m.state.merged_app.sum()) == apps - left
    assert np.array_equal(m.state.merged_app, m.state.reuse[:, MOBILE] & ~m.state.own[:, MOBILE])
