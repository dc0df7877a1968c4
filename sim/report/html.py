"""Assemble the report: one self-contained HTML file (plotly.js embedded once, no CDN)."""

from __future__ import annotations

import html
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from .. import __version__
from ..catalogue import HEADLINE, MEASURES
from ..runner.store import atomic_text
from ..scenario import ScenarioError
from .figures import contributions_figure, group, sensitivity_figure, timeseries_figure, tradeoff_figure
from .fmt import decimals_for, num
from .i18n import measure_definition, measure_name, measure_unit, method_name, t
from .load import Results, load_results, scenario_spec
from .stats import MIN_SHARE, Estimate, best_variants, effects, reference_means, runs_of, summary

EFFECT_MEASURES = (
    "silo_index",
    "duplicated_spending",
    "duplicated_share",
    "total_it_spending",
    "trips_per_service",
    "online_rate",
    "mean_approval_delay",
    "mean_delivery_time",
    "operator_markup",
    "government_control",
    "data_monopoly",
    "county_gap",
)
# Shares and per-request measures only: provincial models and county-size single reforms
# sit side by side here, so nothing that scales with the government's size.
CONTRIBUTION_MEASURES = ("silo_index", "duplicated_share", "trips_per_service", "government_control")
TRADEOFF_MEASURES = ("silo_index", "duplicated_share", "operator_markup", "government_control")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;
 color:#1d2733;background:#fafbfc}
header{background:#1f3b57;color:#fff;padding:18px 28px} header h1{margin:0;font-size:24px}
header p{margin:4px 0 0;opacity:.85} main{padding:8px 28px 40px;max-width:1500px}
h2{margin-top:34px;border-bottom:2px solid #d5dde5;padding-bottom:4px;font-size:19px}
.note{color:#55606b;font-size:13px;margin:4px 0 10px;max-width:1100px} .warn{background:#fff4d6;
 border-left:4px solid #e0a800;padding:8px 12px;margin:8px 0;font-size:14px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 12px;background:#fff}
th,td{border:1px solid #dde3ea;padding:4px 6px;text-align:right;white-space:nowrap}
th{background:#eef2f6;position:sticky;top:0} td.l,th.l{text-align:left}
table.wide th{white-space:normal;min-width:58px;max-width:104px;vertical-align:bottom;z-index:1}
table.wide td:first-child,table.wide th:first-child{position:sticky;left:0;z-index:2;background:#fff;
 box-shadow:2px 0 0 #dde3ea;white-space:normal;min-width:120px;max-width:175px}
table.wide th:first-child{background:#eef2f6;z-index:3}
small.pm{color:#66727f;font-size:10.5px} table.summary small.pm{display:block;line-height:1.05}
table.summary td{line-height:1.15;padding:3px 6px}
td.best{background:#e3f3e3;font-weight:600} td.good{background:#dff0dc} td.bad{background:#f8dede}
.scroll{overflow-x:auto;max-width:100%} .hint{font-size:12px;color:#8a5a00;margin:2px 0}
details summary{cursor:pointer;color:#1f5f8b;margin:6px 0}
nav a{margin-right:12px;color:#1f5f8b;font-size:13px} .fig{background:#fff;border:1px solid #e1e6eb;margin:8px 0}
"""
# Shows the hint above a table only while it has columns hidden to the right.
SCROLL_JS = """
document.querySelectorAll('.scroll').forEach(function (el) {
  var hint = el.previousElementSibling;
  if (!hint || !hint.classList.contains('hint')) return;
  function update() { hint.hidden = el.scrollLeft + el.clientWidth >= el.scrollWidth - 2; }
  el.addEventListener('scroll', update); window.addEventListener('resize', update); update();
});
"""


def _cell(est: Estimate, star: str = "", decimals: int | None = None) -> str:
    if not np.isfinite(est.mean):
        return "–"
    if not np.isfinite(est.lo):
        return num(est.mean, decimals) + star
    return f"{num(est.mean, decimals)}{star}<small class=pm>± {num(est.half, decimals)}</small>"


def _breakable(name: str) -> str:
    """A scenario name that may wrap after its underscores (narrow first column)."""
    return html.escape(name).replace("_", "_<wbr>")


def _clean(obj):
    """JSON without NaN: missing numbers become null."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
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


class References(NamedTuple):
    reference: dict[str, str]  # scenario -> scenario its effects are measured against (itself: none)
    mismatched: list[str]  # compared with the baseline although their government differs
    same_size: set[str]  # scenarios whose government has the baseline's structure and size
    unresolved: list[str]  # scenarios whose spec could not be read (structure unknown)


def references(res: Results, baseline: str) -> References:
    """Each scenario's reference for effects: the baseline when both have a government of the
    same structure and size; otherwise a reform-free scenario that does, if one was run
    (`guangdong_before` for `guangdong` first, else e.g. `provincial`) — so spending and
    counts compare like with like."""
    scenarios = [str(sc) for sc in dict.fromkeys(res.runs["scenario"])]
    specs = {sc: scenario_spec(res, sc) for sc in scenarios}
    base_gov = _structure(specs.get(baseline) or scenario_spec(res, baseline))
    gov = {sc: _structure(sp) for sc, sp in specs.items()}
    plain = [
        sc
        for sc, sp in specs.items()
        if sp is not None and not any(getattr(sp.reforms, k).enabled for k in type(sp.reforms).model_fields)
    ]
    unresolved = [sc for sc, sp in specs.items() if sp is None]
    ref: dict[str, str] = {}
    mismatched: list[str] = []
    same_size: set[str] = set()
    for sc in scenarios:
        if base_gov is None or gov[sc] is None:
            ref[sc] = baseline  # structure unknown: the baseline, and no claim about sizes
            continue
        if gov[sc] == base_gov:
            ref[sc] = baseline
            same_size.add(sc)
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
    return References(ref, mismatched, same_size, unresolved)


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
    return json.dumps({k: g.get(k) for k in SCALE_KEYS}, sort_keys=True)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and len(text) > 48:
        return f"[{len(value)} items]"
    return text


def _reforms_on(spec, defaults, lang: str) -> list[str]:
    """One line per reform switched on: its start month and the settings that differ from the
    baseline preset's defaults (all of them when that preset cannot be read), so a provincial
    model and its `*_before` run, identical apart from the switches, still show what differs.
    Every setting is in the line's tooltip."""
    lines = []
    for k in type(spec.reforms).model_fields:
        mine = getattr(spec.reforms, k)
        if not mine.enabled:
            continue
        base = getattr(defaults.reforms, k).model_dump(mode="json") if defaults is not None else {}
        every = {p: v for p, v in mine.model_dump(mode="json").items() if p not in ("enabled", "start_month")}
        text = {p: v if isinstance(v, str) else _short(v) for p, v in every.items()}
        changed = [f"{p}={text[p]}" for p, v in every.items() if defaults is None or base.get(p) != v]
        month = t(lang, "from_month", m=mine.start_month)
        tip = html.escape(", ".join(f"{p}={v}" for p, v in text.items()), quote=True)
        shown = html.escape(", ".join(changed) if changed else t(lang, "default_settings"))
        lines.append(f'<span title="{tip}"><b>{html.escape(k)}</b> {html.escape(month)}: {shown}</span>')
    return lines


def toggles(res: Results, refs: References, baseline: str, lang: str) -> str:
    """Per scenario: each reform it switches on (start month, settings that differ from the
    baseline preset), and the other parameters that differ from its reference (references
    themselves are compared with the baseline)."""
    defaults = scenario_spec(res, "baseline")
    rows = []
    for scenario in dict.fromkeys(res.runs.sort_values("run_id")["scenario"]):
        scenario = str(scenario)
        spec = scenario_spec(res, scenario)
        vs = refs.reference.get(scenario, baseline)
        vs = baseline if vs == scenario else vs
        name = f"<td class=l>{html.escape(scenario)}</td>"
        vs_cell = f"<td class=l>{html.escape(vs) if vs != scenario else '–'}</td>"
        if spec is None:
            rows.append(f"<tr>{name}{vs_cell}<td class=l colspan=2>{t(lang, 'unresolved')}</td></tr>")
            continue
        on = _reforms_on(spec, defaults, lang)
        base = scenario_spec(res, vs)
        if base is None:
            shown = html.escape(t(lang, "no_base_spec", b=vs))
        else:
            base_flat = _flatten(base.model_dump(mode="json"))
            # reform settings are in the reforms column: here only the rest, and any reform the
            # reference has on that this scenario switches off
            diffs = [
                f"{html.escape(k)}: {html.escape(_short(base_flat.get(k)))} → {html.escape(_short(v))}"
                for k, v in _flatten(spec.model_dump(mode="json")).items()
                if not k.startswith(("meta.", "simulation.seed", "reforms.")) and base_flat.get(k) != v
            ]
            diffs += [
                f"reforms.{html.escape(k)}: {html.escape(t(lang, 'switched_off'))}"
                for k in type(spec.reforms).model_fields
                if getattr(base.reforms, k).enabled and not getattr(spec.reforms, k).enabled
            ]
            more = f"<br>… (+{len(diffs) - 25})" if len(diffs) > 25 else ""
            shown = "<br>".join(diffs[:25]) + more or t(lang, "none")
        rows.append(
            f"<tr>{name}{vs_cell}<td class=l style='white-space:normal;max-width:560px;font-size:11.5px'>"
            f"{'<br>'.join(on) or t(lang, 'none')}</td>"
            f"<td class=l style='white-space:normal;font-size:11.5px'>{shown}</td></tr>"
        )
    levers = ""
    if res.levers:
        levers = f"<p class=note>{t(lang, 'levers')}: " + ", ".join(html.escape(k) for k in res.levers) + "</p>"
    return (
        f"<table><tr><th class=l>{t(lang, 'scenario')}</th><th class=l>{t(lang, 'versus')}</th>"
        f"<th class=l>{t(lang, 'reforms_on')}</th><th class=l>{t(lang, 'changes')}</th></tr>"
        f"{''.join(rows)}</table>{levers}"
    )


def _scrolling(table_html: str, lang: str) -> str:
    return f"<p class=hint hidden>{t(lang, 'scroll_hint')}</p><div class=scroll>{table_html}</div>"


def summary_table(res: Results, table, best: dict[str, set[str]], measures, lang: str) -> str:
    head = "".join(
        f"<th title='{html.escape(measure_definition(lang, m))}'>{html.escape(measure_name(lang, m))}<br>"
        f"<small>{html.escape(measure_unit(lang, m))}</small></th>"
        for m in measures
    )
    rows = []
    decimals = {m: decimals_for(table[v][m].mean for v in res.variants) for m in measures}
    for v in res.variants:
        cells = []
        for m in measures:
            e = table[v][m]
            starred = v in best.get(m, ())
            tip = f"95%: [{num(e.lo, decimals[m])}, {num(e.hi, decimals[m])}], n={e.n}"
            cls, star = (" class=best", " ★") if starred else ("", "")
            cells.append(f"<td{cls} title='{tip}' data-m='{m}'>{_cell(e, star, decimals[m])}</td>")
        rows.append(
            f"<tr data-variant='{html.escape(v)}'><td class=l>{_breakable(v)}</td><td>{runs_of(table, v)}</td>"
            f"{''.join(cells)}</tr>"
        )
    return _scrolling(
        f"<table class='summary wide'><tr><th class=l>{t(lang, 'variant')}</th><th>n</th>{head}</tr>"
        f"{''.join(rows)}</table>",
        lang,
    )


def effects_table(eff, best: dict[str, set[str]], measures, lang: str, reference: dict[str, str], baseline: str) -> str:
    head = f"<th class=l>{t(lang, 'versus')}</th>" + "".join(
        f"<th>Δ {html.escape(measure_name(lang, m))}</th>" for m in measures
    )
    rows = []
    # the same precision as the ★ rule's "visible in the effects table" (stats.best_variants)
    decimals = {m: decimals_for(per[m].mean for per in eff.values()) for m in measures}
    for v, per in eff.items():
        vs = reference.get(v.split(" · ")[0], baseline)
        cells = []
        for m in measures:
            e, d = per[m], decimals[m]
            better = MEASURES[m].better
            cls = ""
            if np.isfinite(e.lo) and (e.lo > 0 or e.hi < 0) and better:
                improved = (e.mean < 0) == (better == "lower")
                cls = " class=good" if improved else " class=bad"
            if not np.isfinite(e.mean):
                txt = "–"
            elif np.isfinite(e.lo):
                txt = f"{num(e.mean, d)} <small class=pm>[{num(e.lo, d)}, {num(e.hi, d)}]</small>"
            else:
                txt = num(e.mean, d)
            star = " ★" if v in best.get(m, ()) else ""
            cells.append(f"<td{cls} title='{html.escape(method_name(lang, e.method))}, n={e.n}'>{txt}{star}</td>")
        rows.append(f"<tr><td class=l>{_breakable(v)}</td><td class=l>{html.escape(vs)}</td>{''.join(cells)}</tr>")
    return _scrolling(
        f"<table class=wide><tr><th class=l>{t(lang, 'variant')}</th>{head}</tr>{''.join(rows)}</table>", lang
    )


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
        (t(lang, "results"), str(res.folder.resolve())),
    ]
    rows = "".join(
        f"<tr><th class=l>{html.escape(k)}</th><td class=l>{html.escape(str(v))}</td></tr>" for k, v in items
    )
    return f"<table>{rows}</table>"


def definitions(res: Results, lang: str) -> str:
    rows = "".join(
        f"<tr><td class=l><b>{html.escape(measure_name(lang, m))}</b><br><code>{m}</code></td>"
        f"<td class=l>{html.escape(measure_unit(lang, m))}</td>"
        f"<td class=l style='white-space:normal'>{html.escape(measure_definition(lang, m))}</td></tr>"
        for m in res.measures
    )
    return (
        f"<table><tr><th class=l>{t(lang, 'measure')}</th><th class=l>{t(lang, 'unit')}</th>"
        f"<th class=l>{t(lang, 'definition')}</th></tr>{rows}</table>"
    )


def _error_line(text: str) -> str:
    """The line that says what went wrong: a traceback's last line, else the first."""
    lines = [ln.strip() for ln in str(text or "").strip().splitlines() if ln.strip()]
    if not lines:
        return "?"
    line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    return line if len(line) <= 160 else line[:157] + "…"


def _failed_detail(failed: pd.DataFrame, lang: str) -> str:
    items = []
    for scenario, g in failed.groupby("scenario", sort=False):
        ids = ", ".join(g["run_id"].astype(str).head(5)) + (" …" if len(g) > 5 else "")
        errors = g["error"].dropna() if "error" in g else pd.Series(dtype=str)
        err = _error_line(errors.iloc[0] if not errors.empty else "")
        items.append(t(lang, "failed_item", s=scenario, k=len(g), ids=ids, err=err))
    return "; ".join(items[:8]) + (" …" if len(items) > 8 else "")


def notes(
    res: Results,
    table,
    baseline: str,
    lang: str,
    refs: References,
    base_state: str,
    no_reference: list[str] = (),
) -> list[str]:
    out = []
    if base_state == "missing":
        scenarios = ", ".join(str(s) for s in dict.fromkeys(res.runs["scenario"]))
        out.append(t(lang, "no_baseline", b=baseline, s=scenarios))
    elif base_state == "failed":
        out.append(t(lang, "baseline_failed", b=baseline))
    if refs.mismatched and base_state == "ok":
        suggest = ", ".join(f"'{s}_before'" for s in refs.mismatched)
        out.append(t(lang, "size_mismatch", v=", ".join(refs.mismatched), b=baseline, suggest=suggest))
    if no_reference:
        out.append(t(lang, "no_reference", v=", ".join(no_reference)))
    if not res.failed_runs.empty:
        out.append(t(lang, "failed", n=len(res.failed_runs), detail=_failed_detail(res.failed_runs, lang)))
    empty = [v for v in res.variants if runs_of(table, v) == 0]
    single = [v for v in res.variants if runs_of(table, v) == 1]
    if empty:
        out.append(t(lang, "no_runs", v=", ".join(empty)))
    if single:
        out.append(t(lang, "single", v=", ".join(single)))
    if refs.unresolved:
        out.append(t(lang, "unread", v=", ".join(refs.unresolved)))
    return out


def baseline_state(res: Results, baseline: str) -> str:
    """'ok' when the baseline has a successful run, 'failed' when all its runs failed,
    'missing' when it was not run (e.g. a mistyped --baseline)."""
    if (res.final["scenario"] == baseline).any():
        return "ok"
    return "failed" if (res.runs["scenario"] == baseline).any() else "missing"


def build(folder: str | Path, baseline: str = "baseline", lang: str = "en"):
    """The report's HTML text and its figures (for --figures)."""
    res = load_results(folder)
    table = summary(res)
    refs = references(res, baseline)
    state = baseline_state(res, baseline)
    # Without a successful baseline run there is nothing to measure effects against: no
    # silent stand-in, the notes say why the sections are missing.
    eff, no_ref = effects(res, baseline, res.measures, refs.reference) if state == "ok" else ({}, [])
    same_size = {v for v in eff if v.split(" · ")[0] in refs.same_size}
    best = best_variants(eff, same_size, res.measures, reference_means(res, table, baseline, eff, refs.reference))
    figures: list[tuple[str, str, object]] = []
    sections: list[tuple[str, str, str]] = []

    note_list = notes(res, table, baseline, lang, refs, state, no_ref)
    if note_list:
        sections.append(
            ("notes", t(lang, "notes"), "".join(f"<div class=warn>{html.escape(n)}</div>" for n in note_list))
        )
    sections += _table_sections(res, table, best, eff, refs, baseline, lang)
    _figure_sections(res, eff, refs, baseline, lang, figures, sections)
    sections.append(
        (
            "toggles",
            t(lang, "toggles"),
            f"<p class=note>{t(lang, 'toggles_note')}</p>" + toggles(res, refs, baseline, lang),
        )
    )
    sections.append(("provenance", t(lang, "provenance"), provenance(res, lang, baseline)))
    sections.append(("definitions", t(lang, "definitions"), definitions(res, lang)))
    data = {
        "summary": {v: {m: e.as_dict() for m, e in per.items()} for v, per in table.items()},
        "effects": {v: {m: e.as_dict() for m, e in per.items()} for v, per in eff.items()},
        "best": {m: sorted(vs) for m, vs in best.items()},
        "baseline": baseline,
        "baseline_state": state,
        "reference": refs.reference,
        "variants": res.variants,
        "figures": [fid for fid, _, _ in figures],
    }
    exp_name = res.experiment.get("experiment", {}).get("name", Path(folder).name)
    return _page(exp_name, sections, figures, data, lang), figures


def _table_sections(res, table, best, eff, refs, baseline: str, lang: str) -> list[tuple[str, str, str]]:
    """The summary of the headline measures (all measures folded away) and the effects."""
    key = [m for m in HEADLINE if m in res.measures]
    note = t(lang, "summary_note", pct=f"{MIN_SHARE:.0%}")
    body = f"<p class=note>{note}</p>" + summary_table(res, table, best, key, lang)
    body += (
        f"<details><summary>{t(lang, 'all_measures')}</summary>"
        + summary_table(res, table, best, res.measures, lang)
        + "</details>"
    )
    out = [("summary", t(lang, "summary"), body)]
    if eff:
        shown = [m for m in EFFECT_MEASURES if m in res.measures]
        out.append(
            (
                "effects",
                t(lang, "effects"),
                f"<p class=note>{t(lang, 'effects_note')}</p>"
                + effects_table(eff, best, shown, lang, refs.reference, baseline),
            )
        )
    return out


def _figure_sections(res, eff, refs, baseline: str, lang: str, figures: list, sections: list) -> None:
    """Time series, trade-offs, contributions and sensitivity, where the results allow."""

    def add(fid: str, fig, note_key: str | None) -> None:
        figures.append((fid, t(lang, fid), fig))
        note = f"<p class=note>{t(lang, note_key)}</p>" if note_key else ""
        sections.append((fid, t(lang, fid), note + f"{{fig:{fid}}}"))

    if not res.timeseries.empty:
        add("timeseries", timeseries_figure(res, lang, baseline=baseline), "timeseries_note")
    plotted = {
        v: per
        for v, per in eff.items()
        if all(m in per for m in TRADEOFF_MEASURES) and np.isfinite(per["silo_index"].mean)
    }
    if plotted:
        add("tradeoffs", tradeoff_figure(plotted, refs.reference, lang), "tradeoffs_note")
    singles = [v for v in eff if group(v) == "single"]
    models = [v for v in eff if group(v) == "provincial"]
    contrib = [m for m in CONTRIBUTION_MEASURES if m in res.measures]
    if singles and models and contrib:
        fig = contributions_figure(eff, contrib, models + singles, refs.reference, baseline, lang)
        add("contributions", fig, "contributions_note")
    if res.sensitivity is not None and not res.sensitivity.empty:
        add("sensitivity", sensitivity_figure(res.sensitivity, lang), None)


def _page(exp_name: str, sections, figures, data: dict, lang: str) -> str:
    """The whole page: navigation, sections with their figures, the summary data."""
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
    return f"""<!DOCTYPE html>
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
<script>{SCROLL_JS}</script>
</body></html>
"""


def write_report(folder, out: Path, baseline: str = "baseline", lang: str = "en") -> tuple[Path, list]:
    page, figures = build(folder, baseline, lang)
    atomic_text(Path(out), page)
    return Path(out), figures


TITLE_PX = 40  # room for an exported figure's title above what the page's heading replaced


def titled(fig: go.Figure, title: str) -> go.Figure:
    """A copy of a figure with its section's title on top, for an image file that stands
    alone (in the page the section heading names it). A title the figure already has (the
    sensitivity method) follows the section's; the figure grows by the title's room, and a
    legend pinned to the top moves down with the plots."""
    out = go.Figure(fig)
    own = out.layout.title.text
    height = (out.layout.height or 450) + TITLE_PX
    top = (out.layout.margin.t if out.layout.margin.t is not None else 80) + TITLE_PX
    out.update_layout(
        height=height,
        margin={"t": top},
        title={
            "text": f"{html.escape(title)}: {own}" if own else html.escape(title),
            "x": 0.01,
            "xanchor": "left",
            "y": 1 - 10 / height,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": 16},
        },
    )
    legend = out.layout.legend
    if legend.yref == "container" and legend.y is not None:
        out.update_layout(legend={"y": legend.y - TITLE_PX / height})
    return out


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
    figs = [titled(fig, title) for _, title, fig in figures]
    try:
        # each at its own height: kaleido's default (500 px) squashes the stacked panels
        heights = [int(f.layout.height or 500) for f in figs]
        pio.write_images(figs, paths, format=fmt, width=1400, height=heights, scale=1)
    except Exception as e:  # kaleido starts a browser: report a missing one in one line
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ScenarioError(f"--figures: could not render with kaleido ({first}); is chromium installed?") from None
    return paths
