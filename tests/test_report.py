"""The HTML report: built from stored sweep results only, checked against the Parquet files,
robust to partial results, and rendered in a real browser."""

from __future__ import annotations

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
    real = sim.api.run_timeseries
    doomed = {r.seed for r in runs if r.replication > 0}

    def flaky(scenario, seed=None, steps=None, **overrides):
        if scenario == "reform_unified_approval" and seed in doomed:
            raise RuntimeError("injected failure")
        return real(scenario, seed=seed, steps=steps, **overrides)

    sim.api.run_timeseries = flaky
    try:
        summary = run_design(runs, store, InlineExecutor(), progress=False)
    finally:
        sim.api.run_timeseries = real
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
    assert 'lang="zh-CN"' in text and "信息孤岛指数" in text and "相对基线的效果" in text


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
            page = browser.new_page()
            errors, requests = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('div.plotly-graph-div .main-svg').length >= {len(data['figures'])}",
                timeout=60_000,
            )
            rendered = page.eval_on_selector_all(
                "div.plotly-graph-div", "els => els.map(e => [e.id, e.querySelectorAll('.main-svg').length])"
            )
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert [r for r in requests if not r.startswith("file:")] == []  # offline: nothing fetched
    assert {f"fig-{f}" for f in data["figures"]} == {i for i, n in rendered if n > 0}
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
    svgs = sorted((tmp_path / "fig").glob("*.svg"))
    assert {p.stem for p in svgs} >= {"timeseries", "tradeoffs"}
    assert all(p.read_text().lstrip().startswith("<svg") for p in svgs)


def test_a_provincial_model_is_compared_with_its_own_counterfactual_first():
    from types import SimpleNamespace

    from sim.report.html import references

    runs = pd.DataFrame({"scenario": ["baseline", "provincial", "guangdong", "guangdong_before", "zhejiang"]})
    ref, mismatched = references(SimpleNamespace(runs=runs, experiment={}), "baseline")
    assert ref["guangdong"] == "guangdong_before"  # same preset, every reform off
    assert ref["baseline"] == "baseline"
    assert ref["provincial"] == "provincial" and "provincial" not in mismatched  # a reference itself: no effect row
    assert ref["zhejiang"] == "baseline" and "zhejiang" in mismatched  # no same-size reform-free run: said so
