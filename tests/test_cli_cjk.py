"""The Chinese report's text really renders in Chromium (issue 12 point 13).

Without a CJK font Chromium draws every Chinese character as the same missing-glyph box,
so two different characters give the same pixels. The test draws pairs of characters the
report uses, in the fonts the page and its figures ask for, and requires different pixels;
and it checks that the characters of the page's headings are not all as wide as that box.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

TINY = """
[experiment]
name = "tiny_zh"
scenarios = ["baseline"]
replications = 2
steps = 2
seed = 3
"""

# draw `a` and `b` in `font` on two canvases; equal pixels = both are the missing-glyph box
SAME_PIXELS = """([a, b, font]) => {
  const draw = (ch) => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.font = '48px ' + font;
    g.fillStyle = '#000';
    g.fillText(ch, 4, 52);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
  };
  return draw(a) === draw(b);
}"""

# the widths of a heading's characters, each in its own span, in the heading's own font
GLYPH_WIDTHS = """(el) => {
  const text = Array.from(el.textContent).filter(ch => /[\\u4e00-\\u9fff]/.test(ch)).slice(0, 12);
  const box = document.createElement('span');
  box.style.font = getComputedStyle(el).font;
  box.style.whiteSpace = 'pre';
  document.body.appendChild(box);
  const widths = text.map(ch => { box.textContent = ch; return box.getBoundingClientRect().width; });
  box.textContent = '\\u{10FFFD}';  // a private-use code point: the missing-glyph box
  const tofu = box.getBoundingClientRect().width;
  box.remove();
  return [widths, tofu];
}"""


@pytest.fixture(scope="module")
def zh_report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("zh")
    (base / "tiny.toml").write_text(TINY)
    out = base / "results"
    assert main(["sweep", str(base / "tiny.toml"), "--out", str(out), "--workers", "1", "-q"]) == 0
    page = base / "zh.html"
    assert main(["report", str(out), "-o", str(page), "--lang", "zh"]) == 0
    return page


def test_chinese_report_text_renders_as_glyphs_not_boxes(zh_report):
    playwright = pytest.importorskip("playwright.sync_api")
    from sim.viz.browser import CHROMIUM_ARGS, chromium_path

    chromium = chromium_path()
    if chromium is None:
        pytest.skip("no Chromium (make browser installs Debian's)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(zh_report.as_uri())
            page.wait_for_selector("h1")
            body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
            figure_font = page.evaluate(
                "(() => { const t = document.querySelector('.main-svg text');"
                " return t ? getComputedStyle(t).fontFamily : 'sans-serif'; })()"
            )
            for font in {body_font, figure_font, "sans-serif"}:
                for a, b in (("万", "元"), ("信", "息"), ("孤", "岛")):
                    assert not page.evaluate(SAME_PIXELS, [a, b, font]), (
                        f"{a} and {b} draw the same pixels in {font}: no CJK font (install fonts-noto-cjk)"
                    )
            widths, tofu = page.eval_on_selector("h1", GLYPH_WIDTHS)
            assert widths, "the Chinese report's title has no Chinese characters"
            assert any(abs(w - tofu) > 0.5 for w in widths), (widths, tofu)
        finally:
            browser.close()


def test_report_warns_when_no_chinese_font_is_installed(zh_report, monkeypatch, capsys):
    from sim.report import cli as report_cli

    monkeypatch.setattr(report_cli, "has_cjk_font", lambda: False)
    results = zh_report.parent / "results"
    assert main(["report", str(results), "-o", str(zh_report.parent / "again.html"), "--lang", "zh"]) == 0
    assert "no Chinese font found" in capsys.readouterr().err
    monkeypatch.setattr(report_cli, "has_cjk_font", lambda: True)
    assert main(["report", str(results), "-o", str(zh_report.parent / "again.html"), "--lang", "zh"]) == 0
    assert "Chinese font" not in capsys.readouterr().err


def test_the_check_sees_boxes_when_chromium_has_no_cjk_font(zh_report, tmp_path):
    """The same check, with fontconfig limited to Latin fonts, finds the boxes: it can fail."""
    playwright = pytest.importorskip("playwright.sync_api")
    from sim.viz.browser import CHROMIUM_ARGS, chromium_path

    latin = Path("/usr/share/fonts/truetype/dejavu")
    if chromium_path() is None or not latin.is_dir():
        pytest.skip("no Chromium or no DejaVu fonts")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{latin}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>'
    )
    import os

    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, env=env)
        try:
            page = browser.new_page()
            page.goto(zh_report.as_uri())
            assert page.evaluate(SAME_PIXELS, ["万", "元", "sans-serif"])
        finally:
            browser.close()
