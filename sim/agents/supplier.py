"""Suppliers of IT: many small vendors (baseline) and operating companies (管运分离)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..institutions import company_position, company_systems, take_over

if TYPE_CHECKING:
    from ..model import GovModel


class Vendor(mesa.Agent):
    """A small IT vendor serving agencies directly (fragmented supply, seed 001 §2)."""

    kind = "vendor"

    def __init__(self, model: GovModel, market: int, quality: float, markup: float) -> None:
        super().__init__(model)
        self.market = market
        self.quality = quality
        self.markup = markup
        self.vidx = len(model.vendors)
        self.node: int | None = None

    @property
    def clients(self) -> int:
        st = self.model.state
        return int(((st.vendor == self.vidx) & (st.company < 0)).sum())


class OperatingCompany(mesa.Agent):
    """The operating company (运营公司) of one market, e.g. Digital Guangdong (数字广东).

    Takes agencies' operations over in batches (分批分步, seed 001 §3), at scale economies
    and its own price. Profit-seeking in proportion to its private ownership: its markup and
    its hold on public data drift toward what the government's dependence allows, unless
    oversight, competition or open data hold them back (seed 000 §2.4, seed 003)."""

    kind = "company"

    def __init__(self, model: GovModel, market: int, params) -> None:
        super().__init__(model)
        self.market = market
        self.p = params
        self.state_share = params.state_share
        self.quality = params.quality
        self.markup = params.base_markup
        self.data_hold = 0.0
        self.staff = 0.0  # staff hired from abolished in-house units
        self.staff_skill = 0.0  # their mean skill
        self.cover = 0.0  # share of the systems it runs that its hired staff run
        self.cidx = len(model.companies)
        self.queue = np.zeros(0, np.int64)  # agencies still to take over, in order
        self.node: int | None = None

    @property
    def profit_motive(self) -> float:
        return 1.0 - self.state_share * self.model.spec.agents.state_alignment

    @property
    def clients(self) -> int:
        return int((self.model.state.company == self.cidx).sum())

    def hire(self, staff: float, staff_x_skill: float) -> None:
        """Staff join the company (from abolished units), with their skill."""
        total = self.staff + staff
        if total > 0:
            self.staff_skill = (self.staff * self.staff_skill + staff_x_skill) / total
        self.staff = total

    def step(self) -> None:
        m = self.model
        for change in self.p.ownership_changes:
            if change.month == m.month:
                self.state_share = change.state_share
        self._take_over(m)
        self._staffing(m)
        self._adjust(m)

    def _take_over(self, m) -> None:
        k = min(self.p.migration_per_month, len(self.queue))
        if k == 0:
            return
        batch, self.queue = self.queue[:k], self.queue[k:]
        take_over(m, batch, self.cidx)

    def _staffing(self, m) -> None:
        """Its hired staff run `systems_per_staff` systems each (at most all it runs), at
        their skill; its own team runs the rest at the company's quality: what it delivers and
        operates is the mix (`staff_cover`)."""
        self.cover = staff_cover(self.staff, company_systems(m)[self.cidx], m.spec.agents.systems_per_staff)
        self.quality = (1 - self.cover) * self.p.quality + self.cover * self.staff_skill

    def _adjust(self, m) -> None:
        """Move markup and data hold toward what dependence and oversight allow."""
        dep, oversight, hosted, rights = company_position(m, self)
        target_markup = self.p.base_markup + self.p.markup_sensitivity * dep * self.profit_motive * (1 - oversight)
        self.markup += self.p.markup_adjust * (target_markup - self.markup)
        # records others also serve (opened to developers, copied to a base library) are not held
        target_hold = hosted * self.profit_motive * (1 - rights)
        self.data_hold += self.p.markup_adjust * (target_hold - self.data_hold)


def staff_cover(staff: float, systems: float, systems_per_staff: float) -> float:
    """Share of a company's running systems its hired staff can run (0 without systems)."""
    return min(1.0, staff * systems_per_staff / systems) if systems > 0 else 0.0
