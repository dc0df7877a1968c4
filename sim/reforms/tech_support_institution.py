"""Government technical-support institutions (技术保障机构, seed 000 §3.1, §3.2, §3.4).

Government staff who keep technical control, through what they do:
- they write the specifications of projects in their government (the government's part in
  specifying them, `control_decision_rights`), lifting delivered quality by
  `quality_support` of the gap to perfect (`planning.start_builds`);
- they put the clause that code and data belong to the government (seed 002 §7: 数据、源代码
  等产权必须归政府所有) into the terms of the projects they specify and of systems rebuilt
  when an agency of their government leaves its operator (`contracts`; a renewal grants no
  rights to what is already built), so a later switch means migrating, not rebuilding;
- they check deliverables (audit information) and return those below `acceptance`;
- they oversee outsourced systems (`span` systems per staff member at their skill), which
  the operating company sees (its markup and data hold), and their staff could run systems
  taken back from a company.
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
    acceptance: Fraction


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

    def step(self, model) -> None:
        """The institution checks what is delivered in its government (the check is audit
        information) and returns deliverables below `acceptance` for rework to it; its wage
        bill follows its staff (some may have moved to run systems taken back)."""
        st, s, tsi = model.state, model.structure, model.tech_support
        here = (tsi.staff > 0)[s.agency_gov]
        delivered = st.own & (st.built == model.month) & here[:, None]
        model.audits.record(delivered, model.month)
        low = delivered & (st.quality < self.p.acceptance)
        st.quality[low] = self.p.acceptance
        model.fixed_costs["tech_support_institution"] = float(tsi.staff.sum() * model.spec.agents.staff_wage)
