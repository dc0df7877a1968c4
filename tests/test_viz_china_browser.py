"""`govsim viz china` in a real browser: run the 31 provinces, step the years, switch a mechanism off.

Same set-up as tests/test_viz_browser.py: the page is served by `running_server` (the command
`govsim viz` builds, on a free local port) and driven through Playwright with Debian's chromium.
"""

from __future__ import annotations

import json
import re

import pytest

from sim.viz.browser import CHROMIUM_ARGS, chromium_path, running_server

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")
OFFLINE = re.compile(r"Script error for \"/_solara/cdn/")
"""solara's Markdown fetches KaTeX through its CDN proxy; with no network (this sandbox) that
script fails to load, which says nothing about the page."""
RUN_TIMEOUT = 240_000  # ms: one coupled 132-month run of 31 province models (10-60 s on 2 loaded cores)

MAP_STATES = """() => {
  const map = document.querySelectorAll('.js-plotly-plot')[0];
  const title = map.layout.title.text || map.layout.title;
  const n = {};
  for (const t of map.data) n[t.name] = (t.hovertext || []).filter(x => x).length;
  return {title: String(title), n: n};
}"""
CURVE_LAST = """() => {
  const fig = document.querySelectorAll('.js-plotly-plot')[1];
  const out = {};
  for (const t of fig.data)
    if (t.name && t.x && t.x.length) out[t.name] = {last: String(t.x[t.x.length - 1]), y: t.y[t.y.length - 1]};
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("viz-china") / "server.log"
    with running_server("china", log=log) as url:
        yield url


def _year_shown(page, year: int) -> None:
    """Wait until the map's title and every one of its traces show `year` (the widget updates
    the layout before the data) and the curves run to the end of that year."""
    page.wait_for_function(
        f"""() => {{ const p = document.querySelectorAll('.js-plotly-plot');
          if (p.length < 2) return false;
          if (!String(p[0].layout.title.text || p[0].layout.title).endsWith('end of {year}')) return false;
          if (!p[0].data.every(t => t.meta === 'end of {year}')) return false;
          return p[1].data.some(t => t.x && t.x.length && String(t.x[t.x.length - 1]).startsWith('{year}-12')); }}""",
        timeout=30_000,
    )


def _press_run(page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()


def _set_year(page, year: int) -> None:
    """Move the year slider with the keyboard (Vuetify sliders take Home, End and arrow keys)."""
    thumb = page.locator(".v-slider__thumb-container").first
    thumb.focus()
    now = int(page.locator(".v-slider__thumb-label").first.inner_text())
    key = "ArrowRight" if year > now else "ArrowLeft"
    for _ in range(abs(year - now)):
        page.keyboard.press(key)
    _year_shown(page, year)


@pytest.mark.timeout(600)
def test_run_steps_the_years_and_a_mechanism_switch_changes_the_map(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1344, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))  # CDN scripts: see OFFLINE below
            page.goto(server)
            page.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
            before = page.inner_text("body")

            _press_run(page)
            page.wait_for_selector(".js-plotly-plot", timeout=RUN_TIMEOUT)
            _year_shown(page, 2018)
            y2018 = page.evaluate(MAP_STATES)
            curves2018 = page.evaluate(CURVE_LAST)
            _set_year(page, 2024)
            y2024 = page.evaluate(MAP_STATES)
            curves2024 = page.evaluate(CURVE_LAST)
            page.screenshot(path=str(tmp_path / "viz-china.png"), full_page=True)

            # the central mandates switched off, run again: the 2024 map changes
            page.get_by_text("central_mandates", exact=True).click()
            _press_run(page)
            shown = json.dumps(json.dumps(y2024["n"], separators=(",", ":")))  # as JSON.stringify writes it
            page.wait_for_function(f"() => JSON.stringify(({MAP_STATES})().n) !== {shown}", timeout=RUN_TIMEOUT)
            off2024 = page.evaluate(MAP_STATES)
        finally:
            browser.close()

    assert "Press Run" in before
    assert sum(y2018["n"].values()) == 31 and sum(y2024["n"].values()) == 31, (y2018, y2024)
    unified = lambda s: s["n"].get("unified", 0) + s["n"].get("unified+services", 0)  # noqa: E731
    assert unified(y2018) == 0 < unified(y2024), (y2018, y2024)  # no unified department before 2022
    assert re.match(r"2018-12", curves2018["with_body"]["last"]) and re.match(
        r"2024-12", curves2024["with_body"]["last"]
    )
    assert unified(off2024) < unified(y2024), (off2024, y2024)  # without mandates unification stalls
    assert not [e for e in errors if not OFFLINE.search(e)], errors
