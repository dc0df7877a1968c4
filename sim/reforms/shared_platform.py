"""Shared platform layers (三层平台: infrastructure, data resources, application support;
seed 001 §3, seed 004 §2.1, §2.3; Guizhou's one cloud 云上贵州).

Each government at `level` builds the listed layers over `build_months`, then connects the
governments beneath it, upper levels first, `rollout_per_month` a month. A connected
agency can use the layer instead of its own system; on the data layer a provider pays the
fixed connection once instead of a link per partner (李永忠 et al. 2017). With
`mandatory_migration` agencies' own machine rooms move onto the cloud (迁云).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from ..fiscal import province_builds_for
from ..schema import LAYERS, Count, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    layers: Annotated[list[Literal[LAYERS]], Field(min_length=1)]
    level: Name
    build_months: Count
    build_cost: NonNeg
    run_cost: NonNeg
    rollout_per_month: Annotated[int, Field(ge=1)]
    connection_cost: NonNeg
    mandatory_migration: bool
    province_builds_below: NonNeg


@register
class SharedPlatform(Reform):
    key = "shared_platform"
    title = "Shared platform layers"
    seeds = "001 §3, 004 §2"
    Params = Params
    needs_coordinator = True

    def prepare(self, model) -> None:
        model.platforms.planned = True  # proposals frozen until the platform is built wait for it

    def activate(self, model) -> None:
        from ..state import INFRA, LAYER_OF_KIND, SUPPORT  # here, not at the top: the schema loads without numba

        s, p, pf = model.structure, self.p, model.platforms
        self.layers = np.array([LAYERS.index(x) for x in p.layers])
        lv = s.levels.index(p.level)
        pf.gov = s.governments_at(lv)
        pf.ready = np.zeros((len(pf.gov), len(LAYERS)), bool)
        covered = province_builds_for(s, lv, p.province_builds_below)
        for kind in (INFRA, SUPPORT):
            pf.province_built[:, kind] = covered & (LAYER_OF_KIND[kind] in self.layers)
        # per government: its place in the order its platform connects them, upper levels first
        # (the governments no platform serves never connect)
        self.rank = np.full(s.n_gov, np.iinfo(np.int64).max, np.int64)
        self.order = []  # per platform: the governments it connects, in that order
        for j, g in enumerate(pf.gov):
            sub = np.flatnonzero(s.gov_ancestor[:, lv] == g)
            # upper levels first; within a level, those the province builds for first
            sub = sub[np.lexsort((sub, ~covered[sub], s.gov_level[sub]))]
            pf.of_gov[sub] = j
            self.rank[sub] = np.arange(len(sub))
            self.order.append(sub)
        self.started = model.month
        pf.connection_cost = p.connection_cost
        self._run_by_market = (None, None)  # (cost a platform, (G) each market's platforms' running cost)

    def step(self, model) -> None:
        p, s, pf = self.p, model.structure, model.platforms
        elapsed = model.month - self.started + 1
        n = len(pf.gov)
        pf.run_by_market[:] = 0.0
        if elapsed <= p.build_months:
            model.spend["platform"] += n * len(self.layers) * p.build_cost / p.build_months
            return
        pf.ready[:, self.layers] = True
        connected = (elapsed - p.build_months) * p.rollout_per_month
        # the first `connected` governments of each platform's order reach its layers (a
        # connection is never undone)
        pf.reach[:, self.layers] |= (self.rank < connected)[:, None]
        run = len(self.layers) * p.run_cost
        model.spend["platform"] += n * run
        if self._run_by_market[0] != run:  # the platforms' markets never change: added up again only if the cost does
            by_market = np.zeros_like(pf.run_by_market)
            np.add.at(by_market, s.gov_market[pf.gov], run)
            self._run_by_market = (run, by_market)
        pf.run_by_market[:] = self._run_by_market[1]
        if p.mandatory_migration and LAYERS.index("infrastructure") in self.layers:
            from .kernels import migrate_rooms  # compiled: here, the schema loads without numba

            st = model.state
            migrate_rooms(st.own, st.reuse, pf.reach[:, LAYERS.index("infrastructure")], s.n_lines)
