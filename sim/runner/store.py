"""A sweep's results folder, written so that nothing is ever half-written.

    DIR/experiment.toml        the resolved experiment, its fingerprint, govsim version
    DIR/timeseries/<id>.parquet one file per finished run: run_id, step, every measure
    DIR/records/<id>.json      one record per finished or failed run (the source of truth)
    DIR/runs.parquet           one row per run, rebuilt from the records

Each file is written to a hidden temporary name in the same folder and renamed into place
(`os.replace` is atomic), and a run's record is written only after its time series, so a
record means the data is there. Hidden files are skipped by Parquet dataset readers, so
`pandas.read_parquet(DIR / "timeseries")` never sees a partial file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import tomli_w

from .. import __version__
from ..measures import MEASURES
from ..scenario import ScenarioError
from .design import RunSpec
from .experiment import Experiment

RECORD_COLUMNS = ["run_id", "scenario", "seed", "replication", "steps", "status", "wall_s", "error"]


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` on a temporary path next to `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; results are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_text(path: Path, text: str) -> None:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


class ResultStore:
    def __init__(self, out: Path, exp: Experiment, source: str, kind: str = "sweep") -> None:
        self.out = Path(out)
        self.exp = exp
        self.source = source
        self.kind = kind
        self.ts_dir = self.out / "timeseries"
        # workers write here; a run's series moves into ts_dir with its record, so the
        # dataset never holds a run that runs.parquet does not ('.' : Arrow skips it)
        self.incoming = self.ts_dir / ".incoming"
        self.rec_dir = self.out / "records"

    # ------------------------------------------------------------------ set-up
    def open(self, force: bool) -> None:
        """Create the folder, or check it belongs to this experiment (refuse otherwise)."""
        meta_path = self.out / "experiment.toml"
        if meta_path.exists() and not force:
            import tomllib

            try:
                old = tomllib.loads(meta_path.read_text(encoding="utf-8")).get("_results", {})
            except tomllib.TOMLDecodeError:
                old = {}
            if old.get("fingerprint") != self.exp.fingerprint():
                raise ScenarioError(
                    f"{self.out}: holds results of a different experiment "
                    f"({old.get('source', '?')}, fingerprint {old.get('fingerprint', '?')}); "
                    "use --force to discard them or --out for a new folder"
                )
            made_by = old.get("govsim_version")
            if made_by and made_by != __version__ and self.finished():
                # another model version: resuming would mix two models' numbers in one dataset
                raise ScenarioError(
                    f"{self.out}: holds runs made with govsim {made_by}, this is govsim {__version__}; "
                    "use --force to redo them with this version or --out for a new folder"
                )
        if force:
            for p in (self.ts_dir, self.rec_dir):
                shutil.rmtree(p, ignore_errors=True)
            for p in (self.out / "runs.parquet", self.out / "sensitivity.parquet"):
                p.unlink(missing_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.rec_dir.mkdir(parents=True, exist_ok=True)
        doc = self.exp.model_dump(mode="json", exclude_none=True)
        doc["_results"] = {
            "fingerprint": self.exp.fingerprint(),
            "source": self.source,
            "kind": self.kind,
            "govsim_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        atomic_text(meta_path, tomli_w.dumps(doc))

    # ------------------------------------------------------------------ runs
    def finished(self) -> set[str]:
        """Runs with an `ok` record and their time series on disk."""
        done = set()
        for rec in self.rec_dir.glob("*.json"):
            try:
                r = json.loads(rec.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, OSError):
                continue
            if r.get("status") == "ok" and (self.ts_dir / f"{r['run_id']}.parquet").exists():
                done.add(r["run_id"])
        return done

    def write(self, spec: RunSpec, record: dict, frame: pd.DataFrame | None, *, frame_written: bool = False) -> None:
        """Keep one finished run: its time series first, then the record that marks it done
        (`frame_written`: a worker already wrote the series into `incoming`)."""
        target = self.ts_dir / f"{spec.run_id}.parquet"
        if frame is not None:
            write_timeseries(self.ts_dir, spec.run_id, frame)
        elif frame_written:
            os.replace(self.incoming / target.name, target)  # atomic, same folder tree
        else:
            target.unlink(missing_ok=True)
        atomic_text(self.rec_dir / f"{spec.run_id}.json", json.dumps(record, sort_keys=True))

    def records(self, runs: list[RunSpec]) -> pd.DataFrame:
        wanted = {r.run_id for r in runs}
        rows = []
        for rec in sorted(self.rec_dir.glob("*.json")):
            r = json.loads(rec.read_text(encoding="utf-8"))
            if r["run_id"] in wanted:
                rows.append(r)
        params = sorted({k for r in runs for k in r.overrides})
        df = pd.DataFrame(rows, columns=[*RECORD_COLUMNS, *params])
        df["point"] = df["run_id"].map({r.run_id: r.point for r in runs}).astype("int64")
        for p in params:  # parameter columns come from the design, whatever the record holds
            values = {r.run_id: r.overrides.get(p) for r in runs}
            df[p] = df["run_id"].map(values)
        return df.sort_values("run_id").reset_index(drop=True)

    def write_runs_table(self, runs: list[RunSpec]) -> pd.DataFrame:
        df = self.records(runs)
        atomic_write(self.out / "runs.parquet", lambda p: df.to_parquet(p, index=False))
        return df


def write_timeseries(ts_dir: Path, run_id: str, frame: pd.DataFrame) -> None:
    """One run's time series, atomically; workers call it so that encoding runs in parallel."""
    frame = normalise(frame)
    atomic_write(ts_dir / f"{run_id}.parquet", lambda p: frame.to_parquet(p, index=False))


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed columns and dtypes, whichever process produced the frame."""
    cols = ["run_id", "step", *MEASURES]
    out = frame[cols].copy()
    out["run_id"] = out["run_id"].astype(str)
    out["step"] = out["step"].astype("int64")
    for m in MEASURES:
        out[m] = out[m].astype("float64")
    return out
