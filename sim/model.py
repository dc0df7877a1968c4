"""GovModel: the government, its agents, and the monthly step.

    from sim import GovModel
    m = GovModel(scenario="guangdong", rng=1)          # preset name, path, or GovScenario
    m = GovModel("baseline", rng=2, **{"agents.sharing_cost": 0.2})  # overrides by key path
    m.run_for(60); m.datacollector.get_model_vars_dataframe()

Order within a step (docs/ODD.md §3): reforms due this month activate; 1 demand is served
from the current links; 2 providers decide sharing; 3 agencies plan and bodies review;
4 systems are delivered, expire and are operated; 5 companies and reforms act; 6 measures.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from . import control, state, substitutes
from .agents import Agency, CoordinatingBody, OperatingCompany, Vendor
from .agents.agency import AgencyViewsOnUse, InitialDraws, draw_agencies_and_ties, draw_quality
from .agents.supplier import lock_in_picks
from .government import build_structure
from .institutions import ensure_coordinator
from .measures import MeasureCollector, compute_measures
from .processes import apps, demand, operations, planning, sharing
from .reforms import REGISTRY
from .scenario import GovScenario
from .state import (
    APP,
    DATA,
    INFRA,
    SHAREABLE,
    SUPPORT,
    YEAR,
    AgencyState,
    Audits,
    GovApps,
    Libraries,
    Openness,
    Platforms,
    Queue,
    Review,
    Rules,
    TechSupport,
    gov_owns,
)
from .stepping import DirectSteps

SPENDING = ("build", "duplicated_build", "operations", "duplicated_operations", "sharing", "platform", "programmes")
_NO_SPEND = dict.fromkeys(SPENDING, 0.0)


class GovModel(AgencyViewsOnUse, DirectSteps, mesa.Model):
    """Digital-government reform on a jurisdiction tree (DESIGN §1-4)."""

    def __init__(
        self,
        scenario: str | Path | GovScenario = "baseline",
        *,
        rng: int | None = None,
        steps: int | None = None,
        **overrides: Any,
    ) -> None:
        sc = GovScenario.coerce(scenario, rng=rng, overrides=overrides, steps=steps)
        super().__init__(scenario=sc)
        self.spec, a = sc.spec, sc.spec.agents
        self.horizon = self.spec.simulation.steps
        # base costs per kind (万元), read every month: made once (the spec is frozen)
        self.base_build_cost, self.base_run_cost = (state.read_only(c.as_tuple()) for c in (a.build_cost, a.run_cost))
        self.structure = s = build_structure(self.spec.government, self.rng, self.spec.agents.substitutability)
        self.line_bits = substitutes.compatible_bits(s.substitutes)  # fixed for the run: made once
        self.rules = Rules(n_gov=s.n_gov, n_svc=len(s.svc_level))
        self.rules.compatibility = self.spec.agents.compatibility

        self.vendors: list[Vendor] = []
        self.companies: list[OperatingCompany] = []
        self.bodies: list[CoordinatingBody] = []
        self.queue = Queue()
        # institutions, neutral until a reform fills them (docs/adding-a-reform.md)
        G, A = s.n_gov, s.n_agencies
        self.platforms, self.tech_support, self.gov_apps = Platforms.none(G), TechSupport.none(G), GovApps.none(G, A)
        self.review, self.audits, self.tech_pool = Review.none(G), Audits.none(A), state.TechPool.none(G)
        self.openness, self.libraries = Openness.none(G, A, s.n_dyads), Libraries.none(A)
        self.fixed_costs: dict[str, float] = {}  # monthly costs of bodies and programmes
        self._init_agencies()
        self._init_vendors()
        self._agency_views = Agency.reserve_views(self, s.n_agencies)  # made on first use

        self.reforms = [
            cls(getattr(self.spec.reforms, key))
            for key, cls in REGISTRY.items()
            if getattr(self.spec.reforms, key).enabled
        ]
        for reform in self.reforms:
            reform.prepare(self)
        self.spend: dict[str, float] = {}
        self.step_stats: dict[str, Any] = {"decided": 0, "rejected_duplicates": 0, "waited": []}
        # (months from proposal to go-live summed, projects) for each of the last YEAR months
        self.deliveries: deque[tuple[float, int]] = deque(maxlen=YEAR)
        self.building_months, self.n_building = 0.0, 0  # projects under construction: months, count
        self._reset_spend()
        self.ops_revenue: dict[str, np.ndarray] = {}
        self.ops_systems: dict[str, np.ndarray] = {}
        self.provider_payoff = np.zeros(s.n_agencies)
        self._network_cache = None
        self.dyad_req_gov = s.agency_gov[s.d_req]
        # records held above the bottom level: upper governments' always, vertically managed
        # lines' local ones until reflux returns them (upper_level_data_share)
        self.agency_upper = s.agency_level < s.bottom
        self.agency_vertical_local = s.line_vertical[s.agency_line] & (s.agency_level > 0)

        # the world does not begin at month 0: projects are under way, and open agencies
        # already share where it pays (docs/ODD.md §5)
        self._projects_under_way()
        operations.operating_costs(self)  # month 0: what running the initial systems costs
        sharing.set_links(self, demand.serve(self))
        self.outcome = demand.serve(self)
        self.measures: dict[str, float] = compute_measures(self)  # month 0 reads no earlier measures
        self.datacollector = MeasureCollector()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    def _projects_under_way(self) -> None:
        """Agencies that lacked a system and could pay for it had begun building it before
        month 0 (planned as in any month, paid before the period): the projects finish over
        the first `build_months`, instead of all starting together in month 1."""
        planning.plan(self)
        st, months = self.state, self.spec.agents.build_months
        self.n_building = int(np.count_nonzero(st.building))
        planning.begun_before(
            st.building, self.rng.integers(0, months, size=self.n_building), months, st.done, st.proposed
        )
        self.building_months = float(self.n_building * months)
        self._reset_spend()

    def _init_agencies(self) -> None:
        s, a = self.structure, self.spec.agents
        rng = self.rng
        self.state = st = AgencyState.empty(s.n_agencies)
        # open, budgets, IT units, skills, apps wanted; systems in place: richer governments
        # have built more (seed 001)
        # (the draws of the terms and ties that follow, made in the same compiled call)
        drawn, rights_u, tie_draws = draw_agencies_and_ties(
            rng, s.agency_level, s.gov_wealth[s.agency_gov], InitialDraws.of(a), s.n_dyads, 2 * a.trust_initial
        )
        st.open, st.budget_rate, st.budget, st.staff, st.skill, st.digital, st.wants_app = drawn[:7]
        st.own, st.built, st.expires = drawn[7:]
        control.initial_terms(st, a.vendor_contract_months, rights_u)
        self.trust, self.trust_floor, self.tie_value, self.tie_cost = sharing.ties_of(a, tie_draws)
        self.shared, self.window_links = np.zeros(s.n_dyads, bool), np.zeros(s.n_dyads, bool)
        self._set_providers()

    def _init_vendors(self) -> None:
        """Small vendors per market; agencies pick one with increasing returns to adoption:
        probability ∝ (1 + clients)^lock_in_exponent (Arthur 1989)."""
        s, st, a = self.structure, self.state, self.spec.agents
        rng = self.rng
        lo, hi = a.vendor_quality
        markets, quality, claim = np.flatnonzero(np.bincount(s.gov_market)), [], []  # np.unique's, sooner
        for mkt in markets:
            first = len(self.vendors)
            quality.append(rng.uniform(lo, hi, a.vendors))
            claim.append(Vendor.create_many(self, int(mkt), quality[-1], a.vendor_markup))
            agencies = np.flatnonzero(s.agency_market == mkt)
            st.vendor[agencies] = first + lock_in_picks(rng, len(agencies), a.vendors, a.lock_in_exponent)
        # the vendors' attributes as arrays (`add_vendor` extends them), from what made them
        self.vendor_market = np.repeat(markets.astype(np.int64), a.vendors)
        self.vendor_quality, self.vendor_claim = np.concatenate(quality), np.concatenate(claim)
        self.vendor_markup = np.full(len(self.vendors), a.vendor_markup, dtype=np.float64)
        st.quality = draw_quality(rng, st.own, self.vendor_quality[st.vendor], float(a.quality_spread))
        st.app_users = apps.initial_users(self)

    def add_vendor(self, market: int) -> Vendor:
        lo, hi = self.spec.agents.vendor_quality
        v = Vendor(self, market, float(self.rng.uniform(lo, hi)), self.spec.agents.vendor_markup)
        self.vendors.append(v)
        self.vendor_market = np.append(self.vendor_market, market)
        self.vendor_quality, self.vendor_claim = np.c_[[self.vendor_quality, self.vendor_claim], [v.quality, v.claim]]
        self.vendor_markup = np.append(self.vendor_markup, v.markup)
        return v

    # ------------------------------------------------------------------ step
    @property
    def month(self) -> int:
        """Month being simulated: 0 during the first step."""
        return self.steps - 1

    def step(self) -> None:
        self._reset_spend()
        due = [r for r in self.reforms if not r.active and r.p.start_month <= self.month] if self.reforms else ()
        for reform in due:
            reform.active = True
            if reform.needs_coordinator:
                ensure_coordinator(self)
            reform.activate(self)
        if due:  # the rules changed: re-read the links, once (no reform's activation reads the outcome)
            self.outcome = demand.serve(self)
        self._update_providers()

        sharing.decide(self, self.outcome)  # 1-2: demand was served at the end of last month
        planning.plan(self)  # 3
        operations.complete_and_expire(self)  # 4
        operations.operate(self)  # and app adoption (`apps._adopt`)
        for reform in self.reforms:  # 5
            if reform.active:
                reform.step(self)
        self.spend["programmes"] += sum(self.fixed_costs.values())

        self._update_providers()
        self.outcome = demand.serve(self)  # 6: this month's service, from end-of-month state
        self.measures = compute_measures(self)
        self.datacollector.collect(self)
        self._network_cache = None
        if self.steps >= self.horizon:
            self.running = False

    def _update_providers(self) -> None:
        """Dyad providers change only when reflux returns a vertical line's records."""
        if self.state.refluxed.tobytes() != self._refluxed_seen:  # bytes: a tenth of `(a != b).any()`'s cost
            self._set_providers()

    def _set_providers(self) -> None:
        """The dyads' providers and what follows from them (`demand.providers`), new arrays each time."""
        (
            self.dyad_provider,
            self.provider_index,  # the service kernel's: unsigned (demand.INDEX)
            self.links_provided,
            self.dyad_prov_gov,
            self.dyad_cross,  # served across governments
            self.dyad_local_copy,  # from a returned copy (reflux)
            self.linked_agencies,  # in some needed link, either end
        ) = demand.providers(self)
        self._refluxed_seen = self.state.refluxed.tobytes()

    def _reset_spend(self) -> None:
        self.spend = _NO_SPEND.copy()  # a seventh of `dict.fromkeys`' time

    # ------------------------------------------------------------------ capabilities
    def kind_reach(self) -> np.ndarray:
        """(G, K): a shared instance of each kind is reachable from the government (`state.kind_reach_kept`)."""
        return state.kind_reach_kept(self, self.platforms.reach, self.gov_apps.reach)

    def gov_owns(self) -> np.ndarray:
        """(G, K): some agency of the government runs its own system of the kind."""
        s = self.structure
        return gov_owns(self.state.own, s.n_gov, s.n_lines)

    def shared_ok(self) -> np.ndarray:
        """(G, K): a shared instance of the kind is reachable from the government — a
        platform layer, the government app, or another agency's shareable system."""
        return self.kind_reach() | (self.gov_owns() & SHAREABLE)

    def access(self) -> np.ndarray:
        """(N, K): the agency can use a capability — its own, or a shared one it uses."""
        st, s = self.state, self.structure
        return st.own | (st.reuse & substitutes.compatible_reach(st.own, self.kind_reach(), s.substitutes, s.n_lines))

    # ------------------------------------------------------------------ network
    @property
    def network(self):
        """The typed networkx graph of agents (built on first access each step)."""
        if self._network_cache is None:
            from .network import build_network

            self._network_cache = build_network(self)
        return self._network_cache

    @property
    def provider_share_rate(self) -> np.ndarray:
        s = self.structure
        prov = self.dyad_provider
        n = np.bincount(prov, minlength=s.n_agencies)
        k = np.bincount(prov, weights=self.outcome.served, minlength=s.n_agencies)
        return np.where(n > 0, k / np.maximum(n, 1), np.nan)


__all__ = ["APP", "DATA", "INFRA", "SUPPORT", "GovModel"]
