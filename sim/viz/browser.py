"""Drive the page from a headless Chromium: shared by the browser test and the benchmark.

Uses Debian's `/usr/bin/chromium` through Playwright (never `playwright install`).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .charts import KEY_MEASURES
from .cli import server_command

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_NUM = r"(-?[\d,]+(?:\.\d+)?|n/a)"
_ROW = re.compile(r"^\s*(" + "|".join(KEY_MEASURES) + r")\s+" + _NUM + r"\s+" + _NUM + r"\s", re.M)


def chromium_path() -> str | None:
    """Debian's Chromium, or None when it is not installed."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@contextlib.contextmanager
def running_server(scenario: str = "baseline", timeout: float = 60.0, log: Path | None = None) -> Iterator[str]:
    """Serve the page on a free local port; yield its address; always stop the server."""
    cmd, env, url = server_command(scenario, "127.0.0.1", 0)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the viz server exited with code {proc.returncode}: {' '.join(cmd)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from {url} after {timeout:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if log:
            out.close()


def read_measures(text: str) -> dict[str, tuple[float, float]]:
    """Key measures shown in the summary table: name -> (month 0, now)."""

    def num(s: str) -> float:
        return float(s.replace(",", "")) if s != "n/a" else float("nan")

    return {m.group(1): (num(m.group(2)), num(m.group(3))) for m in _ROW.finditer(text)}


def month_drawn(month: int) -> str:
    """JS predicate: Mesa's step counter and the summary show `month`, and every plotly
    figure holds only that month's traces (each trace carries `meta = "month N"`; the
    widget updates the layout before the data, so titles alone are not enough)."""
    return f"""() => {{
      const t = document.body.innerText;
      if (!t.includes('Time: {month}.0') || !t.includes('month {month} of')) return false;
      const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
      return plots.length >= 2 && plots.every(p => p.data && p.data.length > 0
        && p.data.every(d => d.meta === 'month {month}'));
    }}"""


def wait_for_month(page, month: int, timeout: float = 20_000) -> None:
    """Wait until the page shows `month` everywhere (see `month_drawn`)."""
    page.wait_for_function(month_drawn(month), timeout=timeout, polling=20)
