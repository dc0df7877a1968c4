"""GovModel: the government, its agents, and the monthly step.

    from sim import GovModel
    m = GovModel(scenario="guangdong", rng=1)          # preset name, path, or GovScenario
    m = GovModel("baseline", rng=2, **{"reforms.unified_approval.enabled": True})
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
from numba import njit

from .agents import Agency, DataBureau, GeneralOffice, OperatingCompany, Vendor
from .government import build_structure
from .measures import MeasureCollector, compute_measures
from .processes import demand, operations, planning, sharing
from .reforms import REGISTRY
from .scenario import GovScenario
from .schema import KINDS, LAYERS
from .state import (
    APP,
    DATA,
    DATA_LAYER,
    INFRA,
    LAYER_OF_KIND,
    MOBILE,
    MONTH,
    N_LAYERS,
    NO_ONE,
    SHAREABLE,
    SKILL_FLOOR,
    SUPPORT,
    YEAR,
    AgencyState,
    Queue,
    Rules,
    gov_owns,
    row_sum,
)

NEVER_AUDITED = -(10**6)


class GovModel(mesa.Model):
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
        self.spec = sc.spec
        self.horizon = self.spec.simulation.steps
        self.structure = s = build_structure(self.spec.government, self.rng)
        self.rules = Rules(n_gov=s.n_gov, n_svc=len(s.svc_level))
        self.rules.compatibility = self.spec.agents.compatibility
        self.rules.base_lines = np.zeros(s.n_lines, bool)

        self.vendors: list[Vendor] = []
        self.companies: list[OperatingCompany] = []
        self.bodies: list[GeneralOffice | DataBureau] = []
        self.queue = Queue()
        self._init_governments()
        self._init_agencies()
        self._init_vendors()
        self.agency_agents = [Agency(self, i) for i in range(s.n_agencies)]

        self.reforms = [
            cls(getattr(self.spec.reforms, key))
            for key, cls in REGISTRY.items()
            if getattr(self.spec.reforms, key).enabled
        ]
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
        self._market_members: list[np.ndarray] | None = None
        self.agency_market = s.gov_market[s.agency_gov]  # the tree is fixed
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
        self.measures: dict[str, float] = {}
        self.measures = compute_measures(self)
        self.datacollector = MeasureCollector()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    def _projects_under_way(self) -> None:
        """Agencies that lacked a system and could pay for it had begun building it before
        month 0 (planned as in any month, paid before the period): the projects finish over
        the first `build_months`, instead of all starting together in month 1."""
        planning.plan(self)
        started = self.state.building
        self.state.done[started] = self.rng.integers(0, self.spec.agents.build_months, size=int(started.sum()))
        self.state.proposed[started] = self.state.done[started] - self.spec.agents.build_months
        self.n_building = int(np.count_nonzero(started))
        self.building_months = float(self.n_building * self.spec.agents.build_months)
        self._reset_spend()

    def _init_governments(self) -> None:
        s = self.structure
        G = s.n_gov
        self.platform_of_gov = np.full(G, NO_ONE, np.int64)
        self.reach = np.zeros((G, N_LAYERS), bool)  # platform layers reachable from government
        self.platform_ready = np.zeros((0, N_LAYERS), bool)
        self.platform_gov = np.zeros(0, np.int64)
        self.platform_connection_cost = 0.0
        self.superapp_reach = np.zeros(G, bool)
        self.platform_run_by_market = np.zeros(G)
        self.superapps = 0
        self.reviewer_of_gov = np.full(G, NO_ONE, np.int64)
        self.body_of_gov = np.full(G, NO_ONE, np.int64)
        self.approval_capacity = 0.0  # proposals a fully attentive body decides per month
        self.review_capacity = np.zeros(0)
        self.review_credit = np.zeros(0)
        self.tsi_staff = np.zeros(G)
        self.tsi_skill = np.zeros(G)
        self.tsi_span = 0.0
        self.tsi_quality_support = 0.0
        self.open_share = np.zeros(G)  # per market government: share of public data opened
        self.audited = np.full((s.n_agencies, len(KINDS)), NEVER_AUDITED, MONTH)  # month of last audit
        self.last_audit = NEVER_AUDITED  # month of the latest audit anywhere
        self.fixed_costs: dict[str, float] = {}  # monthly costs of bodies and programmes

    def _init_agencies(self) -> None:
        s, a = self.structure, self.spec.agents
        rng = self.rng
        N, K = s.n_agencies, len(KINDS)
        self.state = st = AgencyState.empty(N)
        lvl = s.agency_level
        wealth = s.gov_wealth[s.agency_gov]
        st.open = rng.random(N) < a.initial_open_share
        st.budget_rate = np.asarray(a.budget_per_month)[lvl] * wealth
        st.budget = st.budget_rate * rng.uniform(0, a.budget_horizon, N)
        has_unit = rng.random(N) < np.asarray(a.inhouse_unit_share)[lvl]
        staff_mean = np.asarray(a.inhouse_staff)[lvl]
        st.staff = np.where(has_unit, np.maximum(1.0, np.round(rng.poisson(staff_mean))), 0.0)
        st.skill = np.where(has_unit, np.clip(rng.normal(a.inhouse_skill, a.skill_spread, N), SKILL_FLOOR, 1), 0.0)
        digital = np.asarray(a.digital_skill)[lvl] + rng.normal(0, a.digital_skill_spread, N)
        st.digital = np.clip(digital, SKILL_FLOOR, 1)
        st.wants_app = rng.random(N) < a.initial_coverage * np.minimum(1.0, wealth)

        # systems already in place: richer governments have built more (seed 001)
        p_have = np.clip(a.initial_coverage * wealth, 0, 1)[:, None]
        st.own = rng.random((N, K)) < p_have
        st.own[:, MOBILE] &= st.wants_app
        age = rng.integers(0, a.system_lifetime, size=(N, K))
        st.built = (-age).astype(MONTH)
        st.expires = (a.system_lifetime - age + rng.integers(0, a.build_months + 1, size=(N, K))).astype(MONTH)
        st.built[~st.own] = 0
        st.expires[~st.own] = 0
        # trust differs from tie to tie: uniform around the mean, within 0-1
        self.trust = np.clip(rng.uniform(0, 2 * a.trust_initial, s.n_dyads), 0, 1)
        self.trust_floor = self.trust.copy()  # unserved ties drift back to where they began
        self.shared = np.zeros(s.n_dyads, bool)
        self._set_providers()

    def _init_vendors(self) -> None:
        """Small vendors per market; agencies pick one with increasing returns to adoption:
        probability ∝ (1 + clients)^lock_in_exponent (Arthur 1989)."""
        s, st, a = self.structure, self.state, self.spec.agents
        rng = self.rng
        lo, hi = a.vendor_quality
        markets = np.unique(s.gov_market)
        for mkt in markets:
            first = len(self.vendors)
            for q in rng.uniform(lo, hi, a.vendors):
                self.vendors.append(Vendor(self, int(mkt), float(q), a.vendor_markup))
            ids = np.arange(first, len(self.vendors))
            agencies = np.flatnonzero(s.gov_market[s.agency_gov] == mkt)
            clients = np.zeros(len(ids))
            for chunk in np.array_split(agencies, max(1, len(agencies) // 32)):
                w = (1.0 + clients) ** a.lock_in_exponent
                pick = rng.choice(len(ids), size=len(chunk), p=w / w.sum())
                st.vendor[chunk] = ids[pick]
                clients += np.bincount(pick, minlength=len(ids))
        self.vendor_market = np.array([v.market for v in self.vendors], dtype=np.int64)
        self.vendor_quality = np.array([v.quality for v in self.vendors])
        self.vendor_markup = np.array([v.markup for v in self.vendors])
        q = self.vendor_quality[st.vendor]
        st.quality = np.where(st.own, np.clip(q[:, None] + rng.normal(0, a.quality_spread, st.own.shape), 0, 1), 0)

    def add_vendor(self, market: int) -> Vendor:
        lo, hi = self.spec.agents.vendor_quality
        v = Vendor(self, market, float(self.rng.uniform(lo, hi)), self.spec.agents.vendor_markup)
        self.vendors.append(v)
        self.vendor_market = np.append(self.vendor_market, market)
        self.vendor_quality = np.append(self.vendor_quality, v.quality)
        self.vendor_markup = np.append(self.vendor_markup, v.markup)
        return v

    # ------------------------------------------------------------------ step
    @property
    def month(self) -> int:
        """Month being simulated: 0 during the first step."""
        return self.steps - 1

    def step(self) -> None:
        self._reset_spend()
        for reform in self.reforms:
            if not reform.active and reform.p.start_month <= self.month:
                reform.active = True
                if reform.needs_coordinator:
                    self.ensure_coordinator()
                reform.activate(self)
                self.outcome = demand.serve(self)  # the rules changed: re-read the links
        self._update_providers()

        sharing.decide(self, self.outcome)  # 1-2: demand was served at the end of last month
        planning.plan(self)  # 3
        operations.complete_and_expire(self)  # 4
        operations.operate(self)
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
        if not np.array_equal(self.state.refluxed, self._refluxed_seen):
            self._set_providers()

    def _set_providers(self) -> None:
        self.dyad_provider = demand.provider(self)
        s = self.structure
        self.links_provided = np.bincount(self.dyad_provider, minlength=s.n_agencies)
        self.dyad_prov_gov = s.agency_gov[self.dyad_provider]
        self.linked_agencies = np.zeros(s.n_agencies, bool)  # in some needed link, either end
        self.linked_agencies[s.d_req] = True
        self.linked_agencies[self.dyad_provider] = True
        self._refluxed_seen = self.state.refluxed.copy()

    def _reset_spend(self) -> None:
        self.spend = dict.fromkeys(
            ("build", "duplicated_build", "operations", "duplicated_operations", "sharing", "platform", "programmes"),
            0.0,
        )

    # ------------------------------------------------------------------ capabilities
    def kind_reach(self) -> np.ndarray:
        """(G, K): a shared instance of each kind is reachable from the government."""
        out = np.zeros((self.structure.n_gov, len(KINDS)), bool)
        for kind, layer in LAYER_OF_KIND.items():
            out[:, kind] = self.reach[:, layer]
        out[:, MOBILE] = self.superapp_reach
        return out

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
        st = self.state
        return st.own | (st.reuse & self.shared_ok()[self.structure.agency_gov])

    def reusable(self, agencies: np.ndarray, kinds: np.ndarray, shared_ok: np.ndarray | None = None) -> np.ndarray:
        """A shared instance of the kind is reachable (platform, government app, or another
        agency of the same government) — so building one would duplicate it."""
        if len(agencies) == 0:
            return np.zeros(0, bool)
        shared_ok = self.shared_ok() if shared_ok is None else shared_ok
        return shared_ok[self.structure.agency_gov[agencies], kinds]

    def use_shared(self, agencies: np.ndarray, kinds: np.ndarray) -> None:
        self.state.reuse[agencies, kinds] = True

    def build_factor(self) -> np.ndarray:
        """(N,) multiple of the base build cost each agency pays: its vendor's or its
        company's markup."""
        st = self.state
        factor = 1.0 + self.vendor_markup[st.vendor]
        if self.companies:
            markups = np.array([c.markup for c in self.companies])
            factor = np.where(st.company >= 0, 1.0 + markups[np.maximum(st.company, 0)], factor)
        return factor

    def start_builds(self, agencies, kinds, costs, duplicate, proposed=None) -> None:
        """Projects start (`proposed`: the month each was proposed; default this month)."""
        if len(agencies) == 0:
            return
        st, a = self.state, self.spec.agents
        proposed = np.full(len(agencies), self.month) if proposed is None else np.asarray(proposed)
        st.proposed[agencies, kinds] = proposed
        # the pipeline's total duration, kept as projects start and finish (measures read it)
        self.building_months += float(len(agencies) * (self.month + a.build_months) - proposed.sum())
        self.n_building += len(agencies)
        company_quality = np.array([c.quality for c in self.companies]) if self.companies else np.zeros(1)
        noise = self.rng.normal(0, a.quality_spread, len(agencies))
        build, duplicated = _start_builds(
            agencies, kinds, costs, duplicate, noise, self.month + a.build_months, st.vendor, st.company,
            self.vendor_quality, company_quality, self.tsi_quality_support, self.tsi_staff, self.structure.n_lines,
            st.building, st.done, st.build_quality, st.build_duplicate,
        )  # fmt: skip
        self.spend["build"] += build
        self.spend["duplicated_build"] += duplicated

    # ------------------------------------------------------------------ institutions
    def ensure_coordinator(self) -> None:
        """Reforms need a body to run them in every government: its data bureau, else its
        general office (seed 000 §1.2.1: without a bureau, IT is left to the general
        office or the development and reform commission)."""
        missing = np.flatnonzero(self.body_of_gov < 0)
        for g in missing:
            self._new_body(GeneralOffice, int(g), self.spec.agents.office_attention, "office")
        if len(missing):
            self.route_reviews()

    def add_body(self, cls, gov: int, attention: float, mandate: str):
        body = self._new_body(cls, gov, attention, mandate)
        self.route_reviews()
        return body

    def _new_body(self, cls, gov: int, attention: float, mandate: str):
        body = cls(self, gov, attention, mandate)
        self.bodies.append(body)
        old = self.body_of_gov[gov]
        if old >= 0:
            self.bodies[old].superseded = True
        self.body_of_gov[gov] = body.bidx
        return body

    def route_reviews(self) -> None:
        """Each government's proposals go to its own body, else its nearest ancestor's;
        review capacity is the approval capacity scaled by each body's IT attention."""
        s = self.structure
        body = self.body_of_gov.copy()
        for k in range(1, len(s.levels)):
            at = s.governments_at(k)
            inherit = body[at] < 0
            body[at[inherit]] = body[s.gov_parent[at[inherit]]]
        self.reviewer_of_gov = body
        live = np.array([not b.superseded for b in self.bodies], dtype=float)
        attention = np.array([b.attention for b in self.bodies])
        self.review_capacity = self.approval_capacity * attention * live
        credit = np.zeros(len(self.bodies))
        credit[: len(self.review_credit)] = self.review_credit
        self.review_credit = credit
        if len(self.queue):
            self.queue.reviewer = self.reviewer_of_agency[self.queue.agency]

    @property
    def reviewer_of_agency(self) -> np.ndarray:
        return self.reviewer_of_gov[self.structure.agency_gov]

    def review_allowance(self) -> np.ndarray:
        """Whole proposals each body may decide this month; a fractional capacity
        (e.g. 0.3 a month) accumulates until a whole review is possible."""
        self.review_credit = self.review_credit + self.review_capacity
        return np.floor(self.review_credit + 1e-9).astype(np.int64)

    def consume_allowance(self, used: np.ndarray) -> None:
        # unused capacity does not bank: only the fraction of a review carries over
        self.review_credit = np.minimum(self.review_credit - used, 1 - 1e-9)

    def record_reviews(self, reviewers: np.ndarray, duplicate: np.ndarray) -> None:
        if len(reviewers) == 0:
            return
        reviewed = np.bincount(reviewers, minlength=len(self.bodies))
        rejected = np.bincount(reviewers[duplicate], minlength=len(self.bodies))
        for b in np.flatnonzero(reviewed):
            self.bodies[b].reviewed += int(reviewed[b])
            self.bodies[b].rejected_duplicates += int(rejected[b])

    def platform_ready_for(self, agencies: np.ndarray) -> np.ndarray:
        """The platform serving the agency's government has all its layers built (True
        where no platform is planned: there is nothing to wait for)."""
        if not self.spec.reforms.shared_platform.enabled:
            return np.ones(len(agencies), bool)
        g = self.structure.agency_gov[agencies]
        p = self.platform_of_gov[g]
        if len(self.platform_gov) == 0:
            return np.zeros(len(agencies), bool)
        ready = self.platform_ready.all(axis=1)
        return (p >= 0) & ready[np.maximum(p, 0)]

    @property
    def on_data_layer(self) -> np.ndarray:
        return self.reach[self.structure.agency_gov, DATA_LAYER]

    def take_over(self, agencies: np.ndarray, company: int) -> None:
        """管运分离: the company takes the agencies' operations; in-house units are abolished
        where the scenario says so, and own machine rooms move onto the platform (seed 001)."""
        st, s = self.state, self.structure
        st.company[agencies] = company
        if self.companies[company].p.abolish_inhouse:
            st.staff[agencies] = 0.0
            st.skill[agencies] = 0.0
        onto = st.own[agencies, INFRA] & self.reach[s.agency_gov[agencies], LAYERS.index("infrastructure")]
        moved = agencies[onto]
        st.own[moved, INFRA] = False
        st.reuse[moved, INFRA] = True

    def company_price_factor(self) -> np.ndarray:
        """Per company: (1 + markup) x scale economy on the systems it runs."""
        n_sys = _company_systems(self.state.own, self.state.company, len(self.companies))
        out = np.empty(len(self.companies))
        for c in self.companies:
            scale = max(1.0, n_sys[c.cidx]) ** (-c.p.scale_elasticity)
            out[c.cidx] = (1 + c.markup) * scale
        return out

    def _tsi_capacity(self) -> np.ndarray:
        """Per market government: staff x skill of the technical-support institutions in it."""
        return np.bincount(
            self.structure.gov_market, weights=self.tsi_staff * self.tsi_skill, minlength=self.structure.n_gov
        )

    def record_audits(self, systems: np.ndarray) -> None:
        """(N, K) mask of running systems audited this month (third-party evaluation)."""
        self.audited[systems] = self.month
        if systems.any():
            self.last_audit = self.month

    @property
    def audits_recent(self) -> bool:
        """Some system was audited in the last year (else no coverage to compute)."""
        return self.last_audit > self.month - YEAR

    def _recently_audited(self, own: np.ndarray, audited: np.ndarray) -> np.ndarray:
        return row_sum((audited > self.month - YEAR) & own)

    def _oversight(self, tsi_cap, systems, audited):
        strength = np.where(systems > 0, np.minimum(1.0, tsi_cap * self.tsi_span / np.maximum(systems, 1)), 0.0)
        coverage = np.where(systems > 0, audited / np.maximum(systems, 1), 0.0)
        return strength, coverage

    def market_members(self, market: int) -> np.ndarray:
        """Indices of the agencies in one market government's market (sorted; cached: the tree is fixed)."""
        if self._market_members is None:
            of = self.agency_market
            order = np.argsort(of, kind="stable")
            bounds = np.searchsorted(of[order], np.arange(self.structure.n_gov + 1))
            self._market_members = [order[bounds[g] : bounds[g + 1]] for g in range(self.structure.n_gov)]
        return self._market_members[market]

    def company_position(self, company: OperatingCompany):
        """What the company's market looks like to it: the government's dependence on it,
        oversight, the share of public records it hosts, opened data, data rights.
        Reads only the agencies of its market (a company serves no one outside it)."""
        s, st, a = self.structure, self.state, self.spec.agents
        mkt = company.market
        platform = self._platform_systems(mkt)
        runs_platform = self.platform_runner(mkt) == company.cidx
        n_sys, mine, staff_skill, audited, records, hosted_records = _market_view(
            self.market_members(mkt), company.cidx, runs_platform, st.own, st.company, st.staff, st.skill,
            self.audited, self.month - YEAR, self.audits_recent, s.agency_records, s.agency_gov,
            self.reach[:, DATA_LAYER],
        )  # fmt: skip
        total = n_sys + platform
        mine += platform if runs_platform else 0
        share = mine / total if total else 0.0
        take_back = staff_skill * a.systems_per_staff
        strength, coverage = self._oversight(self._tsi_capacity()[mkt], n_sys, audited)
        strength, coverage = float(strength), float(coverage)
        take_back += strength * total
        capacity = min(1.0, take_back / total) if total else 1.0
        dependence = share * (1 - capacity)
        oversight = 1 - (1 - coverage) * (1 - strength)
        hosted = hosted_records / max(records, 1e-12)
        return dependence, oversight, hosted, self.open_share[mkt], strength

    def _platform_systems(self, market: int) -> int:
        if len(self.platform_gov) == 0:
            return 0
        mine = self.structure.gov_market[self.platform_gov] == market
        return int(self.platform_ready[mine].sum())

    def platform_runner(self, market: int) -> int:
        """The company that runs the market's platform layers, or NO_ONE (the bureau does)."""
        return int(self.platform_runners()[market])

    def platform_runners(self) -> np.ndarray:
        """(G,) per market government: the company running its platform layers, or NO_ONE."""
        out = np.full(self.structure.n_gov, NO_ONE, np.int64)
        for c in reversed(self.companies):  # the first company that runs it wins
            if c.p.runs_platform:
                out[c.market] = c.cidx
        return out

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


@njit(cache=True)
def _start_builds(
    agencies, kinds, costs, duplicate, noise, done_month, vendor, company, vendor_quality, company_quality,
    tsi_support, tsi_staff, n_lines, building, done, build_quality, build_duplicate,
):  # fmt: skip
    """Projects start: built by the agency's company if it has one, else its vendor, at the
    builder's quality with noise; a technical-support institution in the government
    closes part of the gap to full quality. Returns the spending and its duplicated part."""
    spent = duplicated = 0.0
    for j in range(len(agencies)):
        n, k = agencies[j], kinds[j]
        builder = company_quality[company[n]] if company[n] >= 0 else vendor_quality[vendor[n]]
        q = min(max(builder + noise[j], 0.0), 1.0)
        support = tsi_support * (tsi_staff[n // n_lines] > 0)
        building[n, k] = True
        done[n, k] = done_month
        build_quality[n, k] = q + support * (1 - q)
        build_duplicate[n, k] = duplicate[j]
        spent += costs[j]
        duplicated += costs[j] * duplicate[j]
    return spent, duplicated


@njit(cache=True)
def _market_view(
    members, cidx, runs_platform, own, company, staff, skill, audited, since, audits_recent, records,
    agency_gov, gov_reaches_data,
):  # fmt: skip
    """One pass over a market's agencies, for its company's view of it: running systems, the
    company's own systems, in-house staff x skill, systems audited since `since`, public
    records, and the records the company hosts (its clients'; with the platform, every
    agency's whose government reaches the data layer)."""
    K = own.shape[1]
    n_sys = mine = n_audited = 0
    staff_skill = total_records = hosted = 0.0
    for n in members:
        c = 0
        for k in range(K):
            c += own[n, k]
        if audits_recent:
            for k in range(K):
                n_audited += own[n, k] & (audited[n, k] > since)
        n_sys += c
        ours = company[n] == cidx
        mine += c * ours
        staff_skill += staff[n] * skill[n]
        total_records += records[n]
        if ours or (runs_platform and gov_reaches_data[agency_gov[n]]):
            hosted += records[n]
    return n_sys, mine, staff_skill, n_audited, total_records, hosted


@njit(cache=True)
def _company_systems(own, company, n_companies):
    """Running systems of the agencies each operating company has taken over."""
    out = np.zeros(n_companies)
    for n in range(len(company)):
        if company[n] >= 0:
            c = 0
            for k in range(own.shape[1]):
                c += own[n, k]
            out[company[n]] += c
    return out
