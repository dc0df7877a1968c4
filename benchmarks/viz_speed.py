"""Speed of the viz page (issue 5): first paint and one Step, in headless Chromium.

    python -m benchmarks.viz_speed [--scenario guangdong] [--skip 9] [--steps 6] [--drill-steps 5]

Starts `govsim viz`'s server on a free local port and waits until it answers (not timed),
then times:
- first paint: from navigation to the network figure and the charts drawn (a fresh page,
  so the server builds the page's components and its model from scratch);
- step (aggregated view): after Reset and `--skip` untimed steps (Guangdong's bureaus,
  unified approval and the operating company start at months 6-12, and the network only
  gets busy then), one click on Step until the step counter and summary show the new
  month and both plotly figures hold only the new month's traces; median and worst of
  `--steps` clicks;
- drill-down: the switch from the aggregated view to city 0, then `--drill-steps` more
  steps with every agency of city 0 and its counties drawn.

It also profiles one step on the server side, without a browser (`server`): the model's
step, reading the model for the view, building each figure, and the JSON the figures
would be if sent whole (what one step would cost without the in-place figure updates).
Goals: first paint < 10 s, step < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from sim.viz.browser import CHROMIUM_ARGS, chromium_path, running_server, wait_for_month

PAINTED = """() => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (plots.length < 2) return false;
  const text = Array.from(plots).map(p => p.textContent).join(' ');
  return text.includes('governments') && text.includes('silo_index');
}"""
DRILLED = """() => { const d = document.querySelector('.js-plotly-plot').data || [];
  return d.some(t => (t.name || '').startsWith('agencies'))
    && !d.some(t => (t.name || '').startsWith('governments')); }"""


def _timed_steps(page, first: int, n: int) -> list[float]:
    times = []
    for k in range(first, first + n):
        t0 = time.perf_counter()
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_month(page, k)
        times.append(time.perf_counter() - t0)
    return times


def measure(scenario: str = "guangdong", steps: int = 6, skip: int = 9, drill_steps: int = 5) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed (make browser)")
    out: dict = {"case": "viz", "scenario": scenario}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(scenario, log=Path(tmp) / "server.log") as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1344, "height": 900})  # a common laptop
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_function(PAINTED, timeout=60_000, polling=50)
            out["first_paint_s"] = round(time.perf_counter() - t0, 3)

            page.get_by_role("button", name="Reset", exact=True).click()
            wait_for_month(page, 0)
            page.wait_for_function(PAINTED, timeout=30_000)
            _timed_steps(page, 1, skip)  # not timed: the early months are the quiet ones
            times = _timed_steps(page, skip + 1, steps)
            out["months_timed"] = f"{skip + 1}-{skip + steps}"
            out["step_median_s"] = round(statistics.median(times), 3)
            out["step_max_s"] = round(max(times), 3)

            t0 = time.perf_counter()
            page.get_by_role("button", name="Network view").click()
            page.get_by_role("option", name=re.compile(r"^city 0 and")).click()
            page.wait_for_function(DRILLED, timeout=30_000, polling=20)
            out["drill_open_s"] = round(time.perf_counter() - t0, 3)
            times = _timed_steps(page, skip + steps + 1, drill_steps)
            out["drill_months_timed"] = f"{skip + steps + 1}-{skip + steps + drill_steps}"
            out["drill_step_median_s"] = round(statistics.median(times), 3)
            out["drill_step_max_s"] = round(max(times), 3)
        finally:
            browser.close()
    out["server"] = server_profile(scenario, skip + 1, steps)
    out["goal_first_paint_s"], out["goal_step_s"] = 10.0, 1.0
    out["ok"] = out["first_paint_s"] < 10.0 and max(out["step_median_s"], out["drill_step_median_s"]) < 1.0
    return out


def server_profile(scenario: str, first: int, steps: int) -> dict:
    """Median seconds per step of each server-side phase, months `first`.. (no browser)."""
    os.environ.setdefault("GOVSIM_VIZ_SCENARIO", scenario)
    from sim.viz.charts import measures_figure
    from sim.viz.network_view import aggregated_view, drilldown_view, network_figure, snapshot
    from sim.viz.params import VizModel

    m = VizModel(preset=scenario)
    for _ in range(first - 1):
        m.step()
    phases: dict[str, list[float]] = {k: [] for k in ("model_step", "snapshot", "aggregated", "drilldown", "charts")}
    sizes: dict[str, int] = {}
    for _ in range(steps):
        marks = [time.perf_counter()]
        m.step()
        marks.append(time.perf_counter())
        snapshot(m)
        marks.append(time.perf_counter())
        agg = network_figure(aggregated_view(m), month=m.steps)
        marks.append(time.perf_counter())
        drill = network_figure(drilldown_view(m, 1), month=m.steps)
        marks.append(time.perf_counter())
        charts = measures_figure(m.datacollector.get_model_vars_dataframe())
        marks.append(time.perf_counter())
        for k, a, b in zip(phases, marks, marks[1:], strict=False):
            phases[k].append(b - a)
        figures = {"aggregated": agg, "drilldown": drill, "charts": charts}
        sizes = {k: len(f.to_json()) // 1000 for k, f in figures.items()}
    out = {f"{k}_s": round(statistics.median(v), 4) for k, v in phases.items()}
    out |= {f"{k}_full_json_kB": v for k, v in sizes.items()}
    return out


def main() -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="guangdong")
    p.add_argument("--steps", type=int, default=6, help="timed steps in the aggregated view")
    p.add_argument("--skip", type=int, default=9, help="untimed steps after Reset")
    p.add_argument("--drill-steps", type=int, default=5, help="timed steps drilled into city 0")
    a = p.parse_args()
    r = measure(a.scenario, a.steps, a.skip, a.drill_steps)
    print(json.dumps(r, indent=1))
    print(
        f"{a.scenario}: first paint {r['first_paint_s']} s (goal < 10); step (months {r['months_timed']}) "
        f"median {r['step_median_s']} s, worst {r['step_max_s']} s; drilled into city 0 (months "
        f"{r['drill_months_timed']}) median {r['drill_step_median_s']} s, worst {r['drill_step_max_s']} s (goal < 1)"
    )
    return r


if __name__ == "__main__":
    main()
