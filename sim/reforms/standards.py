"""Unified data and interface standards (seed 002 §1, seed 000 §3.4; Lee 2010).

Standards cut the cost of every integration (sharing links, platform connections) and
make existing systems compatible, so an open agency can reuse one instead of building —
the decentralised route to interoperability.
"""

from __future__ import annotations

from ..schema import Fraction, ReformParams
from .base import Reform, register


class Params(ReformParams):
    cost_reduction: Fraction
    compatibility: Fraction


@register
class Standards(Reform):
    key = "standards"
    title = "Unified data and interface standards"
    seeds = "002 §1, 000 §3.4"
    Params = Params

    def activate(self, model) -> None:
        model.rules.link_cost_factor *= 1 - self.p.cost_reduction
        model.rules.compatibility = max(model.rules.compatibility, self.p.compatibility)
