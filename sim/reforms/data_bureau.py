"""Data bureaus (大数据局 / 政务服务数据管理局) at chosen levels (seed 000 §1.2, seed 001 §1).

A bureau coordinates its government: it brokers sharing (lowering link costs between its
agencies), runs the functions other reforms give it, and reviews projects with the share of
its effort its mandate leaves for IT. The `services` mandate also runs a one-stop service
hall; the `industry` mandate courts digital firms, so new vendors enter its market.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..schema import Fraction, Mandate, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    mandate: Mandate
    it_attention: Fraction
    brokerage: Fraction
    staff: NonNeg
    window_capacity: NonNeg
    vendor_entry_per_year: NonNeg


@register
class DataBureauReform(Reform):
    key = "data_bureau"
    title = "Data bureau"
    seeds = "000 §1.2, 001, 004"
    Params = Params

    def activate(self, model) -> None:
        # here, not at the top: the schema loads without numba or Mesa
        from ..agents import DataBureau
        from ..institutions import new_body, route_reviews

        s, p = model.structure, self.p
        levels = [s.levels.index(lv) for lv in p.levels]
        self.bureaus = []
        for g in range(s.n_gov):
            if s.gov_level[g] in levels:
                self.bureaus.append(new_body(model, DataBureau, g, p.it_attention, p.mandate))
                model.rules.brokerage[g] = p.brokerage
                self._hall(model, self.bureaus[-1], p.mandate == "services")
        route_reviews(model)
        model.fixed_costs["data_bureau"] = len(self.bureaus) * p.staff * model.spec.agents.staff_wage
        self._entry_credit = 0.0

    def _hall(self, model, bureau, opens: bool) -> None:
        """The services mandate runs a one-stop service hall with the window capacity the
        bureau's non-IT effort staffs; another mandate has none (closing one gives back the
        capacity that effort staffed)."""
        g = bureau.gov
        if opens == bool(model.rules.hall[g]):
            return
        capacity = self.p.window_capacity * (1 - bureau.attention)
        model.rules.hall[g] = opens
        model.rules.window_capacity[g] += capacity if opens else -capacity

    def remandate(self, model, mandate: str, attention: float | None = None) -> None:
        """The bureaus take another mandate (a province relabels its body, or its unified
        department takes government services) with the share of effort it leaves for IT
        (`attention`; None keeps theirs): the hall opens or closes with the services mandate,
        staffed by the effort left from IT, review capacity follows the IT attention, and
        vendor entry follows the industry mandate from now on."""
        attention = self.p.it_attention if attention is None else attention
        self.p = self.p.model_copy(update={"mandate": mandate, "it_attention": attention})
        changed = [b for b in self.bureaus if (b.mandate, b.attention) != (mandate, attention)]
        for b in changed:
            self._hall(model, b, False)  # closed with the effort that staffed it
            b.mandate, b.attention = mandate, attention
            self._hall(model, b, mandate == "services")
        if changed:
            from ..institutions import route_reviews  # here, not at the top: the schema loads without numba or Mesa

            route_reviews(model)

    def step(self, model) -> None:
        if self.p.mandate != "industry":
            return
        self._entry_credit += self.p.vendor_entry_per_year / 12
        while self._entry_credit >= 1:
            self._entry_credit -= 1
            markets = {int(model.structure.gov_market[b.gov]) for b in self.bureaus}
            for mkt in sorted(markets):
                model.add_vendor(mkt)
