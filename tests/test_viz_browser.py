"""The viz page in a real browser: reset, toggle a reform, step, and see the measures move."""

from __future__ import annotations

import contextlib
import re

import pytest

from sim.viz.browser import CHROMIUM_ARGS, chromium_path, read_measures, running_server, wait_for_month
from sim.viz.charts import KEY_MEASURES

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")
STEPS = 3
REFORM = "Management/operations separation"  # ops_separation: moves markup and control at once
PRESET = "bureau_centre"  # small, near the top of the menu; its reforms are all off in the baseline


FITS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
  const tile = p.closest('.vue-grid-item').getBoundingClientRect();
  return {tile: [tile.left, tile.right], drawn: p._fullLayout.width,
          right: Math.max(...Array.from(p.querySelectorAll('.main-svg')).map(s => s.getBoundingClientRect().right))};
})"""
BOXES = """() => Array.from(document.querySelectorAll('.v-navigation-drawer .v-input--checkbox')).map(c =>
  [c.innerText.trim(), c.querySelector('input').getAttribute('aria-checked') === 'true'])"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("viz") / "server.log"
    with running_server("baseline", log=log) as url:
        yield url


def _run(page) -> dict[str, tuple[float, float]]:
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_for_month(page, 0)
    for k in range(1, STEPS + 1):
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_month(page, k)
    return read_measures(page.inner_text("body"))


@pytest.mark.timeout(120)
def test_reset_toggle_step_changes_the_measures(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1344, "height": 900})  # a common laptop
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server)
            page.get_by_role("button", name="Step", exact=True).wait_for(timeout=30_000)

            plain = _run(page)  # the shared module-level model may be stepped: Reset first
            page.get_by_text(REFORM, exact=True).click()
            reformed = _run(page)
            text = page.inner_text("body")
            plots = page.locator(".js-plotly-plot").count()
            fits = page.evaluate(FITS)
            page.screenshot(path=str(tmp_path / "viz.png"), full_page=True)

            # drill down into the first city from the menu: its agencies are drawn
            page.get_by_role("button", name="Network view").click()
            page.get_by_role("option", name=re.compile(r"^city 0 and \d+ count")).click()
            page.wait_for_function(
                "(() => { const d = document.querySelector('.js-plotly-plot').data || [];"
                " return d.some(t => t.name.startsWith('agencies')) && !d.some(t => t.name.startsWith('governments'));"
                " })()",
                timeout=15_000,
            )
            drilled = page.locator(".js-plotly-plot").first.text_content()
            hidden = page.evaluate(
                "() => document.querySelector('.js-plotly-plot').data"
                ".filter(t => t.visible === 'legendonly').map(t => t.name)"
            )
            page.screenshot(path=str(tmp_path / "viz-drill.png"), full_page=True)
            # sliders: full width, value shown without dragging
            slider = page.locator(".v-navigation-drawer .v-slider").nth(2)
            slider_width = slider.bounding_box()["width"]
            value_shown = page.locator(".v-navigation-drawer .v-slider__thumb-label").nth(2).is_visible()

            # another preset from the menu runs its own reforms, plus the switch changed above
            page.get_by_role("button", name=re.compile("^Preset")).click()
            page.get_by_role("option", name=PRESET, exact=True).click()
            page.wait_for_function(f"() => document.body.innerText.includes('Reset runs {PRESET}')")
            plan = page.locator(".govsim-plan").inner_text()
            # the checkboxes follow the picked preset in a later server round-trip than the
            # plan line: wait for them (or time out) before reading them
            ticked = f"new Map(({BOXES})()).get('Unified project approval') === true"
            with contextlib.suppress(sync_api.TimeoutError):
                page.wait_for_function(f"() => {ticked}", timeout=15_000)
            boxes = dict(page.evaluate(BOXES))
            page.get_by_role("button", name="Reset", exact=True).click()
            page.wait_for_function(f"() => document.body.innerText.includes('{PRESET} (changed from its file')")
            picked = page.inner_text("body")
        finally:
            browser.close()

    assert set(plain) == set(reformed) == set(KEY_MEASURES)
    assert any(now != first for first, now in plain.values()), "stepping changed nothing on the page"
    assert plain != reformed, "toggling a reform changed nothing"
    assert reformed["operator_markup"][1] != plain["operator_markup"][1]
    assert reformed["government_control"][1] < plain["government_control"][1]
    assert re.search(r"^ops_separation \(added\)\s+0\s", text, re.M)  # summary: reforms on, start month
    assert "baseline (changed from its file: +ops_separation)" in text
    assert plots >= 2  # network view and charts
    for f in fits:  # each figure as wide as its tile, nothing drawn outside it
        assert abs(f["drawn"] - f["tile"][1] + f["tile"][0]) <= 2 and f["right"] <= f["tile"][1] + 1, fits
    assert re.search(r"city 0 and its \d+ counties: \d+ agencies", drilled), drilled[-300:]
    assert "horizontal" in drilled and "active data sharing" in drilled
    hidden = " ".join(hidden)  # contracts and suppliers off until their legend entry is clicked
    assert "contract (" in hidden and "small vendor (" in hidden, hidden
    assert slider_width > 200 and value_shown
    # the sidebar follows the picked preset (its reforms ticked, the launched one's unticked),
    # except the switch the user changed; the line under the menu says what Reset runs
    assert plan.startswith(f"Reset runs {PRESET} (seed ") and "ops_separation" in plan, plan
    assert boxes["Data bureau"] and boxes["Unified project approval"] and boxes[REFORM], boxes
    assert "(changed from its file: +ops_separation)" in picked
    assert f"Running {PRESET} · month 0 of" in picked
    assert all(re.search(rf"^{k}\s+0\s", picked, re.M) for k in ("data_bureau", "unified_approval")), picked[:800]
    assert not errors, errors
    assert (tmp_path / "viz.png").stat().st_size > 20_000
