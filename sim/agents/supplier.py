"""Suppliers of IT: many small vendors (baseline) and operating companies (管运分离)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..contracts import claim_gaps
from ..institutions import Clients, company_cost, company_position, company_revenue, company_systems, take_over
from ..processes.planning import build_factor

if TYPE_CHECKING:
    from ..model import GovModel


class Vendor(mesa.Agent):
    """A small IT vendor serving agencies directly (fragmented supply, seed 001 §2)."""

    kind = "vendor"

    def __init__(self, model: GovModel, market: int, quality: float, markup: float) -> None:
        super().__init__(model)
        self.market = market
        self.quality = quality
        self.claim = float(min(max(quality + claim_gaps(model, 1)[0], 0.0), 1.0))  # what it tells agencies
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
    oversight, competition or open data hold them back (seed 000 §2.4, seed 003). It prices
    what it expects to pay for rework and repairs, from its own record (`expected_warranty`)."""

    kind = "company"

    def __init__(self, model: GovModel, market: int, params) -> None:
        super().__init__(model)
        self.market = market
        self.p = params
        self.state_share = params.state_share
        self.quality = params.quality
        self.claim_gap = float(claim_gaps(model, 1)[0])  # its overstatement, drawn once (`claimed_quality`)
        self.markup = params.base_markup
        self.data_hold = 0.0
        self.staff = 0.0  # staff hired from abolished in-house units
        self.staff_skill = 0.0  # their mean skill
        self.cover = 0.0  # share of the systems it runs that its hired staff run
        self.cidx = len(model.companies)
        self.queue = np.zeros(0, np.int64)  # agencies still to take over, in order
        # its own record over the trailing `warranty_months`: 万元 paid to redo returned
        # deliverables and repair audited systems, and 万元 it charged (builds and fees)
        self.warranty = Trailing(params.warranty_months)
        self.revenue = Trailing(params.warranty_months)
        self.node: int | None = None

    @property
    def claimed_quality(self) -> float:
        """What it tells agencies it delivers: its current quality plus its overstatement."""
        return float(min(max(self.quality + self.claim_gap, 0.0), 1.0))

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
        self._record_revenue(m)  # at the markup the month's rework and repairs are charged at

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

    def _record_revenue(self, m) -> None:
        """What its markup is charged on this month: the build value (at its markup) of what it
        delivered to its clients through construction, first deliveries and redone ones alike
        (each is checked), and the operations fees of the systems it runs."""
        st = m.state
        x = Clients(
            own=st.own, built=st.built, proposed=st.proposed, company=st.company, contract_markup=st.contract_markup
        )
        factor = company_cost(m)[self.cidx]
        clients, builds, fees = company_revenue(
            tuple(x), self.cidx, m.month, m.base_build_cost, m.base_run_cost, factor
        )
        if clients:
            self.revenue.add(m.month, builds * (1 + self.markup) + fees)

    def expected_warranty(self, month: int) -> float:
        """What it expects to pay for rework and repairs per unit of what it charges: its own
        record over the trailing window (rework on what it delivered, repairs on what it runs,
        each a share of the build price, over its build value and fees); 0 before any revenue."""
        revenue = self.revenue.total(month)
        return self.warranty.total(month) / revenue if revenue > 0 else 0.0

    def _adjust(self, m) -> None:
        """Move markup and data hold toward what dependence and oversight allow, plus the
        rework and repairs it expects to pay (cost-plus: a supplier prices its expected
        warranty cost, Laffont & Tirole 1993)."""
        dep, oversight, hosted, rights = company_position(m, self)
        target_markup = self.p.base_markup + self.p.markup_sensitivity * dep * self.profit_motive * (1 - oversight)
        target_markup += self.expected_warranty(m.month)
        self.markup += self.p.markup_adjust * (target_markup - self.markup)
        # records others also serve (opened to developers, copied to a base library) are not held
        target_hold = hosted * self.profit_motive * (1 - rights)
        self.data_hold += self.p.markup_adjust * (target_hold - self.data_hold)


class Trailing:
    """Amounts booked by month, summed over the last `months` months (one slot a month)."""

    def __init__(self, months: int) -> None:
        self.amount = np.zeros(months)
        self.month = np.full(months, -1, np.int64)

    def add(self, month: int, x: float) -> None:
        i = month % len(self.amount)
        if self.month[i] != month:  # the slot held a month now out of the window
            self.amount[i], self.month[i] = 0.0, month
        self.amount[i] += x

    def total(self, month: int) -> float:
        """Sum over months month - months + 1 .. month."""
        return float(self.amount[self.month > month - len(self.amount)].sum())


def charge_warranty(model: GovModel, n: np.ndarray, k: np.ndarray, share: float) -> None:
    """Operating companies pay `share` of the build price of their clients' systems (n, k)
    they must redo or repair (the builder or operator is the agency's company, if it has
    one): each company's part goes on its own record, which its asking markup prices."""
    if not model.companies:
        return
    company = model.state.company[n]
    mine = company >= 0
    if not mine.any():
        return
    cost = model.base_build_cost[k[mine]] * build_factor(model)[n[mine]] * share
    paid = np.bincount(company[mine], weights=cost, minlength=len(model.companies))
    for c in np.flatnonzero(paid > 0):
        model.companies[c].warranty.add(model.month, float(paid[c]))


def staff_cover(staff: float, systems: float, systems_per_staff: float) -> float:
    """Share of a company's running systems its hired staff can run (0 without systems)."""
    return min(1.0, staff * systems_per_staff / systems) if systems > 0 else 0.0
