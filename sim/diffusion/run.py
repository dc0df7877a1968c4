"""Run the china scenario for one or more seeds and write the results folder:

    OUT/china.json                 what was run: scenario, seeds, months, seconds (marks a china run)
    OUT/scenario.resolved.toml     every parameter (the first seed's)
    OUT/seed-S/timeseries.csv      one row per month: date, step, province counts, national measures
    OUT/seed-S/provinces.csv       one row per province: body type and adoption month of each item
    OUT/seed-S/events.csv          every decision: month, province, item, body, why (pilot | hazard)

Every file is written via a temporary file and a rename, inside OUT only.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from ..scenario import GovScenario, ScenarioError

MARKER = "china.json"


def is_china_run(folder: Path) -> bool:
    return (Path(folder) / MARKER).is_file()


def has_diffusion(scenario: str | Path, overrides: dict | None = None) -> bool:
    """The scenario (preset or file) has a `[diffusion]` table: `govsim run` hands it to the provincial layer."""
    return GovScenario.coerce(scenario, overrides=overrides or {}).spec.diffusion is not None


def _progress(label: str, quiet: bool):
    """A tqdm bar on a terminal, a line per 10% otherwise (nothing when quiet)."""
    if quiet:
        return None, None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc=label, unit="month", leave=False)

        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return tick, bar
    shown = {"decile": -1}

    def line(done: int, total: int) -> None:
        decile = done * 10 // total
        if decile > shown["decile"]:
            shown["decile"] = decile
            print(f"{label}: {decile * 10}% ({done}/{total} months)", file=sys.stderr, flush=True)

    return line, None


def run_seed(scenario, seed: int | None, months: int | None, overrides: dict, quiet: bool = True):
    """One coupled run; returns the ChinaModel after its last month."""
    from .model import ChinaModel

    model = ChinaModel(scenario, rng=seed, months=months, **overrides)
    tick, bar = _progress(f"china seed {model.spec.simulation.seed}", quiet)
    try:
        model.run(tick)
    finally:
        if bar is not None:
            bar.close()
    return model


def write_seed(model, folder: Path) -> None:
    import pandas as pd

    from ..cli import write_atomic
    from .schema import month_label

    write_atomic(folder / "timeseries.csv", model.timeseries().to_csv(index=False))
    write_atomic(folder / "provinces.csv", model.province_table().to_csv(index=False))
    events = pd.DataFrame(model.events, columns=["month", "province", "item", "body", "why"])
    events.insert(1, "date", [month_label(model.d.start, int(m)) for m in events["month"]])
    write_atomic(folder / "events.csv", events.to_csv(index=False))


def run_china(
    scenario: str | Path = "china",
    seeds: list[int] | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    out: Path | None = None,
    quiet: bool = False,
) -> tuple[Path, list[Any], float]:
    """Run each seed, write OUT, return (OUT, models, seconds)."""
    from ..cli import write_atomic
    from ..scenario import spec_to_toml

    overrides = dict(overrides or {})
    # bad input fails before any folder is made; no seed given: the scenario's (as govsim run)
    sc = GovScenario.coerce(scenario, overrides=overrides, scenario_seed=True)
    if sc.spec.diffusion is None:
        raise ScenarioError(
            f"{sc.source}: [diffusion]: missing; expected a scenario with a [diffusion] table (e.g. china)"
        )
    seeds = seeds or [sc.spec.simulation.seed]
    out = Path(out or Path("runs") / sc.spec.meta.name)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: is a file; expected a folder (new or existing)")
    models, t0 = [], time.perf_counter()
    for s in seeds:
        model = run_seed(sc, s, months, {}, quiet)
        write_seed(model, out / f"seed-{s}")
        models.append(model)
    seconds = time.perf_counter() - t0
    write_atomic(out / "scenario.resolved.toml", spec_to_toml(models[0].spec))
    info = {
        "scenario": sc.spec.meta.name,
        "seeds": seeds,
        "months": models[0].months,
        "start": sc.spec.diffusion.start,
        "seconds": round(seconds, 2),
    }
    write_atomic(out / MARKER, json.dumps(info, indent=2) + "\n")
    return out, models, seconds


MECHANISMS = ("central_mandates", "learning", "competition", "emulation", "capacity")
COMPARED = (
    ("provinces_with_body", "2018-12"),
    ("provinces_with_body", "2019-03"),
    ("provinces_with_body", "2020-12"),
    ("provinces_unified_digital", "2024-04"),
    ("provinces_unified_services", "2024-04"),
    ("provinces_operating_company", "2024-04"),
    ("trips_per_service", "2024-12"),
    ("duplicated_share", "2024-12"),
)


def compare_mechanisms(scenario, seeds: list[int], overrides: dict | None = None, quiet: bool = False):
    """Median over seeds of key columns with every mechanism on and with each one off
    (paired seeds): which mechanism carries the spread. Returns a DataFrame, one row per variant."""
    import pandas as pd

    variants = {"all on": {}, **{f"{m} off": {f"diffusion.{m}": False} for m in MECHANISMS}}
    rows = []
    for label, switch in variants.items():
        values: dict[str, list[float]] = {f"{c}@{d}": [] for c, d in COMPARED}
        for s in seeds:
            df = run_seed(scenario, s, None, {**(overrides or {}), **switch}).timeseries().set_index("date")
            for c, d in COMPARED:
                if d in df.index:
                    values[f"{c}@{d}"].append(float(df.loc[d, c]))
        rows.append({"variant": label, **{k: float(pd.Series(v).median()) for k, v in values.items() if v}})
        if not quiet:
            print(f"china mechanisms: {label} done", file=sys.stderr, flush=True)
    return pd.DataFrame(rows)
