"""Run a design on any `concurrent.futures.Executor` (`sim/runner/executors.py`), streaming
results to disk.

    with executor_for(workers=2) as ex:          # or Dask: Client(...).get_executor()
        summary = run_design(runs, store, ex)     # or mpi4py.futures.MPIPoolExecutor()

Worker processes are reused across runs (a fresh interpreter costs ~1.5 s to import the
stack). Results stream to disk as they finish, at most a few runs in flight per worker,
so memory stays bounded. A run that raises is recorded with its traceback; the others
go on. A run that kills its worker process (a crash in compiled code, the kernel's
out-of-memory killer) costs a new pool, not the sweep: the runs that were in flight are
re-run one at a time, and the one that kills a worker again is recorded as failed.

Each run gets its scenario as resolved when the design was built (never the file again),
and its record names the model code that ran it (`code_hash`, the worker's own): a worker
with other code has its runs recorded as failed, not mixed in.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any

from tqdm import tqdm

from ..scenario import ScenarioError
from .design import RunSpec, code_fingerprint, design_fingerprint, doc_hash
from .executors import InlineExecutor, WorkerPool, _capacity, _context, _threads, executor_for
from .store import ResultStore, model_series, series_columns, write_series

# tqdm's monitor thread would make this process multi-threaded, and forking is then
# unsafe: _context() falls back to a forkserver whose workers re-import the stack (~1.5 s)
tqdm.monitor_interval = 0

BATCH = 2  # runs a task carries to a local worker (the runs in flight stay `in_flight` a worker)
REFRESH_SECONDS = 5.0  # how often runs.parquet is rewritten (and a Dask cluster's size re-read)
NO_WORKERS_SECONDS = 10.0  # a Dask cluster with no workers after this long gets a note


def _one_blas_thread() -> None:
    """Workers share the cores: a BLAS thread pool per worker would oversubscribe them
    (sim/__init__ sets this before numpy loads; this covers workers that loaded it first)."""
    global _LIMITED
    if not _LIMITED and multiprocessing.parent_process() is not None:  # never throttle the user's own process
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        _LIMITED = True


_LIMITED = False


def _scenario(spec: RunSpec) -> Any:
    """The scenario a run was designed with: the spec resolved when the design was built
    (the file, for a RunSpec made by hand). A worker whose schema reads it differently
    (other code) fails the run rather than run another scenario under its hash."""
    from ..scenario import validate

    if spec.scenario_hash in _RESOLVED:  # this worker read the same content for an earlier run
        return _RESOLVED[spec.scenario_hash]
    doc = spec.scenario_doc or (_DOCS.get(spec.scenario_hash) if spec.scenario_hash else None)
    if not doc:
        return spec.path or spec.scenario
    resolved = validate(doc, {}, f"scenario {spec.scenario}")  # pydantic copies, never mutates
    got = doc_hash(resolved.model_dump(mode="json"))
    if spec.scenario_hash and got != spec.scenario_hash:
        raise ScenarioError(
            f"scenario {spec.scenario}: this worker reads it as other content than the sweep's "
            f"(hash {got}, expected {spec.scenario_hash}); is its govsim another version?"
        )
    if spec.scenario_hash:
        if len(_RESOLVED) >= 64:  # a design of many scenarios: keep the memory bounded
            _RESOLVED.clear()
        _RESOLVED[spec.scenario_hash] = resolved  # frozen: a run's overrides make a copy
    return resolved


# scenario hash -> the spec as this worker validated it (a sweep's runs share a few scenarios)
_RESOLVED: dict[str, Any] = {}
# scenario hash -> its resolved document, kept by the sweep's process before it forks its
# workers (`Scheduler`): they inherit it, so a run is sent without its document (6 KB to
# pickle and unpickle a run for the baseline), and each worker still validates it once
_DOCS: dict[str, dict] = {}
MAX_DOCS = 256  # distinct scenario contents held (a few per design); beyond, runs go whole


def _shipped(spec: RunSpec) -> RunSpec:
    """The run as sent to a forked worker that holds its document (`_DOCS`)."""
    if spec.scenario_doc and _DOCS.get(spec.scenario_hash) is spec.scenario_doc:
        return replace(spec, scenario_doc={})
    return spec


def execute(spec: RunSpec, ts_dir: str | None = None) -> tuple[dict, object]:
    """Run one design point in the current process: (record, time series or None).
    With `ts_dir` (a staging folder this process can write, `ResultStore.incoming`) the time
    series is written there, in the worker, and None comes back: the main process only
    records the run, and moves the file into place. The record
    names the model code that ran it (`code_hash`), this worker's own."""
    from ..api import run_model, run_timeseries

    _one_blas_thread()
    t0 = time.perf_counter()
    frame, columns, error = None, None, ""
    try:
        scenario = _scenario(spec)
        if _is_diffusion(scenario):  # the provincial layer: its national rows (counts and measures)
            frame = diffusion_timeseries(scenario, spec)
            if ts_dir is not None:
                columns, frame = series_columns(frame), None
        elif ts_dir is None:  # the series goes back to the main process as a frame
            frame = run_timeseries(scenario, seed=spec.seed, steps=spec.steps, **spec.overrides)
            frame.insert(0, "run_id", spec.run_id)
        else:  # written here: its columns, without making a frame
            model = run_model(scenario, seed=spec.seed, steps=spec.steps, **spec.overrides)
            columns = model_series(model, spec.run_id)
    except (Exception, SystemExit):  # a model's sys.exit() is its run's failure, not the worker's
        error = traceback.format_exc()
    months = len(frame) if frame is not None else len(columns["step"]) if columns is not None else None
    record = {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "seed": spec.seed,
        "replication": spec.replication,
        "steps": spec.steps if spec.steps is not None else (months - 1 if months is not None else None),
        "status": "ok" if months is not None else "failed",
        "wall_s": round(time.perf_counter() - t0, 4),
        "error": error,
        "code_hash": code_fingerprint(),
    }
    if columns is not None:
        write_series(ts_dir, spec.run_id, columns, staged=True)
    return record, frame


def execute_batch(run, specs: list[RunSpec], ts_dir: str | None = None) -> list[tuple[dict, object]]:
    """`run` (`execute`, sent by reference, as the sweep's process sees it) of each run in
    turn: one message each way for several runs (a process pool's task costs the sweep's
    process ~0.1-0.2 ms of CPU in threads and pipes). The runs come back together, so their
    records are written when the last one ends: they count as in flight until then."""
    return [run(spec, ts_dir) for spec in specs]


def _is_diffusion(scenario: Any) -> bool:
    """The run's scenario (a resolved spec, or a preset name or path) has a `[diffusion]` table."""
    if hasattr(scenario, "diffusion"):
        return scenario.diffusion is not None
    from ..diffusion.run import has_diffusion

    return has_diffusion(scenario)


def diffusion_timeseries(scenario: Any, spec: RunSpec):
    """A `[diffusion]` run (sim/diffusion): the 31 coupled province models for `spec.steps`
    months (default: to the layer's end), one row per month (`date`, `step`, the province
    counts, the national measures), headed by the run id."""
    from ..diffusion.run import run_seed

    frame = run_seed(scenario, spec.seed, spec.steps, spec.overrides).timeseries()
    frame.insert(0, "run_id", spec.run_id)
    return frame


# ---------------------------------------------------------------------------- running
@dataclass
class Summary:
    total: int
    skipped: int
    ran: int = 0
    failed: list[dict] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def _broke(fut: cf.Future) -> bool:
    return not fut.cancelled() and isinstance(fut.exception(), BrokenProcessPool)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a scheduler's kill, `kill PID`) stops a sweep like Ctrl-C does: finished
    runs are kept and runs.parquet is written before the process exits non-zero."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_design(
    runs: list[RunSpec],
    store: ResultStore,
    executor: cf.Executor,
    *,
    in_flight: int = 4,
    progress: bool = True,
    label: str = "runs",
) -> Summary:
    """Run every run of the design that the store does not hold yet."""
    if design_fingerprint(runs, store.kind) != store.fingerprint:
        raise ValueError(f"{store.out}: these runs are not the design the result store was opened with")
    return Scheduler(runs, store, executor, in_flight=in_flight, progress=progress, label=label).run()


class Scheduler:
    """The loop of one sweep: keeps up to `in_flight` runs per worker submitted, records
    each as it ends, re-runs alone the runs that were in flight when a worker died (the
    one that kills a worker again is recorded as failed), and rewrites runs.parquet
    every REFRESH_SECONDS."""

    def __init__(
        self,
        runs: list[RunSpec],
        store: ResultStore,
        executor: cf.Executor,
        *,
        in_flight: int,
        progress: bool,
        label: str,
    ) -> None:
        self.runs, self.store, self.executor, self.in_flight, self.label = runs, store, executor, in_flight, label
        done = store.finished()
        self.todo = deque(r for r in runs if r.run_id not in done)
        self.summary = Summary(total=len(runs), skipped=len(runs) - len(self.todo))
        self.t0 = time.perf_counter()
        # a caller's process pool is adopted so that a dead worker can be replaced
        self.pool = WorkerPool(pool=executor) if isinstance(executor, cf.ProcessPoolExecutor) else executor
        self.inline = isinstance(self.pool, InlineExecutor)
        # InlineExecutor runs at submit time: one at a time, so each run is saved as it ends
        self.window = 1 if self.inline else max(1, in_flight * _capacity(self.pool))
        # runs a task carries: several to our own workers (fewer messages; the window, in
        # runs, is the same, so a killed sweep loses no more runs than before), as long as
        # each worker still has a task queued behind the one it runs; one elsewhere (Dask
        # reports each run as it ends)
        self.batch = max(1, min(BATCH, in_flight // 2)) if isinstance(self.pool, WorkerPool) else 1
        # local workers write their own time series (encoding Parquet in parallel); a Dask
        # cluster's workers may not see this disk, so theirs come back to be written here
        self.local = isinstance(self.pool, (WorkerPool, InlineExecutor))
        self.ts_dir = str(store.incoming) if self.local else None
        self.pending: dict[cf.Future, list[RunSpec]] = {}  # a task's runs
        self.suspects: deque[RunSpec] = deque()  # in flight when a worker died: each re-run alone
        self.alone: RunSpec | None = None  # the suspect now running on its own
        self.idle_deaths = 0  # pools lost with no run in flight, in a row
        self.client = getattr(self.pool, "_client", None)  # a Dask cluster: may have no workers (yet)
        # a LocalCluster's nannies restart its workers; a remote cluster may have none for good
        self.remote = self.client is not None and getattr(self.client, "cluster", None) is None
        self.last_done, self.noted, self.last_refresh = time.monotonic(), False, time.monotonic()
        self.progress = Progress(len(self.todo), self.summary, progress, label, self.t0)
        self.ship = self._hold_docs()

    def _hold_docs(self):
        """For workers yet to be forked from here: keep each scenario's document in `_DOCS`
        (they inherit it) and send them runs without it (`_shipped`); else runs go whole."""
        if not (isinstance(self.pool, WorkerPool) and self.pool.forks_from_here()):
            return lambda spec: spec
        for spec in self.todo:
            if spec.scenario_doc and spec.scenario_hash and len(_DOCS) < MAX_DOCS:
                _DOCS.setdefault(spec.scenario_hash, spec.scenario_doc)
        return _shipped

    def run(self) -> Summary:
        try:
            with _sigterm_as_interrupt():
                self._warm_up()
                while self._step():
                    pass
        except KeyboardInterrupt:
            for fut in self.pending:
                fut.cancel()
            raise
        finally:
            self.progress.close()
            if self.pool is not self.executor:
                self.pool.shutdown(wait=True)  # replacements of an adopted pool
            self.store.write_runs_table(self.runs)  # finished runs are kept, whatever happened
            self.summary.wall_s = time.perf_counter() - self.t0
        return self.summary

    def _warm_up(self) -> None:
        """Forked workers inherit this process: importing the model and loading its compiled
        kernels here, once, before they are forked, spares each of them doing it (~1.3 s of
        CPU a worker). One month of the first run's scenario loads the kernels a month calls;
        its numbers are not kept (each run builds its own model from its own seed)."""
        if not (self.todo and isinstance(self.pool, WorkerPool) and self.pool.forks_from_here()):
            return
        from ..api import run_model

        spec = self.todo[0]
        with suppress(Exception, SystemExit):  # the run reports its own error when it runs
            scenario = _scenario(spec)
            if _is_diffusion(scenario):
                diffusion_timeseries(scenario, replace(spec, steps=1))
            else:
                run_model(scenario, seed=spec.seed, steps=1, **spec.overrides)

    def _step(self) -> bool:
        """Submit, wait for some runs, record them; False when nothing is left."""
        dead = self._fill()
        if dead and not self.pending:  # nobody to blame: a new pool, unless they keep dying
            self.idle_deaths += 1
            if not isinstance(self.pool, WorkerPool) or self.idle_deaths > 3:
                raise RuntimeError("worker processes keep dying before running anything")
            self.pool.restart()
            return True
        if not self.pending:
            return False
        broken = self._collect(self._wait())
        if broken:
            self._worker_died(broken)
        if time.monotonic() - self.last_refresh > REFRESH_SECONDS:
            self.store.write_runs_table(self.runs)
            if not self.inline:
                self.window = max(1, self.in_flight * _capacity(self.pool))  # a Dask cluster may grow
            self.last_refresh = time.monotonic()
        return True

    def _submit(self, specs: list[RunSpec]) -> bool:
        try:
            if len(specs) == 1:
                fut = self.pool.submit(execute, self.ship(specs[0]), self.ts_dir)
            else:
                fut = self.pool.submit(execute_batch, execute, [self.ship(s) for s in specs], self.ts_dir)
        except BrokenProcessPool:  # a worker died between runs
            return False
        self.pending[fut] = specs
        return True

    def _fill(self) -> bool:
        """Submit the next suspect alone, else runs up to the window; True if the pool died."""
        if self.suspects or self.alone is not None:
            if self.alone is None:
                if not self._submit([self.suspects[0]]):
                    return True
                self.alone = self.suspects.popleft()
            return False
        running = sum(map(len, self.pending.values()))
        while running < self.window and self.todo:
            size = min(self.batch, self.window - running, len(self.todo))
            if not self._submit([self.todo[i] for i in range(size)]):
                return True
            for _ in range(size):
                self.todo.popleft()
            running += size
        return False

    def _wait(self) -> set[cf.Future]:
        tick = min(1.0, NO_WORKERS_SECONDS) if self.remote and not self.noted else None
        finished, _ = cf.wait(self.pending, timeout=tick, return_when=cf.FIRST_COMPLETED)
        if finished:
            self.last_done = time.monotonic()
        elif tick and time.monotonic() - self.last_done > NO_WORKERS_SECONDS and _threads(self.client) == 0:
            self.noted = True  # else it would wait without a word until workers join
            address = self.client.scheduler.address
            print(
                f"{self.label}: waiting: the Dask cluster at {address} has no workers "
                f"(start some with `dask worker {address}`)",
                file=sys.stderr,
            )
        if any(_broke(f) for f in finished):
            finished, _ = cf.wait(self.pending)  # the pool is dead: its other futures end now too
        return finished

    def _collect(self, finished: set[cf.Future]) -> list[RunSpec]:
        """Record the finished runs; return those lost with a broken pool."""
        broken = []
        for fut in finished:
            specs = self.pending.pop(fut)
            if _broke(fut):
                broken.extend(specs)
                continue
            try:
                results = fut.result()
                results = [results] if len(specs) == 1 else results
            except Exception:  # lost on the way (a Dask worker died, ...): failed runs
                error = traceback.format_exc()
                results = [(_lost(spec, error), None) for spec in specs]
            if len(specs) == 1 and specs[0] is self.alone:
                self.alone = None
            self.idle_deaths = 0
            for spec, (record, frame) in zip(specs, results, strict=True):
                self._keep(spec, record, frame)
        return broken

    def _worker_died(self, broken: list[RunSpec]) -> None:
        if not isinstance(self.pool, WorkerPool):  # not ours to restart
            for spec in broken:
                self._keep(spec, _lost(spec, "worker process died"), None)
            return
        note = self.pool.restart()
        if self.alone is not None and broken == [self.alone]:
            # it killed a worker while running on its own: it is the culprit
            error = (
                f"worker process died ({note}) while this run was running alone "
                "(out of memory? a crash in compiled code?)"
            )
            self._keep(self.alone, _lost(self.alone, error), None)
            self.alone = None
        else:  # one of them killed the worker; re-run each alone to find which
            self.suspects.extend(sorted(broken, key=lambda r: r.run_id))

    def _keep(self, spec: RunSpec, record: dict, frame) -> None:
        store = self.store
        if record["status"] == "ok" and record.get("code_hash") != store.code_hash:
            # a worker with other model code (a Dask worker on another install): its numbers
            # must not join this folder's
            record = {
                **record,
                "status": "failed",
                "error": f"the worker that ran it has other model code (code hash "
                f"{record.get('code_hash') or 'unknown'}, this sweep's {store.code_hash}); "
                "install the same govsim on every worker and re-run",
            }
            frame = None
        store.write(spec, record, frame, frame_written=self.local and record["status"] == "ok")
        self.summary.ran += 1
        if record["status"] != "ok":
            self.summary.failed.append(record)
        self.progress.update()


class Progress:
    """A tqdm bar on a terminal; otherwise a line on stderr every ~10% of the runs."""

    def __init__(self, n_todo: int, summary: Summary, enabled: bool, label: str, t0: float) -> None:
        self.n_todo, self.summary, self.enabled, self.label, self.t0 = n_todo, summary, enabled, label, t0
        self.show = enabled and sys.stderr.isatty()
        self.bar = tqdm(total=n_todo, desc=label, unit="run", disable=not self.show, dynamic_ncols=True)
        self.bar.set_postfix(failed=0, skipped=summary.skipped)
        self.log_every = max(1, -(-n_todo // 10))

    def update(self) -> None:
        s = self.summary
        self.bar.update(1)
        self.bar.set_postfix(failed=len(s.failed), skipped=s.skipped)
        if self.enabled and not self.show and (s.ran % self.log_every == 0 or s.ran == self.n_todo):
            el = time.perf_counter() - self.t0
            eta = el / s.ran * (self.n_todo - s.ran)
            print(
                f"{self.label}: {s.ran}/{self.n_todo} done, {len(s.failed)} failed, "
                f"{s.skipped} already done; {el:.0f} s elapsed, ETA {eta:.0f} s",
                file=sys.stderr,
            )

    def close(self) -> None:
        self.bar.close()


def _lost(spec: RunSpec, error: str) -> dict:
    return {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "seed": spec.seed,
        "replication": spec.replication,
        "steps": spec.steps,
        "status": "failed",
        "wall_s": 0.0,
        "error": error,
        "code_hash": "",  # never ran
    }


__all__ = [
    "InlineExecutor",
    "Summary",
    "WorkerPool",
    "_context",
    "execute",
    "execute_batch",
    "executor_for",
    "run_design",
]
