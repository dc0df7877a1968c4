"""The report's "Conclusions over the posterior" section, for a sweep run with
`govsim sweep EXPERIMENT --posterior DIR --draws K`: each headline conclusion ("X duplicates
least") with the share of posterior draws in which it holds (parameter uncertainty) beside
the share of (draw, seed) pairs (parameter and stochastic uncertainty together).

A conclusion names the scenario best on a measure over all runs; it holds in a draw when that
scenario is still best on the measure's mean over the draw's seeds, and in a (draw, seed) pair
when it is best in that seed's runs (scenarios share seeds, so the pairs are paired)."""

from __future__ import annotations

import html

import pandas as pd

from ..calibrate.draws import DRAWS_FILE
from ..measures import MEASURES
from .load import Results

HEADLINES = (
    ("duplicated_share", "duplicates least"),
    ("trips_per_service", "needs the fewest trips"),
    ("silo_index", "leaves the fewest needed links unserved"),
    ("online_rate", "completes the most requests online"),
    ("total_it_spending", "spends least on IT"),
)


def _best(frame: pd.DataFrame, measure: str) -> pd.Series:
    """Best variant per row group (columns: variants); lower is better unless stated higher."""
    return frame.idxmax(axis=1) if MEASURES[measure].better == "higher" else frame.idxmin(axis=1)


def conclusions(res: Results) -> pd.DataFrame | None:
    """One row per headline: the conclusion, the share of draws and of (draw, seed) pairs
    where it holds. None when the sweep did not run over posterior draws."""
    path = res.folder / DRAWS_FILE
    if not path.exists() or res.final.empty:
        return None
    draws = pd.read_parquet(path)
    keys = [c for c in draws.columns if c != "draw" and c in res.final.columns]
    if not keys:
        return None
    final = res.final.copy()
    final["point"] = list(zip(*(final[k].round(12) for k in keys), strict=True))
    draw_points = list(zip(*(draws[k].round(12) for k in keys), strict=True))
    variants = list(dict.fromkeys(final["variant"]))
    rows = []
    for measure, phrase in HEADLINES:
        if measure not in final or len(variants) < 2:
            continue
        overall = final.groupby("variant")[measure].mean().reindex(variants)
        winner = overall.idxmax() if MEASURES[measure].better == "higher" else overall.idxmin()
        by_point = final.pivot_table(index="point", columns="variant", values=measure, aggfunc="mean")
        holds = (_best(by_point.dropna(), measure) == winner).to_dict()
        by_seed = final.pivot_table(index=["point", "seed"], columns="variant", values=measure, aggfunc="mean")
        seed_holds = (_best(by_seed.dropna(), measure) == winner).groupby(level="point").mean().to_dict()
        known = [p for p in draw_points if p in holds]
        rows.append(
            {
                "measure": measure,
                "conclusion": f"{winner} {phrase} (of {len(variants)} scenarios)",
                "draws": len(known),
                "share_of_draws": sum(holds[p] for p in known) / len(known) if known else float("nan"),
                "share_of_draw_seeds": sum(seed_holds[p] for p in known) / len(known) if known else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def posterior_section(res: Results) -> str | None:
    """HTML of the section, or None for a sweep without posterior draws."""
    table = conclusions(res)
    if table is None or table.empty:
        return None
    n = int(table["draws"].max())
    note = (
        f"The sweep ran each scenario at {n} draws of a calibration's posterior (docs/calibration.md), each over "
        "the same seeds. A conclusion names the scenario best on the measure over all runs; the columns give the "
        "share of posterior draws in which it is still best on the mean over seeds, and the share of (draw, seed) "
        "pairs in which it is best. A share well below 1 means the conclusion depends on what we do not know."
    )
    body = "".join(
        f"<tr><td>{html.escape(r.conclusion)}</td><td>{html.escape(r.measure)}</td>"
        f"<td class=num>{r.share_of_draws:.0%}</td><td class=num>{r.share_of_draw_seeds:.0%}</td></tr>"
        for r in table.itertuples()
    )
    head = "<tr><th>conclusion</th><th>measure</th><th>share of draws</th><th>share of draws x seeds</th></tr>"
    return f"<p class=note>{html.escape(note)}</p><table>{head}{body}</table>"
