"""Open public data (公共数据开放, seed 003 remedies, seed 002 §7).

The coordinating body publishes a catalogue: `max_share` of agencies' datasets can be
opened (the rest is secret or personal), and `open_per_month` of all agencies are asked to
publish each month, in a random catalogue order. An asked agency publishes only if it is
open to sharing and has a data system (or the platform's data layer) to publish from;
a guarded one is asked again next month (seed 000 §2.3: 共享开放积极性不高).

Opened data is used by two kinds of users:
- third-party developers (数据开发利用企业, seed 003 problem 4) enter a market while the
  value of its opened records, split among them, covers a developer's monthly cost
  (`record_value` per record, `developer_cost`), one a month (pace assumed), and leave when it no longer
  does. Each developer's service uses the records that pay for it (`developer_cost` /
  `record_value` records), taking the market's largest opened datasets first; a record a
  developer uses is no longer any single supplier's exclusive hold, so the hold falls
  with developers' coverage of the opened records, not at the first entrant. Developers
  do nothing else in the model (no services to residents, no spending counted);
- agencies: an opened dataset stands in for a needed link without the provider's consent
  where it fits the need (drawn once per link: the published version is recent and detailed
  enough), with probability `open_fit` where the providing line holds no personal data and
  `personal_fit` where it does (`personal_lines`: population, health, social-insurance and
  tax records are published only in aggregate or masked, 个人信息保护法 2021 art. 28, 数据
  安全法 2021; the split of lines and both values assumed). Line names the government lacks
  are ignored.
Published data is never withdrawn and does not age in the model.
"""

from __future__ import annotations

import numpy as np

from ..schema import Fraction, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    open_per_month: Fraction
    max_share: Fraction
    cost: NonNeg
    open_fit: Fraction
    personal_fit: Fraction
    personal_lines: list[Name]
    record_value: NonNeg
    developer_cost: NonNeg


@register
class OpenData(Reform):
    key = "open_data"
    title = "Open data"
    seeds = "003, 002 §7"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        model.fixed_costs["open_data"] = self.p.cost
        n = model.structure.n_agencies
        self.catalogue = model.rng.permutation(n)[: round(self.p.max_share * n)]
        model.openness.fit = model.rng.random(model.structure.n_dyads) < self._line_fit(model.structure)
        self.asked = 0.0  # agencies asked so far (fractions accumulate)
        # the asked agencies whose data is not opened yet, in catalogue order (published data is
        # never withdrawn and only `_publish` opens it, so the others' answer is known)
        self.waiting = np.zeros(0, np.int64)
        self._market_records = None  # (opened records by market, their share) while `opened` stays the same
        self._covered_for = None  # (developers, covered) while `opened` stays the same
        s = model.structure  # never changes: what reads only it is computed once
        self.records = np.bincount(s.agency_market, weights=s.agency_records, minlength=s.n_gov)  # (G)
        # agencies by market, largest records first (ties in agency order, as a stable sort of
        # the opened ones alone gives)
        self.order = np.lexsort((-s.agency_records, s.agency_market))
        self.in_order = (s.agency_market[self.order], s.agency_records[self.order])  # read along `order`

    def _line_fit(self, s) -> np.ndarray:
        """(dyads) chance an opened dataset of the needed line fits: lower where it holds personal data."""
        personal = np.isin(np.asarray(s.lines), self.p.personal_lines)
        return np.where(personal, self.p.personal_fit, self.p.open_fit)[s.d_line]

    def step(self, model) -> None:
        before = int(self.asked)
        self.asked = min(len(self.catalogue), self.asked + self.p.open_per_month * model.structure.n_agencies)
        if self._publish(model, self.catalogue[before : int(self.asked)]):
            self._market_records = self._covered_for = None  # what reads `opened` is computed again
        self._enter_and_exit(model)

    def _publish(self, model, newly_asked: np.ndarray) -> bool:
        """Asked agencies that are open and can serve data publish; the others wait (asked
        again next month). Returns whether any published."""
        from ..processes.demand import data_capable  # here, not at the top: the schema loads without numba or Mesa
        from .data_kernels import ask_waiting, publish

        od = model.openness
        # the guarded ones' answer is known: only the open ones are asked (`still_to_publish`)
        self.waiting, ask = ask_waiting(self.waiting, newly_asked, model.state.open, od.opened)
        if len(ask) == 0:
            return False
        capable = data_capable(model, ask)
        if not capable.any():
            return False
        opened = od.opened.copy()
        self.waiting = publish(opened, ask, capable, self.waiting)
        od.opened = opened
        return True

    def _enter_and_exit(self, model) -> None:
        """Developers enter while opened records, split among one more of them, pay; leave
        when the current ones are not covered."""
        from .data_kernels import enter_and_exit, opened_share
        from .kernels import records_by_market  # compiled: here, the schema loads without numba

        s, p, od = model.structure, self.p, model.openness
        if self._market_records is None:
            opened = records_by_market(s.agency_market, s.agency_records, od.opened, s.n_gov)
            self._market_records = (opened, opened_share(opened, self.records))
        opened, share = self._market_records
        od.developers = enter_and_exit(opened, od.developers, p.record_value, p.developer_cost)
        od.share = share.copy()
        od.covered = self._covered(model)

    def _covered(self, model) -> np.ndarray:
        """(N) opened datasets some developer uses: per market, the largest first, up to the
        records its developers' services use (each the records that pay its cost;
        `kernels.covered_by_developers`)."""
        from .kernels import covered_by_developers  # compiled: here, the schema loads without numba

        p, od = self.p, model.openness
        if self._covered_for is not None and np.array_equal(self._covered_for[0], od.developers):
            return self._covered_for[1].copy()  # the same opened data and developers: the same answer
        per_developer = p.developer_cost / p.record_value if p.record_value > 0 else 0.0
        capacity = od.developers * per_developer  # (G) records the market's developers use
        covered = covered_by_developers(self.order, od.opened, *self.in_order, capacity)
        self._covered_for = (od.developers.copy(), covered)
        return covered.copy()
