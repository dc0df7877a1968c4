"""Statistics a target compares with a fact: a measure, or a derived quantity read from the
model's state at the target's month.

Each derived quantity is a function of the model with a docstring saying what it is; a
target names it under `statistic`. `simulate` runs what a parameter point needs: each
scenario once per seed, up to the last month any of its targets asks for, reading each
statistic in its month, and averages over the seeds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..model import GovModel

APP, MOBILE = 3, 4  # capability kinds, in sim.schema.KINDS order (not imported: keeps the CLI light)
DATA_LAYER = 1  # platform layer index of "data" in sim.schema.LAYERS


def _province(model: GovModel) -> int:
    """Index of the province level: the level named "province", else the top of the tree."""
    levels = list(model.spec.government.levels)
    return levels.index("province") if "province" in levels else 0


def province_agencies(model: GovModel) -> float:
    """Agencies at the province level (one per line and province-level government)."""
    return float(np.count_nonzero(model.structure.agency_level == _province(model)))


def province_inhouse_units(model: GovModel) -> float:
    """Province-level agencies with an in-house IT unit (staff > 0), as `inhouse_it_units` counts them."""
    s = model.structure
    return float(np.count_nonzero((model.state.staff > 0) & (s.agency_level == _province(model))))


def province_inhouse_staff(model: GovModel) -> float:
    """Staff of province-level agencies' in-house IT units."""
    s = model.structure
    return float(model.state.staff[s.agency_level == _province(model)].sum())


def _province_requests(model: GovModel) -> np.ndarray:
    """Requests per service instance, 0 for instances below the province level."""
    s = model.structure
    return s.inst_volume * (s.gov_level[s.inst_gov] == _province(model))


def province_online_rate(model: GovModel) -> float:
    """Share of province-level requests completed fully online (不见面), request-weighted."""
    w = _province_requests(model)
    return float((model.outcome.online * w).sum() / w.sum()) if w.sum() > 0 else 0.0


def _online_intake(model: GovModel, w: np.ndarray) -> float:
    """Request-weighted share of requests submitted online (网办), whether or not a visit
    follows: the handler runs an application, at its quality and its staff's digital skill,
    to the applicants its online channel reaches (web portal, hosting app: `apps.host_reach`)
    — the factor of `online_rate` that does not depend on the data links."""
    from ..processes.apps import host_reach  # here: the statistics module loads without numba

    s, st = model.structure, model.state
    h = s.inst_handler
    intake = st.own[h, APP] * st.quality[h, APP] * st.digital[h] * host_reach(model)[h]
    return float((intake * w).sum() / w.sum()) if w.sum() > 0 else 0.0


def province_online_intake(model: GovModel) -> float:
    """Share of province-level requests submitted online (网办), whether or not a visit
    follows (`online_intake` restricted to the province level), request-weighted."""
    return _online_intake(model, _province_requests(model))


def online_intake(model: GovModel) -> float:
    """Share of all requests, every level, submitted online (线上办件), whether or not a
    visit follows: the handler's application × its quality × its staff's digital skill × the
    share of applicants its online channel reaches, request-weighted."""
    return _online_intake(model, model.structure.inst_volume.astype(float))


def province_has_app(model: GovModel) -> float:
    """1 if a province-level government runs a mobile app (one of its lines' or a
    consolidated government app), else 0; averaged over governments and seeds it is a chance."""
    s = model.structure
    govs = np.flatnonzero(s.gov_level == _province(model))
    own_app = model.state.own[:, MOBILE].astype(bool)
    has = [own_app[s.agency_gov == g].any() or bool(model.gov_apps.reach[g]) for g in govs]
    return float(np.mean(has)) if has else 0.0


def data_layer_reach(model: GovModel) -> float:
    """Share of governments connected to a shared platform's data layer."""
    return float(model.platforms.reach[:, DATA_LAYER].mean())


DERIVED: dict[str, Callable[[Any], float]] = {
    f.__name__: f
    for f in (
        province_agencies,
        province_inhouse_units,
        province_inhouse_staff,
        province_online_rate,
        province_online_intake,
        online_intake,
        province_has_app,
        data_layer_reach,
    )
}


def statistic(model: GovModel, name: str) -> float:
    """A measure of the model's current month, or a derived quantity."""
    return float(DERIVED[name](model)) if name in DERIVED else float(model.measures[name])


@dataclass(frozen=True)
class Probe:
    """One statistic to read in one month of one scenario's run."""

    target: str
    month: int
    statistic: str


@dataclass(frozen=True)
class Plan:
    """What one parameter point runs: per scenario, the probes to read; `seeds` runs each."""

    probes: dict[str, tuple[Probe, ...]]
    seeds: int
    base_seed: int
    scenario_files: dict[str, str] = field(default_factory=dict)  # scenario -> file, when not a preset

    @property
    def targets(self) -> list[str]:
        return [p.target for probes in self.probes.values() for p in probes]


def particle_seed(params: dict[str, float], base: int) -> int:
    """A seed from the parameter values themselves: the same particle gives the same runs,
    whichever worker evaluates it and in whatever order."""
    blob = json.dumps({k: repr(float(v)) for k, v in sorted(params.items())})
    digest = int(hashlib.sha256(blob.encode()).hexdigest()[:16], 16)
    return int(np.random.SeedSequence([base, digest]).generate_state(1, np.uint32)[0])


ELEMENT = re.compile(r"^(?P<base>[A-Za-z_][\w.]*)\[(?P<index>\d+)\]$")  # e.g. agents.digital_skill[0]


def split_element(key: str) -> tuple[str, int] | None:
    """(list key, index) of an element key such as "agents.digital_skill[0]"; None for a plain key."""
    m = ELEMENT.match(key)
    return (m["base"].replace("__", "."), int(m["index"])) if m else None


@functools.lru_cache(maxsize=64)
def scenario_list(scenario: str, key: str) -> tuple | None:
    """The value of a list parameter in a scenario (preset or file) as a tuple; None if the key
    is not a list there. Raises ScenarioError if the scenario or key does not exist."""
    from ..scenario import ScenarioError, load_spec, resolve_path

    node: Any = load_spec(resolve_path(scenario))[0]
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if node is None:
            raise ScenarioError(f"{key}: not a parameter of scenario {scenario}")
    return tuple(node) if isinstance(node, list | tuple) else None


def expand_elements(overrides: dict[str, Any], scenario: str) -> dict[str, Any]:
    """Element keys (`agents.digital_skill[0]`) become an override of the whole list: the
    scenario's own list with those elements replaced; plain keys pass through."""
    out: dict[str, Any] = {}
    lists: dict[str, list] = {}
    for key, value in overrides.items():
        el = split_element(key)
        if el is None:
            out[key] = value
            continue
        base, i = el
        lists.setdefault(base, list(scenario_list(scenario, base) or ()))[i] = value
    return out | lists


def run_probes(scenario: str, seed: int, overrides: dict, probes: tuple[Probe, ...]) -> dict[str, float]:
    """Run one scenario to its last probe's month (beyond its horizon if need be) and read
    each probe in its month."""
    from ..model import GovModel

    last = max(p.month for p in probes)
    model = GovModel(scenario, rng=seed, steps=max(last, 1), **expand_elements(overrides, scenario))
    out: dict[str, float] = {}
    for month in range(last + 1):
        if month:
            model.step()
        for p in probes:
            if p.month == month:
                out[p.target] = statistic(model, p.statistic)
    return out


def simulate(params: dict[str, float], plan: Plan) -> dict[str, float]:
    """Each target's statistic at a parameter point, averaged over `plan.seeds` seeds; NaN for
    every target when the point is not a valid scenario (e.g. a normal prior's tail below 0)."""
    from ..runner.design import replication_seed
    from ..scenario import ScenarioError

    base = particle_seed(params, plan.base_seed)
    sums = dict.fromkeys(plan.targets, 0.0)
    try:
        for r in range(plan.seeds):
            seed = replication_seed(base, r)
            for scenario, probes in plan.probes.items():
                where = plan.scenario_files.get(scenario, scenario)
                for k, v in run_probes(where, seed, dict(params), probes).items():
                    sums[k] += v / plan.seeds
    except ScenarioError:
        return dict.fromkeys(plan.targets, math.nan)
    return sums
