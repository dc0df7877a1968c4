"""The short legend shown on the page (also the source of docs/viz.md's legend section)."""

from __future__ import annotations

from ..measures import MEASURES
from .charts import KEY_MEASURES

COLOURS = """\
**Colour** of a government or agency: its *sharing score* — of the needed data links touching
it (as requester or provider), the demand-weighted share served this month.
Red = siloed (0), yellow = half, green = shares everything (1), grey = no needed links.
A black outline marks an agency whose stance is open to sharing.

**Nodes**: circles are governments (aggregated view) or agencies (drill-down: each
government a ring of its lines, clockwise in the same order on every ring, names on
the city's ring); ◆ data bureau, ◇ general office coordinating without a bureau;
■ operating company (管运分离); ▲ small vendors; ✕ anything outside the drill-down.

**Edges**: grey vertical (same line, parent → child government; faint in the
drill-down); light blue horizontal (data one agency of a government needs from another
— drill-down only); dotted orange contract (supplier → client); dashed purple oversight
(body → agencies it reviews); green **active data sharing** (a needed link served this
month). Click a legend entry to hide or show it (it stays so while you step): greyed
entries start hidden (oversight in the aggregated view; contracts with their suppliers
in the drill-down). The aggregated view sums edges between governments.

**Charts**: dotted vertical lines mark the months reforms start (listed under the
charts); shares are drawn on 0-1, other measures from zero."""


def measures_legend(measures=KEY_MEASURES) -> str:
    return "\n".join(f"- `{m}` [{MEASURES[m].unit}]: {MEASURES[m].definition}" for m in measures)


def legend_markdown() -> str:
    return f"{COLOURS}\n\n**Measures** (charted each step):\n\n{measures_legend()}"
