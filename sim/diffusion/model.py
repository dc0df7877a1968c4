"""ChinaModel: the 31 provincial-level units decide, month by month from 2014-01, when to
set up which IT body and which reforms to adopt; each then runs its own GovModel.

    from sim.diffusion.model import ChinaModel
    m = ChinaModel("china", rng=1); m.run(); m.timeseries()

One month (docs/diffusion.md, docs/ODD.md §9): 1 pilots due this month are imposed; 2 every
province not yet adopting an item draws its adoption from the hazard (mechanisms.py), reading
the province models' results up to last month; 3 a province that reorganises its IT oversight
chooses a body type (multinomial logit); a province that unifies decides whether government
services join the unified department; 4 adoptions are scheduled into the province models for
this month; 5 each province model steps (lockstep), so next month's learning reads real results;
6 the national row is recorded. A province that takes up the unified-department question may
also keep the split (the national level's 两部共治, seed 000 §1.2.2); it then does not reconsider
for `reorganise_cooldown` months. The draws are the same in number every month (common random
numbers between runs that differ in a switch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np

from ..gov_scenario import GovScenario
from ..scenario import ScenarioError
from . import mechanisms as mech
from .coupling import adopt, build_province_model
from .data import Provinces, load_provinces
from .schema import BODY_TYPES, ITEMS, month_index, month_label

DEDICATED = ("centre", "industry", "services")
B = {b: k for k, b in enumerate(BODY_TYPES)}
SUMMED_UNITS = ("count", "staff", "proposals", "万元", "万元 per month")
"""Measures in these units (counts, stocks and flows of money) are summed over the province
models; the rest, ratios such as shares or 万元 per request, are population-weighted means."""


class ProvinceAgent(mesa.Agent):
    """One provincial-level unit: a view on the model's vectorised state plus its own GovModel."""

    def __init__(self, model: ChinaModel, idx: int, gov_model: Any) -> None:
        super().__init__(model)
        self.idx = idx
        self.pinyin = model.provinces.pinyin[idx]
        self.gov_model = gov_model

    @property
    def body(self) -> str:
        return BODY_TYPES[self.model.body[self.idx]]

    def adopted(self, item: str) -> int:
        """Month the province adopted the item, or -1."""
        return int(self.model.adopted[self.idx, ITEMS.index(item)])


class ChinaModel(mesa.Model):
    """Provincial diffusion layer coupled to 31 within-province models (issue 17)."""

    def __init__(
        self,
        scenario: str | Path | Any = "china",
        *,
        rng: int | None = None,
        months: int | None = None,
        province_factory=None,
        **overrides: Any,
    ) -> None:
        sc = GovScenario.coerce(scenario, rng=rng, overrides=overrides)
        if sc.spec.diffusion is None:
            raise ScenarioError(f"{sc.source}: [diffusion]: missing; expected a provincial diffusion table (see china)")
        super().__init__(rng=sc.spec.simulation.seed)
        self.spec, self.d = sc.spec, sc.spec.diffusion
        self.months = self.d.months if months is None else min(int(months), self.d.months)
        self.provinces: Provinces = load_provinces()
        n, n_items = self.provinces.n, len(ITEMS)
        self.adopted = np.full((n, n_items), mech.NOT_YET, np.int64)
        self.body = np.zeros(n, np.int64)  # BODY_TYPES index; the general office at first
        self.last_reorganised = np.full(n, -(10**6), np.int64)
        self.last_unify_question = np.full(n, -(10**6), np.int64)  # month it last took up unification
        self.unified_services = np.zeros(n, bool)
        self.attention = self.rng.normal(0.0, self.d.attention_spread, n)  # leadership attention (log-odds)
        seeds = self.rng.integers(0, 2**31 - 1, n)
        self.capacity = mech.capacity_term(self.provinces.gdp_per_head, self.provinces.digital_economy)
        self.z_digital = mech.zscore(self.provinces.digital_economy.astype(float))
        self.weights = self.provinces.population / self.provinces.population.sum()
        self._pilots = self._pilot_table()
        factory = province_factory or build_province_model
        self.province_agents = [
            ProvinceAgent(self, i, factory(self.spec, self.provinces, i, int(seeds[i]), self.months)) for i in range(n)
        ]
        # history[m][:, c]: measure m of each province model at the end of month c - 1 (column 0: initial)
        self.history: dict[str, np.ndarray] = {}
        self._record_history(0)
        self.rows: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ set-up
    def month_of(self, date: str) -> int:
        return month_index(self.d.start, date)

    def _pilot_table(self) -> dict[int, list]:
        out: dict[int, list] = {}
        for p in self.d.pilots:
            if p.province not in self.provinces.pinyin:
                raise ScenarioError(
                    f"diffusion.pilots: province = {p.province!r}: expected one of {', '.join(self.provinces.pinyin)}"
                )
            if self.month_of(p.date) < 0:
                raise ScenarioError(
                    f"diffusion.pilots: {p.province} {p.item} date = {p.date!r}: expected {self.d.start} or later"
                )
            out.setdefault(self.month_of(p.date), []).append(p)
        return out

    def _record_history(self, col: int) -> None:
        for a in self.province_agents:
            for name, v in a.gov_model.measures.items():
                h = self.history.get(name)
                if h is None:
                    h = self.history[name] = np.full((self.provinces.n, self.months + 1), np.nan)
                h[a.idx, col] = v

    # ------------------------------------------------------------------ step
    @property
    def month(self) -> int:
        """Month being decided: 0 (= diffusion.start) during the first step."""
        return self.steps - 1

    def step(self) -> None:
        t = self.month
        u_adopt = self.rng.random((self.provinces.n, len(ITEMS)))
        gumbel = self.rng.gumbel(size=(self.provinces.n, len(BODY_TYPES)))
        u_services = self.rng.random(self.provinces.n)
        u_unify = self.rng.random(self.provinces.n)
        self._apply_pilots(t)
        for k, item in enumerate(ITEMS):
            if item not in self.d.reforms:
                continue
            hazard = mech.logistic(self.log_odds(item, t))
            for i in np.flatnonzero(self.eligible(item, t) & (u_adopt[:, k] < hazard)):
                self._decide(int(i), item, t, gumbel[i], u_services[i], u_unify[i])
        for a in self.province_agents:
            a.gov_model.step()
        self._record_history(t + 1)
        self.rows.append(self.national_row(t))
        if self.steps >= self.months:
            self.running = False

    def run(self, progress=None) -> ChinaModel:
        while self.running:
            self.step()
            if progress is not None:
                progress(self.steps, self.months)
        return self

    # ------------------------------------------------------------------ decisions
    def has_body(self) -> np.ndarray:
        return np.isin(self.body, [B[b] for b in DEDICATED])

    def eligible(self, item: str, t: int) -> np.ndarray:
        k = ITEMS.index(item)
        if item == "body":
            return ~self.has_body() & (t - self.last_reorganised >= self.d.reorganise_cooldown)
        if item == "unified":
            if t < self.month_of(self.d.unify_after):
                return np.zeros(self.provinces.n, bool)
            return (self.adopted[:, k] < 0) & (t - self.last_unify_question >= self.d.reorganise_cooldown)
        return self.adopted[:, k] < 0

    def adopters(self, item: str) -> np.ndarray:
        """(n,) month each province adopted the item (for the body: set up a dedicated body), or -1."""
        return self.adopted[:, ITEMS.index(item)]

    def log_odds(self, item: str, t: int) -> np.ndarray:
        """(n,) this month's log-odds of adoption: base + attention + each switched-on mechanism."""
        d, s = self.d, self.d.strength
        eta = getattr(d.base, item) + self.attention
        if d.central_mandates:
            eta = eta + s.central_mandates * mech.window_term(d.windows, item, t, self.month_of)
        if d.learning:
            h = self.history[getattr(d.learning_outcome, item)][:, : t + 1]
            eta = eta + s.learning * mech.learning_term(h, self.adopters(item), t, d.learning_lag)
        if d.competition:
            eta = eta + s.competition * mech.competition_term(self.evaluation(t), self._higher_is_better())
        if d.emulation:
            eta = eta + s.emulation * mech.emulation_term(self.adopters(item) >= 0, self.provinces.adjacency)
        if d.capacity:
            eta = eta + s.capacity * self.capacity
        return eta

    def evaluation(self, t: int) -> np.ndarray:
        """(n,) each province's standing in the national evaluation: its model's evaluation measure, last month."""
        return self.history[self.d.evaluation_measure][:, t]

    def _higher_is_better(self) -> bool:
        from ..catalogue import MEASURES

        return MEASURES[self.d.evaluation_measure].better != "lower"

    def body_utilities(self, t: int) -> np.ndarray:
        """(n, body types) utilities of each body type (general office 0)."""
        c = self.d.choice
        u = np.zeros((self.provinces.n, len(BODY_TYPES)))
        pressure = mech.zscore(self.history["trips_per_service"][:, t])  # government-services pressure
        u[:, B["drc"]] = c.drc
        u[:, B["centre"]] = c.centre
        u[:, B["industry"]] = c.industry + c.digital_economy * self.z_digital
        u[:, B["services"]] = c.services + c.services_pressure * pressure
        return u

    def unify_log_odds(self, t: int) -> np.ndarray:
        """(n,) log-odds that a province taking up the unified-department question unifies rather
        than keeps the split: lower where there is no dedicated body to extend (a department must be
        built from nothing), higher with capacity (when the capacity mechanism is on), and moved by
        how its own split has done: `unify_learning` x its model's relative improvement in
        `learning_outcome.unified` since its dedicated body was set up (0 without one; a positive
        coefficient extends a body that worked, a negative one keeps a split that works)."""
        c = self.d.choice
        x = c.unify + c.unify_without_body * ~self.has_body()
        if c.unify_learning:
            h = self.history[self.d.learning_outcome.unified][:, : t + 1]
            x = x + c.unify_learning * mech.own_improvement(h, self.adopters("body"), t)
        return x + c.unify_capacity * self.capacity if self.d.capacity else x

    def _decide(self, i: int, item: str, t: int, gumbel: np.ndarray, u_services: float, u_unify: float) -> None:
        if item == "body":
            choice = int(np.argmax(self.body_utilities(t)[i] + gumbel))
            self.last_reorganised[i] = t
            self._set_body(i, BODY_TYPES[choice], t, "hazard")
        elif item == "unified":
            self.last_unify_question[i] = t
            if u_unify >= mech.logistic(self.unify_log_odds(t)[i]):
                self.events.append(
                    {
                        "month": t,
                        "province": self.provinces.pinyin[i],
                        "item": "split_kept",
                        "body": "",
                        "why": "hazard",
                    }
                )
                return
            c = self.d.choice
            x = c.unified_services + c.unified_services_if_services_body * (self.body[i] == B["services"])
            self._unify(i, t, bool(u_services < mech.logistic(np.array(x))), "hazard")
        else:
            self._adopt(i, item, t, "hazard")

    def _set_body(self, i: int, body: str, t: int, why: str) -> None:
        had = bool(self.has_body()[i])
        self.body[i] = B[body]
        self.events.append({"month": t, "province": self.provinces.pinyin[i], "item": "body", "body": body, "why": why})
        if body in DEDICATED and not had:
            self.adopted[i, ITEMS.index("body")] = t
        if body in DEDICATED:  # a new body, or a relabelled one (Zhejiang 2018): its model's bureau takes the mandate
            adopt(self.province_agents[i].gov_model, "body", t, mandate=body, attention=self._it_attention(body))

    def _unify(self, i: int, t: int, services: bool, why: str) -> None:
        self.unified_services[i] = services
        if not self.has_body()[i]:
            self._set_body(i, "services" if services else "industry", t, why)
        # a unified department that takes government services runs them in the province model too
        self._adopt(i, "unified", t, why, mandate="services" if services else BODY_TYPES[self.body[i]])

    def _adopt(self, i: int, item: str, t: int, why: str, mandate: str | None = None) -> None:
        if self.adopted[i, ITEMS.index(item)] >= 0:
            return
        self.adopted[i, ITEMS.index(item)] = t
        self.events.append({"month": t, "province": self.provinces.pinyin[i], "item": item, "body": "", "why": why})
        adopt(self.province_agents[i].gov_model, item, t, mandate=mandate, attention=self._it_attention(mandate))

    def _it_attention(self, mandate: str | None) -> float | None:
        """The share of effort a body of this mandate leaves for IT (`mandate_attention`): the
        effort split comes with the mandate, whatever the template's `it_attention`."""
        return None if mandate is None else float(getattr(self.d.mandate_attention, mandate))

    def _apply_pilots(self, t: int) -> None:
        for p in self._pilots.get(t, []):
            i = self.provinces.index(p.province)
            if p.item == "body":
                self._set_body(i, p.body, t, "pilot")  # a later pilot relabels the body (Zhejiang 2018)
            elif p.item == "unified":
                self._unify(i, t, p.body == "services", "pilot")
            else:
                self._adopt(i, p.item, t, "pilot")

    # ------------------------------------------------------------------ output
    def counts(self) -> dict[str, int]:
        adopted = {item: int((self.adopters(item) >= 0).sum()) for item in ITEMS}
        unified = self.adopters("unified") >= 0
        return {
            "provinces_with_body": int(self.has_body().sum()),
            **{f"provinces_body_{b}": int((self.body == B[b]).sum()) for b in BODY_TYPES},
            "provinces_unified_digital": int(unified.sum()),
            "provinces_unified_services": int((unified & self.unified_services).sum()),
            "provinces_operating_company": adopted["ops_separation"],
            "provinces_shared_platform": adopted["shared_platform"],
            "provinces_one_window": adopted["one_window"],
            "provinces_app_consolidation": adopted["app_consolidation"],
        }

    def national_row(self, t: int) -> dict[str, Any]:
        from ..catalogue import MEASURES

        row: dict[str, Any] = {"date": month_label(self.d.start, t), "step": t, **self.counts()}
        for name, h in self.history.items():
            unit = MEASURES[name].unit if name in MEASURES else ""
            v = h[:, t + 1]
            summed = unit in SUMMED_UNITS
            row[name] = float(v.sum()) if summed else _weighted_mean(v, self.weights)
        return row

    def timeseries(self):
        import pandas as pd

        return pd.DataFrame(self.rows)

    def province_table(self):
        """One row per province: body type, adoption dates of each item, services under the unified department."""
        import pandas as pd

        p = self.provinces
        out = {
            "pinyin": list(p.pinyin),
            "iso": list(p.iso),
            "name": list(p.name),
            "region": list(p.region),
            "row": p.row,
            "col": p.col,
        }
        out["body"] = [BODY_TYPES[b] for b in self.body]
        for k, item in enumerate(ITEMS):
            out[f"{item}_since"] = [month_label(self.d.start, int(m)) if m >= 0 else "" for m in self.adopted[:, k]]
        out["unified_services"] = self.unified_services.copy()
        return pd.DataFrame(out)


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """The population-weighted mean over the provinces where the measure is defined: a province
    with no running system has no control figure (NaN, ODD §7.7) and is left out, not allowed to
    make the national row NaN; NaN only where no province has one."""
    ok = np.isfinite(values)
    if ok.all():
        return float(np.average(values, weights=weights))
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() > 0 else float("nan")
