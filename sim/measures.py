"""6. Measurement: every measure in DESIGN §4, computed from agent state each step.

Each measure's unit, definition, bounds, size dependence and headline place are in
`sim/catalogue.py` (`MEASURES`, re-exported here), which loads without numba or Mesa;
`govsim measures`, the CLI help, the report, the live charts and docs/ODD.md read them
from there, so they never disagree.
"""

from __future__ import annotations

from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np
from numba import njit

from . import control, fiscal
from .catalogue import HEADLINE, MEASURES, Measure
from .contracts import _best_vendor, best_vendor
from .control import ControlInputs
from .institutions import company_cost, company_prices, platform_runners
from .numeric import gini_sorted, pairwise_sum
from .state import DATA, INFRA, MOBILE, SUPPORT, YEAR
from .stepping import DIRECT
from .views import view

if TYPE_CHECKING:
    from .model import GovModel


def read_measure(model: GovModel, name: str) -> float:
    """DataCollector reporter (a module-level function keeps the model picklable)."""
    return model.measures[name]


REPORTERS = {name: partial(read_measure, name=name) for name in MEASURES}  # made once: Mesa copies the dict


class MeasureCollector(mesa.DataCollector):
    """Mesa's DataCollector with one reporter per measure, which keeps each month's measures
    as the one tuple the kernel returned (`compute_measures`, in `KEYS`' order) and copies the
    months kept into Mesa's lists (`model_vars`, one per reporter) when they are read: a month
    costs one append, not 41 (nor Mesa's deep copy of each value: they are plain numbers).
    Mesa's check of the reporters at the first collection is skipped: they are this module's
    own (`read_measure` of each measure, all of them keys of `model.measures`: tested). This
    reads Mesa's private attributes, so only on the Mesa releases checked (`stepping.DIRECT`);
    any other gets Mesa's collection whole. A list taken from `model_vars` grows when
    `model_vars` is read again, not at each collection."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []  # months collected, not yet copied into `model_vars`
        super().__init__(model_reporters=REPORTERS)
        self._validated = DIRECT
        self.start = ""  # month 0's date ("YYYY-MM"), read from the model at the first collection

    @property
    def model_vars(self) -> dict[str, list]:
        """Mesa's measure -> list of its values, month by month (the months kept copied in first)."""
        if self._rows:
            rows, self._rows = self._rows, []
            by_name = dict(zip(KEYS, zip(*rows, strict=True), strict=True))
            for name, values in self._model_vars.items():
                values.extend(by_name[name])
        return self._model_vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list]) -> None:
        self._model_vars, self._rows = value, []

    def __setstate__(self, state: dict) -> None:
        """A collector pickled before the months were kept as rows held `model_vars` itself."""
        if "model_vars" in state:
            state["_model_vars"] = state.pop("model_vars")
        state.setdefault("_rows", [])
        self.__dict__.update(state)

    def get_model_vars_dataframe(self):
        """Mesa's table of the measures, with the `date` ("YYYY-MM") of each row's month first."""
        df = super().get_model_vars_dataframe()
        if self.start:
            df.insert(0, "date", month_dates(self.start, len(df)))
        return df

    def collect(self, model: GovModel) -> None:
        if not self.start:
            self.start = model.spec.simulation.start
        if not DIRECT or self.agent_reporters or self.agenttype_reporters or len(self.model_reporters) != len(KEYS):
            super().collect(model)  # reporters added beyond the measures: Mesa's own collection
            return
        self._collection_steps.append(model.time)  # as Mesa's own collect does
        measures = model.measures
        if model.__dict__.get("_measured") is measures and len(measures) == len(KEYS):
            self._rows.append(tuple(measures.values()))  # made in KEYS' order; an edit in place is seen
        else:
            self._rows.append(tuple([measures[name] for name in KEYS]))


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
    """Every measure of the month, in `KEYS`' order: what agencies, markets, links and services
    hold is read in one compiled call (`_measure_all`), which also takes the few figures made
    in Python (spending, the review pipeline) and returns every measure as one tuple."""
    values = _measure_all(*_kernel_args(model))  # a tuple of len(KEYS)
    measures = dict(zip(KEYS, values))  # noqa: B905 (the kernel gives len(KEYS): strict= costs a tenth more)
    model._measured = measures  # marks the dict made in KEYS' order (`MeasureCollector.collect`)
    return measures


KEYS = (  # the measures in the order `compute_measures` gives them (`_in_key_order`)
    "silo_index",
    "information_islands",
    "shared_links",
    "total_it_spending",
    "duplicated_spending",
    "duplicated_share",
    "trips_per_service",
    "one_trip_rate",
    "online_rate",
    "user_rating",
    "inhouse_it_units",
    "inhouse_it_staff",
    "approval_backlog",
    "mean_approval_delay",
    "mean_delivery_time",
    "operator_share",
    "operator_markup",
    "supply_hhi",
    "data_monopoly",
    "mobile_apps",
    "county_gap",
    "upper_level_data_share",
    "rejected_duplicates",
    "open_agencies",
    "county_data_reach",
    "cumulative_it_spending",
    "spending_per_request",
    "transfers_received",
    "moved_staff_wages",
    "vertical_links",  # the links' kinds change only with their providers (`GovModel._set_providers`)
    "reflux_links",
    "data_developers",
    *control.DIMENSIONS,
    "government_control",
    "duplicate_infrastructure",
    "duplicate_support",
    "duplicate_data",
)


PAID = ("build", "operations", "sharing", "platform", "programmes")  # `model.SPENDING` less the duplicated (tested)
_PAID, _DUPLICATED = itemgetter(*PAID), itemgetter("duplicated_build", "duplicated_operations")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


def _python_figures(model: GovModel) -> tuple:
    """What the kernel does not read from arrays: the month's spending (a Python sum over
    `model.spend`, in its order), the review pipeline's figures, and outcome totals."""
    spend, out, stats = model.spend, model.outcome, model.step_stats
    if len(spend) == len(PAID) + 2:  # `model.SPENDING`'s keys (a reform adds to them, never a key)
        total = float(sum(_PAID(spend)))
    else:
        total = float(sum([v for k, v in spend.items() if not k.startswith("duplicated")]))
    first, n_waiting = not model.steps, len(model.queue)
    prev_cum = 0.0 if first else float(model.measures.get("cumulative_it_spending", 0.0))
    rejected = 0 if first else int(stats.get("rejected_duplicates", 0))
    duplicated, (rates, transfers) = _DUPLICATED(spend), _fixed_figures(model)
    waiting = _waiting(model) if n_waiting else _NONE_I
    # nothing waits and nothing was decided: no delay (`_approval_delay`'s first case), without its call
    delay = float(_approval_delay(model, waiting)) if n_waiting or stats["decided"] else 0.0
    pipeline = (
        n_waiting,
        delay,
        float(_delivery_time(model, waiting)),
        rejected,
        int(model.gov_apps.count),
        bool(model.ops_revenue),
    )
    spending = (total, float(duplicated[0] + duplicated[1]), prev_cum, transfers)
    outcome = (float(out.served_weight), float(out.need_weight), int(out.n_served))
    return model.month, rates, spending, pipeline, outcome


def _fixed_figures(model: GovModel) -> tuple:
    """The rules' rates the kernel reads and the transfers received (`_transfers`), made once per
    set of rules (`model.spec.agents`)."""
    a, known = model.spec.agents, model.__dict__.get("_measure_rates")
    if known is None or known[0] is not a:
        rates = (float(a.migration_months), float(a.systems_per_staff), float(a.claim_gap), float(a.staff_wage))
        known = model._measure_rates = (a, (rates, _transfers(model)))
    return known[1]


def _waiting(model: GovModel) -> np.ndarray:
    """Months each proposal in the queue has waited (read by both delay measures: made once)."""
    return model.month - model.queue.month if len(model.queue) else _NONE_I


def _approval_delay(model: GovModel, waiting: np.ndarray | None = None) -> float:
    """Mean months since proposal of the proposals decided this month and still `waiting`."""
    waiting = _waiting(model) if waiting is None else waiting
    if len(waiting) == 0 and model.step_stats["decided"] == 0:
        return 0.0  # nothing proposed waits or was decided (no coordinating body reviews)
    waited = np.concatenate([np.asarray(model.step_stats["waited"], float), waiting])
    # `waited.mean()`'s own arithmetic (numpy's pairwise sum over the count), without its Python layers
    return float(np.add.reduce(waited) / len(waited)) if len(waited) else 0.0


def _delivery_time(model: GovModel, waiting: np.ndarray | None = None) -> float:
    """Proposal to go-live, over the projects delivered in the last year and those in the
    pipeline — under construction (their go-live month is set) and waiting for approval
    (at least their wait so far plus construction) — so a stalled review shows as long
    delivery, not as no delivery at all."""
    waiting = _waiting(model) if waiting is None else waiting
    months = sum(map(_FIRST, model.deliveries))  # as `sum` of a list of them: the same order
    projects = sum(map(_SECOND, model.deliveries))
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


class Held(NamedTuple):
    """What agencies hold and are: read off the model by one getter (`HELD`), the arrays
    themselves (mutated in place or replaced, the getter reads whichever is current)."""

    own: np.ndarray  # (N, K)
    specified: np.ndarray  # (N, K)
    rights: np.ndarray  # (N, K)
    audited: np.ndarray  # (N, K) month of the last audit or delivery check
    staff: np.ndarray
    skill: np.ndarray
    contract_end: np.ndarray
    agency_gov: np.ndarray
    run_cost: np.ndarray  # (K)
    build_cost: np.ndarray  # (K)
    pool_staff: np.ndarray  # (G) the technical pool
    pool_skill: np.ndarray
    tsi_free: np.ndarray  # (G) the technical-support institution's free staff
    tsi_skill: np.ndarray
    company: np.ndarray
    vendor: np.ndarray
    market: np.ndarray
    is_open: np.ndarray
    refluxed: np.ndarray
    records: np.ndarray
    upper: np.ndarray
    vertical_local: np.ndarray
    library_current: np.ndarray  # a base library holds a current copy (`demand.served_by_others`)
    covered: np.ndarray  # a developer's service uses the opened records (`demand.served_by_others`)
    other_posts: np.ndarray
    contract_markup: np.ndarray
    n_lines: int


HELD = view(
    Held,
    own="state.own",
    specified="state.specified",
    rights="state.rights",
    audited="audits.month",
    staff="state.staff",
    skill="state.skill",
    contract_end="state.contract_end",
    agency_gov="structure.agency_gov",
    run_cost="base_run_cost",
    build_cost="base_build_cost",
    pool_staff="tech_pool.staff",
    pool_skill="tech_pool.skill",
    tsi_free="tech_support.free",
    tsi_skill="tech_support.skill",
    company="state.company",
    vendor="state.vendor",
    market="structure.agency_market",
    is_open="state.open",
    refluxed="state.refluxed",
    records="structure.agency_records",
    upper="agency_upper",
    vertical_local="agency_vertical_local",
    library_current="libraries.current",
    covered="openness.covered",
    other_posts="state.other_posts",
    contract_markup="state.contract_markup",
    n_lines="structure.n_lines",
)


class Suppliers(NamedTuple):
    gov_market: np.ndarray  # (G)
    vendor_market: np.ndarray  # (vendors)
    vendor_markup: np.ndarray  # (vendors)
    vendor_claim: np.ndarray  # (vendors) the quality each claims (`contracts.best_vendor`)
    platform: np.ndarray  # (G) per market: the platforms' running cost
    platform_gov: np.ndarray  # (P)
    platform_ready: np.ndarray  # (P, layers)


SUPPLIERS = view(
    Suppliers,
    gov_market="structure.gov_market",
    vendor_market="vendor_market",
    vendor_markup="vendor_markup",
    vendor_claim="vendor_claim",
    platform="platforms.run_by_market",
    platform_gov="platforms.gov",
    platform_ready="platforms.ready",
)
LINKS = view(
    Links,
    requester="structure.d_req",
    provider="dyad_provider",
    served="outcome.served",
    cross="dyad_cross",
    local_copy="dyad_local_copy",
    linked="linked_agencies",
)
SERVICES = view(
    Services,
    volume="structure.inst_volume",
    trips="outcome.trips",
    one_trip="outcome.one_trip",
    online="outcome.online",
    rating="outcome.rating",
    bottom="structure.bottom_govs",
    need_by_gov="outcome.need_by_gov",
    served_by_gov="outcome.served_by_gov",
    developers="openness.developers",
)
RUN_BY = itemgetter("inhouse", "outsourced", "duplicate")  # model.ops_systems
REVENUE = itemgetter("inhouse", "vendor", "company")  # model.ops_revenue


def _kernel_args(model: GovModel) -> tuple:
    """`_measure_all`'s arguments: getters' tuples of the current arrays, and the few made here."""
    rev = model.ops_revenue
    month_ops = RUN_BY(model.ops_systems) + (REVENUE(rev) if rev else _no_revenue(model))
    return (
        HELD(model),
        month_ops,
        SUPPLIERS(model),
        _companies(model),
        LINKS(model),
        SERVICES(model),
        _python_figures(model),
    )


def _no_revenue(model: GovModel) -> tuple:
    """Month 0 (operations have not run): no wages, no vendor or company revenue."""
    return np.zeros(model.structure.n_agencies), _NONE_F, _NONE_F


def _companies(model: GovModel) -> tuple:
    """(cost factor, market, exclusive data hold) per company, and per market government the
    company running its platform (`institutions.platform_runners`)."""
    companies = model.companies
    if not companies:
        none = model.__dict__.get("_no_companies")
        if none is None or len(none[3]) != model.structure.n_gov:
            none = model._no_companies = (_NONE_F, _NONE_I, _NONE_F, platform_runners(model))
        return none
    market = np.array([c.market for c in companies], np.int64)
    hold = np.array([c.data_hold for c in companies], float)
    return company_cost(model), market, hold, platform_runners(model)


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
    library_current: np.ndarray  # with `covered`: someone else serves the agency's records too
    covered: np.ndarray  # (`demand.served_by_others`: a base library's current copy, a developer)
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


@njit(cache=True)
def _measure_all(held, month_ops, suppliers, companies, links, services, figures):
    """One call a month: the agency pass (`_agency_pass`), the markets' concentration, the
    served links, the services' means and the county figures; every measure, in `KEYS`' order."""
    month, rates, spending, pipeline, outcome = figures
    h, sup = Held(*held), Suppliers(*suppliers)
    inhouse, outsourced, duplicate, wages, vendor_rev, company_rev = month_ops
    company_costs, company_market, company_hold, runner = companies
    markets = Markets(
        sup.gov_market,
        sup.vendor_market,
        vendor_rev,
        company_market,
        company_rev,
        company_hold,
        sup.platform,
        runner,
        sup.platform_gov,
        sup.platform_ready,
        pipeline[5],
    )
    best = _best_vendor(
        sup.vendor_markup, _seen_quality(sup.vendor_claim, rates[2]), sup.vendor_market, len(sup.gov_market)
    )
    operators = OperatorView(outsourced, wages, h.contract_markup, sup.vendor_markup, best, company_costs)
    ops, sums, kinds, by_gov = _agency_pass(h, inhouse, duplicate, operators, month, rates)
    concentration = _concentration(markets, by_gov) if markets.operated else (0.0, 0.0)
    layers = _platform_layers(markets)
    links, services = Links(*links), Services(*services)
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
    sums_of = (pairwise_sum(services.volume), pairwise_sum(h.other_posts), developers)
    read = (ops, kinds, layers, concentration, (islands, vertical, reflux), volume_means, county, sums_of)
    return _in_key_order(read, control.dimensions(*sums), (rates[3], spending, pipeline, outcome), len(h.staff))


@njit(cache=True)
def _in_key_order(read, dims, figures, n_agencies):
    """The month's measures as `compute_measures` names them (`KEYS`), each computed as the
    Python it replaced computed it (ints where it gave ints)."""
    ops, kinds, layers, concentration, links, volume_means, county, sums_of = read
    systems, company_systems, out_markup, out_n, units, staff, mobile, n_open, upper_records, records = ops
    (running, duplicated), (plat_layers, plat_by_company) = kinds, layers
    staff_wage, (total, dup, prev_cum, transfers), pipeline, (served_weight, need_weight, n_served) = figures
    backlog, approval_delay, delivery_time, rejected, gov_apps, _ = pipeline
    all_systems = systems + plat_layers
    requests, other_posts, developers = sums_of
    first = (
        1.0 - (served_weight / need_weight if need_weight > 0 else 0.0),
        links[0],
        n_served,
        total,
        dup,
        dup / total if total > 0 else 0.0,
        volume_means[0],
        volume_means[1],
        volume_means[2],
        volume_means[3],
        units,
        staff,
        backlog,
        approval_delay,
        delivery_time,
        (company_systems + plat_by_company) / all_systems if all_systems else 0.0,
        out_markup / out_n if out_n > 0 else 0.0,
        concentration[0],
        concentration[1],
        int(mobile + gov_apps),
    )  # two tuples of at most 30: CPython builds a longer literal through a list, which numba does not compile
    return first + (  # noqa: RUF005 (numba compiles tuple concatenation, not unpacking into a literal)
        county[0],
        upper_records / records,
        rejected,
        n_open / n_agencies,
        county[1],
        prev_cum + total,
        total / requests if requests > 0 else np.nan,
        transfers,
        other_posts * staff_wage,
        links[1],
        links[2],
        developers,
        dims[0],
        dims[1],
        dims[2],
        dims[3],
        dims[4],
        dims[5],
        _share(duplicated[INFRA], running[INFRA]),
        _share(duplicated[SUPPORT], running[SUPPORT]),
        _share(duplicated[DATA], running[DATA]),
    )


@njit(cache=True, inline="always")
def _share(part, whole):
    return part / whole if whole else 0.0


@njit(cache=True, inline="always")
def _seen_quality(claim, claim_gap):
    """`contracts.seen_quality` (np.clip of the claim less the gap to [0, 1]), element by element."""
    out = np.empty(len(claim))
    for v in range(len(claim)):
        out[v] = min(max(claim[v] - claim_gap, 0.0), 1.0)
    return out


@njit(cache=True)
def _agency_pass(h, inhouse, duplicate, op, month, rates):
    """Agency by agency: the control sums and each agency's running systems (`_control_pass`),
    then what operators run and hold (`_operator_pass`), and each kind's running and duplicate
    systems. Two loops, each over the few arrays it reads (one loop over all of them kept too
    few in registers and took longer than both)."""
    pool = h.pool_staff * h.pool_skill + h.tsi_free * h.tsi_skill  # staff x skill of each government's pool
    x = control.ControlInputs(
        h.own,
        h.specified,
        h.rights,
        h.audited,
        inhouse,
        h.staff,
        h.skill,
        h.contract_end,
        h.agency_gov,
        h.run_cost,
        h.build_cost,
        pool,
    )
    x = control.as_bytes(x)
    ag = AgencyView(
        h.company,
        h.vendor,
        h.market,
        h.is_open,
        h.refluxed,
        h.records,
        h.upper,
        h.vertical_local,
        duplicate,
        h.library_current,
        h.covered,
        h.other_posts,
        h.n_lines,
    )
    sums, count = _control_pass(x, ag, op, month, rates)
    ops, by_gov = _operator_pass(x, ag, op, count)
    return ops, sums, (_kind_counts(x.own), _kind_counts(ag.duplicate)), by_gov


@njit(cache=True)
def _control_pass(x, ag, op, month, rates):
    """The control sums (`control.agency_systems`, `control.agency_exit`, each exit priced
    here: the agency's fees and its market's best vendor's rebuild), and (N,) each agency's
    running systems."""
    migration_months, systems_per_staff = rates[0], rates[1]
    run_of, migrate_of = control.set_sums(x.run_cost, 1.0), control.set_sums(x.run_cost, migration_months)
    rebuild_row, rebuild_of = _rebuild_costs(op.best_vendor, op.vendor_markup, x.build_cost)
    G = len(x.pool)
    decision = 0.0
    totals = (0.0, 0.0, 0.0, 0.0)  # systems, ownership, contracts, audit (`control.add_agency`)
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
            exit_terms = control.agency_exit(x, n, terms, price, month, systems_per_staff)
            totals = control.add_agency(totals, (outsourced_g, spare_g), x.agency_gov[n], count, rights, exit_terms)
    systems, ownership, contracts, audit = totals
    capable, outsourced = control.capacity_sums(outsourced_g, spare_g, x.pool, systems_per_staff)
    return (decision, ownership, contracts, audit, systems, capable, outsourced), counts


@njit(cache=True)
def _operator_pass(x, ag, op, counts):
    """Government by government: running systems (company-run), the outsourced markup sum
    and its weight, in-house units and staff, mobile apps, open agencies, records held above
    the bottom level (upper governments', vertical lines' local records not returned) and all,
    and per government its wages (sum, sum of squares) and records, with the records each
    vendor's clients hold that no one else serves. Flags are read as bytes, counted as integers."""
    is_open, library, covered = ag.is_open.view(np.uint8), ag.library_current.view(np.uint8), ag.covered.view(np.uint8)
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
                client_records[ag.vendor[n]] += ag.records[n] * (1 - (library[n] | covered[n]))
            wages += op.wages[n]
            squares += op.wages[n] * op.wages[n]
            held += ag.records[n]
        gov_wages[g], gov_squares[g], gov_records[g] = wages, squares, held
    ops = (
        systems,
        company_systems,
        out_markup,
        out_n,
        units,
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
