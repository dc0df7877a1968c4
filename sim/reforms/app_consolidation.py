"""Mobile app consolidation (应用整合, seed 003 problems and remedies; 粤省事, seed 001 §4).

One government app per government at `level` (built over `build_months`) takes in the
departmental apps beneath it, `merge_per_month` of those left each month; new departmental
apps go into it instead of being built.
"""

from __future__ import annotations

import numpy as np

from ..schema import Count, Fraction, Name, NonNeg, ReformParams
from ..state import MOBILE
from .base import Reform, register


class Params(ReformParams):
    level: Name
    build_months: Count
    merge_per_month: Fraction
    run_cost: NonNeg


@register
class AppConsolidation(Reform):
    key = "app_consolidation"
    title = "Mobile app consolidation"
    seeds = "003, 001 §4"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        self.started = model.month
        s = model.structure
        lv = s.levels.index(self.p.level)
        self.apps = s.governments_at(lv)
        self.covered = s.gov_ancestor[:, lv] >= 0

    def step(self, model) -> None:
        p, st, s = self.p, model.state, model.structure
        if model.month - self.started + 1 <= p.build_months:
            return
        model.gov_apps.count = len(self.apps)
        model.gov_apps.reach = self.covered.copy()
        model.spend["operations"] += len(self.apps) * p.run_cost
        apps = np.flatnonzero(st.own[:, MOBILE] & self.covered[s.agency_gov])
        merge = apps[model.rng.random(len(apps)) < p.merge_per_month]
        st.own[merge, MOBILE] = False
        st.reuse[merge, MOBILE] = True
        st.merged_app[merge] = True
