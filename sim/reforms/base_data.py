"""Base data collected once and shared (基础数据统采共用: population, legal entities,
geography, credit, e-certificates; seed 000 §3.3).

The top coordinating body builds base libraries for the listed lines over `build_months`.
A library is fed by its source agencies — the agencies holding the line's records (for a
vertically managed line, the top of the tree until reflux) — and is only as current as
their updates: each month an open source with a data system (or the platform's data
layer) of at least `min_quality` sends its update; a guarded one complies with the
responsibility list only with probability `guarded_update` (seed 000 §2.3: 依托责任清单
制度推动落实, 数据共享质量难以保证). A copy stays current for `max_age` months after its last
update. A link to a base line is served from the library — whatever the provider's
stance — only while the library holds a current copy of the provider's records, and the
handler has its application (§7.1).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..schema import Count, Fraction, Name, NonNeg, ReformParams
from .base import Reform, register

NEVER = -(10**6)


class Params(ReformParams):
    lines: Annotated[list[Name], Field(min_length=1)]
    build_months: Count
    build_cost: NonNeg
    run_cost: NonNeg
    max_age: Count
    guarded_update: Fraction
    min_quality: Fraction


@register
class BaseData(Reform):
    key = "base_data"
    title = "Base data collected once"
    seeds = "000 §3.3"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        self.started = model.month
        s = model.structure
        lines = np.array([s.lines.index(name) for name in self.p.lines])
        self.source_line = np.isin(s.agency_line, lines)
        self.source_agencies = np.flatnonzero(self.source_line)  # ascending: the structure never changes
        self.updated = np.full(s.n_agencies, NEVER, np.int64)  # month of each source's last update

    def step(self, model) -> None:
        p = self.p
        elapsed = model.month - self.started + 1
        if elapsed <= p.build_months:
            model.spend["platform"] += len(p.lines) * p.build_cost / p.build_months
            return
        model.spend["platform"] += len(p.lines) * p.run_cost
        self._feed(model)
        model.libraries.current = self.updated >= model.month - p.max_age + 1

    def _feed(self, model) -> None:
        """Sources holding records send their update: open ones with data good enough, a
        guarded one only when the responsibility list makes it comply."""
        from .data_kernels import Sources, feed_library, providing  # compiled: the schema loads without numba

        st, p = model.state, self.p
        sources = providing(self.source_agencies, model.links_provided)
        draw = model.rng.random(len(sources))  # who complies, if guarded
        # a standardised data layer meets the library's standard; an own system by its quality
        x = Sources(st.own, st.quality, st.open, model.platforms.reach, model.structure.agency_gov)
        feed_library(sources, draw, tuple(x), p.min_quality, p.guarded_update, self.updated, model.month)
