"""What `govsim design` writes: the front, every candidate, the provincial packages.

    DIR/design.toml          the resolved design and `[_design]`: fingerprint, version, dates
    DIR/generations/         one table per generation (what a resumed search replays)
    DIR/pareto.parquet       one row per non-dominated feasible bundle
    DIR/candidates.parquet   every bundle evaluated, with the generation that found it
    DIR/packages.parquet     the provincial packages on the same base government and situations

Column names: `lever:<key>` (the scenario key's value), `objective:<name>` (the robustness
statistic, oriented to be minimised), `mean:/p10:/p90:<name>` (the measure in its own units
and direction over the situations), `constraint:<limit>` (<= 0 is feasible), `budget`
(mean spending over the horizon, 万元), `approval_delay_worst`, `government_control`,
`runs:<name>` (per-situation values, oriented). The Parquet metadata key `govsim` holds JSON:
orientation, each objective's measure, original direction, statistic and time summary.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..io import write_atomic
from .problem import DesignFile, ObjectiveSpec

CONSTRAINT_NAMES = ("budget", "max_approval_delay", "min_government_control")


def constraint_names(doc: DesignFile) -> list[str]:
    c = doc.constraints
    return [n for n in CONSTRAINT_NAMES if getattr(c, n) is not None]


def tidy(table: pd.DataFrame, doc: DesignFile, objectives: list[ObjectiveSpec]) -> pd.DataFrame:
    """Internal F:/G: columns renamed for readers; unit-cube points dropped."""
    names = {f"F:{j}": f"objective:{o.name}" for j, o in enumerate(objectives)}
    names.update({f"G:{j}": f"constraint:{n}" for j, n in enumerate(constraint_names(doc))})
    out = table.rename(columns=names)
    out = out.drop(columns=[c for c in out.columns if c.startswith("x:")] + (["new"] if "new" in out else []))
    cons = [c for c in out.columns if c.startswith("constraint:")]
    out["feasible"] = (out[cons] <= 0).all(axis=1) if cons else True
    return out


def metadata(doc: DesignFile, objectives: list[ObjectiveSpec], extra: dict) -> dict:
    return {
        "orientation": "every objective:<name> column is to be minimised (a measure to maximise is negated)",
        "objectives": {o.name: o.as_dict() for o in objectives},
        "levers": {k: v.model_dump(exclude_none=True) for k, v in doc.levers.items()},
        "constraints": doc.constraints.model_dump(exclude_none=True),
        **extra,
    }


def write_table(path: Path, df: pd.DataFrame, meta: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"govsim": json.dumps(meta).encode()})
    write_atomic(path, lambda p: pq.write_table(table, p))


def read_meta(path: Path) -> dict:
    import pyarrow.parquet as pq

    raw = pq.read_schema(path).metadata or {}
    return json.loads(raw.get(b"govsim", b"{}"))
