"""Mobile app consolidation (应用整合, seed 003 problems and remedies; 粤省事, seed 001 §4).

One government app per government at `level` (built over `build_months`) can host the
services of the agencies beneath it. Merging is each agency's decision: every
month `merge_per_month` of the agencies still running their own app reconsider, and merge
when what the government app offers their applicants (its quality × its adoption) plus the
coordinating body's pressure (`pressure` × its IT attention) exceeds what their own app
offers (its quality × its adoption): a well-used app resists (seed 003: 各自为政、各搞一套).
An agency that needs a new app (its first, or one at end of life) makes the same comparison
against what a new app of its own would offer: its builder's quality × its mean Bass
adoption over a system's life from no users (`processes/apps.new_app_value`); it builds its
own app unless the government app offers more. A merged function breaks
with probability `migration_failure` and stays broken for `repair_months`, cutting the
agency's online completion meanwhile. Citizens adopt the government app by Bass diffusion
(`processes/apps.py`) at a pull of its quality × the share of the apps beneath it that it
hosts: the more it holds, the more residents it draws. Its quality is its builder's: the
operating company that runs its market's platform (粤省事 was built by 数字广东, seed 001 §4),
else the best vendor of its market (the one a buyer picks on price per unit of quality),
fixed when it goes live; the body pays that builder `build_cost` at its markup on delivery
(IT spending), then `run_cost` a month. Who builds it is a rule, not the body's choice.
"""

from __future__ import annotations

from functools import partial
from operator import attrgetter

import numpy as np

from ..schema import Count, Fraction, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    level: Name
    build_months: Count
    build_cost: NonNeg
    merge_per_month: Fraction
    run_cost: NonNeg
    pressure: NonNeg
    migration_failure: Fraction
    repair_months: Count


@register
class AppConsolidation(Reform):
    key = "app_consolidation"
    title = "Mobile app consolidation"
    seeds = "003, 001 §4"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        self.started = model.month
        s = model.structure
        lv = s.levels.index(self.p.level)
        self.apps = s.governments_at(lv)
        self.covered = s.gov_ancestor[:, lv] >= 0
        self.app_of_gov = s.gov_ancestor[:, lv]  # the government app covering each government (-1: none)
        # ... as its index among the government apps (kernels read it per agency)
        self.app_index = np.where(self.covered, np.searchsorted(self.apps, self.app_of_gov), -1)
        self.users = np.zeros(len(self.apps))  # adoption of each government app
        self.broken_until = np.full(s.n_agencies, -1, np.int64)
        self.quality = None  # per government app, its builder's, set when it goes live
        # what a new app of each builder's offers (`_joins`), valued again only when builders change
        self._vendor_values: tuple = (None, None)
        self._company_values: tuple = (np.zeros(0), None)
        self._own_apps = np.zeros(0, np.int64)  # agencies running their own app under a government app (`_adopt`)

    def _builder(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Per government app: the quality and the price multiple (1 + markup) of whoever
        builds it — the company running its market's platform, else its market's best vendor."""
        from ..contracts import best_vendor  # here, not at the top: the schema loads without numba or Mesa
        from ..institutions import platform_runners

        market = model.structure.gov_market[self.apps]
        runner = platform_runners(model)[market]
        vendor = best_vendor(model)[market]
        company = np.maximum(runner, 0)
        quality = np.array([c.quality for c in model.companies] or [0.0])[company]
        markup = np.array([c.markup for c in model.companies] or [0.0])[company]
        by_company = runner >= 0
        return (
            np.where(by_company, quality, model.vendor_quality[vendor]),
            1.0 + np.where(by_company, markup, model.vendor_markup[vendor]),
        )

    def step(self, model) -> None:
        p = self.p
        if model.month - self.started + 1 <= p.build_months:
            return
        if self.quality is None:  # it goes live: built at its builder's quality, paid at its price
            self.quality, price = self._builder(model)
            model.spend["build"] += float(price.sum()) * p.build_cost
        model.gov_apps.count = len(self.apps)
        model.gov_apps.reach = self.covered.copy()
        model.spend["operations"] += len(self.apps) * p.run_cost
        self._adopt(model)
        offer = self._offer(model)
        self._merge(model, offer)
        model.gov_apps.joins = self._joins(model, offer)
        model.state.app_broken = self.broken_until > model.month

    def _adopt(self, model) -> None:
        from ..processes.apps import bass_step, hosted_and_own_apps  # here: the schema loads without numba or Mesa

        a, st = model.spec.agents, model.state
        # the own apps under a government app are read for `_merge` in the same pass
        hosted, self._own_apps = hosted_and_own_apps(
            self.app_index, st.own, st.reuse, model.structure.n_lines, len(self.apps)
        )
        self.users = bass_step(self.users, self.quality * hosted, a.app_innovation, a.app_imitation, 1.0)
        model.gov_apps.users = np.where(self.covered, self.users[np.maximum(self.app_index, 0)], 0.0)

    def _offer(self, model) -> np.ndarray:
        """(G) what the government app offers an agency's applicants, with the body's pressure."""
        attention = np.fromiter(map(attrgetter("attention"), model.bodies), float, len(model.bodies))
        attention = attention[model.review.body_of_gov]
        quality = self.quality[np.maximum(self.app_index, 0)]
        return quality * model.gov_apps.users + self.p.pressure * attention

    def _joins(self, model, offer: np.ndarray) -> np.ndarray:
        """(N) agencies that would put a new or renewed app into the government app rather
        than build their own: the government app offers more than a new app of theirs would."""
        from ..processes import apps  # here, not at the top: the schema loads without numba or Mesa

        st, a = model.state, model.spec.agents
        # valued per builder (a market's vendors and companies), then read per agency: the
        # same numbers as per agency, without sorting every agency's builder quality
        value = partial(apps.new_app_value, p=a.app_innovation, q=a.app_imitation, potential=a.app_potential)
        if self._vendor_values[0] is not model.vendor_quality:  # vendors entered (a new array): value them
            self._vendor_values = (model.vendor_quality, value(model.vendor_quality, months=a.system_lifetime))
        company_quality = np.array([c.quality for c in model.companies] or [0.0])
        if not np.array_equal(company_quality, self._company_values[0]):
            self._company_values = (company_quality, value(company_quality, months=a.system_lifetime))
        vendor_value, company_value = self._vendor_values[1], self._company_values[1]
        builders = (st.vendor, st.company)
        return apps.joins_gov_app(self.app_index, offer, builders, vendor_value, company_value, model.structure.n_lines)

    def _merge(self, model, offer: np.ndarray) -> None:
        """Agencies that reconsider merge when the government app serves their applicants
        better, counting the body's pressure; some merged functions break."""
        from ..processes.apps import merge_apps  # here: the schema loads without numba or Mesa

        st, s, p = model.state, model.structure, self.p
        cand = self._own_apps  # `hosted_and_own_apps`' own apps, read by `_adopt` this month (no app changed since)
        draw = model.rng.random(len(cand))  # who reconsiders
        apps = (st.own, st.reuse, st.merged_app, st.quality, st.app_users)
        merge = merge_apps(cand, draw, p.merge_per_month, offer, s.agency_gov, apps)
        broke = merge[model.rng.random(len(merge)) < p.migration_failure]
        self.broken_until[broke] = model.month + p.repair_months
