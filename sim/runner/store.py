"""A sweep's results folder, written so that nothing is ever half-written.

    DIR/experiment.toml        the resolved experiment, its design's fingerprint, govsim
                               version, model code hash, and each scenario's resolved spec
                               (`_scenarios`)
    DIR/timeseries/<id>.parquet one file per finished run: run_id, step, every measure
    DIR/records/<id>.json      one record per finished or failed run (the source of truth)
    DIR/runs.parquet           one row per run, rebuilt from the records

Each file is written to a hidden temporary name in the same folder and renamed into place
(`os.replace` is atomic), and a run's record is written only after its time series, so a
record means the data is there. Hidden files are skipped by Parquet dataset readers, so
`pandas.read_parquet(DIR / "timeseries")` never sees a partial file.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tomllib
from contextlib import suppress
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import tomli_w

from .. import __version__
from ..catalogue import MEASURES
from ..io import write_atomic
from ..scenario import ScenarioError
from .design import RunSpec, build_design, code_fingerprint, design_fingerprint
from .experiment import Experiment

RECORD_COLUMNS = ["run_id", "scenario", "seed", "replication", "steps", "status", "wall_s", "error"]


_HELD: dict[Path, object] = {}  # results-folder locks this process holds, until it ends


class ResultStore:
    """The results folder of one design. `runs` is the design it holds (default: the
    experiment's sweep design); its fingerprint guards the folder against another one."""

    def __init__(
        self, out: Path, exp: Experiment, source: str, kind: str = "sweep", runs: list[RunSpec] | None = None
    ) -> None:
        self.out = Path(out)
        self.exp = exp
        self.source = source
        self.kind = kind
        self.runs = list(runs) if runs is not None else build_design(exp)
        self.fingerprint = design_fingerprint(self.runs, kind)
        self.code_hash = code_fingerprint()  # of the model code in this process
        self.ts_dir = self.out / "timeseries"
        # workers write here; a run's series moves into ts_dir with its record, so the
        # dataset never holds a run that runs.parquet does not ('.' : Arrow skips it)
        self.incoming = self.ts_dir / ".incoming"
        self.rec_dir = self.out / "records"
        # the design's records, once `open` has read the folder under its lock: from then on
        # only `write` adds any, so a refresh of runs.parquet every few seconds need not read
        # every record again (10,000 runs: that made a sweep's bookkeeping grow as its square)
        self._known: dict[str, dict] | None = None
        self._by_id: dict[str, RunSpec] = {}

    # ------------------------------------------------------------------ set-up
    def check(self, force: bool) -> None:
        """Refuse, in one line and before anything is written, a folder that holds results
        this design must not reuse or delete (`open` checks again under the folder's lock)."""
        if self.out.exists() and not self.out.is_dir():
            raise ScenarioError(f"{self.out}: is a file; expected a results folder (new or existing)")
        if force or not self.out.is_dir():
            return
        fix = "use --force to discard them or --out for a new folder"
        meta_path = self.out / "experiment.toml"
        if not meta_path.exists():
            held = self._held()
            if held:  # whose runs they are is unknown: never take them over, never delete them
                raise ScenarioError(f"{self.out}: holds {held} but no experiment.toml saying what made them; {fix}")
            return
        old = _read_meta(meta_path)
        if old is None:
            raise ScenarioError(
                f"{meta_path}: not the experiment.toml of a govsim results folder (no [_results] table); "
                "use --force to replace it or --out for a new folder"
            )
        if not any(self.rec_dir.glob("*.json")):
            return  # a folder without runs has nothing to protect
        records = self._scan()
        meta = old["_results"]
        if meta.get("fingerprint") != self.fingerprint:
            raise ScenarioError(self._refusal(old, self._scenario_docs()))
        made_by = meta.get("govsim_version")
        if made_by and made_by != __version__ and records:
            # another model version: resuming would mix two models' numbers in one dataset
            raise ScenarioError(
                f"{self.out}: holds runs made with govsim {made_by}, this is govsim {__version__}; "
                "use --force to redo them with this version or --out for a new folder"
            )
        ok = [r for r in records.values() if r.get("status") == "ok"]
        stale = [r for r in ok if r.get("code_hash") != self.code_hash]
        if ok and (stale or meta.get("code_hash") != self.code_hash):
            # the version string is not bumped by every change of a rule; the code hash is
            theirs = (stale[0] if stale else {}).get("code_hash") or meta.get("code_hash") or "unknown"
            raise ScenarioError(
                f"{self.out}: holds {len(stale) or len(ok)} run(s) made with other model code (code hash "
                f"{theirs}, this govsim's is {self.code_hash}); resuming would mix two models' numbers; "
                "use --force to redo them with this code or --out for a new folder"
            )

    def _held(self) -> str:
        """What results the folder holds, e.g. '12 run record(s), 12 time series', or ''."""
        counts = {
            "run record(s)": len(list(self.rec_dir.glob("*.json"))),
            "time series": len(list(self.ts_dir.glob("*.parquet"))),
        }
        parts = [f"{n} {what}" for what, n in counts.items() if n]
        parts += [p.name for p in (self.out / "runs.parquet", self.out / "sensitivity.parquet") if p.exists()]
        return ", ".join(parts)

    def open(self, force: bool) -> None:
        """Create the folder, or check it belongs to this design (refuse otherwise), and
        clear what an interrupted sweep left behind."""
        self.check(force)  # before the lock creates the folder
        self._lock()
        self.check(force)  # again, now that no other sweep writes here
        meta_path = self.out / "experiment.toml"
        old = (None if force else _read_meta(meta_path)) or {}
        if force:
            for p in (self.ts_dir, self.rec_dir):
                shutil.rmtree(p, ignore_errors=True)
            for p in (self.out / "runs.parquet", self.out / "sensitivity.parquet"):
                p.unlink(missing_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.rec_dir.mkdir(parents=True, exist_ok=True)
        self._clean()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        doc = self.exp.model_dump(mode="json", exclude_none=True)
        if self.kind == "sensitivity":
            doc.pop("sampling", None)  # SALib samples; a default [sampling] would read as ignored
        doc["_results"] = {
            "fingerprint": self.fingerprint,
            "source": self.source if self.source.startswith("<") else str(Path(self.source).resolve()),
            "kind": self.kind,
            "govsim_version": __version__,
            "code_hash": self.code_hash,
            "created": old.get("_results", {}).get("created", now),
            "updated": now,
            # the months each scenario runs (resolved when the experiment leaves them to it)
            "steps": {r.scenario: r.steps for r in self.runs if r.steps is not None},
        }
        # each scenario's resolved spec before overrides, as the runs were given it: the
        # report reads these rather than scenario files that may have been edited or moved since
        doc["_scenarios"] = self._scenario_docs()
        write_atomic(meta_path, tomli_w.dumps(doc))

    def _lock(self) -> None:
        """One sweep per folder at a time: opening clears temporary files, which must not be
        those of a sweep still writing. A file lock (filelock: flock on POSIX, msvcrt on
        Windows), held by this process whatever number of stores it opens, released when it
        ends; forked workers do not hold it."""
        from filelock import FileLock, Timeout

        self.out.mkdir(parents=True, exist_ok=True)
        path = (self.out / ".lock").resolve()
        if path in _HELD:
            return
        lock = FileLock(path, thread_local=False)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise ScenarioError(
                f"{self.out}: another govsim sweep is writing to this folder; "
                "wait for it to finish or use --out for another folder"
            ) from None
        _HELD[path] = lock

    def _scenario_docs(self) -> dict[str, dict]:
        """Each scenario's resolved spec as its runs carry it (read once, when the design
        was built: the file may have changed since)."""
        docs = {r.scenario: _drop_none(r.scenario_doc) for r in self.runs if r.scenario_doc}
        if len(docs) < len({r.scenario for r in self.runs}):  # run specs made by hand
            docs = {
                name: spec.model_dump(mode="json", exclude_none=True)
                for name, (_, spec) in self.exp.scenario_specs().items()
            }
        return docs

    def _refusal(self, old: dict, scenarios: dict[str, dict]) -> str:
        """Why the folder's results are not those of this design, in one line."""
        meta = old.get("_results", {})
        fix = "use --force to discard them or --out for a new folder"
        kind = meta.get("kind", "sweep")
        if kind != self.kind:
            source = meta.get("source", "?")
            return f"{self.out}: holds the results of a govsim {kind} ({source}), not of a {self.kind}; {fix}"
        stored = old.get("_scenarios", {})
        for name, doc in scenarios.items():
            if name in stored and _canonical(stored[name]) != _canonical(doc):
                return (
                    f"{self.out}: scenario '{name}' has changed since these results were made "
                    f"(resuming would mix runs of two versions of it); {fix}"
                )
        return (
            f"{self.out}: holds results of a different experiment or design "
            f"({meta.get('source', '?')}, fingerprint {meta.get('fingerprint', '?')}); {fix}"
        )

    def _clean(self) -> None:
        """Remove what an interrupted sweep can leave: temporary files, series that workers
        wrote but nobody recorded, and records (with their series) of runs this design does
        not have — a folder whose experiment.toml was lost may hold another design's runs."""
        for folder in (self.out, self.ts_dir, self.rec_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        for stale in self.incoming.iterdir():
            if stale.is_file():
                stale.unlink(missing_ok=True)
        valid = self._scan(remove_invalid=True)
        for ts in self.ts_dir.glob("*.parquet"):
            rec = valid.get(ts.stem)
            if rec is None or rec.get("status") != "ok":
                ts.unlink(missing_ok=True)  # a series whose record was never written
        self._known, self._by_id = valid, {r.run_id: r for r in self.runs}

    # ------------------------------------------------------------------ runs
    def _scan(self, remove_invalid: bool = False) -> dict[str, dict]:
        """The records that belong to this design: same run id, scenario and its content,
        seed, steps and parameter values."""
        if self._known is not None and not remove_invalid:
            return dict(self._known)
        specs = {r.run_id: r for r in self.runs}
        out = {}
        for path in self.rec_dir.glob("*.json"):
            try:
                r = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, OSError):
                r = {}
            spec = specs.get(r.get("run_id")) if isinstance(r, dict) else None
            if spec is not None and _matches(r, spec):
                out[spec.run_id] = r
            elif remove_invalid:
                path.unlink(missing_ok=True)
                (self.ts_dir / f"{path.stem}.parquet").unlink(missing_ok=True)
        return out

    def finished(self) -> set[str]:
        """Runs with an `ok` record that matches the design and this model code, and their
        time series on disk."""
        return {
            run_id
            for run_id, r in self._scan().items()
            if r.get("status") == "ok"
            and r.get("code_hash") == self.code_hash
            and (self.ts_dir / f"{run_id}.parquet").exists()
        }

    def write(self, spec: RunSpec, record: dict, frame: pd.DataFrame | None, *, frame_written: bool = False) -> None:
        """Keep one finished run: its time series first, then the record that marks it done
        (`frame_written`: a worker already wrote the series into `incoming`). The record
        keeps what the run was (overrides, scenario content) so a resume can check it."""
        # paths joined as strings: pathlib's joins cost the sweep's process more than the rename
        name = f"{spec.run_id}.parquet"
        if frame is not None:
            write_timeseries(self.ts_dir, spec.run_id, frame)
        elif frame_written:
            os.replace(os.path.join(self.incoming, name), os.path.join(self.ts_dir, name))  # atomic, same tree
        else:
            (self.ts_dir / name).unlink(missing_ok=True)
            (self.incoming / name).unlink(missing_ok=True)  # a series of a run refused
        record = {**record, "overrides": spec.overrides, "scenario_hash": spec.scenario_hash}
        text = json.dumps(record, sort_keys=True)
        _write_record(os.path.join(self.rec_dir, f"{spec.run_id}.json"), text)
        if self._known is not None:  # as `_scan` would read it back
            mine = self._by_id.get(spec.run_id)  # the design's run of that id, which `_scan` matches against
            back = json.loads(text)
            if mine is not None and _matches(back, mine):
                self._known[spec.run_id] = back
            else:
                self._known.pop(spec.run_id, None)

    def records(self, runs: list[RunSpec] | None = None) -> pd.DataFrame:
        runs = self.runs if runs is None else runs
        found = self._scan()
        rows = [found[r.run_id] for r in runs if r.run_id in found]
        params = sorted({k for r in runs for k in r.overrides})
        df = pd.DataFrame(rows, columns=[*RECORD_COLUMNS, *params])
        df["point"] = df["run_id"].map({r.run_id: r.point for r in runs}).astype("int64")
        for p in params:  # parameter columns come from the design, whatever the record holds
            values = {r.run_id: r.overrides.get(p) for r in runs}
            df[p] = df["run_id"].map(values)
        return df.sort_values("run_id").reset_index(drop=True)

    def write_runs_table(self, runs: list[RunSpec] | None = None) -> pd.DataFrame:
        """runs.parquet, rebuilt from the records (so a lost or stale table is remade)."""
        df = self.records(runs)
        write_atomic(self.out / "runs.parquet", lambda p: df.to_parquet(p, index=False))
        return df


def _read_meta(path: Path) -> dict | None:
    """A results folder's experiment.toml, or None when it is not one (no `_results`)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return doc if isinstance(doc.get("_results"), dict) else None


def _drop_none(value: Any) -> Any:
    """A spec document as TOML can hold it (no None: `exclude_none`)."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _canonical(doc: dict) -> str:
    return json.dumps(tomllib.loads(tomli_w.dumps(doc)), sort_keys=True)


def _matches(record: dict, spec: RunSpec) -> bool:
    return (
        record.get("scenario") == spec.scenario
        and record.get("seed") == spec.seed
        and record.get("scenario_hash") == spec.scenario_hash
        and (spec.steps is None or record.get("steps") == spec.steps)
        and json.dumps(record.get("overrides"), sort_keys=True) == json.dumps(spec.overrides, sort_keys=True)
    )


def _write_record(path: str | Path, text: str) -> None:
    """`write_atomic` for a folder only this sweep writes (it holds the folder's lock, and
    opening clears `.*.tmp`): a fixed temporary name rather than a random one, and the mode
    open() gives, with fewer system calls for each of a sweep's many small files."""
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.tmp")
    if not os.path.isdir(folder):  # a store written before `open` made its folders
        os.makedirs(folder, exist_ok=True)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_timeseries(ts_dir: Path, run_id: str, frame: pd.DataFrame) -> None:
    """One run's time series, atomically; workers call it so that encoding runs in parallel."""
    write_series(ts_dir, run_id, series_columns(frame))


def write_series(ts_dir: str | Path, run_id: str, columns: dict[str, np.ndarray], *, staged: bool = False) -> None:
    """A run's time series from its columns (`series_columns`, `model_series`): the file
    `DataFrame.to_parquet(index=False)` writes, byte for byte, without making the frame
    (pandas' conversion to Arrow, a schema inferred per run, was most of a run's writing).
    `staged`: `ts_dir` is a staging folder nobody reads (`ResultStore.incoming`), whose
    files move into place by a rename once the run is recorded: written straight, without
    a temporary file of its own (a partial file there is overwritten or cleared)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    layout = _layout(columns)
    table = pa.Table.from_arrays(_arrow_columns(columns, layout), schema=layout.schema)
    # encoded in memory, then written as bytes: the same file, without Arrow's file-system
    # layer (opening a file through it cost a third of writing one run's series)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    data = sink.getvalue()
    if staged:
        with open(os.path.join(ts_dir, f"{run_id}.parquet"), "wb") as f:
            f.write(data)
    else:
        write_atomic(Path(ts_dir, f"{run_id}.parquet"), data.to_pybytes())


class _Layout(NamedTuple):
    """A series' Arrow schema, with pandas' metadata, and its columns read from it once
    (each field read from a schema is a new Arrow object: ~0.5 us a column and run)."""

    schema: Any
    floats: list[str]  # the float columns (the measures), in the schema's order
    at: list[int]  # their positions
    others: list[tuple[int, str, Any]]  # position, name and type of every other column


_LAYOUTS: dict[tuple[str, ...], _Layout] = {}


def _layout(columns: dict[str, np.ndarray]) -> _Layout:
    """The layout of a series with these columns (made once)."""
    import pyarrow as pa

    names = tuple(columns)
    if names not in _LAYOUTS:
        frame = pd.DataFrame(columns, index=pd.RangeIndex(len(columns["step"])))
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        fields = list(enumerate(schema))
        floats = [(i, f.name) for i, f in fields if f.type == pa.float64()]
        others = [(i, f.name, f.type) for i, f in fields if f.type != pa.float64()]
        _LAYOUTS[names] = _Layout(schema, [n for _, n in floats], [i for i, _ in floats], others)
    return _LAYOUTS[names]


def _arrow_columns(columns: dict[str, np.ndarray], layout: _Layout) -> list[Any]:
    """The columns as Arrow arrays of the schema's types. The float columns (the measures)
    are converted in one block and handed over as slices of it: one `pa.array` call instead
    of one a measure; `from_pandas` makes NaN null either way, and the Parquet file does
    not depend on where an array's values sit in memory."""
    import pyarrow as pa

    arrays: list[Any] = [None] * len(layout.schema)
    if layout.floats:
        block = np.stack([columns[name] for name in layout.floats], dtype=np.float64)
        n = block.shape[1]
        flat = pa.array(block.reshape(-1), type=pa.float64(), from_pandas=True)
        for k, i in enumerate(layout.at):
            arrays[i] = flat.slice(k * n, n)
    for i, name, type_ in layout.others:
        arrays[i] = pa.array(columns[name], type=type_, from_pandas=True)
    return arrays


def series_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Fixed columns and dtypes, whichever process produced the frame. The calendar `date`
    is kept when present, and so are the province counts of a `[diffusion]` run."""
    from ..diffusion.schema import COUNTS

    columns = {"run_id": frame["run_id"].astype(str).to_numpy(), "step": frame["step"].to_numpy(dtype="int64")}
    if "date" in frame:
        columns["date"] = frame["date"].astype(str).to_numpy()
    counts = {c: frame[c].to_numpy(dtype="float64") for c in COUNTS if c in frame}
    return columns | counts | {m: frame[m].to_numpy(dtype="float64") for m in MEASURES}


def model_series(model, run_id: str) -> dict[str, np.ndarray]:
    """`series_columns` of the frame `run_timeseries` gives, read from the model's collector
    without making the frame."""
    vars_ = model.datacollector.model_vars
    # one conversion of every measure's list (rows of one array) rather than one a measure
    n = len(vars_[next(iter(MEASURES))])
    if any(len(vars_[m]) != n for m in MEASURES):  # read as one block: a ragged one would shift columns
        raise ValueError(f"run {run_id}: the collector's measures have different lengths")
    values = np.fromiter(chain.from_iterable(vars_[m] for m in MEASURES), np.float64, len(MEASURES) * n)
    values = values.reshape(len(MEASURES), n)
    columns = {"run_id": np.full(n, str(run_id), dtype=object), "step": np.arange(n, dtype=np.int64)}
    if model.datacollector.start:
        columns["date"] = _month_dates(model.datacollector.start, n)
    return columns | dict(zip(MEASURES, values, strict=True))


@functools.lru_cache(maxsize=16)
def _month_dates(start: str, n: int) -> np.ndarray:
    """`month_dates` as a read-only array, made once for a sweep's runs (they share a start)."""
    from ..measures import month_dates

    dates = np.array(month_dates(start, n), dtype=object)
    dates.flags.writeable = False
    return dates


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """`series_columns` as a frame."""
    return pd.DataFrame(series_columns(frame), index=pd.RangeIndex(len(frame)))
