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
from .institutions import company_cost, company_prices, platform_runners
from .numeric import gini_sorted, pairwise_sum
from .processes.demand import served_by_others
from .state import DATA, INFRA, MOBILE, SUPPORT, YEAR

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


@njit(cache=True)
def _count_islands(req, prov, served, linked):
    """Connected components of the served-link graph among agencies that take part in any
    needed link (agencies in no link are not counted): union-find, islands = distinct roots
    among linked agencies. The same count as scipy.sparse.csgraph.connected_components,
    which with building its sparse matrix took 40-60 times as long a month. Links come grouped
    by requester: the requester's root after one link is where the next of its links starts."""
    n = len(linked)
    parent = np.arange(n)
    last = root = -1
    for d in range(len(req)):
        if not served[d]:
            continue
        a, b = req[d], prov[d]
        if a == last:
            a = root
        last = req[d]
        while parent[a] != a:  # path halving
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[max(a, b)] = min(a, b)
        root = min(a, b)
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
    """Every measure of the month: what agencies, markets, links and services hold is read in
    one compiled call (`_measure_all`); spending and the review pipeline in Python."""
    s, out, spend = model.structure, model.outcome, model.spend
    total = sum([v for k, v in spend.items() if not k.startswith("duplicated")])
    waiting = _waiting(model)
    dup = spend["duplicated_build"] + spend["duplicated_operations"]
    ops, sums, kinds, concentration, links, volume_means, county, sums_of = _read_state(model)
    systems, company_systems, out_markup, out_n, units, staff, mobile, n_open, upper_records, records = ops
    plat_layers, plat_by_company = kinds[2], kinds[3]
    all_systems = systems + plat_layers
    trips, one_trip, online, rating = volume_means
    requests, other_posts, developers = sums_of
    prev_cum = model.measures.get("cumulative_it_spending", 0.0) if model.steps else 0.0
    return (
        {
            "silo_index": 1.0 - (out.served_weight / out.need_weight if out.need_weight > 0 else 0.0),
            "information_islands": links[0],
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
            "mean_approval_delay": _approval_delay(model, waiting),
            "mean_delivery_time": _delivery_time(model, waiting),
            "operator_share": float((company_systems + plat_by_company) / all_systems if all_systems else 0.0),
            "operator_markup": float(out_markup / out_n) if out_n > 0 else 0.0,
            "supply_hhi": concentration[0],
            "data_monopoly": concentration[1],
            "mobile_apps": int(mobile + model.gov_apps.count),
            "county_gap": county[0],
            "upper_level_data_share": float(upper_records / records),
            "rejected_duplicates": int(model.step_stats.get("rejected_duplicates", 0)) if model.steps else 0,
            "open_agencies": float(n_open / s.n_agencies),
            "county_data_reach": county[1],
            "cumulative_it_spending": float(prev_cum + total),
            "spending_per_request": _per_request(total, requests),
            "transfers_received": _transfers(model),
            "moved_staff_wages": float(other_posts * model.spec.agents.staff_wage),
            "vertical_links": links[1],  # the links' kinds change only with their providers (`GovModel._set_providers`)
            "reflux_links": links[2],
            "data_developers": developers,
        }
        | control.control_dimensions(*sums)
        | _duplicate_shares(kinds[0], kinds[1])
    )


def _duplicate_shares(running: np.ndarray, duplicated: np.ndarray) -> dict[str, float]:
    """Per shareable kind: the share of running systems the auditor counted as duplicates
    this month (`substitutes.running_duplicates`, read in operations)."""
    running, duplicated = running.tolist(), duplicated.tolist()
    return {name: duplicated[k] / running[k] if running[k] else 0.0 for name, k in _DUPLICATE_KINDS}


_DUPLICATE_KINDS = (("duplicate_infrastructure", INFRA), ("duplicate_support", SUPPORT), ("duplicate_data", DATA))


def _waiting(model: GovModel) -> np.ndarray:
    """Months each proposal in the queue has waited (read by both delay measures: made once)."""
    return model.month - model.queue.month if len(model.queue) else _NONE_I


def _approval_delay(model: GovModel, waiting: np.ndarray | None = None) -> float:
    """Mean months since proposal of the proposals decided this month and still `waiting`."""
    waiting = _waiting(model) if waiting is None else waiting
    if len(waiting) == 0 and model.step_stats["decided"] == 0:
        return 0.0  # nothing proposed waits or was decided (no coordinating body reviews)
    waited = np.concatenate([np.asarray(model.step_stats["waited"], float), waiting])
    return float(waited.mean()) if len(waited) else 0.0


def _delivery_time(model: GovModel, waiting: np.ndarray | None = None) -> float:
    """Proposal to go-live, over the projects delivered in the last year and those in the
    pipeline — under construction (their go-live month is set) and waiting for approval
    (at least their wait so far plus construction) — so a stalled review shows as long
    delivery, not as no delivery at all."""
    waiting = _waiting(model) if waiting is None else waiting
    months = sum([m for m, _ in model.deliveries])
    projects = sum([n for _, n in model.deliveries])
    months += model.building_months
    projects += model.n_building
    if len(waiting):
        months += float(waiting.sum()) + len(waiting) * model.spec.agents.build_months
        projects += len(waiting)
    return months / projects if projects else 0.0


def control_measures(model: GovModel) -> dict[str, float]:
    """Government control and its five dimensions (`sim/control.py`), from agents' state, with
    the exit's prices as arrays (`compute_measures` prices them agency by agency, the same)."""
    s, a = model.structure, model.spec.agents
    best = best_vendor(model)[s.agency_market]  # who would rebuild: as renewals price an exit
    fees = control.Fees(markup=model.vendor_markup[best], price=_fee_multiple(model))
    return control.control_measures(_control_inputs(model), fees, model.month, a.migration_months, a.systems_per_staff)


def _control_inputs(model: GovModel) -> ControlInputs:
    s, st = model.structure, model.state
    pool, tsi = model.tech_pool, model.tech_support
    return ControlInputs(
        own=st.own,
        specified=st.specified,
        rights=st.rights,
        audited=model.audits.month,
        inhouse=model.ops_systems["inhouse"],
        staff=st.staff,
        skill=st.skill,
        contract_end=st.contract_end,
        agency_gov=s.agency_gov,
        run_cost=model.base_run_cost,
        build_cost=model.base_build_cost,
        pool=pool.staff * pool.skill + tsi.free * tsi.skill,
    )


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


@njit(cache=True)
def _county_gini_and_reach(bottom, need_by_gov, served_by_gov):
    """Gini of data reach across bottom-level governments, and their served share, with
    numpy's sums (`sim/numeric.py`)."""
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


# ---------------------------------------------------------------- the month's one compiled read
_NONE_F = np.zeros(0)
_NONE_I = np.zeros(0, np.int64)


def _read_state(model: GovModel):
    """`_measure_all` on the model's arrays (kernel views built by keyword)."""
    s, st, a = model.structure, model.state, model.spec.agents
    rev, pf, out = model.ops_revenue, model.platforms, model.outcome
    companies = model.companies
    agencies = AgencyView(
        company=st.company,
        vendor=st.vendor,
        market=s.agency_market,
        is_open=st.open,
        refluxed=st.refluxed,
        records=s.agency_records,
        upper=model.agency_upper,
        vertical_local=model.agency_vertical_local,
        duplicate=model.ops_systems["duplicate"],
        served_elsewhere=served_by_others(model),
        other_posts=st.other_posts,
        n_lines=s.n_lines,
    )
    operators = OperatorView(
        outsourced=model.ops_systems["outsourced"],
        wages=rev["inhouse"] if rev else np.zeros(s.n_agencies),
        contract_markup=st.contract_markup,
        vendor_markup=model.vendor_markup,
        best_vendor=best_vendor(model),
        company_cost=company_cost(model) if companies else _NONE_F,
    )
    markets = Markets(
        gov_market=s.gov_market,
        vendor_market=model.vendor_market,
        vendor=rev["vendor"] if rev else _NONE_F,
        company_market=np.array([c.market for c in companies], np.int64) if companies else _NONE_I,
        company=np.asarray(rev["company"], dtype=float) if rev else _NONE_F,
        company_hold=np.array([c.data_hold for c in companies], float) if companies else _NONE_F,
        platform=pf.run_by_market,
        platform_runner=platform_runners(model),
        platform_gov=pf.gov,
        platform_ready=pf.ready,
        operated=bool(rev),
    )
    links = Links(
        requester=s.d_req,
        provider=model.dyad_provider,
        served=out.served,
        cross=model.dyad_cross,
        local_copy=model.dyad_local_copy,
        linked=model.linked_agencies,
    )
    services = Services(
        volume=s.inst_volume,
        trips=out.trips,
        one_trip=out.one_trip,
        online=out.online,
        rating=out.rating,
        bottom=s.bottom_govs,
        need_by_gov=out.need_by_gov,
        served_by_gov=out.served_by_gov,
        developers=model.openness.developers,
    )
    views = (_control_inputs(model), agencies, operators, markets, links, services)
    return _measure_all(*map(tuple, views), model.month, (a.migration_months, a.systems_per_staff))


class AgencyView(NamedTuple):
    """What the measures read per agency (with `control.ControlInputs`)."""

    company: np.ndarray  # operating company, NO_ONE if none
    vendor: np.ndarray
    market: np.ndarray  # its market government
    is_open: np.ndarray
    refluxed: np.ndarray
    records: np.ndarray  # public records held
    upper: np.ndarray  # held above the bottom level
    vertical_local: np.ndarray  # a vertical line's local records (held at the top until returned)
    duplicate: np.ndarray  # (N, K) running systems the auditor counts as duplicates this month
    served_elsewhere: np.ndarray  # someone else serves the agency's records too (a developer, a base library)
    other_posts: np.ndarray  # staff moved to other posts
    n_lines: int  # agencies per government: agency `g * n_lines + l`


class OperatorView(NamedTuple):
    outsourced: np.ndarray  # (N) systems run by vendors
    wages: np.ndarray  # (N) each in-house unit's wages this month (its operations revenue)
    contract_markup: np.ndarray  # (N) markup in the agency's contract with its operating company
    vendor_markup: np.ndarray  # (vendors)
    best_vendor: np.ndarray  # (G) per market government, the vendor that would rebuild on an exit
    company_cost: np.ndarray  # (companies) cost factor (`institutions.company_cost`)


class Markets(NamedTuple):
    """Operations revenue this month (万元) and data holds, per supplier and market."""

    gov_market: np.ndarray  # (G)
    vendor_market: np.ndarray  # (vendors)
    vendor: np.ndarray  # (vendors that ran operations) revenue
    company_market: np.ndarray  # (companies)
    company: np.ndarray  # (companies) revenue
    company_hold: np.ndarray  # (companies) share of its market's records it holds exclusively
    platform: np.ndarray  # (G) per market: the platforms' running cost
    platform_runner: np.ndarray  # (G) per market: the company running its platform, NO_ONE: the bureau
    platform_gov: np.ndarray  # (P) government building each platform
    platform_ready: np.ndarray  # (P, layers) built
    operated: bool  # operations ran (not yet at month 0): the revenue is there


class Links(NamedTuple):
    requester: np.ndarray  # (D) agency
    provider: np.ndarray  # (D) agency
    served: np.ndarray  # (D) the link is served this month
    cross: np.ndarray  # (D) across governments
    local_copy: np.ndarray  # (D) from a vertical line's returned copy
    linked: np.ndarray  # (N) the agency is in some needed link


class Services(NamedTuple):
    volume: np.ndarray  # (instances) requests
    trips: np.ndarray
    one_trip: np.ndarray
    online: np.ndarray
    rating: np.ndarray
    bottom: np.ndarray  # (G) bottom-level government
    need_by_gov: np.ndarray  # (G)
    served_by_gov: np.ndarray  # (G)
    developers: np.ndarray  # (G) developers using opened data


@njit(cache=True)
def _measure_all(control_in, agencies, operators, markets, links, services, month, rates):
    """One call a month: the agency pass (`_agency_pass`), the markets' concentration, the
    served links, the services' means and the county figures."""
    ops, sums, kinds, by_gov = _agency_pass(control_in, agencies, operators, month, rates)
    markets, links, services = Markets(*markets), Links(*links), Services(*services)
    concentration = (0.0, 0.0)
    if markets.operated:
        concentration = _concentration(markets, by_gov)
    layers, layers_by_company = _platform_layers(markets)
    islands = _count_islands(links.requester, links.provider, links.served, links.linked)
    vertical = reflux = 0
    for d in range(len(links.served)):
        vertical += links.served[d] & links.cross[d]
        reflux += links.served[d] & links.local_copy[d]
    volume_means = _volume_means(services.volume, services.trips, services.one_trip, services.online, services.rating)
    county = _county_gini_and_reach(services.bottom, services.need_by_gov, services.served_by_gov)
    developers = 0
    for g in range(len(services.developers)):
        developers += services.developers[g]
    sums_of = (pairwise_sum(services.volume), pairwise_sum(AgencyView(*agencies).other_posts), developers)
    kinds = (kinds[0], kinds[1], layers, layers_by_company)
    return ops, sums, kinds, concentration, (islands, vertical, reflux), volume_means, county, sums_of


@njit(cache=True)
def _agency_pass(control_in, agencies, operators, month, rates):
    """Agency by agency: the control sums and each agency's running systems (`_control_pass`),
    then what operators run and hold (`_operator_pass`), and each kind's running and duplicate
    systems. Two loops, each over the few arrays it reads (one loop over all of them kept too
    few in registers and took longer than both)."""
    x, ag, op = control.as_bytes(control.ControlInputs(*control_in)), AgencyView(*agencies), OperatorView(*operators)
    sums, count = _control_pass(x, ag, op, month, rates)
    ops, by_gov = _operator_pass(x, ag, op, count)
    return ops, sums, (_kind_counts(x.own), _kind_counts(ag.duplicate)), by_gov


@njit(cache=True)
def _control_pass(x, ag, op, month, rates):
    """The control sums (`control.agency_systems`, `control.agency_exit`, each exit priced
    here: the agency's fees and its market's best vendor's rebuild), and (N,) each agency's
    running systems."""
    migration_months, systems_per_staff = rates
    run_of, migrate_of = control.set_sums(x.run_cost, 1.0), control.set_sums(x.run_cost, migration_months)
    rebuild_row, rebuild_of = _rebuild_costs(op.best_vendor, op.vendor_markup, x.build_cost)
    G = len(x.pool)
    decision = ownership = contracts = audit = systems = 0.0
    outsourced_g, spare_g = np.zeros(G), np.zeros(G)
    counts = np.empty(len(x.inhouse), np.int64)
    for n in range(len(counts)):
        decision, count, rights, known, runs_set, held_set = control.agency_systems(x, n, month - YEAR, decision)
        counts[n] = count
        if count > 0:
            c = ag.company[n]
            price = (1 + op.contract_markup[n]) * op.company_cost[c] if c >= 0 else 1.0 + op.vendor_markup[ag.vendor[n]]
            rebuild = rebuild_of[rebuild_row[ag.market[n]], runs_set ^ held_set]
            terms = (float(count), float(known), run_of[runs_set], rebuild + migrate_of[held_set])
            contract, audited, out, spare = control.agency_exit(x, n, terms, price, month, systems_per_staff)
            systems += count
            ownership += rights
            contracts += contract
            audit += audited
            outsourced_g[x.agency_gov[n]] += out
            spare_g[x.agency_gov[n]] += spare
    capable, outsourced = control.capacity_sums(outsourced_g, spare_g, x.pool, systems_per_staff)
    return (decision, ownership, contracts, audit, systems, capable, outsourced), counts


@njit(cache=True)
def _operator_pass(x, ag, op, counts):
    """Government by government: running systems (company-run), the outsourced markup sum
    and its weight, in-house units and staff, mobile apps, open agencies, records held above
    the bottom level (upper governments', vertical lines' local records not returned) and all,
    and per government its wages (sum, sum of squares) and records, with the records each
    vendor's clients hold that no one else serves. Flags are read as bytes, counted as integers."""
    is_open, served_elsewhere = ag.is_open.view(np.uint8), ag.served_elsewhere.view(np.uint8)
    upper, vertical_local, refluxed = (
        ag.upper.view(np.uint8),
        ag.vertical_local.view(np.uint8),
        ag.refluxed.view(np.uint8),
    )
    G = len(x.pool)
    systems = company_systems = out_markup = out_n = staff = mobile = upper_records = records = 0.0
    units = n_open = 0
    gov_wages, gov_squares, gov_records = np.zeros(G), np.zeros(G), np.zeros(G)
    client_records = np.zeros(len(op.vendor_markup))
    for g in range(G):
        wages = squares = held = 0.0  # a government's agencies are one block: summed in registers
        for n in range(g * ag.n_lines, (g + 1) * ag.n_lines):
            count = counts[n]
            systems += count
            units += x.staff[n] > 0
            staff += x.staff[n]
            mobile += x.own[n, MOBILE]
            n_open += np.int64(is_open[n])  # a byte: as numpy adds it uncompiled, it would wrap at 256
            records += ag.records[n]
            upper_records += ag.records[n] * (upper[n] | (vertical_local[n] & (refluxed[n] ^ 1)))
            if ag.company[n] >= 0:
                company_systems += count
                out_markup += count * op.contract_markup[n]
                out_n += count
            else:
                out_markup += op.outsourced[n] * op.vendor_markup[ag.vendor[n]]
                out_n += op.outsourced[n]
                client_records[ag.vendor[n]] += ag.records[n] * (1 - served_elsewhere[n])
            wages += op.wages[n]
            squares += op.wages[n] * op.wages[n]
            held += ag.records[n]
        gov_wages[g], gov_squares[g], gov_records[g] = wages, squares, held
    ops = (
        systems,
        company_systems,
        out_markup,
        out_n,
        float(units),
        staff,
        mobile,
        float(n_open),
        upper_records,
        records,
    )
    return ops, (gov_wages, gov_squares, gov_records, client_records)


@njit(cache=True)
def _rebuild_costs(best_vendor, vendor_markup, build_cost):
    """What rebuilding each set of kinds costs at each market's best vendor's markup (as an
    exit is priced: `control.set_sums`): (G,) the row of each market government, (rows, 2^K)
    one row per vendor that is some market's best."""
    V = len(vendor_markup)
    row_of_vendor = np.full(V, -1, np.int64)
    row = np.empty(len(best_vendor), np.int64)
    costs = np.empty((min(V, len(best_vendor)), 1 << len(build_cost)))
    rows = 0
    for g in range(len(best_vendor)):
        v = best_vendor[g] + V * (best_vendor[g] < 0)  # a government that is no market: as indexing reads it
        if row_of_vendor[v] < 0:
            costs[rows] = control.set_sums(build_cost, 1 + vendor_markup[v])
            row_of_vendor[v] = rows
            rows += 1
        row[g] = row_of_vendor[v]
    return row, costs


@njit(cache=True)
def _kind_counts(flags):
    """(K,) per kind, the rows of an (N, K) flag array that flag it. The array is read flat in
    blocks of 64 rows, each column of a block counted in its own lane (a loop the compiler
    vectorises; column by column, strided, took four times as long)."""
    K = flags.shape[1]
    flat = flags.reshape(-1).view(np.uint8)
    width = 64 * K
    lanes = np.zeros(width, np.int64)
    blocks = len(flat) // width
    for b in range(blocks):
        for j in range(width):
            lanes[j] += flat[b * width + j]
    out = np.zeros(K, np.int64)
    for row in range(64):
        for k in range(K):
            out[k] += lanes[row * K + k]
    for row in range(blocks * 64, flags.shape[0]):  # the rows after the last whole block
        for k in range(K):
            out[k] += flat[row * K + k]
    return out


@njit(cache=True)
def _platform_layers(markets):
    """Platform layers built, and those a company runs."""
    layers = by_company = 0
    for p in range(len(markets.platform_gov)):
        runner = markets.platform_runner[markets.gov_market[markets.platform_gov[p]]]
        for layer in range(markets.platform_ready.shape[1]):
            layers += markets.platform_ready[p, layer]
            by_company += markets.platform_ready[p, layer] * (runner >= 0)
    return layers, by_company


@njit(cache=True)
def _concentration(markets, by_gov):
    """Revenue-weighted HHI over markets (in-house units, vendors, companies with the
    platform they run, platforms the bureau runs: a supplier of its own), and the
    record-weighted largest exclusive data hold (a vendor's clients' records no one else
    serves, or a company's hold) over markets."""
    gov_wages, gov_squares, gov_records, client_records = by_gov
    gov_market, vendor_mkt, company_mkt = markets.gov_market, markets.vendor_market, markets.company_market
    G = len(gov_market)
    total, squares, market_records = np.zeros(G), np.zeros(G), np.zeros(G)  # HHI = squares / total²
    is_market = np.zeros(G, np.bool_)
    for g in range(G):
        m = gov_market[g]
        total[m] += gov_wages[g]
        squares[m] += gov_squares[g]
        market_records[m] += gov_records[g]
        is_market[m] = True
    vendor_rev = np.zeros(len(vendor_mkt))  # vendors may have entered since operations ran
    vendor_rev[: len(markets.vendor)] = markets.vendor
    company_rev = markets.company.copy()
    for g in range(G):  # the platform's cost to the company that runs it, else to the bureau
        if markets.platform[g] > 0 and markets.platform_runner[g] >= 0:
            company_rev[markets.platform_runner[g]] += markets.platform[g]
    for v in range(len(vendor_mkt)):
        total[vendor_mkt[v]] += vendor_rev[v]
    for c in range(len(company_mkt)):
        total[company_mkt[c]] += company_rev[c]
    for g in range(G):
        if markets.platform[g] > 0 and markets.platform_runner[g] < 0:
            total[g] += markets.platform[g]
    for v in range(len(vendor_mkt)):
        squares[vendor_mkt[v]] += vendor_rev[v] * vendor_rev[v]
    for c in range(len(company_mkt)):
        squares[company_mkt[c]] += company_rev[c] * company_rev[c]
    for g in range(G):
        if markets.platform[g] > 0 and markets.platform_runner[g] < 0:
            squares[g] += markets.platform[g] * markets.platform[g]
    hold = np.zeros(G)
    for v in range(len(vendor_mkt)):
        m = vendor_mkt[v]
        if market_records[m] > 0:
            hold[m] = max(hold[m], client_records[v] / market_records[m])
    for c in range(len(company_mkt)):
        hold[company_mkt[c]] = max(hold[company_mkt[c]], markets.company_hold[c])
    return _weighted_means(total, squares, hold, market_records, is_market)


@njit(cache=True)
def _weighted_means(total, squares, hold, market_records, is_market):
    """HHI weighted by market revenue, largest hold weighted by market records."""
    hhi_sum = hhi_w = mono_sum = mono_w = 0.0
    for m in range(len(total)):
        if is_market[m] and total[m] > 0:
            hhi_sum += squares[m] / total[m]  # HHI x its weight, the market's revenue
            hhi_w += total[m]
        if is_market[m]:
            mono_sum += hold[m] * market_records[m]
            mono_w += market_records[m]
    hhi = hhi_sum / hhi_w if hhi_w > 0 else 0.0
    mono = mono_sum / mono_w if mono_w > 0 else 0.0
    return hhi, mono


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


__all__ = ["HEADLINE", "MEASURES", "Measure", "MeasureCollector", "compute_measures", "read_measure"]
