"""Calibration files: the experiment (`[calibration]`, `[priors]`) and its targets file.

    [calibration]
    name = "calibration"
    targets = "targets.toml"           # relative to this file
    fit = ["online_share_2020", ...]   # targets in the distance
    holdout = ["guangdong_it_bodies_after", ...]  # predicted only, never fitted
    scenario = "baseline"              # the preset the priors' keys are checked against
    population = 30                    # particles per generation
    generations = 4                    # ABC-SMC generations
    seeds = 2                          # model runs (seeds) averaged per particle
    seed = 1                           # base of every particle's seeds
    acceptance = "noisy"               # "noisy": Gaussian kernel of the targets' uncertainties,
                                       # tempered to 1 (Wilkinson 2013); "epsilon": distance threshold

    [priors]
    "agents.sharing_cost" = { dist = "uniform", low = 0.1, high = 0.9 }
    "agents.data_value" = { dist = "normal", mean = 2.0, sd = 0.5 }
    "agents.choice_noise" = { dist = "lognormal", median = 0.3, sigma = 0.5 }
    "agents.digital_skill[0]" = { dist = "uniform", low = 0.6, high = 1.0 }  # one element of a list

Every error is one line naming the file, the key, the value and what was expected.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..measures import MEASURES, month_dates
from ..scenario import ScenarioError, load_spec, resolve_path
from .stats import DERIVED, Plan, Probe, expand_elements, scenario_list, split_element

DISTRIBUTIONS = {"uniform": ("low", "high"), "normal": ("mean", "sd"), "lognormal": ("median", "sigma")}
CALIBRATION_KEYS = {
    "name": str,
    "description": str,
    "targets": str,
    "fit": list,
    "holdout": list,
    "scenario": str,
    "population": int,
    "generations": int,
    "seeds": int,
    "seed": int,
    "acceptance": str,
}
ACCEPTANCES = ("epsilon", "noisy")
REQUIRED = ("name", "targets", "fit", "scenario")
DEFAULTS = {
    "description": "",
    "holdout": [],
    "population": 30,
    "generations": 4,
    "seeds": 2,
    "seed": 1,
    "acceptance": "epsilon",
}
TARGET_KEYS = {"name", "source", "scenario", "date", "month", "statistic", "value", "uncertainty", "derived"}
DATE = re.compile(r"^[12][0-9]{3}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Prior:
    key: str
    dist: str
    a: float  # low | mean | median
    b: float  # high | sd | sigma

    def support_probes(self) -> list[float]:
        """Values a scenario must accept: the ends of a uniform, the centre otherwise."""
        return [self.a, self.b] if self.dist == "uniform" else [self.a]

    def as_dict(self) -> dict[str, Any]:
        names = DISTRIBUTIONS[self.dist]
        return {"dist": self.dist, names[0]: self.a, names[1]: self.b}


@dataclass(frozen=True)
class Target:
    name: str
    source: str
    scenario: str
    month: int
    date: str
    statistic: str
    value: float
    uncertainty: float
    derived: str = ""


@dataclass(frozen=True)
class Calibration:
    path: Path
    name: str
    description: str
    targets_path: Path
    targets: dict[str, Target]
    fit: list[str]
    holdout: list[str]
    scenario: str
    population: int
    generations: int
    seeds: int
    seed: int
    priors: dict[str, Prior]
    acceptance: str = "epsilon"

    def plan(self, names: list[str]) -> Plan:
        """What one particle runs for these targets: their scenarios, months and statistics."""
        probes: dict[str, list[Probe]] = {}
        for n in names:
            t = self.targets[n]
            probes.setdefault(t.scenario, []).append(Probe(n, t.month, t.statistic))
        files = {}
        for sc in probes:
            path = resolve_path(sc, relative_to=self.targets_path.parent)
            if not _is_preset(sc, path):
                files[sc] = str(path.resolve())
        return Plan({k: tuple(v) for k, v in probes.items()}, self.seeds, self.seed, files)

    def fingerprint(self) -> str:
        """What the pyabc database depends on: priors, fitted targets and their values,
        population, seeds per particle and base seed (not the generations: more of them
        continue a calibration)."""
        doc = {
            "priors": {k: p.as_dict() for k, p in self.priors.items()},
            "fit": {n: _target_key(self.targets[n]) for n in self.fit},
            "population": self.population,
            "seeds": self.seeds,
            "seed": self.seed,
        }
        if self.acceptance != "epsilon":  # keeps the fingerprints of epsilon calibrations as they were
            doc["acceptance"] = self.acceptance
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def _target_key(t: Target) -> list:
    return [t.scenario, t.month, t.statistic, t.value, t.uncertainty]


def _is_preset(name: str, path: Path) -> bool:
    from ..scenario import scenarios_dir

    return path.resolve() == (scenarios_dir() / f"{name}.toml").resolve()


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder; expected a {what} (TOML)") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None


def _typed(src: str, key: str, value: Any, kind: type) -> Any:
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is list:
        ok = ok and all(isinstance(v, str) for v in value)
    if not ok:
        what = {str: "text", int: "a whole number", list: "a list of target names", float: "a number"}[kind]
        raise ScenarioError(f"{src}: {key} = {value!r}: expected {what}")
    return value


def _unknown(src: str, where: str, key: str, allowed) -> ScenarioError:
    hint = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.5)
    dym = f"; did you mean '{hint[0]}'?" if hint else ""
    return ScenarioError(f"{src}: {where}{key}: unknown key{dym} (allowed: {', '.join(sorted(allowed))})")


def load_calibration(path: str | Path, population: int | None = None, generations: int | None = None) -> Calibration:
    """Read and check a calibration experiment and its targets file (flags override the file's
    population and generations)."""
    path = Path(path)
    raw = _read_toml(path, "calibration file")
    src = str(path)
    for table in raw:
        if table not in ("calibration", "priors", "_calibration"):
            raise _unknown(src, "", table, ("calibration", "priors"))
    cal = raw.get("calibration")
    if not isinstance(cal, dict):
        raise ScenarioError(f"{src}: calibration: missing (a [calibration] table naming targets, fit, scenario)")
    for key, value in cal.items():
        if key not in CALIBRATION_KEYS:
            raise _unknown(src, "calibration.", key, CALIBRATION_KEYS)
        _typed(src, f"calibration.{key}", value, CALIBRATION_KEYS[key])
    for key in REQUIRED:
        if key not in cal:
            raise ScenarioError(f"{src}: calibration.{key}: missing")
    c = {**DEFAULTS, **cal}
    flags = {"population": population, "generations": generations}
    for key, minimum in (("population", 2), ("generations", 1), ("seeds", 1), ("seed", 0)):
        if flags.get(key) is not None:
            c[key] = flags[key]
        if c[key] < minimum:
            where = f"--{key} {c[key]}" if flags.get(key) is not None else f"{src}: calibration.{key} = {c[key]}"
            raise ScenarioError(f"{where}: expected a whole number >= {minimum}")
    if c["acceptance"] not in ACCEPTANCES:
        raise ScenarioError(
            f"{src}: calibration.acceptance = {c['acceptance']!r}: expected one of {', '.join(ACCEPTANCES)}"
        )
    targets_path = path.parent / c["targets"]
    targets = load_targets(targets_path)
    _check_names(src, c, targets)
    try:
        load_spec(resolve_path(c["scenario"], relative_to=path.parent))
    except ScenarioError as e:
        raise ScenarioError(f"{src}: calibration.scenario = {c['scenario']!r}: {e}") from None
    priors = _priors(src, raw.get("priors"), c["scenario"], path.parent)
    return Calibration(
        path,
        c["name"],
        c["description"],
        targets_path,
        targets,
        list(c["fit"]),
        list(c["holdout"]),
        c["scenario"],
        c["population"],
        c["generations"],
        c["seeds"],
        c["seed"],
        priors,
        c["acceptance"],
    )


def _check_names(src: str, c: dict, targets: dict[str, Target]) -> None:
    if not c["fit"]:
        raise ScenarioError(f"{src}: calibration.fit = []: expected at least one target to fit")
    for key in ("fit", "holdout"):
        seen = set()
        for n in c[key]:
            if n not in targets:
                hint = difflib.get_close_matches(n, list(targets), n=1)
                dym = f"; did you mean '{hint[0]}'?" if hint else ""
                raise ScenarioError(f"{src}: calibration.{key}: unknown target '{n}'{dym} (targets in {c['targets']})")
            if n in seen:
                raise ScenarioError(f"{src}: calibration.{key}: '{n}' twice; expected each target once")
            seen.add(n)
    both = sorted(set(c["fit"]) & set(c["holdout"]))
    if both:
        raise ScenarioError(
            f"{src}: calibration.holdout: '{both[0]}' is also in calibration.fit; expected a held-out target "
            "to stay out of the fit"
        )


def _priors(src: str, table: Any, scenario: str, base: Path) -> dict[str, Prior]:
    if not isinstance(table, dict) or not table:
        raise ScenarioError(f"{src}: priors: missing or empty; expected one entry per parameter key")
    path = resolve_path(scenario, relative_to=base)
    out: dict[str, Prior] = {}
    for key, spec in table.items():
        where = f"{src}: priors.{key}"
        if not isinstance(spec, dict):
            example = '{ dist = "uniform", low = .., high = .. }'
            raise ScenarioError(f"{where} = {spec!r}: expected a table such as {example}")
        dist = spec.get("dist")
        if dist not in DISTRIBUTIONS:
            raise ScenarioError(f"{where}.dist = {dist!r}: expected one of {', '.join(DISTRIBUTIONS)}")
        names = DISTRIBUTIONS[dist]
        for k in spec:
            if k != "dist" and k not in names:
                raise _unknown(src, f"priors.{key}.", k, ("dist", *names))
        vals = []
        for k in names:
            v = spec.get(k)
            if v is None:
                raise ScenarioError(f"{where}.{k}: missing (a {dist} prior needs {' and '.join(names)})")
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ScenarioError(f"{where}.{k} = {v!r}: expected a finite number")
            vals.append(float(v))
        if dist == "uniform" and vals[0] >= vals[1]:
            raise ScenarioError(f"{where} = {{low = {vals[0]}, high = {vals[1]}}}: expected low < high")
        if dist != "uniform" and vals[1] <= 0:
            raise ScenarioError(f"{where}.{names[1]} = {vals[1]}: expected a number > 0")
        if dist == "lognormal" and vals[0] <= 0:
            raise ScenarioError(f"{where}.median = {vals[0]}: expected a number > 0")
        prior = Prior(key.replace("__", "."), dist, *vals)
        _check_element(where, prior.key, path, scenario)
        for v in prior.support_probes():
            try:
                load_spec(path, expand_elements({prior.key: v}, str(path)))
            except ScenarioError as e:
                raise ScenarioError(f"{where}: {str(e).removeprefix('--set: ')} (in scenario {scenario})") from None
        if prior.key in out:
            raise ScenarioError(f"{where}: the same key as another prior; expected each key once")
        out[prior.key] = prior
    return out


def _check_element(where: str, key: str, path: Path, scenario: str) -> None:
    """An element key ("agents.digital_skill[0]") must index a list parameter of the scenario."""
    el = split_element(key)
    if el is None:
        return
    base, i = el
    try:
        values = scenario_list(str(path), base)
    except ScenarioError:
        raise ScenarioError(f"{where}: {base} is not a parameter of scenario {scenario}") from None
    if values is None:
        raise ScenarioError(f"{where}: {base} is not a list in scenario {scenario}; expected [index] only on a list")
    if i >= len(values):
        raise ScenarioError(
            f"{where}: index {i} out of range; {base} has {len(values)} elements in scenario {scenario} "
            f"(expected 0-{len(values) - 1})"
        )


def load_targets(path: Path) -> dict[str, Target]:
    raw = _read_toml(path, "targets file")
    src = str(path)
    items = raw.get("target")
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{src}: target: missing; expected [[target]] tables")
    out: dict[str, Target] = {}
    for i, t in enumerate(items):
        target = _target(src, i, t, path.parent)
        if target.name in out:
            raise ScenarioError(f"{src}: target[{i}].name = {target.name!r}: a second target of that name")
        out[target.name] = target
    return out


def _target(src: str, i: int, t: dict, base: Path) -> Target:
    where = f"{src}: target[{i}]"
    for k in t:
        if k not in TARGET_KEYS:
            raise _unknown(src, f"target[{i}].", k, TARGET_KEYS)
    for k in ("name", "source", "scenario", "statistic", "value", "uncertainty"):
        if k not in t:
            raise ScenarioError(f"{where}.{k}: missing")
    for k in ("name", "source", "scenario", "statistic"):
        _typed(src, f"target[{i}].{k}", t[k], str)
    for k in ("value", "uncertainty"):
        v = t[k]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ScenarioError(f"{where}.{k} = {v!r}: expected a finite number")
    if t["uncertainty"] <= 0:
        raise ScenarioError(f"{where}.uncertainty = {t['uncertainty']!r}: expected a number > 0")
    stat = t["statistic"]
    if stat not in MEASURES and stat not in DERIVED:
        choices = [*MEASURES, *DERIVED]
        hint = difflib.get_close_matches(stat, choices, n=1)
        dym = f"; did you mean '{hint[0]}'?" if hint else ""
        raise ScenarioError(f"{where}.statistic = {stat!r}: not a measure or derived statistic{dym}")
    try:
        spec = load_spec(resolve_path(t["scenario"], relative_to=base))[0]
    except ScenarioError as e:
        raise ScenarioError(f"{where}.scenario = {t['scenario']!r}: {e}") from None
    month, date = _month(where, t, spec.simulation.start)
    return Target(
        t["name"],
        t["source"],
        t["scenario"],
        month,
        date,
        stat,
        float(t["value"]),
        float(t["uncertainty"]),
        str(t.get("derived", "")).strip(),
    )


def _month(where: str, t: dict, start: str) -> tuple[int, str]:
    """The target's month on its scenario's calendar, from `date` or `month` (exactly one)."""
    if ("date" in t) == ("month" in t):
        raise ScenarioError(f'{where}: expected exactly one of date ("YYYY-MM") and month')
    if "month" in t:
        m = t["month"]
        if isinstance(m, bool) or not isinstance(m, int) or m < 0:
            raise ScenarioError(f"{where}.month = {m!r}: expected a whole number >= 0")
        return m, month_dates(start, m + 1)[-1]
    d = t["date"]
    if not isinstance(d, str) or not DATE.match(d):
        raise ScenarioError(f'{where}.date = {d!r}: expected "YYYY-MM"')
    y, mo = map(int, d.split("-"))
    y0, m0 = map(int, start.split("-"))
    m = (y * 12 + mo) - (y0 * 12 + m0)
    if m < 0:
        raise ScenarioError(f"{where}.date = {d!r}: before the scenario's month 0 ({start}); expected {start} or later")
    return m, d
