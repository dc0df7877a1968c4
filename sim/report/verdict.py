"""The report's opening verdict, written from the results: on one common government, which
reform package leads on each headline measure, by how much over the runner-up, how sure
(the paired difference's 95% interval and the share of seeds in which the leader is ahead),
and at what cost (IT spending against the same government without reforms). With a crossed
sweep, one more sentence per measure says how much of the variation the package explains and
how much the government it runs on (`decompose`).

The facts are computed here; the wording lives in i18n (`verdict_*` keys, en and zh).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..measures import MEASURES
from .decompose import Decomposition, split_name
from .fmt import decimals_for, num
from .i18n import measure_name, t
from .stats import Estimate, mean_ci

COST_MEASURE = "total_it_spending"


def headline_measures() -> tuple[str, ...]:
    """The headline list, kept in one place (the measure catalogue)."""
    from ..catalogue import HEADLINE

    return HEADLINE


@dataclass(frozen=True)
class Common:
    """Packages run on one common government: structure, package -> scenario, reference run."""

    structure: str
    scenarios: dict[str, str]
    reference: str | None  # the structure itself, run reform-free, if it is in the results


def common_government(scenarios: list[str]) -> Common | None:
    """The structure carrying the most packages (at least 2; the first listed on a tie)."""
    pairs = [(sc, p) for sc in scenarios if (p := split_name(sc)) is not None]
    by_structure: dict[str, dict[str, str]] = {}
    for sc, (package, structure) in pairs:
        by_structure.setdefault(structure, {})[package] = sc
    if not by_structure:
        return None
    structure = max(by_structure, key=lambda s: len(by_structure[s]))  # max keeps the first on a tie
    if len(by_structure[structure]) < 2:
        return None
    return Common(structure, by_structure[structure], structure if structure in scenarios else None)


@dataclass(frozen=True)
class Lead:
    measure: str
    leader: str
    runner_up: str
    leader_mean: float
    runner_mean: float
    gap: Estimate  # leader - runner-up, paired by seed
    ahead: int  # seeds in which the leader is better
    seeds: int

    @property
    def clear(self) -> bool:
        """The gap's 95% interval excludes zero."""
        return bool(np.isfinite(self.gap.lo) and (self.gap.lo > 0 or self.gap.hi < 0))

    @property
    def same(self) -> bool:
        """Leader and runner-up identical in every seed: the packages do not differ here."""
        return self.gap.mean == 0 and self.gap.lo == 0 and self.gap.hi == 0


@dataclass(frozen=True)
class Cost:
    package: str
    change: Estimate  # IT spending minus the reform-free run of the same government, paired by seed
    share: float  # as a share of the reform-free spending

    @property
    def clear(self) -> bool:
        return bool(np.isfinite(self.change.lo) and (self.change.lo > 0 or self.change.hi < 0))


def _paired(final: pd.DataFrame, scenarios: list[str], measure: str, keys: list[str]) -> pd.DataFrame:
    """Seeds x scenarios table of a measure's final values, on the seeds every scenario ran."""
    rows = final[final["scenario"].isin(scenarios)]
    key = rows[keys].astype(str).agg("|".join, axis=1)
    table = rows.assign(_k=key).pivot_table(index="_k", columns="scenario", values=measure, aggfunc="first")
    return table.reindex(columns=scenarios).dropna()


def leads(final: pd.DataFrame, common: Common, measures: list[str], keys: list[str]) -> list[Lead]:
    """One Lead per measure with a direction: the package with the best mean on the common government."""
    out = []
    names = list(common.scenarios.values())
    package = {sc: p for p, sc in common.scenarios.items()}
    for m in measures:
        better = MEASURES[m].better if m in MEASURES else ""
        if not better or m not in final:
            continue
        table = _paired(final, names, m, keys)
        if len(table) == 0:
            continue
        sign = -1.0 if better == "lower" else 1.0
        first, second = sorted(names, key=lambda sc: -sign * table[sc].mean())[:2]
        diff = (table[first] - table[second]).to_numpy(float)
        ahead = int(np.sum(sign * diff > 0))
        mean_a, mean_b = float(table[first].mean()), float(table[second].mean())
        out.append(Lead(m, package[first], package[second], mean_a, mean_b, mean_ci(diff), ahead, len(table)))
    return out


def costs(final: pd.DataFrame, common: Common, keys: list[str]) -> list[Cost]:
    """Each package's IT spending against the same government run without reforms (if it was run)."""
    if common.reference is None or COST_MEASURE not in final:
        return []
    out = []
    for package, scenario in common.scenarios.items():
        table = _paired(final, [scenario, common.reference], COST_MEASURE, keys)
        if len(table) == 0:
            continue
        change = mean_ci((table[scenario] - table[common.reference]).to_numpy(float))
        ref = float(table[common.reference].mean())
        out.append(Cost(package, change, change.mean / ref if ref else np.nan))
    return out


def sentence(lead: Lead, lang: str) -> str:
    """One measure in detail: leader, runner-up, gap with interval, seeds ahead."""
    gap = lead.gap
    d = decimals_for([lead.leader_mean, lead.runner_mean])
    dg = max(d, decimals_for([gap.lo, gap.hi]))
    ci = f"[{num(gap.lo, dg)}, {num(gap.hi, dg)}]" if np.isfinite(gap.lo) else "–"
    key = "verdict_same" if lead.same else "verdict_lead" if lead.clear else "verdict_tie"
    return t(
        lang,
        key,
        m=measure_name(lang, lead.measure),
        p=lead.leader,
        q=lead.runner_up,
        a=num(lead.leader_mean, d),
        b=num(lead.runner_mean, d),
        d=num(gap.mean, dg),
        ci=ci,
        k=lead.ahead,
        n=lead.seeds,
    )


def decomposition_sentence(dec: Decomposition, lang: str) -> str | None:
    s = dec.share
    if not s or not np.isfinite(s["package"].mean):
        return None

    def pct(e: Estimate) -> str:
        return f"{e.mean:.0%}" + (f" [{e.lo:.0%}, {e.hi:.0%}]" if np.isfinite(e.lo) else "")

    return t(
        lang,
        "verdict_decomposition",
        m=measure_name(lang, dec.measure),
        pk=pct(s["package"]),
        st=pct(s["structure"]),
        ia=pct(s["interaction"]),
        ns=len(dec.factorial.structures),
    )


def _cost_text(cost: Cost | None, lang: str) -> str:
    if cost is None or not np.isfinite(cost.change.mean):
        return ""
    pct = f"{cost.share:+.0%}" if np.isfinite(cost.share) else "?"
    sure = t(lang, "verdict_sure" if cost.clear else "verdict_unsure")
    return t(lang, "verdict_cost", c=num(cost.change.mean), pct=pct, sure=sure)


def summary_lines(leads_: list[Lead], costs_: list[Cost], common: Common, lang: str) -> list[str]:
    """The short verdict: per package the measures it clearly leads on (how sure) and its cost;
    then the ties, then the measures on which the packages do not differ."""
    sep = "、" if lang == "zh" else "; "
    by_cost = {c.package: c for c in costs_}
    out = [t(lang, "verdict_intro", s=common.structure, p=", ".join(common.scenarios))]
    for package in common.scenarios:
        won = [x for x in leads_ if x.clear and x.leader == package]
        items = sep.join(t(lang, "verdict_item", m=measure_name(lang, x.measure), k=x.ahead, n=x.seeds) for x in won)
        key = "verdict_package" if won else "verdict_package_none"
        out.append(t(lang, key, p=package, items=items) + _cost_text(by_cost.get(package), lang))
    ties = [x for x in leads_ if not x.clear and not x.same]
    if ties:
        items = sep.join(
            t(lang, "verdict_tie_item", m=measure_name(lang, x.measure), p=x.leader, q=x.runner_up) for x in ties
        )
        out.append(t(lang, "verdict_ties", items=items))
    same = [measure_name(lang, x.measure) for x in leads_ if x.same]
    if same:
        out.append(t(lang, "verdict_no_difference", items=sep.join(same)))
    return out


def verdict(
    leads_: list[Lead], costs_: list[Cost], decomposition: dict[str, Decomposition], common: Common, lang: str
) -> tuple[list[str], list[str]]:
    """The short verdict (see `summary_lines`) and one detailed line per measure (with the
    package-versus-government split when the sweep crossed them)."""
    details = []
    for lead in leads_:
        line = sentence(lead, lang)
        dec = decomposition.get(lead.measure)
        if dec is not None and (more := decomposition_sentence(dec, lang)):
            line += " " + more
        details.append(line)
    return summary_lines(leads_, costs_, common, lang), details


# ---------------------------------------------------------------- the report's two sections
def _cell(e: Estimate, pct: bool = False) -> str:
    if not np.isfinite(e.mean):
        return "–"
    f = (lambda x: f"{x:.0%}") if pct else (lambda x: num(x))
    if not np.isfinite(e.lo):
        return f(e.mean)
    return f"{f(e.mean)} <small class=pm>[{f(e.lo)}, {f(e.hi)}]</small>"


def decomposition_table(decs: dict[str, Decomposition], lang: str) -> str:
    """One row per measure: the three shares, then each package's and each government's main effect."""
    import html

    if not decs:
        return ""
    fac = next(iter(decs.values())).factorial
    head = [t(lang, "share_package"), t(lang, "share_structure"), t(lang, "share_interaction")]
    head += [t(lang, "main_package", p=p) for p in fac.packages]
    head += [t(lang, "main_structure", s=s) for s in fac.structures]
    rows = []
    for m, dec in decs.items():
        if not dec.share:
            continue
        cells = [_cell(dec.share[k], pct=True) for k in ("package", "structure", "interaction")]
        cells += [_cell(dec.package[p]) for p in fac.packages]
        cells += [_cell(dec.structure[s]) for s in fac.structures]
        rows.append(
            f"<tr><td class=l>{html.escape(measure_name(lang, m))}</td><td>{dec.n_seeds}</td>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (
        f"<div class=scroll><table class=wide><tr><th class=l>{t(lang, 'measure')}</th><th>n</th>{ths}</tr>"
        f"{''.join(rows)}</table></div>"
    )


def package_vs_structure(res, lang: str) -> tuple[str, str, dict]:
    """HTML of the verdict and of the decomposition section ('' when the sweep has no packages on a
    common government / no full cross), and their numbers for the report's JSON."""
    import html

    from .decompose import decompose_results

    scenarios = [str(s) for s in dict.fromkeys(res.runs.sort_values("run_id")["scenario"])]
    keys = ["replication", *res.uncertainties]
    measures = [m for m in headline_measures() if m in res.measures]
    fac, decs = decompose_results(res.final, scenarios, measures, keys)
    common = common_government(scenarios)
    if common is not None and common.reference is not None and not _reform_free(res, common.reference):
        common = Common(common.structure, common.scenarios, None)  # its cost would not be against no reform
    short, details = [], []
    if common is not None:
        found = leads(res.final, common, measures, keys)
        short, details = verdict(found, costs(res.final, common, keys), decs, common, lang)
    verdict_html = ""
    if short:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in short[1:])
        more = "".join(f"<li>{html.escape(p)}</li>" for p in details)
        verdict_html = (
            f"<p>{html.escape(short[0])}</p><ul>{items}</ul><p class=note>{html.escape(t(lang, 'verdict_note'))}</p>"
            f"<details><summary>{html.escape(t(lang, 'verdict_details'))}</summary><ul>{more}</ul></details>"
        )
    decomp_html = ""
    if decs:
        note = html.escape(t(lang, "decomposition_note"))
        decomp_html = f"<p class=note>{note}</p>" + decomposition_table(decs, lang)
    data = {
        "verdict": short,
        "verdict_details": details,
        "decomposition": {m: {k: e.as_dict() for k, e in d.share.items()} for m, d in decs.items() if d.share},
        "factorial": {"packages": fac.packages, "structures": fac.structures} if fac else None,
    }
    return verdict_html, decomp_html, data


def _reform_free(res, scenario: str) -> bool:
    from .load import scenario_spec

    spec = scenario_spec(res, scenario)
    return spec is not None and not any(getattr(spec.reforms, k).enabled for k in type(spec.reforms).model_fields)


def headline_models(variants: list[str]) -> list[str]:
    """Of the provincial-model variants, those the report puts side by side with single reforms: the
    presets, and of the `PACKAGE@STRUCTURE` runs only the packages on the common government."""
    common = common_government([v.split(" · ")[0] for v in variants])
    if common is None:
        return variants
    keep = set(common.scenarios.values())
    return [v for v in variants if split_name(v.split(" · ")[0]) is None or v.split(" · ")[0] in keep]
