"""Evaluating candidate bundles with the model, through the sweep engine.

Every candidate runs over the same *scenarios*: `design.seeds` seeds (replication r has the
sweep's seed `SeedSequence([seed, r])`: common random numbers), crossed with K posterior
draws when a calibration is given. A generation's new bundles are one sweep design, run by
`sim.runner.run_design` into `DIR/runs/gen-NNNN/` (resumable run by run), then summarised.

Per run, from its time series (months 1..T):
- an objective's value: the measure in the last month (`at = "final"`) or its mean over the
  months (`at = "mean"`), oriented to be minimised (times -1 for a measure to maximise);
- `budget`: spending over the horizon, the sum of `total_it_spending` over months 1..T
  (万元: construction, operations, links, platforms, bureaus and programmes — IT and reform
  spending alike);
- `delay`: the worst month's `mean_approval_delay`;
- `control`: `government_control` in the last month.
A candidate's objective is a robustness statistic over the scenarios (mean, upper
percentile pNN of the oriented values, or the worst regret against the best value any
candidate evaluated so far reached in the same scenario); its constraints compare the mean
over scenarios with the limits, scaled by the limit (`G <= 0` is feasible).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..runner.design import RunSpec, doc_hash, replication_seed
from ..runner.experiment import Experiment
from ..runner.store import ResultStore
from ..scenario import ScenarioError, load_spec
from .problem import DesignFile, ObjectiveSpec, bundle_key, decode, horizon, overrides, package_doc, robust


@dataclass(frozen=True)
class Situation:
    """One scenario every candidate runs in: a seed and, with a posterior, one draw."""

    replication: int
    seed: int
    draw: int
    params: dict


def posterior_draws(folder: Path, doc: DesignFile) -> tuple[list[dict], str]:
    """K parameter draws from DIR/posterior.parquet (one column per dotted key, `weight`),
    resampled by weight with a generator seeded from the design's seed; and the file's hash."""
    path = folder / "posterior.parquet"
    if not path.is_file():
        raise ScenarioError(f"--posterior {folder}: no posterior.parquet there; expected a calibration folder")
    df = pd.read_parquet(path)
    keys = [c for c in df.columns if c != "weight"]
    if not keys or df.empty:
        raise ScenarioError(f"{path}: no parameter columns or no rows; expected one column per parameter and weight")
    clash = sorted(set(keys) & {k.replace("__", ".") for k in doc.levers})
    if clash:
        raise ScenarioError(f"{path}: {clash[0]}: both a lever and a calibrated parameter; expected one or the other")
    w = df["weight"].to_numpy(float) if "weight" in df else np.ones(len(df))
    if not np.all(np.isfinite(w)) or w.sum() <= 0 or (w < 0).any():
        raise ScenarioError(f"{path}: weight: expected non-negative weights with a positive sum")
    rng = np.random.default_rng([doc.design.seed, 18])
    idx = rng.choice(len(df), size=doc.design.posterior_draws, replace=True, p=w / w.sum())
    draws = [{k: _plain(df[k].iloc[i]) for k in keys} for i in idx]
    for d in draws[:1]:
        load_spec(doc.base_file(), d, sources=dict.fromkeys(d, f"{path}:"))
    return draws, doc_hash({"draws": draws})


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def situations(doc: DesignFile, draws: list[dict] | None) -> list[Situation]:
    out = []
    for r in range(doc.design.seeds):
        for k, params in enumerate(draws or [{}]):
            out.append(Situation(r, replication_seed(doc.design.seed, r), k, params))
    return out


class ModelEvaluator:
    """`evaluate(generation, X)` for the search driver: decodes, runs the new bundles over
    every situation, and returns one row per candidate (F, G and the readable columns)."""

    def __init__(
        self,
        doc: DesignFile,
        out: Path,
        executor,
        draws: list[dict] | None,
        *,
        generations: int,
        progress: bool,
        keep_runs: bool,
    ):
        self.doc, self.out, self.executor, self.generations = doc, out, executor, generations
        self.objectives = doc.objective_list()
        self.situations = situations(doc, draws)
        self.steps = horizon(doc)
        self.progress, self.keep_runs = progress, keep_runs
        spec = load_spec(doc.base_file())[0]
        self.base_doc = spec.model_dump(mode="json")
        self.cache: dict[str, dict[str, np.ndarray]] = {}  # bundle -> per-situation values

    # -------------------------------------------------------------- bookkeeping
    def remember(self, table: pd.DataFrame) -> None:
        """Take a saved generation's per-situation values into the cache (a resumed search)."""
        for _, row in table.iterrows():
            self.cache.setdefault(
                row["bundle"], {c[5:]: np.asarray(row[c], float) for c in table if c.startswith("runs:")}
            )

    def run_specs(self, bundles: list[dict], docs: list[dict] | None = None) -> list[RunSpec]:
        """Each bundle (overrides; or, with `docs`, each scenario) in every situation."""
        runs = []
        for i, values in enumerate(bundles):
            doc = docs[i] if docs else self.base_doc
            scenario = docs[i]["meta"]["name"] if docs else self.doc.design.scenario
            for s, sit in enumerate(self.situations):
                runs.append(
                    RunSpec(
                        run_id=f"{i:04d}-{s:03d}",
                        scenario=scenario,
                        seed=sit.seed,
                        replication=sit.replication,
                        steps=self.steps,
                        overrides={**values, **sit.params},
                        point=i,
                        scenario_hash=doc_hash(doc),
                        scenario_doc=doc,
                    )
                )
        return runs

    def execute(self, runs: list[RunSpec], name: str, label: str) -> pd.DataFrame:
        """Run a list of run specs into DIR/runs/NAME; return their time series."""
        from ..runner import run_design

        folder = self.out / "runs" / name
        exp = Experiment.model_validate(
            {
                "experiment": {"name": f"{self.doc.name}-{name}", "scenarios": sorted({r.scenario for r in runs})},
                # so that `govsim report` / `govsim discover` on a kept folder see the parameters
                "levers": _values(runs, set(self.doc.levers)),
                "uncertainties": _values(runs, {k for s in self.situations for k in s.params}),
            }
        )
        store = ResultStore(folder, exp, str(self.doc.path), kind="design", runs=runs)
        store.open(force=False)
        # on a terminal, a bar per generation; in a log, the search's line per generation is enough
        show = self.progress and sys.stderr.isatty()
        summary = run_design(runs, store, self.executor, progress=show, label=label)
        if summary.failed:
            first = summary.failed[0]
            last = first["error"].strip().splitlines()[-1] if first["error"] else "?"
            raise DesignRunError(
                f"{len(summary.failed)} run(s) of {label} failed (first: {first['run_id']}: {last}); "
                f"tracebacks in {folder / 'runs.parquet'}; re-run the same command to retry them"
            )
        return pd.read_parquet(folder / "timeseries")

    def per_run(self, ts: pd.DataFrame, n_bundles: int) -> list[dict[str, np.ndarray]]:
        """Each bundle's per-situation values (oriented objectives, budget, delay, control)."""
        months = ts[ts["step"] >= 1].sort_values(["run_id", "step"])
        g = months.groupby("run_id", sort=True)
        last = g.last()
        values: dict[str, pd.Series] = {
            "budget": g["total_it_spending"].sum(),
            "delay": g["mean_approval_delay"].max(),
            "control": last["government_control"],
        }
        for o in self.objectives:
            raw = last[o.measure] if o.at == "final" else g[o.measure].mean()
            values[o.name] = raw * o.sign
        n_sit = len(self.situations)
        out = []
        for i in range(n_bundles):
            ids = [f"{i:04d}-{s:03d}" for s in range(n_sit)]
            out.append({k: v.reindex(ids).to_numpy(float) for k, v in values.items()})
        return out

    # -------------------------------------------------------------- the search's call
    def __call__(self, gen: int, X: np.ndarray) -> pd.DataFrame:
        bundles = [decode(self.doc.levers, x) for x in X]
        keys = [bundle_key(b) for b in bundles]
        new = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if new:
            by_key = dict(zip(keys, bundles, strict=True))
            name = f"gen-{gen:04d}"
            runs = self.run_specs([overrides(by_key[k]) for k in new])
            ts = self.execute(runs, name, f"generation {gen}/{self.generations}")
            for k, vals in zip(new, self.per_run(ts, len(new)), strict=True):
                self.cache[k] = vals
        return self.rows(bundles, keys, set(new))

    def rescore(self, table: pd.DataFrame) -> pd.DataFrame:
        """Objectives recomputed against the final bests (regret moves as bundles are found;
        mean and percentiles do not change)."""
        if not any(o.statistic == "regret" for o in self.objectives):
            return table
        best = self.best()
        table = table.copy()
        for j, o in enumerate(self.objectives):
            runs = table[f"runs:{o.name}"].map(lambda v: np.asarray(v, float))
            table[f"F:{j}"] = [robust(v, o.statistic, best[o.name]) for v in runs]
        return table

    def cleanup(self, gen: int) -> None:
        """Once a generation's table is saved its runs are summarised: drop their series."""
        if not self.keep_runs:
            shutil.rmtree(self.out / "runs" / f"gen-{gen:04d}", ignore_errors=True)

    def best(self) -> dict[str, np.ndarray]:
        """The best oriented value reached in each situation by any bundle so far (regret);
        the provincial packages are references, not candidates, and do not count."""
        found = [v for k, v in self.cache.items() if not k.startswith("package:")]
        return {o.name: np.min([v[o.name] for v in found], axis=0) for o in self.objectives}

    def rows(self, bundles: list[dict], keys: list[str], new: set[str], extra: dict | None = None) -> pd.DataFrame:
        best = self.best()
        rows = []
        for b, k in zip(bundles, keys, strict=True):
            vals = self.cache[k]
            row: dict[str, Any] = {"bundle": k, "new": k in new}
            row.update({f"lever:{name}": v for name, v in b.items()})
            for j, o in enumerate(self.objectives):
                row[f"F:{j}"] = robust(vals[o.name], o.statistic, best[o.name])
            row.update(self.constraints(vals))
            row.update(readable(self.objectives, vals))
            row.update({f"runs:{name}": list(map(float, v)) for name, v in vals.items()})
            rows.append({**row, **(extra or {})})
        return pd.DataFrame(rows)

    def constraints(self, vals: dict[str, np.ndarray]) -> dict[str, float]:
        c = self.doc.constraints
        out: dict[str, float] = {}
        limits = [
            (c.budget, lambda: (np.mean(vals["budget"]) - c.budget) / c.budget),
            (c.max_approval_delay, lambda: (np.mean(vals["delay"]) - c.max_approval_delay) / c.max_approval_delay),
            (
                c.min_government_control,
                lambda: (c.min_government_control - np.mean(vals["control"])) / max(c.min_government_control, 0.01),
            ),
        ]
        j = 0
        for limit, g in limits:
            if limit is not None:
                value = float(g())
                # a measure undefined in some situation (control where no system runs is NaN,
                # ODD §7.7) cannot show the constraint holds: infeasible, not an unordered NaN
                out[f"G:{j}"] = value if np.isfinite(value) else np.inf
                j += 1
        return out

    def n_constr(self) -> int:
        c = self.doc.constraints
        return sum(v is not None for v in (c.budget, c.max_approval_delay, c.min_government_control))

    # -------------------------------------------------------------- provincial packages
    def packages(self) -> pd.DataFrame:
        """The provincial reform packages (their [reforms] tables on the design's base
        government), run over the same situations and scored like the candidates."""
        names = self.doc.design.packages
        if not names:
            return pd.DataFrame()
        docs = [package_doc(self.base_doc, name) for name in names]
        runs = self.run_specs([{} for _ in names], docs)
        ts = self.execute(runs, "packages", "provincial packages")
        per = self.per_run(ts, len(names))
        for name, vals in zip(names, per, strict=True):
            self.cache.setdefault(f"package:{name}", vals)
        table = self.rows([{} for _ in names], [f"package:{n}" for n in names], set())
        table.insert(0, "package", names)
        return table.drop(columns=["new"])


def _values(runs: list[RunSpec], keys: set[str]) -> dict[str, list]:
    """Each parameter's distinct values over the runs (an experiment's grid of them)."""
    out: dict[str, list] = {}
    for key in sorted(keys):
        seen = {repr(r.overrides[key]): r.overrides[key] for r in runs if key in r.overrides}
        if seen:
            out[key] = list(seen.values())
    return out


class DesignRunError(RuntimeError):
    """Runs of a generation failed: the search stops; re-running retries them."""


def readable(objectives: list[ObjectiveSpec], vals: dict[str, np.ndarray]) -> dict[str, float]:
    """Per objective, in the measure's own units and direction: mean, 10th and 90th
    percentile over the situations; and the mean budget, worst delay and final control."""
    out: dict[str, float] = {}
    for o in objectives:
        raw = vals[o.name] * o.sign
        out[f"mean:{o.name}"] = float(np.mean(raw))
        out[f"p10:{o.name}"] = float(np.percentile(raw, 10))
        out[f"p90:{o.name}"] = float(np.percentile(raw, 90))
    out["budget"] = float(np.mean(vals["budget"]))
    out["approval_delay_worst"] = float(np.mean(vals["delay"]))
    out["government_control"] = float(np.mean(vals["control"]))
    return out
