"""A tiny two-level government for reform unit tests, and a record of what a call changes.

One province over two counties, four lines (taxation vertically managed), four service
kinds: 3 governments, 12 agencies; government g's agency of line l is `4 g + l`. A model
builds in about 0.02 s, so each reform's `activate` and `step` are tested on their own:
`activate(model, key)` switches the reform on as `GovModel.step` does in its
`start_month` and returns what changed; `step(model, reform, month)` likewise for one call
of `Reform.step` in a month. "What changed" names
every entry of the rules, the institutions, the agency state, the bodies, companies and
vendors, the month's spending and programme costs, and the random generator (a draw
changes its state), so a test can assert that a reform changes exactly what it should.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from sim import GovModel
from sim.institutions import ensure_coordinator
from sim.reforms import Reform

LINES = ["public_security", "taxation", "health", "education"]
PUBLIC_SECURITY, TAXATION, HEALTH, EDUCATION = range(4)
PROVINCE, COUNTY_A, COUNTY_B = range(3)

TINY: dict[str, Any] = {
    "government.levels": ["province", "county"],
    "government.sizes": [1, 2],
    "government.lines": LINES,
    "government.vertical_lines": ["taxation"],
    "government.service_types": 4,
    "government.needs_per_service": [1, 2],
    "government.service_level_share": [0.4, 0.6],
    "agents.budget_per_month": [20.0, 4.0],
    "agents.inhouse_unit_share": [0.8, 0.2],
    "agents.inhouse_staff": [17.0, 2.0],
    "agents.digital_skill": [0.85, 0.6],
    "agents.vendors": 3,
    # the preset's reform levels name a city level the tiny tree lacks
    "reforms.data_bureau.levels": ["province", "county"],
    "reforms.leadership.levels": ["province", "county"],
    "reforms.ops_separation.levels": ["province", "county"],
    "reforms.data_reflux.levels": ["county"],
    "reforms.tech_support_institution.levels": ["province"],
    "reforms.base_data.lines": ["public_security", "health"],
}

INSTITUTIONS = ("platforms", "tech_support", "audits", "gov_apps", "openness", "libraries", "review", "tech_pool")


def tiny(reform: str | None = None, seed: int = 1, **params: Any) -> GovModel:
    """The tiny government, with `reform` enabled (its `params` set) but not yet active."""
    overrides = dict(TINY)
    if reform is not None:
        overrides[f"reforms.{reform}.enabled"] = True
        overrides.update({f"reforms.{reform}.{k}": v for k, v in params.items()})
    return GovModel("baseline", rng=seed, **overrides)


def reform_of(model: GovModel, key: str) -> Reform:
    return next(r for r in model.reforms if r.key == key)


def snapshot(model: GovModel) -> dict[str, Any]:
    """Copies of everything a reform may change, by name."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(model.rules):
        out[f"rules.{f.name}"] = _copy(getattr(model.rules, f.name))
    for name in INSTITUTIONS:
        inst = getattr(model, name)
        for f in dataclasses.fields(inst):
            out[f"{name}.{f.name}"] = _copy(getattr(inst, f.name))
    for f in dataclasses.fields(model.state):
        out[f"state.{f.name}"] = _copy(getattr(model.state, f.name))
    out["bodies"] = [(type(b).__name__, b.gov, b.attention, b.mandate, b.superseded) for b in model.bodies]
    out["companies"] = [
        (c.market, c.state_share, c.markup, c.data_hold, c.staff, c.staff_skill, tuple(c.queue.tolist()))
        for c in model.companies
    ]
    out["vendors"] = [(v.market, v.quality, v.markup) for v in model.vendors]
    out["fixed_costs"] = dict(model.fixed_costs)
    out["spend"] = dict(model.spend)
    out["rng"] = _copy(model.rng.bit_generator.state)
    return out


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray | dict | list) else x


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    return a == b


def changes(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {k for k in before if not _same(before[k], after[k])}


def at_month(model: GovModel, month: int) -> None:
    """Make `model.month` read `month` (Mesa counts the steps begun)."""
    model.steps = month + 1


def activate(model: GovModel, key: str) -> tuple[Reform, set[str]]:
    """Switch the reform on as `GovModel.step` does in its start month; what its
    `activate` changed."""
    reform = reform_of(model, key)
    at_month(model, reform.p.start_month)
    reform.active = True
    if reform.needs_coordinator:
        ensure_coordinator(model)
    before = snapshot(model)
    reform.activate(model)
    return reform, changes(before, snapshot(model))


def step(model: GovModel, reform: Reform, month: int | None = None) -> set[str]:
    """One call of the reform's monthly step (in `month`, else the model's month); what
    it changed."""
    if month is not None:
        at_month(model, month)
    before = snapshot(model)
    reform.step(model)
    return changes(before, snapshot(model))
