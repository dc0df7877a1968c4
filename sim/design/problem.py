"""Design files (`experiments/design_*.toml`): the levers, constraints and objectives of a
robust multi-objective search over reform bundles (`govsim design`).

    [design]       base scenario, horizon, seeds, population, generations, algorithm, statistic
    [levers]       scenario keys the search sets: bool, int or float range, or a choice
    [constraints]  budget over the horizon (万元); optional max approval delay, min government control
    [objectives]   measures to improve, each with its direction (and optionally statistic, time summary)

Every candidate is encoded as a point of the unit cube (one coordinate per lever) and
decoded into scenario overrides; pymoo's real-valued operators then work for every lever type.
Errors are one line naming the file, the key, the value and what was expected.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ..catalogue import MEASURES
from ..scenario import ScenarioError, load_spec, resolve_path, validate

PROVINCIAL_PACKAGES = ("guangdong", "zhejiang", "guizhou")
STATISTIC = re.compile(r"^(mean|regret|p([1-9][0-9]?))$")  # mean, tail percentile p1..p99, regret


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class DesignSection(_Section):
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    scenario: Annotated[str, Field(min_length=1)] = "baseline"  # base government and institutions
    steps: Annotated[int, Field(ge=1)] | None = None  # months; default: the scenario's horizon
    seeds: Annotated[int, Field(ge=1)] = 4  # replications, the same for every candidate
    seed: Annotated[int, Field(ge=0)] = 1  # base seed: runs and the search's own generator
    population: Annotated[int, Field(ge=4)] = 24
    generations: Annotated[int, Field(ge=1)] = 10
    algorithm: Literal["nsga2", "nsga3"] = "nsga2"
    statistic: str = "mean"  # default robustness statistic of the objectives
    posterior_draws: Annotated[int, Field(ge=1)] = 4  # with --posterior: draws per seed
    packages: list[str] = list(PROVINCIAL_PACKAGES)  # reform packages placed against the front


class Lever(_Section):
    type: Literal["bool", "int", "float", "choice"]
    low: float | None = None
    high: float | None = None
    values: list[bool | int | float | str] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Lever:
        if self.type in ("int", "float"):
            if self.low is None or self.high is None:
                raise ValueError(f"a {self.type} lever needs low and high")
            if not self.low < self.high:
                raise ValueError(f"low < high (got low = {self.low:g}, high = {self.high:g})")
            if self.type == "int" and not (float(self.low).is_integer() and float(self.high).is_integer()):
                raise ValueError("whole-number low and high for an int lever")
        if self.type == "choice" and (not self.values or len(self.values) < 2):
            raise ValueError("a choice lever needs values = [at least two]")
        if self.type in ("bool", "choice") and (self.low is not None or self.high is not None):
            raise ValueError(f"no low/high on a {self.type} lever")
        if self.type != "choice" and self.values is not None:
            raise ValueError("values only on a choice lever")
        return self

    def decode(self, u: float) -> Any:
        """The lever's value at unit coordinate `u` (0-1)."""
        u = min(max(float(u), 0.0), 1.0)
        if self.type == "bool":
            return bool(u >= 0.5)
        if self.type == "choice":
            assert self.values is not None
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        v = self.low + u * (self.high - self.low)  # type: ignore[operator]
        return round(v) if self.type == "int" else float(v)

    def samples(self) -> list[Any]:
        """Values that show a bad key or an out-of-range bound before any run."""
        if self.type == "bool":
            return [True, False]
        if self.type == "choice":
            return list(self.values or [])
        return [self.decode(0.0), self.decode(1.0)]


class Constraints(_Section):
    budget: Annotated[float, Field(gt=0)] | None = None  # 万元 spent over the horizon (mean over scenarios)
    max_approval_delay: Annotated[float, Field(gt=0)] | None = None  # months, the worst month's mean delay
    min_government_control: Annotated[float, Field(ge=0, le=1)] | None = None  # share, final month


class Objective(_Section):
    measure: str = ""  # default: the objective's name
    direction: Literal["min", "max"] | None = None  # default: the measure's own better direction
    statistic: str | None = None  # default: [design].statistic
    at: Literal["final", "mean"] = "final"  # the last month's value, or the mean over the months


class DesignFile(_Section):
    design: DesignSection
    levers: Annotated[dict[str, Lever], Field(min_length=1)]
    constraints: Constraints = Constraints()
    objectives: Annotated[dict[str, Objective | Literal["min", "max"]], Field(min_length=1)]
    _path: Path = PrivateAttr(default=Path("<design>"))

    @property
    def path(self) -> Path:
        return self._path

    @property
    def name(self) -> str:
        return self.design.name

    def objective_list(self) -> list[ObjectiveSpec]:
        out = []
        for name, o in self.objectives.items():
            o = Objective(direction=o) if isinstance(o, str) else o
            measure = o.measure or name
            direction = o.direction or ("max" if MEASURES[measure].better == "higher" else "min")
            out.append(ObjectiveSpec(name, measure, direction, o.statistic or self.design.statistic, o.at))
        return out

    def base_file(self) -> Path:
        return resolve_path(self.design.scenario, relative_to=self._path.parent)


class ObjectiveSpec:
    """One objective, resolved: its measure, original direction, robustness statistic and
    time summary. `sign` turns a measure into a value to minimise."""

    def __init__(self, name: str, measure: str, direction: str, statistic: str, at: str) -> None:
        self.name, self.measure, self.direction, self.statistic, self.at = name, measure, direction, statistic, at
        self.sign = 1.0 if direction == "min" else -1.0

    def as_dict(self) -> dict[str, str]:
        return {"measure": self.measure, "direction": self.direction, "statistic": self.statistic, "at": self.at}


def robust(oriented: np.ndarray, statistic: str, best: np.ndarray | None = None) -> float:
    """A candidate's objective from its oriented (to minimise) values over the scenarios:
    their mean, an upper percentile (pNN: the bad tail), or the worst regret (the shortfall
    from the `best` value any candidate reached in the same scenario)."""
    if statistic == "mean":
        value = np.mean(oriented)
    elif statistic == "regret":
        assert best is not None
        value = np.max(oriented - best)
    else:
        value = np.percentile(oriented, int(statistic[1:]))
    return tie(float(value))


def tie(value: float) -> float:
    """12 significant digits: a mean of equal values that differs in the 16th digit (0.15 as
    0.14999999999999974) must tie, not make a design look better than its equals."""
    return float(f"{value:.12g}")


# ------------------------------------------------------------------------------- loading
def _format(err: dict, source: str) -> str:
    loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
    loc = [p for p in loc if not p.startswith(("function-", "literal[", "Objective", "str"))]
    path = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{source}: {path}: unknown key"
    if err["type"] == "missing":
        return f"{source}: {path}: missing"
    msg = err["msg"]
    msg = msg.removeprefix("Value error, ")
    msg = msg[0].lower() + msg[1:]
    return f"{source}: {path} = {err.get('input')!r}: expected {msg.removeprefix('input should be ')}"


def load_design(path: str | Path) -> DesignFile:
    """Read and validate a design file; any problem raises ScenarioError in one line."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such design file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot read it: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None
    try:
        doc = DesignFile.model_validate(raw)
    except ValidationError as e:
        raise ScenarioError(_format(e.errors()[0], str(path))) from None
    doc._path = path
    _check(doc)
    return doc


def _check(doc: DesignFile) -> None:
    """What the schema cannot see: measures, statistics, scenario keys and their ranges."""
    src = str(doc.path)
    d = doc.design
    if not STATISTIC.match(d.statistic):
        raise ScenarioError(f"{src}: design.statistic = {d.statistic!r}: expected mean, regret or pNN (e.g. p90)")
    for name, o in doc.objectives.items():
        o = Objective(direction=o) if isinstance(o, str) else o
        measure = o.measure or name
        if measure not in MEASURES:
            raise ScenarioError(f"{src}: objectives.{name}: unknown measure {measure!r}; see `govsim measures`")
        if o.statistic is not None and not STATISTIC.match(o.statistic):
            raise ScenarioError(
                f"{src}: objectives.{name}.statistic = {o.statistic!r}: expected mean, regret or pNN (e.g. p90)"
            )
        if o.direction is None and MEASURES[measure].better not in ("lower", "higher"):
            raise ScenarioError(f"{src}: objectives.{name}: {measure} has no better direction; expected direction")
    if d.algorithm == "nsga3" and len(doc.objectives) < 2:
        raise ScenarioError(f"{src}: design.algorithm = 'nsga3': expected two or more objectives")
    try:
        base = load_spec(doc.base_file())[0]
    except ScenarioError as e:
        raise ScenarioError(f"{src}: design.scenario = {d.scenario!r}: {e}") from None
    for key in ("simulation.seed", "simulation.steps"):
        if key in {k.replace("__", ".") for k in doc.levers}:
            raise ScenarioError(f"{src}: levers.{key}: not a lever (set design.seed / design.steps)")
    for key, lever in doc.levers.items():
        for value in lever.samples():
            load_spec(doc.base_file(), {key: value}, sources={key: f"{src}: levers"})
    base_doc = base.model_dump(mode="json")
    for name in d.packages:
        try:
            validate(package_doc(base_doc, name), {}, f"package {name} on {d.scenario}")
        except ScenarioError as e:
            raise ScenarioError(f"{src}: design.packages: {name!r}: {e}") from None
    if d.steps is None and base.simulation.steps < 1:  # pragma: no cover - the schema forbids it
        raise ScenarioError(f"{src}: design.steps: missing")


def package_doc(base_doc: dict, name: str) -> dict:
    """A reform package on the design's base government: the preset's [reforms] table in
    place of the base's, everything else (government, agents, simulation) the base's."""
    pkg = load_spec(name)[0].model_dump(mode="json")
    return {**base_doc, "reforms": pkg["reforms"], "meta": {**base_doc["meta"], "name": name}}


def horizon(doc: DesignFile) -> int:
    return doc.design.steps or load_spec(doc.base_file())[0].simulation.steps


def decode(levers: dict[str, Lever], x: np.ndarray) -> dict[str, Any]:
    """A candidate's scenario overrides from its unit-cube point. A reform switched off by
    its `enabled` lever makes its other levers moot: they are left out (None), so bundles
    that differ only there are one bundle, evaluated once."""
    values = {k: lv.decode(u) for (k, lv), u in zip(levers.items(), x, strict=True)}
    off = {k.replace("__", ".").rsplit(".", 1)[0] for k, v in values.items() if k.endswith("enabled") and v is False}
    for k in values:
        section, _, last = k.replace("__", ".").rpartition(".")
        if section in off and last != "enabled":
            values[k] = None
    return values


def overrides(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def bundle_key(values: dict[str, Any]) -> str:
    """Identity of a bundle: two points that decode to the same values are one bundle,
    evaluated once."""
    return ";".join(f"{k}={v!r}" for k, v in values.items())


def finite(x: float) -> float:
    return x if math.isfinite(x) else float("nan")
