"""Government technical-support institutions (技术保障机构, seed 000 §3.1, §3.2, §3.4).

Government staff who keep technical control: they oversee outsourced systems (each staff
member covers `span` systems at their skill), enforce public ownership of data (seed 002
§7), and help agencies specify projects, lifting delivered quality by `quality_support`
of the gap to perfect.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..schema import Fraction, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    staff: NonNeg
    skill: Fraction
    span: NonNeg
    quality_support: Fraction


@register
class TechSupportInstitution(Reform):
    key = "tech_support_institution"
    title = "Technical-support institution"
    seeds = "000 §3.1, §3.4"
    Params = Params

    def activate(self, model) -> None:
        s, p = model.structure, self.p
        at = np.isin(s.gov_level, [s.levels.index(lv) for lv in p.levels])
        tsi = model.tech_support
        tsi.staff[at] = p.staff
        tsi.skill[at] = p.skill
        tsi.span = p.span
        tsi.quality_support = p.quality_support
        model.fixed_costs["tech_support_institution"] = float(at.sum() * p.staff * model.spec.agents.staff_wage)
