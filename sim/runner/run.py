"""Run a design on any `concurrent.futures.Executor`, streaming results to disk.

    with executor_for(workers=2) as ex:          # or Dask: Client(...).get_executor()
        summary = run_design(runs, store, ex)     # or mpi4py.futures.MPIPoolExecutor()

Worker processes are reused across runs (a fresh interpreter costs ~1.5 s to import the
stack). Results stream to disk as they finish, at most a few runs in flight per worker,
so memory stays bounded. A run that raises is recorded with its traceback; the others
go on.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .design import RunSpec, design_fingerprint
from .store import ResultStore, write_timeseries

# tqdm's monitor thread would make this process multi-threaded, and forking is then
# unsafe: _context() falls back to a forkserver whose workers re-import the stack (~1.5 s)
tqdm.monitor_interval = 0

REFRESH_SECONDS = 5.0  # how often runs.parquet is rewritten while a sweep runs


def _one_blas_thread() -> None:
    """Workers share the cores: a BLAS thread pool per worker would oversubscribe them
    (sim/__init__ sets this before numpy loads; this covers workers that loaded it first)."""
    global _LIMITED
    if not _LIMITED and multiprocessing.parent_process() is not None:  # never throttle the user's own process
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        _LIMITED = True


_LIMITED = False


def execute(spec: RunSpec, ts_dir: str | None = None) -> tuple[dict, object]:
    """Run one design point in the current process: (record, time series or None).
    With `ts_dir` (a folder this process can write) the time series is written here, in
    the worker, and None comes back: the main process only records the run."""
    from ..api import run_timeseries

    _one_blas_thread()
    t0 = time.perf_counter()
    frame, error = None, ""
    try:
        frame = run_timeseries(spec.path or spec.scenario, seed=spec.seed, steps=spec.steps, **spec.overrides)
        frame.insert(0, "run_id", spec.run_id)
    except Exception:
        error = traceback.format_exc()
    record = {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "seed": spec.seed,
        "replication": spec.replication,
        "steps": spec.steps if spec.steps is not None else (len(frame) - 1 if frame is not None else None),
        "status": "ok" if frame is not None else "failed",
        "wall_s": round(time.perf_counter() - t0, 4),
        "error": error,
    }
    if ts_dir is not None and frame is not None:
        write_timeseries(Path(ts_dir), spec.run_id, frame)
        frame = None
    return record, frame


class InlineExecutor(cf.Executor):
    """Runs each task in this process when submitted: `--workers 1`, debuggers, tests."""

    def submit(self, fn, /, *args, **kwargs):
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # pragma: no cover - execute() catches model errors itself
            fut.set_exception(e)
        return fut


@contextmanager
def executor_for(workers: int = 1, dask: str | None = None):
    """The executor for `--workers N` / `--dask ADDRESS|local`; closed on exit."""
    if dask:
        import logging

        from distributed import Client, LocalCluster

        if dask == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            cluster, client = None, Client(dask)
        try:
            yield client.get_executor()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    if workers <= 1:
        yield InlineExecutor()
        return
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as ex:
        yield ex


def _context():
    """Workers that start with the model already imported: fork where it is safe (Linux,
    and this process runs a single thread, counting threads that libraries start outside
    Python), else a forkserver that preloads the model."""
    if sys.platform == "linux" and _os_threads() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.runner.run"])
    return ctx


def _os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: count Python's own threads
        import threading

        return threading.active_count()


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
    done = store.finished()
    todo = [r for r in runs if r.run_id not in done]
    summary = Summary(total=len(runs), skipped=len(runs) - len(todo))
    t0 = time.perf_counter()
    workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    # InlineExecutor runs at submit time: one at a time, so each run is saved as it ends
    window = 1 if isinstance(executor, InlineExecutor) else max(1, in_flight * workers)
    # local workers write their own time series (encoding Parquet in parallel); a Dask
    # cluster's workers may not see this disk, so theirs come back to be written here
    local = isinstance(executor, (cf.ProcessPoolExecutor, InlineExecutor))
    ts_dir = str(store.incoming) if local else None
    pending: dict[cf.Future, RunSpec] = {}
    queue = iter(todo)
    last_refresh = time.monotonic()
    show = progress and sys.stderr.isatty()
    bar = tqdm(total=len(todo), desc=label, unit="run", disable=not show, dynamic_ncols=True)
    bar.set_postfix(failed=0, skipped=summary.skipped)
    log_every = max(1, -(-len(todo) // 10))  # without a terminal: a progress line every ~10%
    try:
        while True:
            while len(pending) < window:
                spec = next(queue, None)
                if spec is None:
                    break
                pending[executor.submit(execute, spec, ts_dir)] = spec
            if not pending:
                break
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                spec = pending.pop(fut)
                try:
                    record, frame = fut.result()
                except Exception:  # the worker itself died: record it like a failed run
                    record, frame = _lost(spec, traceback.format_exc()), None
                store.write(spec, record, frame, frame_written=local and record["status"] == "ok")
                summary.ran += 1
                if record["status"] != "ok":
                    summary.failed.append(record)
                bar.update(1)
                bar.set_postfix(failed=len(summary.failed), skipped=summary.skipped)
                if progress and not show and (summary.ran % log_every == 0 or summary.ran == len(todo)):
                    el = time.perf_counter() - t0
                    eta = el / summary.ran * (len(todo) - summary.ran)
                    print(
                        f"{label}: {summary.ran}/{len(todo)} done, {len(summary.failed)} failed, "
                        f"{summary.skipped} already done; {el:.0f} s elapsed, ETA {eta:.0f} s",
                        file=sys.stderr,
                    )
            if time.monotonic() - last_refresh > REFRESH_SECONDS:
                store.write_runs_table(runs)
                last_refresh = time.monotonic()
    except KeyboardInterrupt:
        for fut in pending:
            fut.cancel()
        raise
    finally:
        bar.close()
        store.write_runs_table(runs)  # finished runs are kept, whatever happened
        summary.wall_s = time.perf_counter() - t0
    return summary


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
    }
