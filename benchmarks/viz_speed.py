"""Speed of the viz page (issue 5): first paint and one Step, in headless Chromium.

    python -m benchmarks.viz_speed [--scenario guangdong] [--steps 5]

Starts `govsim viz`'s server on a free local port and waits until it answers (not timed),
then times:
- first paint: from navigation to the network figure and the charts drawn (a fresh page,
  so the server builds the page's components and its model from scratch);
- step: one click on Step until the step counter and summary show the new month and both
  plotly figures hold only the new month's traces (median and worst of `--steps` clicks, after Reset).
Goals: first paint < 10 s, step < 1 s.
"""

from __future__ import annotations

import argparse
import json
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


def measure(scenario: str = "guangdong", steps: int = 5) -> dict:
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
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_function(PAINTED, timeout=60_000, polling=50)
            out["first_paint_s"] = round(time.perf_counter() - t0, 3)

            page.get_by_role("button", name="Reset", exact=True).click()
            wait_for_month(page, 0)
            page.wait_for_function(PAINTED, timeout=30_000)
            times = []
            for k in range(1, steps + 1):
                t0 = time.perf_counter()
                page.get_by_role("button", name="Step", exact=True).click()
                wait_for_month(page, k)
                times.append(time.perf_counter() - t0)
            out["step_median_s"] = round(statistics.median(times), 3)
            out["step_max_s"] = round(max(times), 3)
            out["steps_timed"] = steps
        finally:
            browser.close()
    out["goal_first_paint_s"], out["goal_step_s"] = 10.0, 1.0
    out["ok"] = out["first_paint_s"] < 10.0 and out["step_median_s"] < 1.0
    return out


def main() -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="guangdong")
    p.add_argument("--steps", type=int, default=5)
    a = p.parse_args()
    r = measure(a.scenario, a.steps)
    print(json.dumps(r, indent=1))
    print(
        f"{a.scenario}: first paint {r['first_paint_s']} s (goal < 10), "
        f"step median {r['step_median_s']} s, worst {r['step_max_s']} s (goal < 1)"
    )
    return r


if __name__ == "__main__":
    main()
