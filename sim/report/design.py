"""`govsim report DIR` on a `govsim design` folder: the Pareto front, representative
bundles and where the provincial packages sit against the front (one self-contained HTML).

Objectives are shown in each measure's own units and direction (the mean over the
situations, with the 10th-90th percentile range as the robustness band); the search itself
minimised the oriented statistic named in the table (see DIR/pareto.parquet's metadata).
"""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..scenario import ScenarioError


def is_design_folder(folder: Path) -> bool:
    return (Path(folder) / "design.toml").is_file()


def _load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict, dict]:
    from ..design.output import read_meta

    path = folder / "pareto.parquet"
    if not path.exists():
        raise ScenarioError(f"{folder}: no pareto.parquet yet; expected a finished `govsim design` (re-run it)")
    front = pd.read_parquet(path)
    cand_path, pkg_path = folder / "candidates.parquet", folder / "packages.parquet"
    cands = pd.read_parquet(cand_path) if cand_path.exists() else front.iloc[0:0]
    pkgs = pd.read_parquet(pkg_path) if pkg_path.exists() else pd.DataFrame()
    doc = tomllib.loads((folder / "design.toml").read_text(encoding="utf-8"))
    return front, cands, pkgs, read_meta(path), doc


def _short(col: str) -> str:
    """lever:reforms.ops_separation.start_month -> ops_separation.start_month"""
    return col.split(":", 1)[1].removeprefix("reforms.")


def representatives(front: pd.DataFrame, objectives: list[str], limit: int = 5) -> list[tuple[str, int]]:
    """The knee (closest to the ideal point once each objective is scaled to 0-1 over the
    front), the best design on each objective and the most robust one (narrowest 10th-90th
    percentile bands); at most `limit`, each design once."""
    F = front[[f"objective:{o}" for o in objectives]].to_numpy(float)
    span = np.where(np.ptp(F, axis=0) > 0, np.ptp(F, axis=0), 1.0)
    scaled = (F - F.min(axis=0)) / span
    picks: list[tuple[str, int]] = [("knee (balanced)", int(np.argmin(np.linalg.norm(scaled, axis=1))))]
    for j, o in enumerate(objectives):
        picks.append((f"best {o}", int(np.argmin(F[:, j]))))
    if all(f"p10:{o}" in front for o in objectives):  # narrowest 10-90% bands, each scaled by the front's spread
        means = front[[f"mean:{o}" for o in objectives]].to_numpy(float)
        spread = np.where(np.ptp(means, axis=0) > 0, np.ptp(means, axis=0), 1.0)
        bands = np.column_stack([front[f"p90:{o}"] - front[f"p10:{o}"] for o in objectives]) / spread
        picks.append(("most robust (narrowest bands)", int(np.argmin(bands.sum(axis=1)))))
    seen, out = set(), []
    for label, i in picks:
        if i not in seen:
            seen.add(i)
            out.append((label, i))
    return out[:limit]


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, bool | np.bool_):
        return "on" if v else "off"
    if isinstance(v, float | np.floating):
        return f"{v:.3g}"
    return str(v)


def tradeoffs(rows: pd.DataFrame, knee: pd.Series, meta: dict) -> list[str]:
    """Each row against the knee: which objectives it gains and which it gives up (means,
    in the measure's units; better/worse by the measure's direction)."""
    out = []
    for _, r in rows.iterrows():
        parts = []
        for name, o in meta.get("objectives", {}).items():
            diff = float(r[f"mean:{name}"] - knee[f"mean:{name}"])
            if abs(diff) <= 1e-9 * max(1.0, abs(float(knee[f"mean:{name}"]))):
                continue
            better = diff < 0 if o["direction"] == "min" else diff > 0
            parts.append(f"{name} {diff:+.3g} ({'better' if better else 'worse'})")
        out.append("; ".join(parts) or "—")
    return out


def bundle_table(
    rows: pd.DataFrame, labels: list[str], objectives: list[str], levers: list[str], notes: list[str] | None = None
) -> str:
    columns = ["", *map(_short, levers), *objectives, "budget (万元)", "meets the constraints"]
    columns += ["against the knee"] if notes is not None else []
    head = "".join(f"<th>{html.escape(x)}</th>" for x in columns)
    body = []
    for label, (_, r) in zip(labels, rows.iterrows(), strict=True):
        cells = [f"<th>{html.escape(label)}</th>"]
        cells += [f"<td>{_fmt(r[c])}</td>" for c in levers]
        cells += [
            f"<td>{r[f'mean:{o}']:.3g} <small>[{r[f'p10:{o}']:.3g}, {r[f'p90:{o}']:.3g}]</small></td>"
            for o in objectives
        ]
        cells.append(f"<td>{r['budget']:,.0f}</td>")
        cells.append(f"<td>{'yes' if r.get('feasible', True) else 'no'}</td>")
        if notes is not None:
            cells.append(f"<td>{html.escape(notes[len(body)])}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def dominated_by(pkgs: pd.DataFrame, front: pd.DataFrame, objectives: list[str]) -> list[int]:
    """For each package, how many front designs are at least as good on every objective and
    better on one."""
    cols = [f"objective:{o}" for o in objectives]
    F = front[cols].to_numpy(float)
    out = []
    for p in pkgs[cols].to_numpy(float):
        out.append(int(np.sum(np.all(p >= F, axis=1) & np.any(p > F, axis=1))))
    return out


def scatter_matrix(front, cands, pkgs, objectives) -> go.Figure:
    dims = [f"mean:{o}" for o in objectives]

    def splom(df, name, marker):
        return go.Splom(
            dimensions=[{"label": o, "values": df[d]} for o, d in zip(objectives, dims, strict=True)],
            name=name,
            marker=marker,
            diagonal_visible=False,
            showupperhalf=False,
        )

    fig = go.Figure()
    if len(cands):
        fig.add_trace(splom(cands, "evaluated (dominated or infeasible)", {"color": "#cccccc", "size": 5}))
    fig.add_trace(splom(front, "Pareto front", {"color": "#1f77b4", "size": 8}))
    if len(pkgs):
        fig.add_trace(splom(pkgs, "provincial packages", {"color": "#d62728", "size": 12, "symbol": "star"}))
    fig.update_layout(height=260 * max(2, len(objectives)), title="Front: each objective against each (means)")
    return fig


def parallel(front: pd.DataFrame, levers: list[str], objectives: list[str]) -> go.Figure:
    dims = []
    for c in levers:
        col = front[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            cats = sorted({_fmt(v) for v in col})
            codes = [cats.index(_fmt(v)) for v in col]
            dims.append({"label": _short(c), "values": codes, "tickvals": list(range(len(cats))), "ticktext": cats})
        else:
            dims.append({"label": _short(c), "values": col.astype(float).fillna(-1)})
    dims += [{"label": o, "values": front[f"mean:{o}"]} for o in objectives]
    first = f"mean:{objectives[0]}"
    # many levers: slanted labels under the axes, so neighbours' names do not overlap
    fig = go.Figure(
        go.Parcoords(
            dimensions=dims,
            line={"color": front[first], "colorscale": "Viridis"},
            labelangle=-25,
            labelside="bottom",
        )
    )
    fig.update_layout(
        height=560, margin={"b": 140}, title="Front: levers and objectives (a reform switched off shows −1)"
    )
    return fig


def build_design(folder: str | Path, lang: str = "en") -> tuple[str, list]:
    folder = Path(folder)
    front, cands, pkgs, meta, doc = _load(folder)
    objectives = list(meta.get("objectives", {}))
    levers = [c for c in front.columns if c.startswith("lever:")]
    figures = [
        ("front_scatter", "Pareto front", scatter_matrix(front, cands, pkgs, objectives)),
        ("front_parallel", "Levers and objectives on the front", parallel(front, levers, objectives)),
    ]
    picks = representatives(front, objectives)
    reps = front.iloc[[i for _, i in picks]]
    sections = [_intro(doc, meta, front, cands), ("<h2>Representative bundles</h2>" + _rep_note(meta))]
    knee = reps.iloc[0]
    sections.append(bundle_table(reps, [label for label, _ in picks], objectives, levers, tradeoffs(reps, knee, meta)))
    if len(pkgs):
        counts = dominated_by(pkgs, front, objectives)
        labels = [f"{p} ({n} front design(s) better)" for p, n in zip(pkgs["package"], counts, strict=True)]
        sections.append("<h2>Provincial packages against the front</h2>" + _pkg_note())
        sections.append(bundle_table(pkgs, labels, objectives, [], tradeoffs(pkgs, knee, meta)))
    plots = "".join(
        f"<h2>{html.escape(title)}</h2>" + fig.to_html(full_html=False, include_plotlyjs=(k == 0))
        for k, (_, title, fig) in enumerate(figures)
    )
    page = (
        "<!doctype html><html><head><meta charset=utf-8><title>govsim design report</title>"
        "<style>body{font-family:sans-serif;max-width:1400px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px}small{color:#666}</style></head><body>"
        + "".join(sections)
        + plots
        + "</body></html>"
    )
    return page, figures


def _intro(doc: dict, meta: dict, front: pd.DataFrame, cands: pd.DataFrame) -> str:
    d = doc.get("design", {})
    rows = "".join(
        f"<li>{html.escape(name)}: {o['direction']}imise {html.escape(o['measure'])} ({o['at']} month"
        f"{'s' if o['at'] == 'mean' else ''}), robustness statistic {html.escape(o['statistic'])}</li>"
        for name, o in meta.get("objectives", {}).items()
    )
    cons = ", ".join(f"{k} = {v:g}" for k, v in meta.get("constraints", {}).items()) or "none"
    n_sit = len(meta.get("situations", []))
    return (
        f"<h1>Reform design: {html.escape(str(d.get('name', '?')))}</h1>"
        f"<p>{html.escape(str(d.get('description', '')))}</p>"
        f"<p>Base scenario <b>{html.escape(str(meta.get('base', '?')))}</b>, {meta.get('steps', '?')} months; "
        f"each bundle ran in the same {n_sit} situation(s) (seeds × posterior draws). "
        f"{len(cands)} distinct bundles evaluated; {len(front)} on the front. Constraints: {cons}.</p>"
        f"<ul>{rows}</ul><p class=note>The search minimised each objective's statistic with maximised "
        "measures negated (metadata of pareto.parquet); the tables show each measure in its own units.</p>"
    )


def _rep_note(meta: dict) -> str:
    return (
        "<p>Each cell: mean over the situations [10th, 90th percentile] — the narrower the band, the more "
        "robust the bundle. A lever shown — is moot (its reform is switched off).</p>"
    )


def _pkg_note() -> str:
    return (
        "<p>Each province's reform package (its [reforms] table) on the design's base government, run in the "
        "same situations. A package that some front designs beat on every objective is dominated.</p>"
    )


def write_design_report(folder, out: Path, lang: str = "en") -> tuple[Path, list]:
    from ..io import write_atomic

    page, figures = build_design(folder, lang)
    write_atomic(Path(out), page)
    return Path(out), figures
