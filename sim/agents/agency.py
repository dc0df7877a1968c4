"""Line agencies (条线部门): one per line and government, a view over `model.state`."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np
from mesa.agentset import _HardKeyAgentSet
from mesa.model import ModelSignals
from numba import njit

from ..schema import KINDS
from ..state import MOBILE, MONTH, N_KINDS, SKILL_FLOOR

if TYPE_CHECKING:
    from ..model import GovModel


def can_register_in_bulk(model: GovModel, cls: type[mesa.Agent]) -> bool:
    """Agents of `cls` may be made without `Agent.__init__`: the AGENT_ADDED signal has no
    subscriber while the model is being built and Mesa data sets track none of them (if
    either does, agents are made the ordinary way)."""
    batching = getattr(model, "_batch_context", None) is not None
    return not (cls._datasets or batching or ("agents", ModelSignals.AGENT_ADDED) in model.subscribers)


def register_in_bulk(model: GovModel, cls: type[mesa.Agent], agents: list) -> None:
    """What `Model.register_agent` does for each of `agents` (made with unique ids from
    `model.agent_id_counter` on, in order), in one pass."""
    model.agent_id_counter += len(agents)
    keys = dict.fromkeys(agents)
    model._all_agents._agents.update(keys)
    if cls in model._agents_by_type:
        model._agents_by_type[cls]._agents.update(keys)
    else:
        model._agents_by_type[cls] = _HardKeyAgentSet(agents, random=model.random)


class Agency(mesa.Agent):
    """A line agency. Its state lives in `model.state` arrays at index `idx`; the
    vectorised processes in `sim.processes` update all agencies at once."""

    kind = "agency"

    def __init__(self, model: GovModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx
        self.node = idx

    @classmethod
    def create_views(cls, model: GovModel, n: int) -> list[Agency]:
        """Agencies 0..n-1, registered with the model in bulk: the same agents, unique ids,
        `model.agents` and `agents_by_type` as `Agency(model, i)` for each, at a fifth of
        the cost (Mesa's per-agent registration was half the set-up of a province)."""
        if not can_register_in_bulk(model, cls):
            return [cls(model, i) for i in range(n)]
        views = cls._make(model, model.agent_id_counter, n)
        register_in_bulk(model, cls, views)
        return views

    @classmethod
    def _make(cls, model: GovModel, first: int, n: int) -> list[Agency]:
        """n views, unique ids from `first` on, not registered."""
        new = cls.__new__
        views = [new(cls) for _ in range(n)]
        for i, view in enumerate(views):
            d = view.__dict__  # item stores: cheaper than update() with keywords
            d["model"], d["unique_id"], d["pos"], d["idx"], d["node"] = model, first + i, None, i, i
        return views

    @classmethod
    def reserve_views(cls, model: GovModel, n: int) -> AgencyViews:
        """Agencies 0..n-1 as `create_views` makes them, made when first asked for (the model's
        processes never use them; a sweep's runs never ask): their unique ids are kept now, so
        agents made later are numbered as if they had been made here. Made now when Mesa must
        see each one added (`can_register_in_bulk`)."""
        views = AgencyViews(model, model.agent_id_counter, len(model._agents_by_type), n)
        if not can_register_in_bulk(model, cls):
            views.views = cls.create_views(model, n)
        else:
            model.agent_id_counter += n
        return views

    # identity
    @property
    def government(self) -> int:
        return int(self.model.structure.agency_gov[self.idx])

    @property
    def line(self) -> str:
        return self.model.structure.lines[self.model.structure.agency_line[self.idx]]

    @property
    def level(self) -> str:
        return self.model.structure.levels[self.model.structure.agency_level[self.idx]]

    @property
    def name(self) -> str:
        return f"{self.level}{self.government}/{self.line}"

    # state
    @property
    def open(self) -> bool:
        return bool(self.model.state.open[self.idx])

    @property
    def inhouse_staff(self) -> float:
        return float(self.model.state.staff[self.idx])

    @property
    def has_inhouse_unit(self) -> bool:
        return self.inhouse_staff > 0

    @property
    def systems(self) -> dict[str, bool]:
        return {k: bool(v) for k, v in zip(KINDS, self.model.state.own[self.idx], strict=True)}

    @property
    def operated_by_company(self) -> bool:
        return bool(self.model.state.company[self.idx] >= 0)

    @property
    def share_rate(self) -> float:
        """Share of the links this agency provides that are served this month."""
        return float(self.model.provider_share_rate[self.idx])

    def __repr__(self) -> str:
        return f"<Agency {self.name}>"


class AgencyViews:
    """The agencies' Mesa views of one model, made on first use (`Agency.reserve_views`) and
    registered where making them at once would have put them: in `model.agents` and
    `agents_by_type` in the order of their unique ids, the type `Agency` after the types
    registered before it."""

    def __init__(self, model: GovModel, first: int, types_before: int, n: int) -> None:
        self.model, self.first, self.types_before, self.n = model, first, types_before, n
        self.views: list[Agency] | None = None

    def get(self) -> list[Agency]:
        if self.views is None:
            self.views = Agency._make(self.model, self.first, self.n)
            self._register(self.views)
        return self.views

    def _register(self, views: list[Agency]) -> None:
        model = self.model
        everyone = model._all_agents._agents
        later = [a for a in everyone if a.unique_id >= self.first]  # registered since: after the views
        for a in later:
            del everyone[a]
        everyone.update(dict.fromkeys(views))
        everyone.update(dict.fromkeys(later))
        by_type = model._agents_by_type
        if Agency in by_type:  # some made the ordinary way meanwhile: they have later ids
            by_type[Agency]._agents = dict.fromkeys([*views, *by_type[Agency]._agents])
            return
        items = list(by_type.items())
        items.insert(self.types_before, (Agency, _HardKeyAgentSet(views, random=model.random)))
        by_type.clear()
        by_type.update(items)


class AgencyViewsOnUse:
    """Mixin for the model (before mesa.Model): the agencies' views, reserved at set-up in
    `_agency_views` (`Agency.reserve_views`), are made when Mesa's agent collections or
    `agency_agents` are first read."""

    _agency_views: AgencyViews

    @property
    def agency_agents(self) -> list[Agency]:
        """The agencies as Mesa agents (views over `state`), made on first use."""
        return self._agency_views.get()

    @property
    def agents(self):
        self._agency_views.get()
        return super().agents

    @property
    def agents_by_type(self):
        self._agency_views.get()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._agency_views.get()
        return super().agent_types

    def remove_all_agents(self) -> None:
        self._agency_views.get()
        super().remove_all_agents()


# ------------------------------------------------------------------ initial state
class InitialDraws(NamedTuple):
    """What agencies' state at month 0 is drawn from (`[agents]`; per-level values indexed by
    the agency's level)."""

    open_share: float
    budget_horizon: float
    equalisation_rate: float
    inhouse_skill: float
    skill_spread: float
    digital_skill_spread: float
    coverage: float
    lifetime: int
    build_months: int
    budget_per_month: np.ndarray  # (levels)
    unit_share: np.ndarray  # (levels)
    staff_mean: np.ndarray  # (levels)
    digital_skill: np.ndarray  # (levels)

    @classmethod
    def of(cls, a) -> InitialDraws:
        """From the spec's `agents`."""
        levels = (np.asarray(v, dtype=float) for v in (a.budget_per_month, a.inhouse_unit_share, a.inhouse_staff))
        return cls(
            float(a.initial_open_share),
            float(a.budget_horizon),
            float(a.equalisation_rate),
            float(a.inhouse_skill),
            float(a.skill_spread),
            float(a.digital_skill_spread),
            float(a.initial_coverage),
            int(a.system_lifetime),
            int(a.build_months),
            *levels,
            np.asarray(a.digital_skill, dtype=float),
        )


@njit(cache=True)
def draw_initial(rng, level, wealth, p):
    """Agencies' state at month 0 in one compiled call: the draws (each a whole array, in this
    order) and numpy's arithmetic of the code it replaced (a test holds the two equal): open;
    budget (`fiscal.equalised_budget_rate` x a uniform share of the horizon); an IT unit, its
    staff (Poisson, at least 1) and skill (normal, clipped); line staff's digital skill;
    wanting an app; systems owned (more where richer), their ages and remaining lives."""
    N, K = len(level), N_KINDS
    is_open = rng.random(N) < p.open_share
    rate = np.empty(N)
    for n in range(N):
        w = wealth[n]
        rate[n] = p.budget_per_month[level[n]] * (w + p.equalisation_rate * max(0.0, 1.0 - w))
    budget = rate * rng.uniform(0.0, p.budget_horizon, N)
    unit_draw = rng.random(N)
    has_unit, staff = np.zeros(N, np.bool_), np.zeros(N)
    for n in range(N):  # every agency's staff is drawn, with a unit or not
        drawn = float(rng.poisson(p.staff_mean[level[n]]))
        has_unit[n] = unit_draw[n] < p.unit_share[level[n]]
        staff[n] = max(1.0, drawn) if has_unit[n] else 0.0
    skill = rng.normal(p.inhouse_skill, p.skill_spread, N)
    digital = rng.normal(0.0, p.digital_skill_spread, N)
    for n in range(N):
        skill[n] = min(max(skill[n], SKILL_FLOOR), 1.0) if has_unit[n] else 0.0
        digital[n] = min(max(p.digital_skill[level[n]] + digital[n], SKILL_FLOOR), 1.0)
    wants_app = rng.random(N)
    own = rng.random((N, K))
    age = rng.integers(0, p.lifetime, size=(N, K))
    extra = rng.integers(0, p.build_months + 1, size=(N, K))
    owns = np.zeros((N, K), np.bool_)
    built, expires = np.zeros((N, K), MONTH), np.zeros((N, K), MONTH)
    wants = wants_app < p.coverage * np.minimum(1.0, wealth)
    for n in range(N):
        p_have = min(max(p.coverage * wealth[n], 0.0), 1.0)
        for k in range(K):
            owns[n, k] = own[n, k] < p_have and (k != MOBILE or wants[n])
            if owns[n, k]:
                built[n, k], expires[n, k] = -age[n, k], p.lifetime - age[n, k] + extra[n, k]
    return is_open, rate, budget, staff, skill, digital, wants, owns, built, expires


@njit(cache=True)
def draw_agencies_and_ties(rng, level, wealth, p, n_dyads, trust_high):
    """`draw_initial`, then the draws the month-0 terms and ties make next, in their order, in the same call (a
    call that takes the generator costs numba some 15 µs to hand it over, and numba draws normals in a
    fraction of numpy's time): the rights' uniforms per agency and kind (`control.initial_terms`), then
    each tie's trust uniform in [0, `trust_high`] and its value's and cost's standard normals
    (`sharing.initial_ties`). Returns `draw_initial`'s arrays, the rights' draws, the ties' draws."""
    drawn = draw_initial(rng, level, wealth, p)
    rights_u = rng.random((len(level), N_KINDS))
    trust_u = rng.uniform(0.0, trust_high, n_dyads)
    value_z = rng.standard_normal(n_dyads)
    return drawn, rights_u, (trust_u, value_z, rng.standard_normal(n_dyads))


@njit(cache=True)
def draw_quality(rng, own, vendor_quality, spread):
    """(N, K) quality of the systems in place at month 0: their vendor's quality plus a normal
    spread (drawn for every agency and kind, as one array), within [0, 1]; 0 where none runs
    (numpy's `where(own, clip(q[:, None] + normal(0, spread, own.shape), 0, 1), 0)`)."""
    N, K = own.shape
    z = rng.normal(0.0, spread, (N, K))
    out = np.zeros((N, K))
    for n in range(N):
        for k in range(K):
            if own[n, k]:
                out[n, k] = min(max(vendor_quality[n] + z[n, k], 0.0), 1.0)
    return out
