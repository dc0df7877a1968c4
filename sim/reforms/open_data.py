"""Open public data (公共数据开放, seed 003 remedies, seed 002 §7).

Public datasets open to every firm, `open_per_month` of them a month up to `max_share`:
whoever runs the platform no longer holds the data exclusively.
"""

from __future__ import annotations

from ..schema import Fraction, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    open_per_month: Fraction
    max_share: Fraction
    cost: NonNeg


@register
class OpenData(Reform):
    key = "open_data"
    title = "Open data"
    seeds = "003, 002 §7"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        model.fixed_costs["open_data"] = self.p.cost

    def step(self, model) -> None:
        share = model.openness.share
        share[:] = min(self.p.max_share, float(share.max()) + self.p.open_per_month)
