"""Experiment files (`experiments/*.toml`): what a sweep or a sensitivity analysis runs.

In EMA Workbench's words, a sweep crosses *policies* — values of the **levers** a
decision-maker controls (reform switches and strengths) — with *scenarios* — values of the
**uncertainties** nobody controls (behavioural parameters) — for each scenario file, each
repeated over `replications` seeds. A parameter is a grid (a list of values) or a range
(`{ low = .., high = .. }`) sampled by `[sampling].method`. A *reference* scenario
(`experiment.references`) runs with the uncertainties but not the levers: a fixed point of
comparison, not multiplied by policies that would not change it.

Errors are one line naming the file, the key, the value and what was expected.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ..scenario import (
    ScenarioError,
    expected_phrase,
    load_spec,
    package_ref,
    parse_toml,
    read_text,
    resolve_path,
    show,
    split_package_ref,
)
from ..schema import MAX_SEED, MAX_STEPS, FolderName

# tables a results folder adds to DIR/experiment.toml; ignored when that file is run again
RESULT_TABLES = ("_results", "_scenarios")

# Upper bounds on the sizes that set a sweep's time and disk use, checked before any run
# (README "Limits"). Each run keeps two files; run ids have six digits.
MAX_RUNS = 200_000
MAX_REPLICATIONS = 10_000
MAX_SAMPLES = 100_000


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Range(_Section):
    low: float
    high: float
    integer: bool = False  # round sampled values (e.g. counts)


class ExperimentSection(_Section):
    name: FolderName  # names the default results folder, results/NAME
    description: str = ""
    scenarios: Annotated[list[str], Field(min_length=1)]
    references: list[str] = []  # scenarios of `scenarios` run once per future, not per policy
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = None  # default: each scenario's own horizon
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1  # base of each replication's SeedSequence


class Sampling(_Section):
    method: Literal["grid", "lhs", "sobol"] = "lhs"
    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)] = 8


class SensitivitySection(_Section):
    method: Literal["morris", "sobol"] = "morris"
    measures: Annotated[list[str], Field(min_length=1)]
    trajectories: Annotated[int, Field(ge=2, le=MAX_SAMPLES)] = 10  # Morris: N trajectories
    levels: Annotated[int, Field(ge=2, le=1000)] = 4  # Morris: grid levels
    base_samples: Annotated[int, Field(ge=2, le=MAX_SAMPLES)] = 64  # Sobol (Saltelli): N
    statistic: Literal["final", "mean"] = "final"  # the measure's last month, or its mean over months
    sampler_seed: Annotated[int, Field(ge=0)] | None = None  # SALib's sampler; default experiment.seed
    scales: dict[str, Range] = {}  # one factor on every number of a list or table key (sensitivity.py)


class Cross(_Section):
    """Reform packages crossed with governments: scenario `PACKAGE@STRUCTURE` for each pair
    (the package's [reforms] on the structure's government), added to experiment.scenarios."""

    structures: Annotated[list[str], Field(min_length=1)]
    packages: Annotated[list[str], Field(min_length=1)]


ParamValue = list[bool | int | float | str] | Range


class Experiment(_Section):
    experiment: ExperimentSection
    levers: dict[str, ParamValue] = {}
    uncertainties: dict[str, ParamValue] = {}
    sampling: Sampling = Sampling()
    sensitivity: SensitivitySection | None = None
    cross: Cross | None = None
    # the folder scenario paths are relative to (the experiment file's, as for `extends`)
    _base_dir: Path | None = PrivateAttr(default=None)
    # the experiment file it was read from (for a results folder's copy: the original)
    _origin: Path | None = PrivateAttr(default=None)

    # -- derived -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def base_dir(self) -> Path | None:
        return self._base_dir

    @property
    def origin(self) -> Path | None:
        return self._origin

    def scenario_file(self, scenario: str) -> Path:
        """The file a scenario of `experiment.scenarios` names (a preset's, or a path); for
        `PACKAGE@STRUCTURE`, both files joined by `@` (what `load_spec` reads as a package on
        a government)."""
        if (pair := split_package_ref(scenario)) is not None:
            return cross_file(pair, self._base_dir)
        return resolve_path(scenario, relative_to=self._base_dir)

    def scenario_specs(self) -> dict[str, tuple[Path, Any]]:
        """Each scenario's file and resolved spec (its `extends` chain merged, no overrides)."""
        out = {}
        for name in self.experiment.scenarios:
            path = self.scenario_file(name)
            out[name] = (path, load_spec(path)[0])
        return out

    def ranges(self) -> dict[str, Range]:
        return {k: v for k, v in {**self.levers, **self.uncertainties}.items() if isinstance(v, Range)}


def _format(err: dict, source: str) -> str:
    loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
    # pydantic reports union branches (list[...] | Range) as extra path parts: drop them
    loc = [p for p in loc if not p.startswith(("list[", "Range", "function-"))]
    path = ".".join(loc)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.5)
        dym = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"{source}: {path}: unknown key{dym} (allowed here: {', '.join(allowed)})"
    if err["type"] == "missing":
        return f"{source}: {path}: missing"
    return f"{source}: {path} = {show(err.get('input'))}: {expected_phrase(err)}"


def _accepts(path: Path, name: str, value: Any) -> bool:
    try:
        load_spec(path, {name: value})
    except ScenarioError:
        return False
    return True


def _allowed_keys(loc: list[str]) -> list[str]:
    models = {
        "": Experiment,
        "experiment": ExperimentSection,
        "sampling": Sampling,
        "sensitivity": SensitivitySection,
        "cross": Cross,
    }
    model = models.get(".".join(loc[:1]) if loc else "")
    if loc and loc[0] in ("levers", "uncertainties"):
        return ["low", "high", "integer"]
    return list(model.model_fields) if model else []


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and cross-check an experiment file (also a results folder's
    DIR/experiment.toml: its scenario paths stay relative to the original file)."""
    path = Path(path)
    raw = parse_toml(read_text(path, "experiment file"), str(path))
    origin = path
    results = raw.get("_results")
    if isinstance(results, dict) and isinstance(results.get("source"), str) and Path(results["source"]).is_absolute():
        origin = Path(results["source"])  # DIR/experiment.toml: paths stay relative to the original
    exp = experiment_from_dict(raw, str(path), base_dir=origin.parent)
    exp._origin = origin
    return exp


def experiment_from_dict(
    raw: dict[str, Any], source: str = "<experiment>", *, base_dir: str | Path | None = None
) -> Experiment:
    """Validate an experiment; scenario paths resolve against `base_dir` (default: the
    folder of `source` when it is a .toml file, else the working folder)."""
    raw = expand_cross({k: v for k, v in raw.items() if k not in RESULT_TABLES})
    _check_parameters(raw, source)
    try:
        exp = Experiment.model_validate(raw)
    except ValidationError as e:
        errs = e.errors(include_url=False)
        more = f" (and {len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
        raise ScenarioError(_format(errs[0], source) + more) from None
    if base_dir is None and source.endswith(".toml"):
        base_dir = Path(source).parent
    exp._base_dir = Path(base_dir) if base_dir is not None else None
    check(exp, source)
    return exp


def _check_parameters(raw: dict[str, Any], source: str) -> None:
    """Each lever and uncertainty is a grid or a Range, reported as such (validating the
    union `list | Range` at once would report a misspelt range as "expected a list")."""
    for section in ("levers", "uncertainties"):
        table = raw.get(section)
        if not isinstance(table, dict):
            continue  # the model validation reports it
        for key, value in table.items():
            if isinstance(value, dict):
                try:
                    Range.model_validate(value)
                except ValidationError as e:
                    errs = e.errors(include_url=False)
                    # a misspelt key first: `hgih` explains the `high: missing` that comes with it
                    err = next((x for x in errs if x["type"] == "extra_forbidden"), errs[0])
                    raise ScenarioError(_format({**err, "loc": (section, key, *err["loc"])}, source)) from None
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    if not isinstance(v, bool | int | float | str):
                        raise ScenarioError(
                            f"{source}: {section}.{key}[{i}] = {v!r}: expected a single value "
                            "(a number, true/false or text), not a list or table"
                        )
            else:
                raise ScenarioError(
                    f"{source}: {section}.{key} = {value!r}: expected a list of values (a grid) "
                    "or a range { low = .., high = .. }"
                )


def canonical_key(key: str) -> str:
    """A scenario key path as `--set` reads it: `a__b` and `a.b` are the same key."""
    return key.replace("__", ".")


# keys the runner sets itself: a lever on them would label runs with values never applied
RUN_KEYS = {
    "simulation.seed": "run seeds come from experiment.seed and replications (one seed per replication)",
    "simulation.steps": "experiment.steps sets the months of every run",
}


def _check_keys(exp: Experiment, source: str) -> None:
    """Each parameter names a distinct key, and none that the runner overrides."""
    seen: dict[str, str] = {}
    for section in ("levers", "uncertainties"):
        for key in getattr(exp, section):
            name, where = canonical_key(key), f"{section}.{key}"
            if name in seen:
                raise ScenarioError(
                    f"{source}: {where}: the same scenario key as {seen[name]}; expected each key once "
                    "(as a lever or as an uncertainty, spelt with dots or __)"
                )
            seen[name] = where
            if name == "simulation.seed" or (name == "simulation.steps" and exp.experiment.steps is not None):
                fix = (
                    "remove experiment.steps to vary the months"
                    if name == "simulation.steps"
                    else "use replications for more seeds"
                )
                raise ScenarioError(
                    f"{source}: {where}: {RUN_KEYS[name]}, so these values would never be applied; "
                    f"expected no lever or uncertainty on it ({fix})"
                )


def check(exp: Experiment, source: str) -> None:
    """Every scenario resolves and every parameter is a valid scenario key with valid
    values — checked before any run starts, with the experiment file named."""
    _check_keys(exp, source)
    e = exp.experiment
    for ref in e.references:
        if ref not in e.scenarios:
            raise ScenarioError(
                f"{source}: experiment.references: '{ref}' is not one of experiment.scenarios "
                f"{e.scenarios}; expected a scenario of that list"
            )
    if exp.levers and set(e.scenarios) <= set(e.references):
        raise ScenarioError(
            f"{source}: experiment.references = {e.references}: every scenario is a reference, so the "
            "levers apply to none; expected at least one scenario that is not a reference"
        )
    for key, r in exp.ranges().items():
        if r.low >= r.high:
            raise ScenarioError(f"{source}: {key} = {{low = {r.low}, high = {r.high}}}: expected low < high")
    for name, value in {**exp.levers, **exp.uncertainties}.items():
        if isinstance(value, list) and not value:
            raise ScenarioError(f"{source}: {name} = []: expected at least one value")
    for scenario in exp.experiment.scenarios:
        try:
            path = exp.scenario_file(scenario)
        except ScenarioError as e:
            raise ScenarioError(f"{source}: experiment.scenarios: {e}") from None
        _check_values(exp, scenario, path, source)
    if exp.sensitivity is not None:
        # SALib varies the ranges of one scenario: anything else would be silently ignored
        grids = [(k, v) for k, v in {**exp.levers, **exp.uncertainties}.items() if isinstance(v, list)]
        if grids:
            raise ScenarioError(
                f"{source}: {grids[0][0]} = {grids[0][1]!r}: a grid (list of values) in a sensitivity analysis; "
                "expected a range { low = .., high = .. } (SALib varies ranges only)"
            )
        if e.references:
            raise ScenarioError(
                f"{source}: experiment.references = {e.references}: a sensitivity analysis runs one "
                "scenario with every parameter; expected no references"
            )
        if len(exp.experiment.scenarios) > 1:
            raise ScenarioError(
                f"{source}: experiment.scenarios = {exp.experiment.scenarios}: a sensitivity analysis "
                "runs one scenario; expected a single scenario (one file per scenario)"
            )
        for m in exp.sensitivity.measures:
            _check_measure(exp, m, source)
        if not exp.ranges():
            raise ScenarioError(f"{source}: sensitivity needs ranges ({{ low = .., high = .. }}) to vary")
    runs = count_runs(exp)
    if runs > MAX_RUNS:
        raise ScenarioError(
            f"{source}: the design has {runs:,} runs (scenarios x lever points x uncertainty points x "
            f"replications); expected at most {MAX_RUNS:,}: fewer samples, grid values or replications"
        )


def _check_measure(exp: Experiment, measure: str, source: str) -> None:
    """A sensitivity measure is a measure of `govsim measures`, or for a scenario with a
    `[diffusion]` table also a province count (`sim.diffusion.schema.COUNTS`); there, either may
    name a month, `NAME@YYYY-MM`: its value that month (instead of the run's statistic)."""
    from ..catalogue import MEASURES
    from ..diffusion.schema import COUNTS, month_index, month_label

    spec = load_spec(exp.scenario_file(exp.experiment.scenarios[0]))[0]
    d = spec.diffusion
    name, dated, date = measure.partition("@")
    known = [*MEASURES, *(COUNTS if d is not None else ())]
    if name not in known:
        hint = difflib.get_close_matches(name, known, n=1)
        dym = f"; did you mean '{hint[0]}'?" if hint else ""
        raise ScenarioError(f"{source}: sensitivity.measures: unknown measure '{name}'{dym}")
    if not dated:
        return
    if d is None:
        raise ScenarioError(
            f"{source}: sensitivity.measures: '{measure}': a month (@YYYY-MM) needs a scenario with a "
            f"[diffusion] table, whose rows are months; expected '{name}' (its {exp.sensitivity.statistic} value)"
        )
    months = min(d.months, exp.experiment.steps or spec.simulation.steps)
    last = month_label(d.start, months - 1)
    valid = len(date) == 7 and date[4] == "-" and date[:4].isdigit() and date[5:].isdigit() and "01" <= date[5:] <= "12"
    if not valid or not 0 <= month_index(d.start, date) < months:
        raise ScenarioError(
            f"{source}: sensitivity.measures: '{measure}': expected NAME@YYYY-MM with a month the runs "
            f"simulate, {d.start} to {last}"
        )


def _check_values(exp: Experiment, scenario: str, path: Path, source: str) -> None:
    """Each lever and uncertainty value is one the scenario accepts (its bounds: a range is
    probed at both ends)."""
    e = exp.experiment
    params = exp.uncertainties if scenario in e.references else {**exp.levers, **exp.uncertainties}
    for name, value in params.items():
        section = "uncertainties" if name in exp.uncertainties else "levers"
        probes = value if isinstance(value, list) else [value.low, value.high]
        for v in probes:
            if isinstance(value, Range) and value.integer:
                v = round(v)
            try:
                load_spec(path, {name: v}, default=f"{source}: {section}")
            except ScenarioError as err:
                hint = ""
                if isinstance(value, Range) and not value.integer and _accepts(path, name, round(v)):
                    hint = "; add integer = true to the range to sample whole numbers"
                raise ScenarioError(f"{err} (in scenario {scenario}){hint}") from None


def _points(params: dict[str, ParamValue], method: str, samples: int) -> int:
    """How many parameter points `design.parameter_points` makes (without making them)."""
    grid = math.prod(len(v) for v in params.values() if isinstance(v, list))
    ranged = sum(isinstance(v, Range) for v in params.values())
    if not ranged:
        return grid
    return grid * (samples**ranged if method == "grid" else samples)


def count_runs(exp: Experiment) -> int:
    """The number of runs a sweep (or sensitivity analysis) of `exp` makes, counted before
    the design is built (a grid over many levers could not be held in memory)."""
    e, s = exp.experiment, exp.sampling
    if exp.sensitivity is not None:
        sens = exp.sensitivity
        d = len({**exp.ranges(), **sens.scales})  # factors: ranges and scales (sensitivity.problem)
        points = (
            sens.trajectories * (d + 1) if sens.method == "morris" else sens.base_samples * (d + 2)
        )  # Saltelli without second order
        return points * e.replications
    policies = _points(exp.levers, s.method, s.samples)
    futures = _points(exp.uncertainties, s.method, s.samples)
    per_scenario = [futures if sc in e.references else policies * futures for sc in e.scenarios]
    return sum(per_scenario) * e.replications


# ----------------------------------------------------------- packages x structures
def cross_names(structures: list[str], packages: list[str]) -> list[str]:
    """`PACKAGE@STRUCTURE` for every pair, structure by structure."""
    return [package_ref(p, st) for st in structures for p in packages]


def expand_cross(raw: dict[str, Any]) -> dict[str, Any]:
    """Add the `[cross]` pairs to experiment.scenarios (after those listed, each once; a
    results folder's copy, which already lists them, is unchanged). A malformed [cross] is
    left for validation to report."""
    cross = raw.get("cross")
    if not isinstance(cross, dict):
        return raw
    structures, packages = cross.get("structures"), cross.get("packages")
    if not all(isinstance(x, list) and all(isinstance(v, str) for v in x) for x in (structures, packages)):
        return raw
    if not isinstance(raw.get("experiment", {}), dict):
        return raw
    section = dict(raw.get("experiment", {}))
    listed = section.get("scenarios", [])
    if not isinstance(listed, list):
        return raw
    section["scenarios"] = list(dict.fromkeys([*listed, *cross_names(structures, packages)]))
    return {**raw, "experiment": section}


def cross_file(pair: tuple[str, str], base_dir: Path | None) -> Path:
    """`PACKAGE@STRUCTURE` with both parts resolved (relative to the experiment file)."""
    package, structure = pair
    try:
        pkg = resolve_path(package, relative_to=base_dir).resolve()
    except ScenarioError as e:
        raise ScenarioError(f"{package_ref(package, structure)}: package '{package}': {e}") from None
    try:
        st = resolve_path(structure, relative_to=base_dir).resolve()
    except ScenarioError as e:
        raise ScenarioError(f"{package_ref(package, structure)}: structure '{structure}': {e}") from None
    return Path(package_ref(pkg, st))
