"""6. Measurement: every measure in DESIGN §4, computed from agent state each step.

`MEASURES` holds each measure's unit and definition; `govsim measures`, the CLI help and
docs/ODD.md read them from here, so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .state import MOBILE, row_sum

if TYPE_CHECKING:
    from .model import GovModel


@dataclass(frozen=True)
class Measure:
    unit: str
    definition: str
    better: str  # "lower", "higher" or "" (a cost or context, not a goal)


MEASURES: dict[str, Measure] = {
    "silo_index": Measure(
        "share 0-1",
        "Demand-weighted share of needed data links (service requests x datasets they need) not served this month.",
        "lower",
    ),
    "information_islands": Measure(
        "count",
        "Connected components of the served-link graph among agencies that need each other's "
        "data (an agency with no served link is an island of its own).",
        "lower",
    ),
    "shared_links": Measure("count", "Needed requester-provider links served this month.", "higher"),
    "total_it_spending": Measure(
        "万元 per month",
        "IT spending this month: construction, operations (staff wages and supplier fees), "
        "sharing links, platforms, bureaus and programmes.",
        "lower",
    ),
    "duplicated_spending": Measure(
        "万元 per month",
        "Spending this month on capabilities the agency could already reach: projects started "
        "while a platform layer, the government app or an earlier system of another agency of "
        "the same government was reachable, and the running of such duplicate systems.",
        "lower",
    ),
    "duplicated_share": Measure("share 0-1", "duplicated_spending / total_it_spending.", "lower"),
    "trips_per_service": Measure(
        "trips per request",
        "Mean trips an applicant makes: 0 online; otherwise 1 to the handler plus 1 per missing "
        "dataset, or 1 when a one-stop window does the legwork.",
        "lower",
    ),
    "one_trip_rate": Measure("share 0-1", "Share of requests completed in at most one trip.", "higher"),
    "online_rate": Measure("share 0-1", "Share of requests completed fully online.", "higher"),
    "user_rating": Measure(
        "stars 1-5",
        "Mean 好差评 score: 5 online, 4 one trip, one star less per further trip (minimum 1).",
        "higher",
    ),
    "inhouse_it_units": Measure("count", "Agencies with an in-house IT unit (staff > 0).", ""),
    "inhouse_it_staff": Measure("staff", "Staff in agencies' in-house IT units.", ""),
    "approval_backlog": Measure("proposals", "Project proposals waiting for review at month end.", "lower"),
    "mean_approval_delay": Measure(
        "months",
        "Mean months since proposal of the proposals decided this month and those still waiting "
        "(0 without unified approval).",
        "lower",
    ),
    "operator_share": Measure(
        "share 0-1",
        "Share of running systems (incl. platform layers) operated by operating companies.",
        "",
    ),
    "operator_markup": Measure(
        "share of cost",
        "Price markup over cost on outsourced operations (vendors and operating companies), "
        "weighted by the systems each runs.",
        "lower",
    ),
    "supply_hhi": Measure(
        "HHI 0-1",
        "Herfindahl index of IT operations revenue across suppliers (each in-house unit, vendor, "
        "operating company, bureau-run platform) per market, revenue-weighted over markets.",
        "lower",
    ),
    "government_control": Measure(
        "share 0-1",
        "Share of running systems under effective government control: 1 for systems run by "
        "government staff; for outsourced ones, the chance oversight catches a problem "
        "(own IT unit's skill, technical-support institution, audits).",
        "higher",
    ),
    "data_monopoly": Measure(
        "share 0-1",
        "Largest single supplier's exclusive hold on its market's public records (operating "
        "company's data hold; vendors' hosted, unopened share), record-weighted over markets.",
        "lower",
    ),
    "mobile_apps": Measure("count", "Departmental mobile apps running plus consolidated government apps.", "lower"),
    "county_gap": Measure(
        "Gini 0-1",
        "Gini coefficient of data reach (served share of needed links) across bottom-level governments.",
        "lower",
    ),
    "upper_level_data_share": Measure(
        "share 0-1",
        "Share of all records held above the bottom level: upper governments' own records plus "
        "vertically managed lines' local records not returned by reflux.",
        "lower",
    ),
    # further measures (DESIGN §4 organisation and cost)
    "rejected_duplicates": Measure("proposals", "Proposals rejected this month as duplicates.", ""),
    "open_agencies": Measure("share 0-1", "Share of agencies whose stance is open to sharing.", "higher"),
    "county_data_reach": Measure(
        "share 0-1", "Demand-weighted served share of bottom-level governments' needed links.", "higher"
    ),
    "cumulative_it_spending": Measure("万元", "IT spending summed over the months so far.", "lower"),
    "spending_per_request": Measure("万元 per request", "total_it_spending / requests this month.", "lower"),
}


def read_measure(model: GovModel, name: str) -> float:
    """DataCollector reporter (a module-level function keeps the model picklable)."""
    return model.measures[name]


def gini(x: np.ndarray) -> float:
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


def _islands(model: GovModel, served: np.ndarray) -> int:
    """Connected components among agencies that take part in any needed link. Agencies in
    no link are isolated nodes of the all-agency graph: count them out, no sorting needed."""
    s = model.structure
    prov = model.dyad_provider
    n = s.n_agencies
    linked = np.zeros(n, bool)
    linked[s.d_req] = True
    linked[prov] = True
    k = int(served.sum())
    adj = coo_matrix((np.ones(k), (s.d_req[served], prov[served])), shape=(n, n))
    components, _ = connected_components(adj, directed=False)
    return int(components - (n - linked.sum()))


def _weighted(x: np.ndarray, w: np.ndarray) -> float:
    tw = w.sum()
    return float((x * w).sum() / tw) if tw > 0 else 0.0


def compute_measures(model: GovModel) -> dict[str, float]:
    s, st, out = model.structure, model.state, model.outcome
    spend = model.spend
    vol = s.inst_volume

    reach_w = s.d_weight * out.served
    total = sum(v for k, v in spend.items() if not k.startswith("duplicated"))
    dup = spend["duplicated_build"] + spend["duplicated_operations"]

    # approval delay: decided this month and still waiting
    waited = np.concatenate([np.asarray(model.step_stats["waited"], float), model.month - model.queue.month])
    delay = float(waited.mean()) if len(waited) else 0.0
    if len(model.queue) == 0 and model.step_stats["decided"] == 0:
        delay = 0.0

    # who operates what
    n_sys = row_sum(st.own).astype(float)
    by_company = st.company >= 0
    plat_layers = int(model.platform_ready.sum()) if len(model.platform_gov) else 0
    plat_by_company = 0
    if plat_layers:
        runners = np.array([model.platform_runner(int(s.gov_market[g])) for g in model.platform_gov])
        plat_by_company = int(model.platform_ready[runners >= 0].sum())
    all_systems = n_sys.sum() + plat_layers
    operator_share = (n_sys[by_company].sum() + plat_by_company) / all_systems if all_systems else 0.0

    outsourced = model.ops_systems.get("outsourced", np.zeros(s.n_agencies))
    vendor_sys = np.where(by_company, 0.0, outsourced)
    company_sys = np.where(by_company, n_sys, 0.0)
    markups = np.array([c.markup for c in model.companies]) if model.companies else np.zeros(1)
    out_markup = (vendor_sys * model.vendor_markup[st.vendor]).sum() + (
        company_sys * markups[np.maximum(st.company, 0)]
    ).sum()
    out_n = vendor_sys.sum() + company_sys.sum()
    operator_markup = float(out_markup / out_n) if out_n > 0 else 0.0

    # government control over running systems
    strength, coverage = model.market_oversight()
    mkt = s.gov_market[s.agency_gov]
    own_sup = np.where(st.staff > 0, st.skill, 0.0)
    watch = 1 - (1 - own_sup) * (1 - strength[mkt]) * (1 - coverage[mkt])
    inhouse = model.ops_systems.get("inhouse", n_sys)
    control_w = inhouse.sum() + (watch * (n_sys - inhouse)).sum()
    if plat_layers:
        pm = s.gov_market[model.platform_gov]
        layers = model.platform_ready.sum(axis=1)
        runners = np.array([model.platform_runner(int(g)) for g in pm])
        pwatch = np.where(runners >= 0, 1 - (1 - strength[pm]) * (1 - coverage[pm]), 1.0)
        control_w += (layers * pwatch).sum()
    control = float(control_w / all_systems) if all_systems else 1.0

    hhi, monopoly = _market_structure(model)

    bottom = s.gov_level == s.bottom
    g_req = s.agency_gov[s.d_req]
    need_g = np.bincount(g_req, weights=s.d_weight, minlength=s.n_gov)
    got_g = np.bincount(g_req, weights=reach_w, minlength=s.n_gov)
    has_need = bottom & (need_g > 0)
    reach_g = np.where(need_g > 0, got_g / np.maximum(need_g, 1e-12), 0.0)

    records = s.agency_records
    upper = (s.agency_level < s.bottom) | (s.line_vertical[s.agency_line] & ~st.refluxed & (s.agency_level > 0))

    prev_cum = model.measures.get("cumulative_it_spending", 0.0) if model.steps else 0.0
    m = {
        "silo_index": 1.0 - _weighted(out.served.astype(float), s.d_weight),
        "information_islands": _islands(model, out.served),
        "shared_links": int(out.served.sum()),
        "total_it_spending": float(total),
        "duplicated_spending": float(dup),
        "duplicated_share": float(dup / total) if total > 0 else 0.0,
        "trips_per_service": _weighted(out.trips, vol),
        "one_trip_rate": _weighted(out.one_trip, vol),
        "online_rate": _weighted(out.online, vol),
        "user_rating": _weighted(out.rating, vol),
        "inhouse_it_units": int((st.staff > 0).sum()),
        "inhouse_it_staff": float(st.staff.sum()),
        "approval_backlog": len(model.queue),
        "mean_approval_delay": delay,
        "operator_share": float(operator_share),
        "operator_markup": operator_markup,
        "supply_hhi": hhi,
        "government_control": control,
        "data_monopoly": monopoly,
        "mobile_apps": int(st.own[:, MOBILE].sum() + model.superapps),
        "county_gap": gini(reach_g[has_need]),
        "upper_level_data_share": float(records[upper].sum() / records.sum()),
        "rejected_duplicates": int(model.step_stats.get("rejected_duplicates", 0)) if model.steps else 0,
        "open_agencies": float(st.open.mean()),
        "county_data_reach": float(got_g[has_need].sum() / need_g[has_need].sum()) if has_need.any() else 0.0,
        "cumulative_it_spending": float(prev_cum + total),
        "spending_per_request": float(total / vol.sum()),
    }
    return m


def _market_structure(model: GovModel) -> tuple[float, float]:
    """Per market: HHI of operations revenue, and the largest exclusive data hold."""
    s, st = model.structure, model.state
    rev = model.ops_revenue
    if not rev:
        return 0.0, 0.0
    markets = np.unique(s.gov_market)
    records = s.agency_records
    vendor_mkt = np.array([v.market for v in model.vendors])
    company_mkt = np.array([c.market for c in model.companies], dtype=np.int64)
    platform_rev = model.platform_run_by_market
    vendor_rev = np.zeros(len(model.vendors))  # vendors may have entered since operations ran
    vendor_rev[: len(rev["vendor"])] = rev["vendor"]
    hhis, hhi_w, monos, mono_w = [], [], [], []
    for mk in markets:
        idx = model.market_members(int(mk))  # the market's agencies, in index order
        inhouse = rev["inhouse"][idx]
        shares = [inhouse[inhouse > 0]]
        shares.append(vendor_rev[vendor_mkt == mk])
        comp_rev = rev["company"][company_mkt == mk] if len(company_mkt) else np.zeros(0)
        plat = platform_rev[mk]
        runner = model.platform_runner(int(mk))
        if plat > 0:
            if runner >= 0:
                comp_rev = comp_rev.copy()
                comp_rev[list(np.flatnonzero(company_mkt == mk)).index(runner)] += plat
            else:
                shares.append(np.array([plat]))
        shares.append(comp_rev)
        r = np.concatenate(shares)
        tot = r.sum()
        if tot > 0:
            hhis.append(float(((r / tot) ** 2).sum()))
            hhi_w.append(tot)
        # exclusive data hold
        mrec = records[idx].sum()
        opened = model.open_share[mk]
        by_vendor = idx[st.company[idx] < 0]
        client_rec = np.bincount(st.vendor[by_vendor], weights=records[by_vendor], minlength=len(model.vendors))
        holds = [client_rec.max() / mrec * (1 - opened)] if mrec > 0 else [0.0]
        holds += [c.data_hold for c in model.companies if c.market == mk]
        monos.append(max(holds))
        mono_w.append(mrec)
    hhi = float(np.average(hhis, weights=hhi_w)) if hhis else 0.0
    mono = float(np.average(monos, weights=mono_w)) if sum(mono_w) > 0 else 0.0
    return hhi, mono
