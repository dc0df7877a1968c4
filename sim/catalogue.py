"""The measure catalogue: each measure's unit, definition, better direction, the values it
can take, whether it grows with the government's size, and its place among the headline
measures. `sim.measures` computes them; the CLI, the report, the live charts and
docs/ODD.md read them from here, so none keeps a list or parses a unit of its own.
Importing this module loads neither numba nor Mesa.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    unit: str
    definition: str
    better: str  # "lower", "higher" or "" (a cost or context, not a goal)
    bounds: tuple[float, float] = (0.0, math.inf)  # the values it can take
    scales_with_size: bool = False  # grows with the number of agencies, systems or requests:
    # levels and effects compare only between governments of the same structure and size
    headline: int = 0  # place among the headline measures (1 first); 0: not a headline measure


MEASURES: dict[str, Measure] = {
    "silo_index": Measure(
        "share 0-1",
        "Demand-weighted share of needed data links (service requests x datasets they need) not served this month.",
        "lower",
        bounds=(0.0, 1.0),
        headline=1,
    ),
    "information_islands": Measure(
        "count",
        "Connected components of the served-link graph among agencies that need each other's "
        "data (an agency with no served link is an island of its own).",
        "lower",
        scales_with_size=True,
    ),
    "shared_links": Measure(
        "count", "Needed requester-provider links served this month.", "higher", scales_with_size=True
    ),
    "vertical_links": Measure(
        "count",
        "Needed links served this month whose provider sits in another government (条: a vertically "
        "managed line's data held at the top of the tree).",
        "higher",
        scales_with_size=True,
    ),
    "total_it_spending": Measure(
        "万元 per month",
        "IT spending this month: construction, operations (staff wages and supplier fees), "
        "sharing links, platforms, bureaus and programmes.",
        "lower",
        scales_with_size=True,
        headline=7,
    ),
    "duplicated_spending": Measure(
        "万元 per month",
        "Spending this month on capabilities the agency could have reused: projects started while "
        "a platform layer, the government app or a compatible agency's system of the same "
        "government (same kind, lines whose users it could serve, an owner open to sharing and, "
        "for running systems, with room to host) was reachable, and the running of such systems.",
        "lower",
        scales_with_size=True,
        headline=2,
    ),
    "duplicated_share": Measure(
        "share 0-1", "duplicated_spending / total_it_spending.", "lower", bounds=(0.0, 1.0), headline=6
    ),
    "trips_per_service": Measure(
        "trips per request",
        "Mean trips an applicant makes: 0 online; otherwise 1 to the handler plus 1 per missing "
        "dataset, or 1 when a one-stop window does the legwork.",
        "lower",
        headline=3,
    ),
    "one_trip_rate": Measure(
        "share 0-1", "Share of requests completed in at most one trip.", "higher", bounds=(0.0, 1.0)
    ),
    "online_rate": Measure(
        "share 0-1", "Share of requests completed fully online.", "higher", bounds=(0.0, 1.0), headline=8
    ),
    "user_rating": Measure(
        "stars 1-5",
        "Mean 好差评 score: 5 online, 4 one trip, one star less per further trip (minimum 1).",
        "higher",
        bounds=(1.0, 5.0),
        headline=9,
    ),
    "inhouse_it_units": Measure(
        "count", "Agencies with an in-house IT unit (staff > 0).", "", scales_with_size=True, headline=12
    ),
    "inhouse_it_staff": Measure("staff", "Staff in agencies' in-house IT units.", "", scales_with_size=True),
    "approval_backlog": Measure(
        "proposals", "Project proposals waiting for review at month end.", "lower", scales_with_size=True
    ),
    "mean_approval_delay": Measure(
        "months",
        "Mean months since proposal of the proposals decided this month and those still waiting "
        "(0 without unified approval).",
        "lower",
        headline=10,
    ),
    "mean_delivery_time": Measure(
        "months",
        "Mean months from proposal to go-live (the wait for approval plus construction) of the "
        "projects delivered in the last 12 months and those under way; a proposal still waiting "
        "counts its wait so far plus construction (0 when there are none).",
        "lower",
        headline=11,
    ),
    "operator_share": Measure(
        "share 0-1",
        "Share of running systems (incl. platform layers) operated by operating companies.",
        "",
        bounds=(0.0, 1.0),
    ),
    "operator_markup": Measure(
        "share of cost",
        "Price markup over cost on outsourced operations (vendors and operating companies), "
        "weighted by the systems each runs.",
        "lower",
        headline=4,
    ),
    "supply_hhi": Measure(
        "HHI 0-1",
        "Herfindahl index of IT operations revenue across suppliers (each in-house unit, vendor, "
        "operating company, bureau-run platform) per market, revenue-weighted over markets.",
        "lower",
        bounds=(0.0, 1.0),
    ),
    "government_control": Measure(
        "index 0-1",
        "Mean of the five control dimensions (control_decision_rights, control_ownership, "
        "control_contracts, control_capacity, control_audit), equal weights (NaN where no system runs).",
        "higher",
        bounds=(0.0, 1.0),
        headline=5,
    ),
    "control_decision_rights": Measure(
        "share 0-1",
        "Over running systems: half for how closely government examined the decision to build (the "
        "agency's IT unit at its skill, or a reviewing body at the scrutiny its capacity affords over "
        "the proposals waiting; 0 where neither exists), half for the skill of the government unit or "
        "technical-support institution that specified it (0 when the supplier did). NaN where no system runs.",
        "higher",
        bounds=(0.0, 1.0),
    ),
    "control_ownership": Measure(
        "share 0-1",
        "Share of running systems whose code and data rights the government holds (NaN where none runs).",
        "higher",
        bounds=(0.0, 1.0),
    ),
    "control_contracts": Measure(
        "share 0-1",
        "Over running systems: 1 if run by government staff; else a year's fees / (a year's fees "
        "+ switching cost: migrate if the government holds the rights, rebuild at its market's best "
        "vendor's price if not), x 12 / months to the contract's end when over a year. NaN where no "
        "system runs.",
        "higher",
        bounds=(0.0, 1.0),
    ),
    "control_capacity": Measure(
        "share 0-1",
        "Share of systems run by suppliers that government staff could take back: spare in-house "
        "capacity, the bureau's technical pool and technical-support institutions, per government "
        "(1 when systems run and none is outsourced; NaN where none runs).",
        "higher",
        bounds=(0.0, 1.0),
    ),
    "control_audit": Measure(
        "share 0-1",
        "Share of running systems the government knows first-hand: run by its own staff, or "
        "audited or checked on delivery in the last 12 months (NaN where none runs).",
        "higher",
        bounds=(0.0, 1.0),
    ),
    "data_monopoly": Measure(
        "share 0-1",
        "Largest single supplier's exclusive hold on its market's public records (operating "
        "company's data hold; a vendor's share of the records it hosts that no one else serves: "
        "not in a current base-library copy, not opened to a developer), record-weighted over markets.",
        "lower",
        bounds=(0.0, 1.0),
        headline=13,
    ),
    "mobile_apps": Measure(
        "count", "Departmental mobile apps running plus consolidated government apps.", "lower", scales_with_size=True
    ),
    "reflux_links": Measure(
        "count",
        "Needed links of vertically managed lines served this month from a current local returned copy (reflux): "
        "the use of returned data, next to upper_level_data_share, which counts holdings.",
        "higher",
        scales_with_size=True,
    ),
    "data_developers": Measure(
        "count",
        "Third-party developers whose data-based services use opened public data (all markets).",
        "",
        scales_with_size=True,
    ),
    "county_gap": Measure(
        "Gini 0-1",
        "Gini coefficient of data reach (served share of needed links) across bottom-level governments.",
        "lower",
        bounds=(0.0, 1.0),
        headline=14,
    ),
    "upper_level_data_share": Measure(
        "share 0-1",
        "Share of all records held above the bottom level: upper governments' own records plus "
        "vertically managed lines' local records not held in a current returned copy (reflux). "
        "It measures holdings, not use: see `reflux_links`.",
        "lower",
        bounds=(0.0, 1.0),
    ),
    # further measures (DESIGN §4 organisation and cost)
    "rejected_duplicates": Measure(
        "proposals", "Proposals rejected this month as duplicates.", "", scales_with_size=True
    ),
    "open_agencies": Measure(
        "share 0-1", "Share of agencies whose stance is open to sharing.", "higher", bounds=(0.0, 1.0)
    ),
    "county_data_reach": Measure(
        "share 0-1",
        "Demand-weighted served share of bottom-level governments' needed links.",
        "higher",
        bounds=(0.0, 1.0),
    ),
    "cumulative_it_spending": Measure(
        "万元", "IT spending summed over the months so far.", "lower", scales_with_size=True
    ),
    "spending_per_request": Measure(
        "万元 per request",
        "total_it_spending / requests this month (NaN where there are none).",
        "lower",
        scales_with_size=True,
    ),
    "transfers_received": Measure(
        "万元 per month",
        "Equalisation transfers from above in this month's IT allocations (financed outside the "
        "model, by higher-level finance; already inside the agencies' budgets and spending).",
        "",
        scales_with_size=True,
    ),
    "duplicate_infrastructure": Measure(
        "share 0-1",
        "Share of running machine rooms (infrastructure) an auditor counts as duplicates this month: "
        "a platform layer reaches the government, or an open compatible owner's earlier system has room to host.",
        "lower",
        bounds=(0.0, 1.0),
    ),
    "duplicate_support": Measure(
        "share 0-1",
        "Share of running common-support systems (identity, e-certificates, payment) counted as duplicates, "
        "as duplicate_infrastructure.",
        "lower",
        bounds=(0.0, 1.0),
    ),
    "duplicate_data": Measure(
        "share 0-1",
        "Share of running data systems counted as duplicates, as duplicate_infrastructure.",
        "lower",
        bounds=(0.0, 1.0),
    ),
    "moved_staff_wages": Measure(
        "万元 per month",
        "Wages of former IT staff of abolished units now in other posts: still on the payroll, "
        "no longer in IT spending (read beside total_it_spending when comparing ops_separation).",
        "",
        scales_with_size=True,
    ),
}


HEADLINE: tuple[str, ...] = tuple(
    sorted((k for k, m in MEASURES.items() if m.headline), key=lambda k: MEASURES[k].headline)
)
"""The headline measures, in order: the run summary, the report's key table; the live
charts show the first five."""
