"""base_data: base libraries for the listed lines are built, fed by the agencies holding
the lines' records, and serve links only from copies their sources keep current."""

import numpy as np

from sim.processes import demand
from sim.state import APP, DATA

from .conftest import HEALTH, PUBLIC_SECURITY, activate, step, tiny


def _built(**params):
    m = tiny("base_data", lines=["public_security", "health"], build_months=1, **params)
    reform, _ = activate(m, "base_data")
    step(m, reform, 0)
    st = m.state
    st.own[:, DATA] = True
    st.quality[:, DATA] = 0.9
    st.open[:] = True
    sources = reform.source_line & (m.links_provided > 0)
    return m, reform, np.flatnonzero(sources)


def test_libraries_are_paid_for_while_built_then_run():
    m = tiny("base_data", lines=["public_security", "health"], build_months=2, build_cost=200.0, run_cost=10.0)
    reform, changed = activate(m, "base_data")
    assert changed == set()
    for month in (0, 1):
        spent = m.spend["platform"]
        assert step(m, reform, month) == {"spend"}
        assert m.spend["platform"] - spent == 2 * 200.0 / 2
    spent = m.spend["platform"]
    assert "spend" in step(m, reform, 2) and m.spend["platform"] - spent == 2 * 10.0
    lines = m.structure.agency_line
    assert reform.source_line.tolist() == [ln in (PUBLIC_SECURITY, HEALTH) for ln in lines]


def test_open_sources_with_good_data_feed_the_library_guarded_or_poor_ones_do_not():
    m, reform, sources = _built(guarded_update=0.0, min_quality=0.5)
    guarded, poor, good = sources[0], sources[1], sources[2:]
    m.state.open[guarded] = False
    m.state.quality[poor, DATA] = 0.3
    assert step(m, reform, 1) == {"libraries.current", "spend", "rng"}
    assert np.flatnonzero(m.libraries.current).tolist() == good.tolist()
    assert not m.libraries.current[m.links_provided == 0].any()  # only agencies holding records feed it


def test_a_copy_is_current_for_max_age_months_after_its_last_update():
    m, reform, sources = _built(guarded_update=0.0, max_age=2)
    step(m, reform, 1)
    assert m.libraries.current[sources].all()
    m.state.open[:] = False  # no source updates any more
    step(m, reform, 2)
    assert m.libraries.current[sources].all()  # updated last month: still current
    step(m, reform, 3)
    assert not m.libraries.current.any()


def test_links_are_served_from_the_library_only_for_the_records_it_holds():
    m = tiny("base_data")
    m.state.own[:, APP] = True
    m.shared[:] = False
    assert not demand.serve(m).served.any()
    d = 1  # a link to a base line
    m.libraries.current[m.dyad_provider[d]] = True
    served = demand.serve(m).served
    assert (
        served[m.dyad_provider == m.dyad_provider[d]].all()
        and served.sum() == (m.dyad_provider == m.dyad_provider[d]).sum()
    )
