"""6. Measurement: every measure in DESIGN §4, computed from agent state each step.

Each measure's unit, definition, bounds, size dependence and headline place are in
`sim/catalogue.py` (`MEASURES`, re-exported here), which loads without numba or Mesa;
`govsim measures`, the CLI help, the report, the live charts and docs/ODD.md read them
from there, so they never disagree.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np
from numba import njit

from . import control, fiscal
from .catalogue import HEADLINE, MEASURES, Measure
from .contracts import best_vendor
from .control import ControlInputs
from .institutions import company_prices, platform_runners
from .numeric import gini_sorted, pairwise_sum
from .processes.demand import served_by_others
from .state import DATA, INFRA, MOBILE, SUPPORT

if TYPE_CHECKING:
    from .model import GovModel


def read_measure(model: GovModel, name: str) -> float:
    """DataCollector reporter (a module-level function keeps the model picklable)."""
    return model.measures[name]


class MeasureCollector(mesa.DataCollector):
    """Mesa's DataCollector with one reporter per measure. After the first collection
    (which validates the reporters as Mesa does) it appends the step's measures directly:
    they are plain numbers, so Mesa's deep copy of each value (a third of the cost of
    measuring at 10,000 agencies) buys nothing."""

    def __init__(self) -> None:
        super().__init__(model_reporters={name: partial(read_measure, name=name) for name in MEASURES})
        self.start = ""  # month 0's date ("YYYY-MM"), read from the model at the first collection

    def get_model_vars_dataframe(self):
        """Mesa's table of the measures, with the `date` ("YYYY-MM") of each row's month first."""
        df = super().get_model_vars_dataframe()
        if self.start:
            df.insert(0, "date", month_dates(self.start, len(df)))
        return df

    def collect(self, model: GovModel) -> None:
        self.start = self.start or model.spec.simulation.start
        if not self._validated or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):  # as Mesa's own collect does
            self._collection_steps.append(model.time)
        measures = model.measures
        for name, values in self.model_vars.items():
            values.append(measures[name])


def month_dates(start: str, n: int) -> list[str]:
    """Dates ("YYYY-MM") of months 0..n-1, counted from `start` (month 0's date)."""
    year, month = map(int, start.split("-"))
    first = year * 12 + month - 1
    return [f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(n)]


def gini(x: np.ndarray) -> float:
    return float(gini_sorted(np.sort(np.asarray(x, dtype=float))))


def _islands(model: GovModel, served: np.ndarray) -> int:
    """Connected components of the served-link graph among agencies that take part in any
    needed link (agencies in no link are not counted). A compiled union-find: the same count
    as scipy.sparse.csgraph.connected_components, which with building its sparse matrix
    took 40-60 times as long a month (1.4 ms against 38 µs at 5,760 agencies)."""
    return _count_islands(model.structure.d_req, model.dyad_provider, served, model.linked_agencies)


@njit(cache=True)
def _count_islands(req, prov, served, linked):
    """Union-find over the served links; islands = distinct roots among linked agencies."""
    n = len(linked)
    parent = np.arange(n)
    # the served links first, without a branch per link (`served` is random)
    links = np.empty(len(req), np.int64)
    m = 0
    for d in range(len(req)):
        links[m] = d
        m += served[d]
    for j in range(m):
        d = links[j]
        a, b = req[d], prov[d]
        while parent[a] != a:  # path halving
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[max(a, b)] = min(a, b)
    count = 0
    for i in range(n):
        count += linked[i] & (parent[i] == i)
    return count


def _transfers(model: GovModel) -> float:
    """万元/month of equalisation transfers in the agencies' allocations (`fiscal.transfer`).
    Allocations, wealth and the rate are fixed for a run: summed once, read every month."""
    known = model.__dict__.get("_transfers_received")
    if known is not None:
        return known
    s, a = model.structure, model.spec.agents
    base = np.asarray(a.budget_per_month)[s.agency_level]
    model._transfers_received = float(fiscal.transfer(base, s.gov_wealth[s.agency_gov], a.equalisation_rate).sum())
    return model._transfers_received


def compute_measures(model: GovModel) -> dict[str, float]:
    s, out = model.structure, model.outcome
    spend = model.spend
    total = sum(v for k, v in spend.items() if not k.startswith("duplicated"))
    dup = spend["duplicated_build"] + spend["duplicated_operations"]
    operator_share, operator_markup, units, staff, mobile, n_open, upper_share = _operations(model)
    hhi, monopoly = _market_structure(model)
    county_gap, county_reach = _county_reach(model)
    trips, one_trip, online, rating = _volume_means(s.inst_volume, out.trips, out.one_trip, out.online, out.rating)
    prev_cum = model.measures.get("cumulative_it_spending", 0.0) if model.steps else 0.0
    others = service_measures(model) | control_measures(model) | duplicate_measures(model)
    return {
        "silo_index": 1.0 - (out.served_weight / out.need_weight if out.need_weight > 0 else 0.0),
        "information_islands": _islands(model, out.served),
        "shared_links": out.n_served,
        "total_it_spending": float(total),
        "duplicated_spending": float(dup),
        "duplicated_share": float(dup / total) if total > 0 else 0.0,
        "trips_per_service": trips,
        "one_trip_rate": one_trip,
        "online_rate": online,
        "user_rating": rating,
        "inhouse_it_units": int(units),
        "inhouse_it_staff": float(staff),
        "approval_backlog": len(model.queue),
        "mean_approval_delay": _approval_delay(model),
        "mean_delivery_time": _delivery_time(model),
        "operator_share": float(operator_share),
        "operator_markup": operator_markup,
        "supply_hhi": hhi,
        "data_monopoly": monopoly,
        "mobile_apps": int(mobile + model.gov_apps.count),
        "county_gap": county_gap,
        "upper_level_data_share": upper_share,
        "rejected_duplicates": int(model.step_stats.get("rejected_duplicates", 0)) if model.steps else 0,
        "open_agencies": float(n_open / s.n_agencies),
        "county_data_reach": county_reach,
        "cumulative_it_spending": float(prev_cum + total),
        "spending_per_request": _per_request(total, float(s.inst_volume.sum())),
        "transfers_received": _transfers(model),
        "moved_staff_wages": float(model.state.other_posts.sum() * model.spec.agents.staff_wage),
    } | others


def service_measures(model: GovModel) -> dict[str, float]:
    """Who serves the data: links across governments, links of vertical lines served from a
    local returned copy, developers using opened data."""
    served = model.outcome.served
    return {  # the links' kinds change only with their providers (`GovModel._set_providers`)
        "vertical_links": int(np.count_nonzero(served & model.dyad_cross)),
        "reflux_links": int(np.count_nonzero(served & model.dyad_local_copy)),
        "data_developers": int(model.openness.developers.sum()),
    }


def duplicate_measures(model: GovModel) -> dict[str, float]:
    """Per shareable kind: the share of running systems the auditor counted as duplicates
    this month (`substitutes.running_duplicates`, read in operations)."""
    running, duplicated = _kind_counts(model.state.own, model.ops_systems["duplicate"])
    out = {}
    for name, k in _DUPLICATE_KINDS:
        out[name] = float(duplicated[k] / running[k]) if running[k] else 0.0
    return out


@njit(cache=True)
def _kind_counts(own, duplicate):
    """(K,) running systems of each kind, and those counted as duplicates: one pass over
    the rows instead of two counts per kind over a column each."""
    running = np.zeros(own.shape[1], np.int64)
    duplicated = np.zeros(own.shape[1], np.int64)
    for n in range(own.shape[0]):
        for k in range(own.shape[1]):
            running[k] += own[n, k]
            duplicated[k] += duplicate[n, k]
    return running, duplicated


_DUPLICATE_KINDS = (("duplicate_infrastructure", INFRA), ("duplicate_support", SUPPORT), ("duplicate_data", DATA))


def _approval_delay(model: GovModel) -> float:
    """Mean months since proposal of the proposals decided this month and still waiting."""
    if len(model.queue) == 0 and model.step_stats["decided"] == 0:
        return 0.0  # nothing proposed waits or was decided (no coordinating body reviews)
    waited = np.concatenate([np.asarray(model.step_stats["waited"], float), model.month - model.queue.month])
    return float(waited.mean()) if len(waited) else 0.0


def _delivery_time(model: GovModel) -> float:
    """Proposal to go-live, over the projects delivered in the last year and those in the
    pipeline — under construction (their go-live month is set) and waiting for approval
    (at least their wait so far plus construction) — so a stalled review shows as long
    delivery, not as no delivery at all."""
    months = sum(m for m, _ in model.deliveries)
    projects = sum(n for _, n in model.deliveries)
    months += model.building_months
    projects += model.n_building
    if len(model.queue):
        months += float((model.month - model.queue.month).sum()) + len(model.queue) * model.spec.agents.build_months
        projects += len(model.queue)
    return months / projects if projects else 0.0


def _operations(model: GovModel):
    """Who operates what, at what markup; in-house units and staff, mobile apps, open
    agencies, and the share of records held above the bottom level."""
    s, st = model.structure, model.state
    ops = model.ops_systems
    pf = model.platforms
    agencies = AgencyView(
        own=st.own,
        company=st.company,
        vendor=st.vendor,
        staff=st.staff,
        is_open=st.open,
        refluxed=st.refluxed,
        records=s.agency_records,
        upper=model.agency_upper,
        vertical_local=model.agency_vertical_local,
    )
    operators = OperatorView(
        outsourced=ops["outsourced"],
        vendor_markup=model.vendor_markup,
        contract_markup=st.contract_markup,
    )
    systems, company_systems, out_markup, out_n, units, staff, mobile, n_open, upper_records, records = _agency_totals(
        tuple(agencies), tuple(operators)
    )
    plat_layers = int(pf.ready.sum()) if len(pf.gov) else 0
    plat_by_company = 0
    if plat_layers:
        runners = platform_runners(model)[s.gov_market[pf.gov]]
        plat_by_company = int(pf.ready[runners >= 0].sum())
    all_systems = systems + plat_layers
    operator_share = (company_systems + plat_by_company) / all_systems if all_systems else 0.0
    operator_markup = float(out_markup / out_n) if out_n > 0 else 0.0
    upper_share = float(upper_records / records)
    return operator_share, operator_markup, units, staff, mobile, n_open, upper_share


def control_measures(model: GovModel) -> dict[str, float]:
    """Government control and its five dimensions (`sim/control.py`), from agents' state."""
    s, st, a = model.structure, model.state, model.spec.agents
    pool, tsi = model.tech_pool, model.tech_support
    x = ControlInputs(
        own=st.own,
        specified=st.specified,
        rights=st.rights,
        audited=model.audits.month,
        inhouse=model.ops_systems["inhouse"],
        staff=st.staff,
        skill=st.skill,
        markup=model.vendor_markup[best_vendor(model)[s.agency_market]],  # who would rebuild: as renewals price an exit
        price=_fee_multiple(model),
        contract_end=st.contract_end,
        agency_gov=s.agency_gov,
        run_cost=model.base_run_cost,
        build_cost=model.base_build_cost,
        pool=pool.staff * pool.skill + tsi.free * tsi.skill,
    )
    return control.control_measures(x, model.month, a.migration_months, a.systems_per_staff)


def _per_request(total: float, requests: float) -> float:
    """万元 per request; undefined (NaN) in a government without requests."""
    return total / requests if requests > 0 else float("nan")


def _fee_multiple(model: GovModel) -> np.ndarray:
    """(N,) the multiple of the running cost each agency's supplier is paid: (1 + its contract's
    markup) x its company's cost factor (`company_prices`), else 1 + its vendor's markup."""
    st = model.state
    vendor = 1.0 + model.vendor_markup[st.vendor]
    by_company = st.company >= 0
    return np.where(by_company, company_prices(model), vendor) if by_company.any() else vendor


def _county_reach(model: GovModel) -> tuple[float, float]:
    """Gini of data reach across bottom-level governments, and their served share."""
    out = model.outcome
    return _county_gini_and_reach(model.structure.bottom_govs, out.need_by_gov, out.served_by_gov)


@njit(cache=True)
def _county_gini_and_reach(bottom, need_by_gov, served_by_gov):
    """`_county_reach` in one call, with numpy's sums (`sim/numeric.py`)."""
    m = 0
    for g in range(len(bottom)):
        m += bottom[g] & (need_by_gov[g] > 0)
    if m == 0:
        return 0.0, 0.0
    need, got = np.empty(m), np.empty(m)
    j = 0
    for g in range(len(bottom)):
        if bottom[g] & (need_by_gov[g] > 0):
            need[j], got[j] = need_by_gov[g], served_by_gov[g]
            j += 1
    return gini_sorted(np.sort(got / np.maximum(need, 1e-12))), pairwise_sum(got) / pairwise_sum(need)


class AgencyView(NamedTuple):
    """What the measures read per agency."""

    own: np.ndarray  # (N, K)
    company: np.ndarray
    vendor: np.ndarray
    staff: np.ndarray
    is_open: np.ndarray
    refluxed: np.ndarray
    records: np.ndarray  # public records held
    upper: np.ndarray  # held above the bottom level
    vertical_local: np.ndarray  # a vertical line's local records (held at the top until returned)


class OperatorView(NamedTuple):
    outsourced: np.ndarray  # (N) systems run by vendors
    vendor_markup: np.ndarray  # (vendors)
    contract_markup: np.ndarray  # (N) markup in the agency's contract with its operating company


@njit(cache=True)
def _agency_totals(agencies, operators):
    """Sums over agencies — running systems (all, company-run), the outsourced markup sum
    and its weight, in-house units and staff, mobile apps, open agencies, records held above
    the bottom level (upper governments', and vertical lines' local records not returned),
    all records."""
    agencies, operators = AgencyView(*agencies), OperatorView(*operators)  # named again (state.py: kernel views)
    own, company, vendor, staff = agencies.own, agencies.company, agencies.vendor, agencies.staff
    is_open, refluxed, records, upper = agencies.is_open, agencies.refluxed, agencies.records, agencies.upper
    vertical_local = agencies.vertical_local
    outsourced, vendor_markup = operators.outsourced, operators.vendor_markup
    contract_markup = operators.contract_markup
    N, K = own.shape
    systems = company_systems = out_markup = out_n = 0.0
    units = staff_total = mobile = n_open = upper_records = all_records = 0.0
    for n in range(N):
        c = 0
        for k in range(K):
            c += own[n, k]
        systems += c
        units += staff[n] > 0
        staff_total += staff[n]
        mobile += own[n, MOBILE]
        n_open += is_open[n]
        all_records += records[n]
        upper_records += records[n] * (upper[n] | (vertical_local[n] & ~refluxed[n]))
        if company[n] >= 0:
            company_systems += c
            out_markup += c * contract_markup[n]
            out_n += c
        else:
            out_markup += outsourced[n] * vendor_markup[vendor[n]]
            out_n += outsourced[n]
    return systems, company_systems, out_markup, out_n, units, staff_total, mobile, n_open, upper_records, all_records


@njit(cache=True)
def _volume_means(volume, trips, one_trip, online, rating):
    """Request-weighted means over service instances."""
    sums = np.zeros(4)
    total = 0.0
    for i in range(len(volume)):
        v = volume[i]
        total += v
        sums[0] += trips[i] * v
        sums[1] += one_trip[i] * v
        sums[2] += online[i] * v
        sums[3] += rating[i] * v
    if total <= 0:
        return 0.0, 0.0, 0.0, 0.0
    return sums[0] / total, sums[1] / total, sums[2] / total, sums[3] / total


def _market_structure(model: GovModel) -> tuple[float, float]:
    """Per market: HHI of operations revenue, and the largest exclusive data hold."""
    s, st = model.structure, model.state
    rev = model.ops_revenue
    if not rev:
        return 0.0, 0.0
    vendor_mkt = model.vendor_market
    vendor_rev = np.zeros(len(model.vendors))  # vendors may have entered since operations ran
    vendor_rev[: len(rev["vendor"])] = rev["vendor"]
    # companies' revenue, the platform's added to the company that runs it; a platform
    # the bureau runs is a supplier of its own
    company_mkt = np.array([c.market for c in model.companies], dtype=np.int64)
    company_rev = np.asarray(rev["company"], dtype=float).copy()
    plat = model.platforms.run_by_market
    has_plat = plat > 0
    other_mkt, other_rev = company_mkt, company_rev
    if has_plat.any():  # no platform running: nothing to add
        runner = platform_runners(model)
        by_company = has_plat & (runner >= 0)
        np.add.at(company_rev, runner[by_company], plat[by_company])
        by_bureau = np.flatnonzero(has_plat & (runner < 0))
        other_mkt = np.concatenate([company_mkt, by_bureau])
        other_rev = np.concatenate([company_rev, plat[by_bureau]])
    company_hold = np.array([c.data_hold for c in model.companies])
    revenue = Revenue(
        inhouse=rev["inhouse"], vendor_market=vendor_mkt, vendor=vendor_rev, other_market=other_mkt, other=other_rev
    )
    holds = Holds(
        records=s.agency_records,
        company=st.company,
        vendor=st.vendor,
        served_elsewhere=served_by_others(model),
        company_market=company_mkt,
        company_hold=company_hold,
    )
    return _concentration(tuple(revenue), tuple(holds), s.gov_market, s.n_lines, s.n_gov)


class Revenue(NamedTuple):
    """Operations revenue this month, 万元."""

    inhouse: np.ndarray  # (N) each in-house unit's wages
    vendor_market: np.ndarray  # (vendors)
    vendor: np.ndarray  # (vendors)
    other_market: np.ndarray  # companies, then bureau-run platforms
    other: np.ndarray


class Holds(NamedTuple):
    """Who holds which public records exclusively."""

    records: np.ndarray  # (N)
    company: np.ndarray  # (N) operating company, NO_ONE before take-over
    vendor: np.ndarray  # (N)
    served_elsewhere: np.ndarray  # (N) someone else serves the agency's records too (a developer, a base library)
    company_market: np.ndarray  # (companies)
    company_hold: np.ndarray  # (companies)


@njit(cache=True)
def _concentration(revenue, holds, gov_market, n_lines, n_gov):
    """Revenue-weighted HHI over markets, and the record-weighted largest exclusive data
    hold (a vendor's clients' records no one else serves, or a company's hold) over markets."""
    revenue, holds = Revenue(*revenue), Holds(*holds)  # named again (state.py: kernel views)
    inhouse_rev, vendor_mkt, vendor_rev, other_mkt, other_rev = (
        revenue.inhouse,
        revenue.vendor_market,
        revenue.vendor,
        revenue.other_market,
        revenue.other,
    )
    records, company, vendor, served_elsewhere, company_mkt, company_hold = (
        holds.records,
        holds.company,
        holds.vendor,
        holds.served_elsewhere,
        holds.company_market,
        holds.company_hold,
    )
    total = np.zeros(n_gov)
    squares = np.zeros(n_gov)  # sum of squared revenues; HHI = squares / total²
    market_records = np.zeros(n_gov)
    client_records = np.zeros(len(vendor_mkt))
    is_market = np.zeros(n_gov, np.bool_)
    for g in range(n_gov):
        # a government's agencies are one block: sum in registers, add to its market once
        rev = sq = rec = 0.0
        for n in range(g * n_lines, (g + 1) * n_lines):
            rev += inhouse_rev[n]
            sq += inhouse_rev[n] * inhouse_rev[n]
            rec += records[n]
            if company[n] < 0:
                client_records[vendor[n]] += records[n] * (1 - served_elsewhere[n])
        m = gov_market[g]
        total[m] += rev
        squares[m] += sq
        market_records[m] += rec
        is_market[m] = True
    for v in range(len(vendor_mkt)):
        total[vendor_mkt[v]] += vendor_rev[v]
    for c in range(len(other_mkt)):
        total[other_mkt[c]] += other_rev[c]
    for v in range(len(vendor_mkt)):
        squares[vendor_mkt[v]] += vendor_rev[v] * vendor_rev[v]
    for c in range(len(other_mkt)):
        squares[other_mkt[c]] += other_rev[c] * other_rev[c]

    hold = np.zeros(n_gov)
    for v in range(len(vendor_mkt)):
        m = vendor_mkt[v]
        if market_records[m] > 0:
            hold[m] = max(hold[m], client_records[v] / market_records[m])
    for c in range(len(company_mkt)):
        hold[company_mkt[c]] = max(hold[company_mkt[c]], company_hold[c])

    hhi_sum = hhi_w = mono_sum = mono_w = 0.0
    for m in range(n_gov):
        if is_market[m] and total[m] > 0:
            hhi_sum += squares[m] / total[m]  # HHI x its weight, the market's revenue
            hhi_w += total[m]
        if is_market[m]:
            mono_sum += hold[m] * market_records[m]
            mono_w += market_records[m]
    hhi = hhi_sum / hhi_w if hhi_w > 0 else 0.0
    mono = mono_sum / mono_w if mono_w > 0 else 0.0
    return hhi, mono


__all__ = ["HEADLINE", "MEASURES", "Measure", "MeasureCollector", "compute_measures", "read_measure"]
