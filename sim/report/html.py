"""Assemble the report: one self-contained HTML file (plotly.js embedded once, no CDN)."""

from __future__ import annotations

import html
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from plotly.offline import get_plotlyjs

from .. import __version__
from ..measures import MEASURES
from ..runner.store import atomic_text
from ..scenario import ScenarioError, load_spec
from .figures import contributions_figure, sensitivity_figure, timeseries_figure, tradeoff_figure
from .i18n import measure_definition, measure_name, measure_unit, t
from .load import Results, load_results
from .stats import Estimate, best_variants, effects, summary

KEY_MEASURES = (
    "silo_index",
    "duplicated_share",
    "total_it_spending",
    "trips_per_service",
    "online_rate",
    "user_rating",
    "mean_approval_delay",
    "inhouse_it_units",
    "operator_markup",
    "government_control",
    "data_monopoly",
    "county_gap",
)
EFFECT_MEASURES = (
    "silo_index",
    "duplicated_spending",
    "duplicated_share",
    "total_it_spending",
    "trips_per_service",
    "online_rate",
    "mean_approval_delay",
    "operator_markup",
    "government_control",
    "data_monopoly",
    "county_gap",
)
CONTRIBUTION_MEASURES = ("silo_index", "duplicated_share", "trips_per_service", "government_control")
PROVINCIAL_MODELS = ("guangdong", "zhejiang", "guizhou")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;
 color:#1d2733;background:#fafbfc}
header{background:#1f3b57;color:#fff;padding:18px 28px} header h1{margin:0;font-size:24px}
header p{margin:4px 0 0;opacity:.85} main{padding:8px 28px 40px;max-width:1500px}
h2{margin-top:34px;border-bottom:2px solid #d5dde5;padding-bottom:4px;font-size:19px}
.note{color:#55606b;font-size:13px;margin:4px 0 10px} .warn{background:#fff4d6;border-left:4px solid #e0a800;
 padding:8px 12px;margin:8px 0;font-size:14px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 12px;background:#fff}
th,td{border:1px solid #dde3ea;padding:4px 7px;text-align:right;white-space:nowrap}
th{background:#eef2f6;position:sticky;top:0} td.l,th.l{text-align:left}
td.best{background:#e3f3e3;font-weight:600} td.good{background:#dff0dc} td.bad{background:#f8dede}
.scroll{overflow-x:auto;max-width:100%} details summary{cursor:pointer;color:#1f5f8b;margin:6px 0}
nav a{margin-right:12px;color:#1f5f8b;font-size:13px} .fig{background:#fff;border:1px solid #e1e6eb;margin:8px 0}
"""


def _num(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.3g}" if a < 10 else f"{x:.2f}"
    return f"{x:.3f}"


def _cell(est: Estimate) -> str:
    if not np.isfinite(est.mean):
        return "–"
    if not np.isfinite(est.lo):
        return _num(est.mean)
    return f"{_num(est.mean)} ± {_num(est.half)}"


def _clean(obj):
    """JSON without NaN: missing numbers become null."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _spec_for(scenario: str, res: Results):
    source = res.experiment.get("_results", {}).get("source")
    tries = [scenario]
    if source:
        tries.append(str(Path(source).parent / scenario))
    for s in tries:
        try:
            return load_spec(s)[0]
        except ScenarioError:
            continue
    return None


def references(res: Results, baseline: str) -> tuple[dict[str, str], list[str]]:
    """Each scenario's reference for effects: the baseline when both have a government of the
    same structure and size; otherwise a reform-free scenario that does, if one was run
    (`guangdong_before` for `guangdong` first, else e.g. `provincial`) — so spending and
    counts compare like with like."""
    specs = {str(sc): _spec_for(str(sc), res) for sc in dict.fromkeys(res.runs["scenario"])}
    gov = {sc: _structure(sp) for sc, sp in specs.items()}
    base_spec = specs.get(baseline) or _spec_for(baseline, res)
    base_gov = _structure(base_spec)
    plain = [
        sc
        for sc, sp in specs.items()
        if sp is not None and not any(getattr(sp.reforms, k).enabled for k in type(sp.reforms).model_fields)
    ]
    ref, mismatched = {}, []
    for sc in specs:
        if gov[sc] is None or gov[sc] == base_gov:
            ref[sc] = baseline
            continue
        if sc in plain:  # a reform-free government of another size is a reference, not a reform
            ref[sc] = sc
            continue
        same = [p for p in plain if gov[p] == gov[sc] and p != sc]
        same.sort(key=lambda p: p != f"{sc}_before")  # its own counterfactual first, if run
        if same:
            ref[sc] = same[0]
        else:
            ref[sc] = baseline
            mismatched.append(sc)
    return ref, mismatched


SCALE_KEYS = (
    "levels",
    "sizes",
    "lines",
    "vertical_lines",
    "market_level",
    "service_types",
    "needs_per_service",
    "service_level_share",
    "requests_per_month",
)


def _structure(spec) -> str | None:
    """What sets a government's scale and structure (not its wealth or population spread)."""
    if spec is None:
        return None
    g = spec.government.model_dump(mode="json")
    return json.dumps({k: g[k] for k in SCALE_KEYS}, sort_keys=True)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and len(text) > 48:
        return f"[{len(value)} items]"
    return text


def toggles(res: Results, baseline: str, lang: str) -> str:
    base = _spec_for(baseline, res)
    base_flat = _flatten(base.model_dump(mode="json")) if base else {}
    rows = []
    for scenario in dict.fromkeys(res.runs.sort_values("run_id")["scenario"]):
        spec = _spec_for(str(scenario), res)
        if spec is None:
            rows.append(
                f"<tr><td class=l>{html.escape(str(scenario))}</td><td class=l colspan=2>"
                f"{t(lang, 'unresolved')}</td></tr>"
            )
            continue
        on = [k for k in type(spec.reforms).model_fields if getattr(spec.reforms, k).enabled]
        flat = _flatten(spec.model_dump(mode="json"))
        diffs = [
            f"{html.escape(k)}: {html.escape(_short(base_flat.get(k)))} → {html.escape(_short(v))}"
            for k, v in flat.items()
            if not k.startswith(("meta.", "simulation.seed"))
            and base_flat.get(k) != v
            and base
            and not (k.endswith(".enabled"))
        ]
        shown = "<br>".join(diffs[:25]) + (f"<br>… (+{len(diffs) - 25})" if len(diffs) > 25 else "")
        rows.append(
            f"<tr><td class=l>{html.escape(str(scenario))}</td>"
            f"<td class=l style='white-space:normal;max-width:320px'>{html.escape(', '.join(on)) or t(lang, 'none')}"
            f"</td><td class=l style='white-space:normal;font-size:11.5px'>{shown or t(lang, 'none')}</td></tr>"
        )
    levers = ""
    if res.levers:
        levers = "<p class=note>levers: " + ", ".join(html.escape(k) for k in res.levers) + "</p>"
    return (
        f"<table><tr><th class=l>scenario</th><th class=l>{t(lang, 'reforms_on')}</th>"
        f"<th class=l>{t(lang, 'changes')}</th></tr>{''.join(rows)}</table>{levers}"
    )


def summary_table(res: Results, table, best, measures, lang: str) -> str:
    head = "".join(
        f"<th title='{html.escape(measure_definition(lang, m))}'>{html.escape(measure_name(lang, m))}<br>"
        f"<small>{html.escape(measure_unit(lang, m))}</small></th>"
        for m in measures
    )
    rows = []
    for v in res.variants:
        n = max(e.n for e in table[v].values())
        cells = []
        for m in measures:
            e = table[v][m]
            cls = " class=best" if best.get(m) == v else ""
            star = " ★" if best.get(m) == v else ""
            tip = f"95%: [{_num(e.lo)}, {_num(e.hi)}], n={e.n}"
            cells.append(f"<td{cls} title='{tip}' data-m='{m}'>{_cell(e)}{star}</td>")
        rows.append(
            f"<tr data-variant='{html.escape(v)}'><td class=l>{html.escape(v)}</td><td>{n}</td>{''.join(cells)}</tr>"
        )
    return (
        f"<div class=scroll><table class=summary><tr><th class=l>{t(lang, 'variant')}</th><th>n</th>{head}</tr>"
        f"{''.join(rows)}</table></div>"
    )


def effects_table(eff, measures, lang: str, reference: dict[str, str], baseline: str) -> str:
    head = "".join(f"<th>Δ {html.escape(measure_name(lang, m))}</th>" for m in measures)
    head = f"<th class=l>{t(lang, 'versus')}</th>" + head
    rows = []
    for v, per in eff.items():
        vs = reference.get(v.split(" · ")[0], baseline)
        cells = []
        for m in measures:
            e = per[m]
            better = MEASURES[m].better
            cls = ""
            if np.isfinite(e.lo) and (e.lo > 0 or e.hi < 0) and better:
                improved = (e.mean < 0) == (better == "lower")
                cls = " class=good" if improved else " class=bad"
            txt = (
                "–"
                if not np.isfinite(e.mean)
                else (f"{_num(e.mean)} [{_num(e.lo)}, {_num(e.hi)}]" if np.isfinite(e.lo) else _num(e.mean))
            )
            cells.append(f"<td{cls} title='{e.method}, n={e.n}'>{txt}</td>")
        rows.append(f"<tr><td class=l>{html.escape(v)}</td><td class=l>{html.escape(vs)}</td>{''.join(cells)}</tr>")
    return f"<div class=scroll><table><tr><th class=l>{t(lang, 'variant')}</th>{head}</tr>{''.join(rows)}</table></div>"


def provenance(res: Results, lang: str, baseline: str) -> str:
    meta = res.experiment.get("_results", {})
    exp = res.experiment.get("experiment", {})
    seeds = sorted(set(res.runs["seed"].tolist()))
    seed_txt = ", ".join(map(str, seeds[:12])) + (f" … ({len(seeds)})" if len(seeds) > 12 else "")
    steps = sorted(set(res.final["step"].astype(int).tolist())) if not res.final.empty else []
    items = [
        (t(lang, "experiment"), exp.get("name", "?")),
        (t(lang, "source"), meta.get("source", "?")),
        (t(lang, "fingerprint"), meta.get("fingerprint", "?")),
        (t(lang, "sweep_version"), meta.get("govsim_version", "?")),
        (t(lang, "model_version"), __version__),
        (t(lang, "created"), meta.get("created", "?")),
        (t(lang, "generated"), datetime.now(UTC).isoformat(timespec="seconds")),
        (t(lang, "baseline"), baseline),
        (t(lang, "seeds"), seed_txt),
        (t(lang, "steps"), ", ".join(map(str, steps))),
        (t(lang, "n_runs"), f"{len(res.ok_runs)} / {len(res.failed_runs)}"),
        ("results", str(res.folder)),
    ]
    rows = "".join(
        f"<tr><th class=l>{html.escape(k)}</th><td class=l>{html.escape(str(v))}</td></tr>" for k, v in items
    )
    return f"<table>{rows}</table>"


def definitions(lang: str) -> str:
    rows = "".join(
        f"<tr><td class=l><b>{html.escape(measure_name(lang, m))}</b><br><code>{m}</code></td>"
        f"<td class=l>{html.escape(measure_unit(lang, m))}</td>"
        f"<td class=l style='white-space:normal'>{html.escape(measure_definition(lang, m))}</td></tr>"
        for m in MEASURES
    )
    return (
        f"<table><tr><th class=l>{t(lang, 'measure')}</th><th class=l>{t(lang, 'unit')}</th>"
        f"<th class=l>{t(lang, 'definition')}</th></tr>{rows}</table>"
    )


def notes(res: Results, table, baseline: str, lang: str, mismatched: list[str] = ()) -> list[str]:
    out = []
    if mismatched:
        out.append(t(lang, "size_mismatch", v=", ".join(mismatched), b=baseline))
    if res.failed_runs.shape[0]:
        ids = ", ".join(res.failed_runs["run_id"].astype(str).head(10)) + (" …" if len(res.failed_runs) > 10 else "")
        out.append(t(lang, "failed", n=len(res.failed_runs), ids=ids))
    empty = [v for v in res.variants if max(e.n for e in table[v].values()) == 0]
    single = [v for v in res.variants if max(e.n for e in table[v].values()) == 1]
    if empty:
        out.append(t(lang, "no_runs", v=", ".join(empty)))
    if single:
        out.append(t(lang, "single", v=", ".join(single)))
    if not (res.runs["scenario"] == baseline).any():
        out.append(t(lang, "no_baseline", b=baseline))
    return out


def build(folder: str | Path, baseline: str = "baseline", lang: str = "en"):
    """The report's HTML text and its figures (for --figures)."""
    res = load_results(folder)
    table = summary(res)
    best = best_variants(table)
    reference, mismatched = references(res, baseline)
    eff = effects(res, baseline, list(dict.fromkeys(EFFECT_MEASURES + CONTRIBUTION_MEASURES)), reference)
    figures: list[tuple[str, str, object]] = []
    sections: list[tuple[str, str, str]] = []

    note_list = notes(res, table, baseline, lang, mismatched)
    if note_list:
        sections.append(
            ("notes", t(lang, "notes"), "".join(f"<div class=warn>{html.escape(n)}</div>" for n in note_list))
        )

    body = f"<p class=note>{t(lang, 'summary_note')}</p>" + summary_table(res, table, best, KEY_MEASURES, lang)
    body += (
        f"<details><summary>{t(lang, 'all_measures')}</summary>"
        + summary_table(res, table, best, list(MEASURES), lang)
        + "</details>"
    )
    sections.append(("summary", t(lang, "summary"), body))

    if eff:
        sections.append(
            (
                "effects",
                t(lang, "effects"),
                f"<p class=note>{t(lang, 'effects_note')}</p>"
                + effects_table(eff, EFFECT_MEASURES, lang, reference, baseline),
            )
        )
    if not res.timeseries.empty:
        figures.append(("timeseries", t(lang, "timeseries"), timeseries_figure(res, lang)))
        sections.append(
            ("timeseries", t(lang, "timeseries"), f"<p class=note>{t(lang, 'timeseries_note')}</p>{{fig:timeseries}}")
        )
    if eff:
        figures.append(("tradeoffs", t(lang, "tradeoffs"), tradeoff_figure(res, table, eff, lang)))
        sections.append(
            ("tradeoffs", t(lang, "tradeoffs"), f"<p class=note>{t(lang, 'tradeoffs_note')}</p>{{fig:tradeoffs}}")
        )
        singles = [v for v in eff if v.startswith("reform_")]
        models = [v for v in eff if v.split(" · ")[0] in PROVINCIAL_MODELS]
        if singles and models:
            figures.append(
                (
                    "contributions",
                    t(lang, "contributions"),
                    contributions_figure(eff, list(CONTRIBUTION_MEASURES), models + singles, lang),
                )
            )
            sections.append(
                (
                    "contributions",
                    t(lang, "contributions"),
                    f"<p class=note>{t(lang, 'contributions_note')}</p>{{fig:contributions}}",
                )
            )
    if res.sensitivity is not None and not res.sensitivity.empty:
        figures.append(("sensitivity", t(lang, "sensitivity"), sensitivity_figure(res.sensitivity, lang)))
        sections.append(("sensitivity", t(lang, "sensitivity"), "{fig:sensitivity}"))
    sections.append(
        ("toggles", t(lang, "toggles"), f"<p class=note>{t(lang, 'toggles_note')}</p>" + toggles(res, baseline, lang))
    )
    sections.append(("provenance", t(lang, "provenance"), provenance(res, lang, baseline)))
    sections.append(("definitions", t(lang, "definitions"), definitions(lang)))

    fig_html = {
        fid: "<div class=fig>"
        + fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"fig-{fid}",
            config={"displaylogo": False, "responsive": True},
        )
        + "</div>"
        for fid, _, fig in figures
    }
    nav = "".join(f"<a href='#{sid}'>{html.escape(title)}</a>" for sid, title, _ in sections)
    parts = []
    for sid, title, content in sections:
        for fid, snippet in fig_html.items():
            content = content.replace(f"{{fig:{fid}}}", snippet)
        parts.append(f"<section id='{sid}'><h2>{html.escape(title)}</h2>{content}</section>")

    data = {
        "summary": {v: {m: e.as_dict() for m, e in per.items()} for v, per in table.items()},
        "effects": {v: {m: e.as_dict() for m, e in per.items()} for v, per in eff.items()},
        "baseline": baseline,
        "reference": reference,
        "variants": res.variants,
        "figures": [fid for fid, _, _ in figures],
    }
    exp_name = res.experiment.get("experiment", {}).get("name", Path(folder).name)
    page = f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t(lang, "title"))}: {html.escape(exp_name)}</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{html.escape(t(lang, "title"))}: {html.escape(exp_name)}</h1>
<p>{html.escape(t(lang, "subtitle"))}</p></header>
<main><nav>{nav}</nav>
{"".join(parts)}
</main>
<script type="application/json" id="summary-data">{json.dumps(_clean(data), ensure_ascii=False)}</script>
</body></html>
"""
    return page, figures


def write_report(folder, out: Path, baseline: str = "baseline", lang: str = "en") -> tuple[Path, list]:
    page, figures = build(folder, baseline, lang)
    atomic_text(Path(out), page)
    return Path(out), figures


def write_figures(figures, folder: Path, fmt: str = "png") -> list[Path]:
    """Static figures for papers, through kaleido and a local Chrome/Chromium."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ScenarioError("--figures needs kaleido: pip install kaleido (and a Chrome or Chromium)") from None
    import plotly.io as pio

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{fid}.{fmt}" for fid, _, _ in figures]
    figs = [fig for _, _, fig in figures]
    try:
        pio.write_images(figs, paths, format=fmt, width=1400, scale=1)
    except Exception as e:  # kaleido starts a browser: report a missing one in one line
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ScenarioError(f"--figures: could not render with kaleido ({first}); is chromium installed?") from None
    return paths
