"""One-window acceptance, "at most one trip" (最多跑一次 / 一窗受理, seed 004 §2.2 Zhejiang).

Re-engineered services (`services_share` of kinds) are accepted at one window, up to the
window's monthly capacity — "let data run instead of people". The back office can only
fetch data that flows: over a link its provider decided to share (the provider's own
sharing decision toward the handling agency, opened to the window where the handler lacks
the application to exchange; the provider pays the link's cost: `processes/sharing.py`),
or from a copy held elsewhere (a base library, opened data); each dataset it fetches takes window
time (`agents.fetch_effort`), so the window serves fewer applicants where links are
missing, and a dataset it cannot fetch the applicant still brings (`processes/demand.py`).
"""

from __future__ import annotations

import numpy as np

from ..schema import Fraction, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    services_share: Fraction
    window_capacity: NonNeg
    cost_per_window: NonNeg


@register
class OneWindow(Reform):
    key = "one_window"
    title = "One window, at most one trip"
    seeds = "004 §2"
    Params = Params

    def activate(self, model) -> None:
        s, p = model.structure, self.p
        n = len(s.svc_level)
        chosen = model.rng.permutation(n)[: round(p.services_share * n)]
        model.rules.reengineered[chosen] = True
        handling = np.unique(s.inst_gov)
        model.rules.window_capacity[handling] += p.window_capacity
        model.fixed_costs["one_window"] = len(handling) * p.cost_per_window
