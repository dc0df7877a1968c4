"""open_data: a catalogue of datasets, published by agencies that are open and hold data;
used by developers who enter while it pays, and by agencies in place of negotiated links."""

import numpy as np

from sim.measures import compute_measures
from sim.processes import demand
from sim.state import APP, DATA

from .conftest import activate, step, tiny


def _ready(m):
    """Every agency holds its data in a system and runs its application; none shares."""
    m.state.own[:, DATA] = True
    m.state.own[:, APP] = True
    m.shared[:] = False


def test_activate_books_the_portal_draws_the_catalogue_and_which_links_open_data_fits():
    # personal_fit too: most of the tiny government's lines hold personal data, whose 0.03 could
    # leave every link unfit by chance under another random stream
    m = tiny("open_data", max_share=0.5, open_fit=0.5, personal_fit=0.5, cost=5.0)
    reform, changed = activate(m, "open_data")
    assert changed == {"fixed_costs", "openness.fit", "rng"} and m.fixed_costs == {"open_data": 5.0}
    assert len(reform.catalogue) == 6 and len(set(reform.catalogue.tolist())) == 6
    assert 0 < m.openness.fit.sum() < len(m.openness.fit)


def test_asked_agencies_publish_only_when_open_and_holding_data():
    m = tiny("open_data", open_per_month=0.25, max_share=1.0, developer_cost=1e9)
    reform, _ = activate(m, "open_data")
    _ready(m)
    m.state.open[:] = True
    m.state.open[reform.catalogue[1]] = False  # a guarded agency refuses
    m.state.own[reform.catalogue[2], DATA] = False  # one with no data system has nothing to publish
    step(m, reform, 0)  # a quarter of the 12 agencies asked
    assert np.flatnonzero(m.openness.opened).tolist() == [int(reform.catalogue[0])]
    m.state.open[reform.catalogue[1]] = True  # asked again once it turns open
    step(m, reform, 1)
    assert set(np.flatnonzero(m.openness.opened).tolist()) == set(reform.catalogue[[0, 1, 3, 4, 5]].tolist())
    assert m.openness.developers.tolist() == [0, 0, 0]  # the cost covers no developer


def test_developers_enter_one_a_month_while_the_opened_records_pay_and_leave_when_they_do_not():
    m = tiny("open_data", open_per_month=1.0, max_share=1.0, record_value=0.01)
    reform, _ = activate(m, "open_data")
    _ready(m)
    m.state.open[:] = True
    value = 0.01 * m.structure.agency_records.sum()  # every record opened, all in the province's market
    reform.p = reform.p.model_copy(update={"developer_cost": value / 2.5})  # room for two developers
    for month, expected in ((0, 1), (1, 2), (2, 2)):
        step(m, reform, month)
        assert m.openness.developers.tolist() == [expected, 0, 0]
    assert np.allclose(m.openness.share[0], 1.0)
    reform.p = reform.p.model_copy(update={"developer_cost": value / 1.5})  # now only one pays
    step(m, reform, 3)
    assert m.openness.developers.tolist() == [1, 0, 0]


def test_developers_use_the_largest_opened_datasets_up_to_what_pays_for_them_and_only_those_lose_their_hold():
    m = tiny("open_data")
    reform, _ = activate(m, "open_data")
    s, od = m.structure, m.openness
    od.opened[:] = True
    largest = np.argsort(-s.agency_records[s.agency_market == 0], kind="stable")
    in_market = np.flatnonzero(s.agency_market == 0)[largest]
    # each developer's service uses the records its cost pays for: here the two largest datasets
    reform.p = reform.p.model_copy(
        update={"record_value": 1.0, "developer_cost": float(s.agency_records[in_market[:2]].sum())}
    )
    od.covered = reform._covered(m)
    assert not demand.served_by_others(m).any()  # opened, but no one uses them yet
    od.developers[0] = 1
    od.covered = reform._covered(m)
    assert set(np.flatnonzero(demand.served_by_others(m)).tolist()) == set(in_market[:2].tolist())
    od.developers[0] = 2  # a second developer covers more of the market, not nothing more
    od.covered = reform._covered(m)
    assert set(in_market[:2].tolist()) < set(np.flatnonzero(demand.served_by_others(m)).tolist())
    assert not od.covered[s.agency_market != 0].any()


def test_an_opened_dataset_serves_a_link_that_fits_without_the_provider_s_consent():
    m = tiny("open_data")
    _ready(m)
    m.state.open[:] = False
    s = m.structure
    d = 0
    provider = m.dyad_provider[d]
    assert not demand.serve(m).served[d]
    m.openness.opened[provider] = True
    assert not demand.serve(m).served[d]  # opened, but the need is personal or the copy too old
    m.openness.fit[d] = True
    served = demand.serve(m).served
    assert served[d] and not served[m.dyad_provider != provider].any()
    m.state.own[s.d_req[d], APP] = False  # the handler still needs its application
    assert not demand.serve(m).served[d]


def test_a_vendor_s_exclusive_hold_counts_only_records_no_one_else_serves():
    m = tiny("open_data")
    m.step()
    assert compute_measures(m)["data_monopoly"] > 0  # vendors host their clients' records alone
    m.openness.opened[:] = True
    assert compute_measures(m)["data_monopoly"] > 0  # opened, but no developer serves them
    m.openness.developers[0] = 1
    assert compute_measures(m)["data_monopoly"] > 0  # a developer, but none of its datasets marked used yet
    m.openness.covered[:] = True
    assert compute_measures(m)["data_monopoly"] == 0.0  # every record is also served by a developer


def test_opened_data_fits_a_need_by_the_line_that_holds_it():
    """Lines holding personal data fit less: with `personal_fit` 0 and `open_fit` 1, exactly
    the links to the other lines fit."""
    m = tiny("open_data", open_fit=1.0, personal_fit=0.0, personal_lines=["public_security", "health"])
    activate(m, "open_data")
    line = np.array(m.structure.lines)[m.structure.d_line]
    assert (m.openness.fit == ~np.isin(line, ["public_security", "health"])).all()
    assert m.openness.fit.any() and not m.openness.fit.all()
