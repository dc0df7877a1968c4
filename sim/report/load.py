"""Read a sweep's stored results and group runs into variants.

A *variant* is one scenario file with one combination of lever values (a policy, in EMA
Workbench's words). Its runs differ by seed and by the sampled uncertainties, which the
report treats as the ensemble a variant is judged over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import tomli_w

from ..catalogue import MEASURES
from ..scenario import ScenarioError, load_spec, parse_toml, read_text, spec_from_toml_text

RUN_COLUMNS = ("run_id", "scenario", "status")  # what the report needs of runs.parquet


@dataclass
class Results:
    folder: Path
    experiment: dict
    runs: pd.DataFrame  # every run, with its variant
    timeseries: pd.DataFrame  # successful runs only: run_id, step, measures
    final: pd.DataFrame  # one row per successful run: its last month, with run columns
    sensitivity: pd.DataFrame | None
    levers: list[str]
    uncertainties: list[str]
    variants: list[str] = field(default_factory=list)  # labels in design order
    specs: dict = field(default_factory=dict, repr=False)  # scenario -> spec or None, read once

    @property
    def ok_runs(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def failed_runs(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"]

    @property
    def measures(self) -> list[str]:
        """Measures these results hold (older results lack measures added since)."""
        return [m for m in MEASURES if m in self.timeseries.columns]


def _source_dirs(res: Results) -> list[Path]:
    """Folders a scenario path of the experiment may be relative to. Older results store the
    experiment file as given on the command line (relative to where the sweep ran): try the
    current folder, the results folder's parent and grandparent (`results/<name>/` in a
    project), existing files first."""
    source = res.experiment.get("_results", {}).get("source")
    if not source:
        return []
    path = Path(source)
    tries = (
        [path]
        if path.is_absolute()
        else [base / path for base in (Path.cwd(), res.folder.parent, res.folder.parent.parent)]
    )
    tries.sort(key=lambda p: not p.is_file())
    return list(dict.fromkeys(p.parent for p in tries))


def scenario_spec(res: Results, scenario: str):
    """The validated spec a scenario ran with, or None when it cannot be read. Prefers the
    resolved spec the sweep stored in experiment.toml (`[_scenarios."<name>"]`), so the report
    does not depend on the current folder or on scenario files edited since."""
    if scenario in res.specs:
        return res.specs[scenario]
    spec = None
    stored = res.experiment.get("_scenarios", {}).get(scenario)
    if isinstance(stored, dict):
        try:
            spec = spec_from_toml_text(tomli_w.dumps(stored), f"experiment.toml [_scenarios.{scenario}]")
        except ScenarioError:
            spec = None  # stored by another schema version: fall back to the file
    if spec is None:
        tries: list[str | Path] = [d / scenario for d in _source_dirs(res) if (d / scenario).is_file()]
        for ref in [*tries, scenario]:
            try:
                spec = load_spec(ref)[0]
                break
            except (ScenarioError, OSError, ValueError):
                continue
    res.specs[scenario] = spec
    return spec


def short_name(key: str, keys: list[str]) -> str:
    """`reforms.unified_approval.capacity` -> `capacity` unless that is ambiguous."""
    last = key.rsplit(".", 1)[-1]
    return last if sum(k.rsplit(".", 1)[-1] == last for k in keys) == 1 else key


def _fmt_value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def label_variants(runs: pd.DataFrame, levers: list[str]) -> pd.Series:
    """A readable label per run's variant: the scenario, plus the lever values that vary
    within that scenario."""
    labels = pd.Series(runs["scenario"].astype(str), index=runs.index)
    for scenario, group in runs.groupby("scenario", sort=False):
        varying = [k for k in levers if k in group and group[k].nunique(dropna=False) > 1]
        if not varying:
            continue
        parts = group[varying].apply(
            lambda row, varying=varying: ", ".join(f"{short_name(k, levers)}={_fmt_value(row[k])}" for k in varying),
            axis=1,
        )
        labels[group.index] = f"{scenario} · " + parts
    return labels


def read_parquet(path: Path, what: str) -> pd.DataFrame:
    """A Parquet file or dataset of a results folder; a damaged one is one ScenarioError
    line naming the file (a dataset's damaged file is looked for and named)."""
    try:
        return pd.read_parquet(path)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError and others on a damaged file
        bad = _damaged_file(path) if path.is_dir() else path
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ScenarioError(
            f"{bad}: cannot read the {what} ({detail}); expected a Parquet file written by `govsim sweep` "
            "(re-run the sweep into this folder to redo damaged runs, or use --force)"
        ) from None


def _damaged_file(folder: Path) -> Path:
    import pyarrow.parquet as pq

    for f in sorted(folder.glob("*.parquet")):
        try:
            pq.read_metadata(f)
        except Exception:
            return f
    return folder


def _read_experiment(folder: Path) -> dict:
    path = folder / "experiment.toml"
    if not path.exists():
        return {}
    return parse_toml(read_text(path, "experiment file"), str(path))


def _check_runs(folder: Path, runs: pd.DataFrame, timeseries: pd.DataFrame) -> None:
    """The runs table has what the report reads, and every finished run its time series."""
    missing = [c for c in RUN_COLUMNS if c not in runs.columns]
    if missing:
        raise ScenarioError(
            f"{folder / 'runs.parquet'}: no column {missing[0]!r}; expected the runs table of `govsim sweep`"
        )
    ok = set(runs.loc[runs["status"] == "ok", "run_id"])
    lost = ok - set(timeseries["run_id"])
    if lost:
        where = folder / "timeseries"
        state = (
            "is missing" if not where.is_dir() else f"lacks the time series of {len(lost)} of {len(ok)} finished runs"
        )
        raise ScenarioError(
            f"{where}: {state} (deleted or moved?); the data of finished runs is missing, they did not fail. "
            f"Re-run `govsim sweep` into {folder} to redo the missing runs"
        )


def load_results(folder: str | Path) -> Results:
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(
            f"{folder}: no such folder (so no runs.parquet); expected a results folder of `govsim sweep`"
        )
    if not (folder / "runs.parquet").exists():
        raise ScenarioError(f"{folder}: no runs.parquet here; expected the folder written by `govsim sweep`")
    experiment = _read_experiment(folder)
    runs = read_parquet(folder / "runs.parquet", "runs table")
    ts_dir = folder / "timeseries"
    has_ts = ts_dir.exists() and any(ts_dir.glob("*.parquet"))
    empty = pd.DataFrame(columns=["run_id", "step", *MEASURES])
    timeseries = read_parquet(ts_dir, "time series") if has_ts else empty
    _check_runs(folder, runs, timeseries)
    levers = [k for k in experiment.get("levers", {}) if k in runs.columns]
    uncertainties = [k for k in experiment.get("uncertainties", {}) if k in runs.columns]
    runs["variant"] = label_variants(runs, levers)
    order = list(dict.fromkeys(runs.sort_values("run_id")["variant"]))

    ok_ids = set(runs.loc[runs["status"] == "ok", "run_id"])
    timeseries = timeseries[timeseries["run_id"].isin(ok_ids)]
    last = timeseries.sort_values("step").groupby("run_id", as_index=False).last()
    final = last.merge(runs.drop(columns=["error"], errors="ignore"), on="run_id", how="inner")
    sens_path = folder / "sensitivity.parquet"
    sensitivity = read_parquet(sens_path, "sensitivity indices") if sens_path.exists() else None
    return Results(folder, experiment, runs, timeseries, final, sensitivity, levers, uncertainties, order)
