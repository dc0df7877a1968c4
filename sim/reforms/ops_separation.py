"""Management/operations separation (管运分离, seed 001 §2, seed 002 §3, seed 004 §2.1).

Creates `companies` operating companies per market (one integrator, or several competing)
with the given ownership mix. Each takes over its share of agencies' operations,
`migration_per_month` agencies a month, upper levels first (分批分步). In-house IT units
are abolished on takeover where `abolish_inhouse` (Guangdong: 44 bodies, 745 posts). The
company's behaviour (markup, data hold) is in `OperatingCompany`.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..schema import Count, Fraction, Month, Name, NonNeg, Positive, ReformParams, Section
from .base import Reform, register


class OwnershipChange(Section):
    month: Month
    state_share: Fraction


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    companies: Count
    state_share: Fraction
    ownership_changes: list[OwnershipChange]
    migration_per_month: Annotated[int, Field(ge=0)]
    abolish_inhouse: bool
    runs_platform: bool
    quality: Fraction
    base_markup: NonNeg
    markup_sensitivity: NonNeg
    markup_adjust: Fraction
    scale_elasticity: Fraction
    scale_reference: Positive
    contract_months: Count
    warranty_months: Count
    staff_to_company: Fraction
    staff_to_bureau: Fraction


@register
class OpsSeparation(Reform):
    key = "ops_separation"
    title = "Management/operations separation"
    seeds = "001, 002 §3, 004 §2"
    Params = Params

    def activate(self, model) -> None:
        from ..agents import OperatingCompany  # here, not at the top: the schema loads without numba or Mesa

        s, p = model.structure, self.p
        levels = [s.levels.index(lv) for lv in p.levels]
        covered = np.flatnonzero(np.isin(s.agency_level, levels))
        # upper levels first, then government order (分批分步)
        covered = covered[np.lexsort((covered, s.agency_level[covered]))]
        markets = s.gov_market[s.agency_gov[covered]]
        for mkt in np.unique(markets):
            mine = covered[markets == mkt]
            made = []
            for _ in range(p.companies):  # each registers before the next takes its index
                made.append(OperatingCompany(model, int(mkt), p))
                model.companies.append(made[-1])
            # competing companies split the market by government
            owner = s.agency_gov[mine] % p.companies
            for j, c in enumerate(made):
                c.queue = mine[owner == j]

    def step(self, model) -> None:
        for c in model.companies:
            c.step()
        from ..contracts import renew_company_contracts  # here, not at the top: the schema loads without numba or Mesa

        renew_company_contracts(model)
