"""How the report's tables print numbers: one number of decimals per column, no negative zero."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def decimals_for(values: Iterable[float | None]) -> int:
    """Decimals for a column, set by its largest magnitude: 1,234 · 123.4 · 12.34 · 1.23 ·
    0.123. One count per column, so 3.50 sits under 3.71 rather than 3.5."""
    finite = [abs(float(v)) for v in values if v is not None and np.isfinite(v)]
    top = max(finite, default=0.0)
    return 0 if top >= 1000 else 1 if top >= 100 else 2 if top >= 1 else 3


def num(x: float | None, decimals: int | None = None) -> str:
    """A number with `decimals` decimals (default: as its own column of one), thousands
    separated; '–' when missing."""
    if x is None or not np.isfinite(x):
        return "–"
    d = decimals_for([x]) if decimals is None else decimals
    s = f"{x:,.{d}f}"
    # a tiny negative rounds to "-0.000": no sign on a shown zero
    return s[1:] if s.startswith("-") and float(s.replace(",", "")) == 0 else s


def shows_as_zero(x: float, decimals: int) -> bool:
    """Whether `x` prints as zero with `decimals` decimals."""
    return float(num(x, decimals).replace(",", "")) == 0
