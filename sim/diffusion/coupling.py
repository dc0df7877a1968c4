"""Each province's within-province `GovModel`, and how an adoption reaches it.

A province model is the scenario's own tree and agents (the `[government]`, `[agents]` and
`[reforms]` of the china scenario), scaled to the province: its prefecture and county counts
x `province_scale` (at least one of each), and its agencies' IT budgets x (GDP per head
relative to the mean)^`budget_gdp_elasticity`. The candidate reforms are built into it
switched on but due in month NEVER, so they do nothing until adopted; adopting at month t sets
the reform's start month to t, and the model's own step activates it at the start of month t
(sim/model.py: a reform activates once `p.start_month <= month`). Only the model's public
surface is used: `GovModel(spec, rng=, **overrides)`, `step()`, `reforms`, `measures`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NEVER = 10**9
"""Start month of a candidate reform nobody has adopted (beyond any horizon)."""

ITEM_REFORMS: dict[str, tuple[str, ...]] = {
    "body": ("data_bureau",),
    "unified": ("data_bureau", "unified_approval"),
    "ops_separation": ("ops_separation",),
    "shared_platform": ("shared_platform",),
    "one_window": ("one_window",),
    "app_consolidation": ("app_consolidation",),
}
"""Within-province reforms each adopted item switches on. The 2023-style unified department
runs unified approval of every IT project (seed 000 §1.2.2: 一个部门统筹管理) and, where the
province had no dedicated body, is its data bureau."""


def candidate_reforms(items: list[str]) -> list[str]:
    keys: list[str] = []
    for item in items:
        keys += [k for k in ITEM_REFORMS[item] if k not in keys]
    return keys


def province_overrides(spec, provinces, i: int, months: int) -> dict[str, Any]:
    """Scenario overrides that turn the template into province i's model."""
    d = spec.diffusion
    cities = max(1, round(float(provinces.cities[i]) * d.province_scale))
    counties = max(cities, round(float(provinces.counties[i]) * d.province_scale))
    rel = provinces.gdp_per_head[i] / float(np.average(provinces.gdp_per_head, weights=provinces.population))
    budgets = [float(b) * rel**d.budget_gdp_elasticity for b in spec.agents.budget_per_month]
    out: dict[str, Any] = {
        "meta.name": f"{spec.meta.name}-{provinces.pinyin[i]}",
        "simulation.steps": months,
        "government.sizes": [1, cities, counties],
        "agents.budget_per_month": budgets,
    }
    for key in candidate_reforms(list(d.reforms)):
        out[f"reforms.{key}.enabled"] = True
        out[f"reforms.{key}.start_month"] = NEVER
    return out


def build_province_model(spec, provinces, i: int, seed: int, months: int):
    """The within-province GovModel of province i (a three-level tree: province, city, county)."""
    from ..model import GovModel

    if len(spec.government.levels) != 3:
        from ..scenario import ScenarioError

        raise ScenarioError(
            f"government.levels = {spec.government.levels}: a [diffusion] scenario needs a province, city, "
            "county tree (three levels) as its template"
        )
    return GovModel(spec, rng=int(seed), **province_overrides(spec, provinces, i, months))


def schedule(model, key: str, month: int, **update: Any) -> bool:
    """Make the model's reform `key` start at `month` (with other parameters updated), unless
    it is active or due earlier already. True when something changed."""
    for reform in model.reforms:
        if reform.key == key and not reform.active and reform.p.start_month > month:
            reform.p = reform.p.model_copy(update={"start_month": int(month), **update})
            return True
    return False


def adopt(model, item: str, month: int, mandate: str | None = None, attention: float | None = None) -> None:
    """Province model side of an adoption at `month` (`mandate`: the body's type; `attention`:
    the share of effort that mandate leaves for IT, `diffusion.mandate_attention`). A body
    already at work takes the new mandate with its effort split (a relabelled body, a unified
    department that takes government services), so the label and the province model's rules
    agree."""
    for key in ITEM_REFORMS[item]:
        if key == "data_bureau":
            split = {} if attention is None else {"it_attention": attention}
            if not schedule(model, key, month, mandate=mandate, **split) and mandate is not None:
                remandate(model, mandate, attention)
        else:
            schedule(model, key, month)


def remandate(model, mandate: str, attention: float | None = None) -> None:
    """An active data bureau takes `mandate` (and its IT `attention`, None: unchanged) now;
    one not yet due takes them when it starts."""
    split = {} if attention is None else {"it_attention": attention}
    for reform in model.reforms:
        if reform.key == "data_bureau":
            if reform.active:
                reform.remandate(model, mandate, attention)
            else:
                reform.p = reform.p.model_copy(update={"mandate": mandate, **split})
