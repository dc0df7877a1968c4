"""Base data collected once and shared (基础数据统采共用: population, legal entities,
geography, credit, e-certificates; seed 000 §3.3).

The top coordinating body builds base libraries for the listed lines over `build_months`;
afterwards every agency with a line application gets those datasets from the library,
whatever the collecting agency's stance.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..schema import Count, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    lines: Annotated[list[Name], Field(min_length=1)]
    build_months: Count
    build_cost: NonNeg
    run_cost: NonNeg


@register
class BaseData(Reform):
    key = "base_data"
    title = "Base data collected once"
    seeds = "000 §3.3"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        self.started = model.month

    def step(self, model) -> None:
        p = self.p
        elapsed = model.month - self.started + 1
        if elapsed <= p.build_months:
            model.spend["platform"] += len(p.lines) * p.build_cost / p.build_months
            return
        lines = model.structure.lines
        for name in p.lines:
            model.rules.base_lines[lines.index(name)] = True
        model.spend["platform"] += len(p.lines) * p.run_cost
