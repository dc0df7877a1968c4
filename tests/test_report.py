"""The HTML report: built from stored sweep results only, checked against the Parquet files,
robust to partial results, and rendered in a real browser."""

from __future__ import annotations

import html
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.measures import MEASURES
from sim.runner import InlineExecutor, ResultStore, build_design, run_design
from sim.runner.experiment import experiment_from_dict

EXPERIMENT = {
    "experiment": {
        "name": "report_small",
        "scenarios": ["baseline", "reform_sharing_incentives", "reform_unified_approval", "provincial", "guangdong"],
        "replications": 3,
        "steps": 6,
        "seed": 5,
    }
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A real small sweep where two of three unified-approval runs fail (-> one run left)."""
    import sim.api

    out = tmp_path_factory.mktemp("results")
    exp = experiment_from_dict(EXPERIMENT, "report_small.toml")
    runs = build_design(exp)
    store = ResultStore(out, exp, "report_small.toml")
    store.open(force=False)
    real = sim.api.run_model
    doomed = {r.seed for r in runs if r.replication > 0}

    def flaky(scenario, seed=None, steps=None, **overrides):
        name = getattr(getattr(scenario, "meta", None), "name", scenario)  # runs carry the resolved spec
        if name == "reform_unified_approval" and seed in doomed:
            raise RuntimeError("injected failure")
        return real(scenario, seed=seed, steps=steps, **overrides)

    sim.api.run_model = flaky
    try:
        summary = run_design(runs, store, InlineExecutor(), progress=False)
    finally:
        sim.api.run_model = real
    assert len(summary.failed) == 2
    return out


def embedded(html_text: str) -> dict:
    block = re.search(r'<script type="application/json" id="summary-data">(.*?)</script>', html_text, re.S)
    return json.loads(block.group(1))


def test_report_table_values_equal_means_of_the_stored_results(results, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(results), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    data = embedded(text)
    ts = pd.read_parquet(results / "timeseries")
    runs = pd.read_parquet(results / "runs.parquet")
    ok = runs[runs["status"] == "ok"]
    final = ts.loc[ts.groupby("run_id")["step"].idxmax()].merge(ok[["run_id", "scenario"]], on="run_id")
    for scenario, rows in final.groupby("scenario"):
        for m in MEASURES:
            got = data["summary"][scenario][m]
            assert got["n"] == len(rows)
            assert got["mean"] == pytest.approx(rows[m].mean(), rel=1e-12, abs=1e-12)
    # the visible table shows the same numbers (first key measure, baseline row)
    row = re.search(r"<tr data-variant='baseline'>(.*?)</tr>", text, re.S).group(1)
    shown = re.search(r"data-m='silo_index'>([-0-9.,]+)", row).group(1)
    assert float(shown) == pytest.approx(data["summary"]["baseline"]["silo_index"]["mean"], abs=5e-4)


def test_effects_are_paired_differences_against_the_right_reference(results, tmp_path):
    out = tmp_path / "r.html"
    main(["report", str(results), "-o", str(out)])
    data = embedded(out.read_text(encoding="utf-8"))
    assert data["reference"]["guangdong"] == "provincial"  # same structure and size, no reform
    assert data["reference"]["reform_sharing_incentives"] == "baseline"
    ts = pd.read_parquet(results / "timeseries")
    runs = pd.read_parquet(results / "runs.parquet")
    final = ts.loc[ts.groupby("run_id")["step"].idxmax()].merge(runs[["run_id", "scenario", "seed"]], on="run_id")
    a = final[final["scenario"] == "reform_sharing_incentives"].set_index("seed")["silo_index"]
    b = final[final["scenario"] == "baseline"].set_index("seed")["silo_index"]
    eff = data["effects"]["reform_sharing_incentives"]["silo_index"]
    assert eff["method"] == "paired by seed"
    assert eff["mean"] == pytest.approx((a - b).mean())


def test_partial_results_give_notes_not_a_crash(results, tmp_path):
    out = tmp_path / "r.html"
    main(["report", str(results), "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "2 run(s) failed and are left out" in text
    assert "single run" in text and "reform_unified_approval" in text
    # no baseline among the results: a note, and no effects section
    no_base = tmp_path / "nobase"
    shutil.copytree(results, no_base)
    runs = pd.read_parquet(no_base / "runs.parquet")
    runs.loc[runs["scenario"] == "baseline", "scenario"] = "other"
    runs.to_parquet(no_base / "runs.parquet", index=False)
    assert main(["report", str(no_base), "-o", str(tmp_path / "n.html"), "--baseline", "nothing"]) == 0
    assert "No runs of the baseline scenario" in (tmp_path / "n.html").read_text(encoding="utf-8")


def test_chinese_labels_and_definitions(results, tmp_path):
    out = tmp_path / "zh.html"
    assert main(["report", str(results), "-o", str(out), "--lang", "zh"]) == 0
    text = out.read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in text and "信息孤岛指数" in text and "相对对照的效果" in text
    # no English UI text left (plotly.js and the machine-readable data are not UI: look outside)
    page = re.sub(r'<script type="text/javascript">.*?</script>', "", text, count=1, flags=re.S)  # plotly.js
    page = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    for english in ("scenario</th>", "results folder", "levers", "month %{x}", "paired by seed", "Welch", "single run"):
        assert english not in page, english
    assert "按随机种子配对" in page and "\\u6708 %{x}" in page  # hover: 月 (figure JSON escapes it)


def test_labels_cover_every_measure_of_the_live_registry():
    """A measure added to sim.measures without report labels fails here."""
    from sim.report.i18n import MEASURE_EN, MEASURE_ZH, UI, measure_definition, measure_name, measure_unit

    assert set(UI["en"]) == set(UI["zh"])
    missing_zh = set(MEASURES) - set(MEASURE_ZH)
    missing_en = set(MEASURES) - set(MEASURE_EN)
    assert not missing_zh and not missing_en, (missing_zh, missing_en)
    for lang in ("en", "zh"):
        for m in MEASURES:
            assert measure_name(lang, m) and measure_unit(lang, m) and measure_definition(lang, m), (lang, m)
    assert all(len(v) == 3 and all(v) for v in MEASURE_ZH.values())


def test_missing_results_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no runs.parquet" in err and "\n" not in err


def test_sensitivity_results_get_a_tornado(tmp_path):
    from sim.report import build

    out = tmp_path / "s"
    exp = experiment_from_dict({"experiment": {"name": "s", "scenarios": ["baseline"], "steps": 3}})
    runs = build_design(exp)
    store = ResultStore(out, exp, "s")
    store.open(force=False)
    run_design(runs, store, InlineExecutor(), progress=False)
    pd.DataFrame(
        {
            "method": "morris",
            "measure": "silo_index",
            "parameter": ["agents.a", "agents.b"],
            "mu_star": [0.2, 0.1],
            "mu_star_conf": [0.05, 0.02],
            "sigma": [0.1, 0.1],
            "mu": [0.1, -0.1],
        }
    ).to_parquet(out / "sensitivity.parquet")
    page, figures = build(out)
    assert "sensitivity" in [f for f, _, _ in figures]
    assert np.isfinite(len(page))


def test_report_renders_in_chromium_without_errors(results, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from sim.viz.browser import CHROMIUM_ARGS as args
    from sim.viz.browser import chromium_path

    chromium = chromium_path() or "/usr/bin/chromium"
    out = tmp_path / "r.html"
    main(["report", str(results), "-o", str(out)])
    data = embedded(out.read_text(encoding="utf-8"))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1344, "height": 900})
            errors, requests = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('div.plotly-graph-div .main-svg').length >= {len(data['figures'])}",
                timeout=60_000,
            )
            # rendered = drawn with data: an empty figure also gets a .main-svg
            rendered = page.eval_on_selector_all(
                "div.plotly-graph-div",
                "els => els.map(e => [e.id, (e.data || []).length, e.querySelectorAll('.main-svg .trace').length])",
            )
            fits = page.eval_on_selector(
                "table.summary", "t => t.parentElement.scrollWidth <= t.parentElement.clientWidth + 1"
            )
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert [r for r in requests if not r.startswith("file:")] == []  # offline: nothing fetched
    assert {f"fig-{f}" for f in data["figures"]} == {i for i, n, drawn in rendered if n > 0 and drawn > 0}, rendered
    assert {"fig-timeseries", "fig-tradeoffs", "fig-contributions"} <= {i for i, _, _ in rendered}
    assert fits  # the key-measure summary needs no sideways scrolling on a laptop screen
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_static_figures_with_kaleido(results, tmp_path):
    pytest.importorskip("kaleido")
    if not shutil.which("chromium"):
        pytest.skip("kaleido needs a Chrome or Chromium")
    assert (
        main(
            [
                "report",
                str(results),
                "-o",
                str(tmp_path / "r.html"),
                "--figures",
                str(tmp_path / "fig"),
                "--format",
                "svg",
            ]
        )
        == 0
    )
    svgs = {p.stem: p.read_text() for p in sorted((tmp_path / "fig").glob("*.svg"))}
    assert set(svgs) >= {"timeseries", "tradeoffs"}
    assert all(text.lstrip().startswith("<svg") for text in svgs.values())
    # each image names itself and keeps its own height (not kaleido's 500 px for all)
    assert 'class="gtitle"' in svgs["timeseries"] and ">Time series<" in svgs["timeseries"]
    assert ">Trade-offs<" in svgs["tradeoffs"]
    heights = {k: float(re.search(r'<svg[^>]*height="([0-9.]+)"', v).group(1)) for k, v in svgs.items()}
    assert heights["timeseries"] > 1000 and heights["timeseries"] != heights["tradeoffs"], heights


def test_exported_figures_get_their_section_title():
    import plotly.graph_objects as go

    from sim.report.html import TITLE_PX, titled

    fig = go.Figure(layout={"height": 500, "margin": {"t": 90}, "legend": {"y": 1, "yref": "container"}})
    out = titled(fig, "Trade-offs")
    assert out.layout.title.text == "Trade-offs" and fig.layout.title.text is None  # the page's copy unchanged
    assert out.layout.height == 500 + TITLE_PX and out.layout.margin.t == 90 + TITLE_PX
    assert out.layout.legend.y < 1  # below the title
    sens = titled(go.Figure(layout={"title": {"text": "Morris"}}), "Sensitivity")
    assert sens.layout.title.text == "Sensitivity: Morris"


def _fake_results(tmp_path, scenarios, experiment=None):
    from types import SimpleNamespace

    runs = pd.DataFrame({"scenario": scenarios, "run_id": [f"{i:06d}" for i in range(len(scenarios))]})
    empty = runs.iloc[0:0]
    return SimpleNamespace(
        runs=runs, experiment=experiment or {}, specs={}, folder=tmp_path, failed_runs=empty, variants=[]
    )


def test_a_provincial_model_is_compared_with_its_own_counterfactual_first(tmp_path):
    from sim.report.html import notes, references

    res = _fake_results(tmp_path, ["baseline", "provincial", "guangdong", "guangdong_before", "zhejiang"])
    refs = references(res, "baseline")
    assert refs.reference["guangdong"] == "guangdong_before"  # same preset, every reform off
    assert refs.reference["baseline"] == "baseline"
    # a reference itself: no effect row, no mismatch claimed
    assert refs.reference["provincial"] == "provincial" and "provincial" not in refs.mismatched
    assert refs.reference["zhejiang"] == "baseline" and refs.mismatched == ["zhejiang"]  # said so
    assert refs.same_size == {"baseline"}
    note = notes(res, {}, "baseline", "en", refs, "ok")
    assert any("'zhejiang_before'" in n and "provincial" not in n for n in note), note


def test_a_missing_baseline_shows_no_effects_rather_than_a_silent_stand_in(results, tmp_path):
    """`--baseline nothing` (a typo): no effects, trade-offs or contributions measured against
    some other scenario, a note naming the scenarios there are, and no 'none' in the changes."""
    out = tmp_path / "n.html"
    assert main(["report", str(results), "-o", str(out), "--baseline", "nothing"]) == 0
    text = out.read_text(encoding="utf-8")
    data = embedded(text)
    assert data["baseline_state"] == "missing" and data["effects"] == {} and data["best"] == {}
    assert data["figures"] == ["timeseries"]
    for section in ("effects", "tradeoffs", "contributions"):
        assert f"<section id='{section}'>" not in text
    shown = html.unescape(text)
    assert "No runs of the baseline scenario 'nothing'" in shown and "reform_sharing_incentives" in shown
    assert "no scenario 'nothing' to compare with" in shown


def test_a_baseline_whose_runs_all_failed_is_treated_as_missing(results, tmp_path):
    failed = tmp_path / "failed"
    shutil.copytree(results, failed)
    runs = pd.read_parquet(failed / "runs.parquet")
    runs.loc[runs["scenario"] == "baseline", ["status", "error"]] = ["failed", "Traceback …\nValueError: boom\n"]
    runs.to_parquet(failed / "runs.parquet", index=False)
    out = tmp_path / "f.html"
    assert main(["report", str(failed), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    data = embedded(text)
    assert data["baseline_state"] == "failed" and data["effects"] == {} and "tradeoffs" not in data["figures"]
    assert "Every run of the baseline scenario 'baseline' failed" in html.unescape(text)
    assert "baseline: 3 run(s)" in text and "ValueError: boom" in text  # scenario and the error line
    # a provincial model still has no effect: the whole comparison needs the baseline
    assert "<section id='effects'>" not in text


def test_failed_runs_are_listed_by_scenario_with_their_error():
    from sim.report.html import _failed_detail

    failed = pd.DataFrame(
        {
            "run_id": ["000004", "000007", "000009"],
            "scenario": ["a", "a", "b"],
            "error": ["Traceback (most recent call last):\n  File x\nRuntimeError: injected failure\n", None, "oops"],
        }
    )
    detail = _failed_detail(failed, "en")
    assert detail == "a: 2 run(s) (ids 000004, 000007): RuntimeError: injected failure; b: 1 run(s) (ids 000009): oops"


def test_numbers_never_show_a_negative_zero_and_columns_share_their_decimals():
    from sim.report.fmt import decimals_for, num

    assert num(-1e-6) == "0.000" and num(-0.0) == "0.000" and num(-0.0004) == "0.000"
    assert num(-0.002) == "-0.002" and num(-1234.4) == "-1,234" and num(float("nan")) == "–"
    column = [3.5, 3.714, 6.0, 6.04, float("nan")]
    assert [num(v, decimals_for(column)) for v in column] == ["3.50", "3.71", "6.00", "6.04", "–"]
    assert decimals_for([0.149, 0.02]) == 3 and decimals_for([0.5, 15195.0]) == 0 and decimals_for([]) == 3


def _est(mean, half=None, n=5):
    from sim.report.stats import Estimate

    if half is None:
        return Estimate(mean, float("nan"), float("nan"), 1, "single run")
    return Estimate(mean, mean - half, mean + half, n, "paired by seed")


def test_best_marks_clear_improvements_only_among_comparable_variants():
    from sim.report.stats import best_variants

    eff = {
        "reform_a": {
            "silo_index": _est(-0.30, 0.02),
            "total_it_spending": _est(-50, 10),
            "online_rate": _est(0.0, 0.0),
        },
        "reform_b": {"silo_index": _est(-0.29, 0.02), "total_it_spending": _est(-10, 5), "online_rate": _est(0.0, 0.0)},
        "reform_c": {"silo_index": _est(-0.10, 0.02), "total_it_spending": _est(0, 1), "online_rate": _est(0.0, 0.0)},
        "reform_d": {"silo_index": _est(-0.90), "total_it_spending": _est(-900), "online_rate": _est(0.5)},  # one run
        "guangdong": {
            "silo_index": _est(-0.20, 0.01),
            "total_it_spending": _est(-30000, 100),
            "online_rate": _est(0.0, 0),
        },
    }
    same_size = {"reform_a", "reform_b", "reform_c", "reform_d"}
    best = best_variants(eff, same_size, ["silo_index", "total_it_spending", "online_rate", "inhouse_it_units"])
    assert best["silo_index"] == {"reform_a", "reform_b"}  # overlapping intervals: both; c is clearly behind
    assert best["total_it_spending"] == {"reform_a"}  # 万元: guangdong's larger government is not compared
    assert "online_rate" not in best  # all tie with their reference (0 ± 0): no star
    assert "inhouse_it_units" not in best  # no direction
    worse = {"reform_a": {"silo_index": _est(0.1, 0.01)}, "reform_b": {"silo_index": _est(0.02, 0.05)}}
    assert best_variants(worse, {"reform_a", "reform_b"}, ["silo_index"]) == {}  # nothing improves: no star


def test_stars_in_the_report_never_go_to_references(results, tmp_path):
    out = tmp_path / "r.html"
    main(["report", str(results), "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    data = embedded(text)
    starred = {v for vs in data["best"].values() for v in vs}
    assert starred <= set(data["effects"])
    assert not starred & {"baseline", "provincial"}
    for v in ("baseline", "provincial"):
        row = re.search(rf"<tr data-variant='{v}'>(.*?)</tr>", text, re.S).group(1)
        assert "★" not in row


def _write_experiment(folder, change):
    import tomllib

    import tomli_w

    exp = tomllib.loads((folder / "experiment.toml").read_text(encoding="utf-8"))
    change(exp)
    (folder / "experiment.toml").write_text(tomli_w.dumps(exp), encoding="utf-8")


def test_scenario_changes_come_from_the_specs_stored_with_the_results(results, tmp_path, monkeypatch):
    """A scenario file that no longer exists (or another working folder) still shows what it
    changed, from `[_scenarios."<name>"]` in experiment.toml."""
    from sim.scenario import load_spec

    moved = tmp_path / "moved"
    shutil.copytree(results, moved)
    runs = pd.read_parquet(moved / "runs.parquet")
    runs.loc[runs["scenario"] == "reform_sharing_incentives", "scenario"] = "gone/custom.toml"
    runs.to_parquet(moved / "runs.parquet", index=False)
    spec = load_spec("reform_unified_approval")[0].model_dump(mode="json", exclude_none=True)
    _write_experiment(moved, lambda e: e.setdefault("_scenarios", {}).update({"gone/custom.toml": spec}))
    monkeypatch.chdir(tmp_path)
    page, _ = __import__("sim.report", fromlist=["build"]).build(moved)
    toggles = page.split("<section id='toggles'>")[1]
    row = re.search(r"<tr><td class=l>gone/custom.toml</td>(.*?)</tr>", toggles, re.S).group(1)
    assert "unified_approval" in row and "could not read" not in row
    assert embedded(page)["reference"]["gone/custom.toml"] == "baseline"  # its size is known: the baseline's


def test_a_relative_experiment_source_is_found_from_the_results_folder(results, tmp_path, monkeypatch):
    """Older results store the experiment file relative to where the sweep ran (the project):
    found again through `results/<name>/`'s grandparent, whatever the current folder."""
    project = tmp_path / "project"
    (project / "experiments").mkdir(parents=True)
    (project / "experiments" / "mine.toml").write_text(
        'extends = "baseline"\n[reforms.open_data]\nenabled = true\n', encoding="utf-8"
    )
    folder = project / "results" / "small"
    shutil.copytree(results, folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.loc[runs["scenario"] == "reform_sharing_incentives", "scenario"] = "mine.toml"
    runs.to_parquet(folder / "runs.parquet", index=False)
    _write_experiment(folder, lambda e: e["_results"].update(source="experiments/small.toml"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    from sim.report import build

    page, _ = build(folder)
    toggles = page.split("<section id='toggles'>")[1]
    row = re.search(r"<tr><td class=l>mine.toml</td>(.*?)</tr>", toggles, re.S).group(1)
    assert "open_data" in row and "could not read" not in row


def test_tradeoff_chart_labels_every_point_and_plots_changes(results):
    """Many points: every one keeps its short label, colours are by kind of scenario, axes
    say what they show, and y is the change in duplicated *share* versus the reference."""
    import numpy as np

    from sim.report.figures import PALETTE, _lab, tradeoff_figure

    eff = {}
    for i in range(20):
        name = ["guangdong", "bureau_centre"][i] if i < 2 else f"reform_r{i}"
        eff[name] = {
            "silo_index": _est(-0.01 * i, 0.01),
            "duplicated_share": _est(-0.02 * i, 0.01),
            "operator_markup": _est(0.0, 0.0),
            "government_control": _est(0.001 * i, 0.001),
        }
    fig = tradeoff_figure(eff, {"guangdong": "guangdong_before"}, "en")
    points = [tr for tr in fig.data if tr.mode == "markers+text"]
    labels = [x for tr in points for x in tr.text]
    assert len(labels) == 3 * 20 and "r5" in labels and "reform_r5" not in labels
    assert len({tr.marker.color for tr in points}) == 3  # provincial, bureau type, single reforms
    first = next(tr for tr in points if "r5" in tr.text)
    k = list(first.text).index("r5")
    assert first.y[k] == pytest.approx(0.1)  # duplicated share saved = reference − variant
    titles = [fig.layout[a].title.text for a in ("yaxis", "yaxis2", "yaxis3", "xaxis")]
    assert all(titles) and "reference − variant" in titles[-1]
    labs = [_lab(c) for c in PALETTE]
    assert min(np.linalg.norm(a - b) for i, a in enumerate(labs) for b in labs[i + 1 :]) >= 25


def test_a_variant_with_no_successful_run_has_no_effect_row_or_bar(results, tmp_path):
    """Every run of a single reform failed: the notes say so, and neither the effects table nor
    the contributions chart shows it as a row of blanks or an empty bar."""
    failed = tmp_path / "failed"
    shutil.copytree(results, failed)
    runs = pd.read_parquet(failed / "runs.parquet")
    gone = runs["scenario"] == "reform_sharing_incentives"
    runs.loc[gone, ["status", "error"]] = ["failed", "RuntimeError: boom"]
    runs.to_parquet(failed / "runs.parquet", index=False)
    from sim.report import build

    page, figures = build(failed)
    data = embedded(page)
    assert "reform_sharing_incentives" not in data["effects"] and "reform_unified_approval" in data["effects"]
    assert "Variant(s) with no successful run: reform_sharing_incentives" in page
    effects = page.split("<section id='effects'>")[1].split("</section>")[0]
    assert "reform_sharing_" not in effects
    contributions = dict((f, fig) for f, _, fig in figures)["contributions"]
    bars = [y for tr in contributions.data for y in tr.y]
    assert bars and not any("sharing_incentives" in y for y in bars), bars


def _crowd():
    """Fifteen single reforms no different from the reference, tight around (0, 0), and a few
    clear ones near each other and at the plot's edges."""
    rng = np.random.default_rng(3)
    eff = {}
    for i in range(15):
        x, y = rng.normal(0, 0.002, 2)
        eff[f"reform_quiet_{i}_with_a_long_name"] = {
            "silo_index": _est(x, 0.01),
            "duplicated_share": _est(y, 0.01),
            "operator_markup": _est(y / 10, 0.001),
            "government_control": _est(x, 0.01),
        }
    for name, x, y in [("guangdong", -0.2, -0.1), ("zhejiang", -0.19, -0.1), ("reform_far_right_edge", -0.3, 0.0)]:
        eff[name] = {
            "silo_index": _est(x, 0.005),
            "duplicated_share": _est(y, 0.005),
            "operator_markup": _est(y / 50, 0.0005),
            "government_control": _est(-y, 0.005),
        }
    return eff


def test_tradeoff_labels_skip_points_at_the_reference_and_never_overlap():
    from sim.report.figures import label_box, tradeoff_figure

    fig = tradeoff_figure(_crowd(), {"guangdong": "guangdong_before"}, "en")
    points = [tr for tr in fig.data if tr.mode == "markers+text"]
    shown = {name for tr in points for name in tr.text if name}
    assert not any(name.startswith("quiet") for name in shown)  # intervals include (0, 0): hover only
    assert {"guangdong", "far_right_edge"} <= shown
    titles = [a.text for a in fig.layout.annotations]
    assert all("15 at the reference" in s for s in titles), titles
    # the axis ranges hold every point with its error bars
    for k, axis in (("x", "xaxis"), ("y", "yaxis")):
        lo, hi = fig.layout[axis].range
        vals = [v for tr in points if tr.xaxis == "x" for v in getattr(tr, k)]
        assert lo < min(vals) - 0.004 and max(vals) + 0.004 < hi
    assert label_box(0, 0, "abc", "middle right")[0] > 0  # right of its marker


def test_tradeoff_labels_do_not_overlap_or_clip_in_chromium(tmp_path):
    """Measured in the browser: no two label texts overlap and each lies inside its panel."""
    playwright = pytest.importorskip("playwright.sync_api")
    from sim.report.figures import tradeoff_figure
    from sim.viz.browser import CHROMIUM_ARGS as args
    from sim.viz.browser import chromium_path

    path = tmp_path / "t.html"
    for n, eff in enumerate((_crowd(), dict(list(_crowd().items())[-3:]))):  # stacked, and three panels
        fig = tradeoff_figure(eff, {}, "en")
        fig.write_html(path, include_plotlyjs=True, div_id="f")
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path() or "/usr/bin/chromium", args=args)
            try:
                page = browser.new_page(viewport={"width": 1344, "height": 900})
                page.goto(path.as_uri())
                page.wait_for_selector("#f .textpoint text")
                boxes = page.evaluate(
                    """() => {
                  const gd = document.getElementById('f'), L = gd._fullLayout, top = gd.getBoundingClientRect();
                  return ['xy', 'x2y2', 'x3y3'].map((sp, k) => {
                    const xa = L['xaxis' + (k ? k + 1 : '')], ya = L['yaxis' + (k ? k + 1 : '')];
                    const area = [top.left + xa._offset, top.top + ya._offset, xa._length, ya._length];
                    const texts = [...gd.querySelectorAll('.subplot.' + sp + ' .textpoint text')]
                      .filter(t => t.textContent).map(t => { const r = t.getBoundingClientRect();
                        return [t.textContent, r.left, r.top, r.right, r.bottom]; });
                    return [area, texts];
                  });
                }"""
                )
            finally:
                browser.close()
        for (left, top, width, height), texts in boxes:
            assert texts, n
            for name, a, b, c, d in texts:
                assert left - 1 <= a and c <= left + width + 1 and top - 1 <= b and d <= top + height + 1, (n, name)
            for i, (na, *ra) in enumerate(texts):
                for nb, *rb in texts[i + 1 :]:
                    apart = ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or rb[3] <= ra[1]
                    assert apart, (n, na, nb)


def test_scenario_changes_name_start_months_and_settings_of_the_reforms_on(results, tmp_path):
    """Guangdong against its reform-free reference differs only in its switches: the table
    still shows each reform's start month and the settings that differ from the baseline
    preset (all of them in the tooltip); a single reform shows its month too."""
    from sim.report import build
    from sim.scenario import load_spec

    page, _ = build(results)
    toggles = page.split("<section id='toggles'>")[1].split("</section>")[0]
    rows = dict(re.findall(r"<tr><td class=l>([^<]+)</td>(.*?)</tr>", toggles, re.S))
    gd = load_spec("guangdong")[0].reforms
    row = html.unescape(rows["guangdong"])
    on = [k for k in type(gd).model_fields if getattr(gd, k).enabled]
    assert on and all(f"<b>{k}</b> from month {getattr(gd, k).start_month}:" in row for k in on), row
    assert f"mandate={gd.data_bureau.mandate}" in row and "enabled=" not in row
    assert "brokerage=" in row  # in the data-bureau line's tooltip, although it is the default
    single = html.unescape(rows["reform_sharing_incentives"])
    assert "<b>sharing_incentives</b> from month 0: preset defaults" in single
    assert "reforms.sharing_incentives" not in single  # reform settings are not repeated as changes


def test_best_needs_an_improvement_visible_in_the_table_and_of_one_percent_of_the_reference():
    """Zhejiang's operator markup: −0.00065 on a reference of 0.149 (0.4%) is real but
    negligible, no ★; the same cut on a reference of 0.03 (2%) is starred; a cut that prints
    as 0.000 is never starred, whatever its interval and reference."""
    from sim.report.stats import MIN_SHARE, best_variants

    eff = {"zhejiang": {"operator_markup": _est(-0.00065, 0.0002)}}
    assert best_variants(eff, set(), ["operator_markup"], {"zhejiang": {"operator_markup": 0.149}}) == {}
    starred = best_variants(eff, set(), ["operator_markup"], {"zhejiang": {"operator_markup": 0.03}})
    assert starred == {"operator_markup": {"zhejiang"}}
    assert MIN_SHARE * 0.03 <= 0.00065 < MIN_SHARE * 0.149
    tiny = {"reform_a": {"operator_markup": _est(-0.0004, 0.0001)}}
    assert best_variants(tiny, set(), ["operator_markup"], {"reform_a": {"operator_markup": 0.01}}) == {}
    # among several, a negligible one is not starred although its interval overlaps the best's
    both = {
        "reform_a": {"silo_index": _est(-0.012, 0.01)},  # 2.4% of 0.5
        "reform_b": {"silo_index": _est(-0.004, 0.003)},  # 0.8%: overlaps a's interval
    }
    refs = {"reform_a": {"silo_index": 0.5}, "reform_b": {"silo_index": 0.5}}
    assert best_variants(both, set(), ["silo_index"], refs) == {"silo_index": {"reform_a"}}


def test_summary_and_effects_columns_print_one_number_of_decimals(results, tmp_path):
    from sim.report import build

    page, _ = build(results)
    summary = page.split("<section id='summary'>")[1].split("<details>")[0]
    for m in ("silo_index", "trips_per_service", "total_it_spending"):
        cells = re.findall(rf"data-m='{m}'>(-?[0-9][0-9,]*(?:\.([0-9]+))?)", summary)
        assert len(cells) >= 4 and len({len(d) for _, d in cells}) == 1, (m, cells)


def test_time_series_bands_stay_within_what_a_measure_can_take(tmp_path):
    """Two seeds give a wide t interval: a share's band stops at 0 and 1, a count's at 0."""
    from sim.report.load import Results
    from sim.report.stats import band

    runs = pd.DataFrame({"run_id": ["a", "b"], "variant": "v", "scenario": "v", "status": "ok"})
    ts = pd.DataFrame(
        {"run_id": ["a", "b"], "step": 1, "online_rate": [0.01, 0.09], "one_trip_rate": [0.91, 0.99]}
        | {"approval_backlog": [0.0, 2.0], "user_rating": [1.1, 1.5]}
    )
    res = Results(tmp_path, {}, runs, ts, ts, None, [], [], ["v"])
    low, high, count, stars = (band(res, m).iloc[0] for m in ts.columns[2:])
    assert low["lo"] == 0 and low["hi"] < 1 and low["mean"] == pytest.approx(0.05)
    assert high["hi"] == 1 and high["lo"] > 0
    assert count["lo"] == 0 and count["hi"] > 2
    assert stars["lo"] == 1  # stars 1-5
