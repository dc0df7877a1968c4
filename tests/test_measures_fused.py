"""The month's one compiled read of the state (`sim.measures._measure_all`) against the same
measures written in numpy, whole-array, month after month in runs where every input moves:
operating companies take agencies over (and one runs the platform), platforms, open data,
returned copies, base libraries, duplicates. Counts must match exactly; sums to 1e-12 (numpy
adds in another order); the control dimensions exactly, against `control_measures` (the
exit priced with arrays, `_fee_multiple`, rather than agency by agency)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim import GovModel
from sim.control import DIMENSIONS
from sim.institutions import platform_runners
from sim.measures import control_measures
from sim.processes.demand import served_by_others
from sim.state import DATA, INFRA, MOBILE, SUPPORT

SMALL = {"government.sizes": [1, 2, 4]}


def _agencies(m: GovModel) -> dict[str, float]:
    s, st, ops = m.structure, m.state, m.ops_systems
    count = st.own.sum(axis=1)
    by_company = st.company >= 0
    pf = m.platforms
    layers = int(pf.ready.sum())
    by_company_layers = int(pf.ready[platform_runners(m)[s.gov_market[pf.gov]] >= 0].sum()) if layers else 0
    systems = count.sum() + layers
    markup = np.where(by_company, count * st.contract_markup, ops["outsourced"] * m.vendor_markup[st.vendor]).sum()
    weight = np.where(by_company, count, ops["outsourced"]).sum()
    upper = m.agency_upper | (m.agency_vertical_local & ~st.refluxed)
    running, duplicated = st.own.sum(axis=0), ops["duplicate"].sum(axis=0)
    shares = {k: duplicated[k] / running[k] if running[k] else 0.0 for k in (INFRA, SUPPORT, DATA)}
    return {
        "operator_share": (count[by_company].sum() + by_company_layers) / systems if systems else 0.0,
        "operator_markup": markup / weight if weight > 0 else 0.0,
        "inhouse_it_units": int((st.staff > 0).sum()),
        "inhouse_it_staff": st.staff.sum(),
        "mobile_apps": int(st.own[:, MOBILE].sum()) + m.gov_apps.count,
        "open_agencies": st.open.mean(),
        "upper_level_data_share": (s.agency_records * upper).sum() / s.agency_records.sum(),
        "duplicate_infrastructure": shares[INFRA],
        "duplicate_support": shares[SUPPORT],
        "duplicate_data": shares[DATA],
        "moved_staff_wages": st.other_posts.sum() * m.spec.agents.staff_wage,
    }


def _markets(m: GovModel) -> dict[str, float]:
    """Revenue HHI and the largest exclusive hold, market by market."""
    s, st, rev = m.structure, m.state, m.ops_revenue
    if not rev:
        return {"supply_hhi": 0.0, "data_monopoly": 0.0}
    runner = platform_runners(m)
    plat = m.platforms.run_by_market
    suppliers = []  # (market, revenue)
    suppliers += list(zip(s.gov_market[s.agency_gov], rev["inhouse"], strict=True))
    suppliers += [(m.vendor_market[v], r) for v, r in enumerate(rev["vendor"])]
    company_rev = np.asarray(rev["company"], float).copy()
    for g in np.flatnonzero(plat > 0):
        if runner[g] >= 0:
            company_rev[runner[g]] += plat[g]
        else:
            suppliers.append((g, plat[g]))
    suppliers += [(c.market, company_rev[c.cidx]) for c in m.companies]
    hhi, weight = 0.0, 0.0
    agency_market = s.gov_market[s.agency_gov]
    mono, records = 0.0, 0.0
    exclusive = s.agency_records * ~served_by_others(m) * (st.company < 0)
    for mkt in np.unique(agency_market):
        r = np.array([v for k, v in suppliers if k == mkt])
        if r.sum() > 0:
            hhi += (r**2).sum() / r.sum()
            weight += r.sum()
        held = s.agency_records[agency_market == mkt].sum()
        clients = [
            exclusive[(st.vendor == v) & (agency_market == mkt)].sum() for v in np.flatnonzero(m.vendor_market == mkt)
        ]
        top = max(
            [c / held for c in clients if held > 0] + [c.data_hold for c in m.companies if c.market == mkt] + [0.0]
        )
        mono += top * held
        records += held
    return {"supply_hhi": hhi / weight if weight > 0 else 0.0, "data_monopoly": mono / records if records > 0 else 0.0}


def _links_and_services(m: GovModel) -> dict[str, float]:
    s, out = m.structure, m.outcome
    served = out.served
    req, prov = s.d_req[served], m.dyad_provider[served]
    graph = coo_matrix((np.ones(len(req)), (req, prov)), shape=(s.n_agencies, s.n_agencies))
    _, label = connected_components(graph, directed=False)
    v = s.inst_volume
    means = [
        np.average(a, weights=v) if v.sum() > 0 else 0.0 for a in (out.trips, out.one_trip, out.online, out.rating)
    ]
    bottom = s.bottom_govs & (out.need_by_gov > 0)
    return {
        "information_islands": len(np.unique(label[m.linked_agencies])),
        "vertical_links": int((served & m.dyad_cross).sum()),
        "reflux_links": int((served & m.dyad_local_copy).sum()),
        "data_developers": int(m.openness.developers.sum()),
        "trips_per_service": means[0],
        "one_trip_rate": means[1],
        "online_rate": means[2],
        "user_rating": means[3],
        "county_data_reach": out.served_by_gov[bottom].sum() / out.need_by_gov[bottom].sum() if bottom.any() else 0.0,
    }


def _check(m: GovModel) -> None:
    expected = _agencies(m) | _markets(m) | _links_and_services(m)
    for name, value in expected.items():
        got = m.measures[name]
        if isinstance(value, int):
            assert got == value, (m.month, name)
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), (m.month, name)
    control = control_measures(m)
    for name in (*DIMENSIONS, "government_control"):
        assert np.array_equal(m.measures[name], control[name], equal_nan=True), (m.month, name)


MOVES = {  # what each run must move, so that each input of the kernel is read at a value that matters
    "reform_all": ("company", "platform", "reflux", "developers"),
    "guangdong": ("company", "vendor_hold"),
    "reform_base_data": ("vendor_hold", "copy_elsewhere"),
}


@pytest.mark.parametrize("preset", list(MOVES))
def test_the_compiled_read_gives_the_numpy_measures(preset):
    m = GovModel(preset, rng=3, **SMALL)
    _check(m)
    seen = dict.fromkeys(("company", "platform", "reflux", "developers", "vendor_hold", "copy_elsewhere"), False)
    for _ in range(36):
        m.step()
        _check(m)
        vendor_client = m.state.company < 0
        seen["company"] |= bool((~vendor_client).any())
        seen["platform"] |= bool(m.platforms.ready.any())
        seen["reflux"] |= m.measures["reflux_links"] > 0
        seen["developers"] |= m.measures["data_developers"] > 0
        seen["vendor_hold"] |= m.measures["data_monopoly"] > 0
        seen["copy_elsewhere"] |= bool((served_by_others(m) & vendor_client & (m.structure.agency_records > 0)).any())
    assert all(seen[k] for k in MOVES[preset]), seen


@pytest.mark.parametrize("n", [0, 7, 64, 1000])
def test_kind_counts_read_flat_count_each_column(n):
    """The blocked, flat count against numpy's column sums: whole blocks of 64 rows, a tail,
    a tail alone, nothing (a lane or the tail read in the wrong column would show)."""
    from sim.measures import _kind_counts

    flags = np.random.default_rng(n).random((n, 5)) < np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    assert _kind_counts(flags).tolist() == flags.sum(axis=0).tolist()


def test_islands_are_the_components_of_the_served_links():
    """Requesters in runs of links (the kernel starts each link from the root the requester's
    previous link left) and in no order, against scipy's connected components."""
    from sim.measures import _count_islands

    rng = np.random.default_rng(11)
    n = 300
    for grouped in (True, False):
        req = np.sort(rng.integers(0, n, 900)) if grouped else rng.integers(0, n, 900)
        prov = rng.integers(0, n, 900)
        served = rng.random(900) < 0.3
        linked = np.zeros(n, bool)
        linked[req], linked[prov] = True, True
        graph = coo_matrix((np.ones(served.sum()), (req[served], prov[served])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        assert _count_islands(req, prov, served, linked) == len(np.unique(label[linked]))


COUNTS = {  # the measures that are counts (Python ints in `model.measures` and the collector's table)
    "information_islands", "shared_links", "inhouse_it_units", "approval_backlog", "mobile_apps",
    "rejected_duplicates", "vertical_links", "reflux_links", "data_developers",
}  # fmt: skip


def test_the_measures_come_in_their_order_and_types():
    """The kernel returns every measure as one tuple, named in Python by `KEYS`: a slot out of
    place would give a measure another's value (the numpy checks above catch most); here the
    names, their order and each value's type, and the collector's table, which copies them."""
    from sim.catalogue import MEASURES
    from sim.measures import KEYS

    m = GovModel("reform_all", rng=2, **SMALL)
    m.run_for(3)
    assert list(m.measures) == list(KEYS) and set(KEYS) == set(MEASURES)
    assert {k for k, v in m.measures.items() if type(v) is int} == COUNTS
    assert all(type(v) is float for k, v in m.measures.items() if k not in COUNTS)
    df = m.datacollector.get_model_vars_dataframe()
    assert all(df[k].iloc[-1] == v for k, v in m.measures.items() if v == v)


@pytest.mark.parametrize("n", [1, 7, 9, 130, 1000])
def test_the_approval_delay_is_numpys_mean_of_the_months_waited(n):
    """`_approval_delay` sums with numpy's reduce over the count, as `mean` does: the same
    float for the decided proposals' waits and the queue's, in their order (a sum in another
    order, or the waits of one side left out, would differ in the last bits or more)."""
    from types import SimpleNamespace

    from sim.measures import _approval_delay

    rng = np.random.default_rng(n)
    waited = list(rng.random(n % 5 + 1) * 17)
    waiting = rng.integers(0, 50, n)
    model = SimpleNamespace(step_stats={"waited": waited, "decided": len(waited)})
    want = float(np.concatenate([np.asarray(waited, float), waiting]).mean())
    assert _approval_delay(model, waiting) == want


def test_the_control_kernels_refuse_arrays_of_another_kind_count():
    """`control.agency_systems` reads the kinds' constant count of columns: arrays of another
    width are refused, not read past their rows."""
    from sim.control import ControlInputs, as_bytes

    N, K = 3, 4
    x = ControlInputs(
        own=np.zeros((N, K), bool), specified=np.zeros((N, K)), rights=np.zeros((N, K), bool),
        audited=np.zeros((N, K), np.int32), inhouse=np.zeros(N), staff=np.zeros(N), skill=np.zeros(N),
        contract_end=np.zeros(N, np.int32), agency_gov=np.zeros(N, np.int64), run_cost=np.ones(K),
        build_cost=np.ones(K), pool=np.zeros(1),
    )  # fmt: skip
    with pytest.raises(ValueError, match="N_KINDS"):
        as_bytes(x)
