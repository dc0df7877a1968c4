"""Leading group and chief data officer (一把手 / 数长制, seed 000 §3.1, seed 002 §2).

The head of government presses agencies to share: refusing a requested link costs the
provider `pressure` per month at the levels where a chief data officer sits.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..schema import Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    pressure: NonNeg


@register
class Leadership(Reform):
    key = "leadership"
    title = "Leadership group / chief data officer"
    seeds = "000 §3.1, 002 §2"
    Params = Params

    def activate(self, model) -> None:
        s = model.structure
        for lv in self.p.levels:
            model.rules.pressure[s.gov_level == s.levels.index(lv)] += self.p.pressure
