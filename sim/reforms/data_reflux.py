"""Data reflux (数据属地回流, seed 000 §2.3 and §3.3).

Vertically managed lines hold local records at the top of the tree. Reflux returns a copy,
government by government in random order, `share_per_month` of the pending returns a
month. While its copy is current, the local agency of the line provides the data to its
neighbours from it, as a horizontal partner instead of a distant vertical one (and must
itself decide to share, §7.2). A copy ages: it stays current for `max_age` months after
its last refresh. Each month the local agencies ask the line's top agency to refresh their
copies; the top agency refreshes when it is open to sharing, a guarded one only with
probability `refresh_compliance` (the reflux mandate from above), each refresh costing
`refresh_cost`. A stale copy is not used: the line's data again comes from the top.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..schema import Count, Fraction, Name, NonNeg, ReformParams
from .base import Reform, register

NEVER = -(10**6)


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    share_per_month: Fraction
    max_age: Count
    refresh_compliance: Fraction
    refresh_cost: NonNeg


@register
class DataReflux(Reform):
    key = "data_reflux"
    title = "Data reflux to localities"
    seeds = "000 §2.3, §3.3"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        s = model.structure
        levels = [s.levels.index(lv) for lv in self.p.levels]
        cand = np.flatnonzero(s.line_vertical[s.agency_line] & np.isin(s.agency_level, levels) & (s.agency_gov != 0))
        self.order = model.rng.permutation(cand)  # of the returns: returned, then pending (slices of it)
        self.pending = self.order
        self.per_month = int(np.ceil(self.p.share_per_month * len(cand)))
        self.returned = self.order[:0]  # agencies holding a returned copy
        self.refreshed = np.full(s.n_agencies, NEVER, np.int64)  # month of each copy's last refresh

    def step(self, model) -> None:
        taken = min(len(self.returned) + self.per_month, len(self.order))
        batch, self.pending = self.order[len(self.returned) : taken], self.order[taken:]
        self._refresh(model)
        self.refreshed[batch] = model.month
        self.returned = self.order[:taken]
        model.state.refluxed = self._current(model.month)

    def _current(self, month: int) -> np.ndarray:
        """(N) the agency holds a current copy: refreshed in the last `max_age` months. Only a returned copy is
        ever refreshed (the others' month stays NEVER), so all agencies are compared at once unless the
        oldest current month reaches back to NEVER."""
        oldest = month - self.p.max_age + 1
        if oldest > NEVER:
            return self.refreshed >= oldest
        current = np.zeros(len(self.refreshed), bool)
        current[self.returned] = self.refreshed[self.returned] >= oldest
        return current

    def _refresh(self, model) -> None:
        """The line's top agency refreshes the copies it returned: an open one always, a
        guarded one when the mandate makes it comply."""
        if len(self.returned) == 0:
            return
        from .kernels import refresh_copies  # compiled: here, the schema loads without numba

        s, st = model.structure, model.state
        draw = model.rng.random(len(self.returned))  # a guarded top agency's compliance
        done = refresh_copies(
            self.returned, draw, self.p.refresh_compliance, st.open, s.agency_line, self.refreshed, model.month
        )
        model.spend["sharing"] += done * self.p.refresh_cost
