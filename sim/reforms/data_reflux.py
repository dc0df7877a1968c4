"""Data reflux (数据属地回流, seed 000 §2.3 and §3.3).

Vertically managed lines hold local records at the top of the tree. Reflux returns them,
government by government in random order, `share_per_month` of the pending returns a
month: the local agency of the line then provides the data to its neighbours, as a
horizontal partner instead of a distant vertical one.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..schema import Fraction, Name, ReformParams
from .base import Reform, register


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    share_per_month: Fraction


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
        self.pending = model.rng.permutation(cand)
        self.per_month = int(np.ceil(self.p.share_per_month * len(cand)))

    def step(self, model) -> None:
        batch, self.pending = self.pending[: self.per_month], self.pending[self.per_month :]
        model.state.refluxed[batch] = True
