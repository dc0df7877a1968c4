"""The measure catalogue: each measure's unit, definition and better direction.

Kept apart from `sim.measures` (which computes them with numba and Mesa) so that the
command line, the schema checks and the report can read the catalogue without loading
the model. `govsim measures`, the CLI help and docs/ODD.md read it, so the three never
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    "mean_delivery_time": Measure(
        "months",
        "Mean months from proposal to go-live (the wait for approval plus construction) of the "
        "projects delivered in the last 12 months and those under way; a proposal still waiting "
        "counts its wait so far plus construction (0 when there are none).",
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
