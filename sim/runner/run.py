"""Run a design on any `concurrent.futures.Executor`, streaming results to disk.

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
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..scenario import ScenarioError
from .design import RunSpec, code_fingerprint, design_fingerprint, doc_hash
from .store import ResultStore, write_timeseries

# tqdm's monitor thread would make this process multi-threaded, and forking is then
# unsafe: _context() falls back to a forkserver whose workers re-import the stack (~1.5 s)
tqdm.monitor_interval = 0

REFRESH_SECONDS = 5.0  # how often runs.parquet is rewritten (and a Dask cluster's size re-read)
DASK_CONNECT_SECONDS = 10.0  # hard deadline: a wrong address fails after this, a silent server too
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

    if not spec.scenario_doc:
        return spec.path or spec.scenario
    resolved = validate(spec.scenario_doc, {}, f"scenario {spec.scenario}")  # pydantic copies, never mutates
    got = doc_hash(resolved.model_dump(mode="json"))
    if spec.scenario_hash and got != spec.scenario_hash:
        raise ScenarioError(
            f"scenario {spec.scenario}: this worker reads it as other content than the sweep's "
            f"(hash {got}, expected {spec.scenario_hash}); is its govsim another version?"
        )
    return resolved


def execute(spec: RunSpec, ts_dir: str | None = None) -> tuple[dict, object]:
    """Run one design point in the current process: (record, time series or None).
    With `ts_dir` (a folder this process can write) the time series is written here, in
    the worker, and None comes back: the main process only records the run. The record
    names the model code that ran it (`code_hash`), this worker's own."""
    from ..api import run_timeseries

    _one_blas_thread()
    t0 = time.perf_counter()
    frame, error = None, ""
    try:
        frame = run_timeseries(_scenario(spec), seed=spec.seed, steps=spec.steps, **spec.overrides)
        frame.insert(0, "run_id", spec.run_id)
    except (Exception, SystemExit):  # a model's sys.exit() is its run's failure, not the worker's
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
        "code_hash": code_fingerprint(),
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


# ---------------------------------------------------------------------------- worker pool
def _worker_init(parent: int) -> None:
    """Start of each worker process. Workers never outlive the sweep: a parent killed
    with SIGKILL cannot stop them, so the kernel (Linux) or a watchdog thread does. The
    parent alone handles Ctrl-C and SIGTERM (and stops its workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the parent's handler
    if not _die_with_parent():
        watched = parent or os.getppid()
        threading.Thread(target=_watch_parent, args=(watched,), daemon=True, name="govsim-parent-watch").start()
    if parent and os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


class WorkerPool(cf.Executor):
    """A process pool that outlives the death of a worker: `restart()` replaces a broken
    pool with a new one. Workers exit with the parent process (see `_worker_init`).
    `WorkerPool(pool=existing)` adopts a caller's ProcessPoolExecutor (left open; only
    replacements are closed here)."""

    def __init__(self, workers: int = 0, mp_context=None, *, pool: cf.ProcessPoolExecutor | None = None) -> None:
        if pool is not None:
            workers, mp_context = pool._max_workers, pool._mp_context  # CPython's own names
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._ctx = mp_context or _context()
        self._pool = pool or self._new()
        self._own = pool is None
        self._procs: dict = {}  # every worker process seen, to say how one died

    def _new(self) -> cf.ProcessPoolExecutor:
        parent = os.getpid() if self._ctx.get_start_method() == "fork" else 0
        return cf.ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_worker_init, initargs=(parent,))

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        fut = self._pool.submit(fn, *args, **kwargs)
        self._procs.update(getattr(self._pool, "_processes", None) or {})
        return fut

    def death(self) -> str:
        """How the worker that broke the pool ended: "exit code 7", "killed by signal SIGKILL"."""
        codes = []
        for p in list(self._procs.values()):
            p.join(0.5)
            if p.exitcode is not None:
                codes.append(p.exitcode)
        # the pool terminates the surviving workers (SIGTERM) once one has died
        first = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
        if first is None:
            return "cause unknown"
        if first < 0:
            try:
                return f"killed by signal {signal.Signals(-first).name}"
            except ValueError:
                return f"killed by signal {-first}"
        return f"exit code {first}"

    def restart(self) -> str:
        """Replace a broken pool; return how its worker died."""
        note = self.death()
        if self._own:
            self._pool.shutdown(wait=True)
        self._pool, self._own, self._procs = self._new(), True, {}
        return note

    def stop(self) -> None:
        """Stop now (interrupted sweep): cancel queued runs, end the running ones; they
        were not recorded, so the next invocation runs them again."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in list(self._procs.values()):
            if p.exitcode is None:
                p.terminate()
        if self._own:
            self._pool.shutdown(wait=True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._own:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def executor_for(workers: int = 1, dask: str | None = None) -> Iterator[cf.Executor]:
    """The executor for `--workers N` / `--dask ADDRESS|local`; closed on exit."""
    if dask:
        import dask as dask_config
        import distributed  # noqa: F401 - sets its loggers' levels on import: quieted after that

        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        with _quiet_dask(), dask_config.config.set({"distributed.worker.multiprocessing-method": method}):
            client, cluster = _dask_client(workers, dask)
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
    pool = WorkerPool(workers)
    try:
        yield pool
    except BaseException:
        pool.stop()  # Ctrl-C, SIGTERM: do not wait for the runs in flight
        raise
    pool.shutdown(wait=True)


# Dask logs what the sweep reports itself (a lost worker, a failed run) and, on Ctrl-C,
# tracebacks of the futures cancelled on the way out: only its critical messages show
DASK_LOGGERS = ("distributed", "tornado", "asyncio")


@contextmanager
def _quiet_dask() -> Iterator[None]:
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in DASK_LOGGERS]
    loggers = [logging.getLogger(n) for n in sorted({*names, *DASK_LOGGERS})]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _dask_client(workers: int, dask: str) -> tuple[Any, Any]:
    if dask != "local":
        return _connect(dask, DASK_CONNECT_SECONDS), None
    from distributed import Client, LocalCluster

    _start_fork_server()
    # a Ctrl-C while the cluster starts would leave it half-made, with tracebacks from its
    # threads: it is held until the cluster is up, then stops the sweep as usual
    with _sigint_held() as pressed:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            # dashboard_address=None still binds :8787 and warns when it is taken;
            # a free local port and no dashboard pages keep `-q` quiet
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            silence_logs=logging.CRITICAL,
        )
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    if pressed:
        client.close()
        cluster.close()
        raise KeyboardInterrupt
    return client, cluster


@contextmanager
def _sigint_held() -> Iterator[list[int]]:
    """Record SIGINT instead of raising KeyboardInterrupt (main thread only)."""
    pressed: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_fork_server() -> None:
    """Ctrl-C at a terminal reaches every process of the group; the sweep stops its Dask
    workers itself, so they must ignore it rather than print tracebacks. Nannies start (and
    restart) workers from multiprocessing's fork server, whose children keep the SIGINT
    disposition the server started with: start it now, with SIGINT ignored for that instant."""
    from multiprocessing import forkserver

    from distributed.utils import get_mp_context

    if get_mp_context().get_start_method() != "forkserver":  # also sets distributed's preloads
        return
    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _connect(address: str, deadline: float) -> Any:
    """A client of the scheduler at `address`, or a one-line error within `deadline` seconds.
    distributed's own timeout does not cover a server that accepts the connection and then
    says nothing (an HTTP server, the dashboard's port): its handshake waits forever, so
    the connection is made in a thread that is abandoned at the deadline."""
    from distributed import Client

    box: dict = {}
    lock = threading.Lock()

    def connect() -> None:
        try:
            client = Client(address, timeout=deadline)
        except Exception as e:  # any failure to connect is reported below
            with lock:
                box["error"] = e
            return
        with lock:
            abandoned = box.setdefault("client", client) is not client
        if abandoned:  # connected after the caller gave up: do not leave it open
            client.close()

    thread = threading.Thread(target=connect, daemon=True, name="govsim-dask-connect")
    thread.start()
    thread.join(deadline)
    with lock:
        client = box.setdefault("client", None)  # from now on a late client closes itself
        error = box.get("error")
    if client is not None:
        return client
    if error is None:
        detail = f"no answer within {deadline:g} s"
    else:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    raise ScenarioError(
        f"--dask {address}: no Dask scheduler there ({detail}); expected a scheduler address "
        "such as tcp://HOST:8786, or 'local'"
    )


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
        return threading.active_count()


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


def _threads(client: Any) -> int | None:
    """A Dask cluster's worker threads (None: the scheduler is briefly unreachable)."""
    try:
        return sum(client.nthreads().values())
    except Exception:  # asked again later
        return None


def _capacity(executor: cf.Executor) -> int:
    """Runs the executor can work on at once: its workers, or a Dask cluster's threads."""
    client = getattr(executor, "_client", None)  # Dask's ClientExecutor
    if client is not None:
        return max(1, _threads(client) or 1)  # unreachable or empty: keep going with a small window
    if isinstance(executor, WorkerPool):
        return executor.workers
    return getattr(executor, "_max_workers", None) or os.cpu_count() or 1


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
    done = store.finished()
    todo = deque(r for r in runs if r.run_id not in done)
    summary = Summary(total=len(runs), skipped=len(runs) - len(todo))
    t0 = time.perf_counter()
    # a caller's process pool is adopted so that a dead worker can be replaced
    pool = WorkerPool(pool=executor) if isinstance(executor, cf.ProcessPoolExecutor) else executor
    inline = isinstance(pool, InlineExecutor)
    # InlineExecutor runs at submit time: one at a time, so each run is saved as it ends
    window = 1 if inline else max(1, in_flight * _capacity(pool))
    # local workers write their own time series (encoding Parquet in parallel); a Dask
    # cluster's workers may not see this disk, so theirs come back to be written here
    local = isinstance(pool, (WorkerPool, InlineExecutor))
    ts_dir = str(store.incoming) if local else None
    pending: dict[cf.Future, RunSpec] = {}
    suspects: deque[RunSpec] = deque()  # in flight when a worker died: each re-run alone
    alone: RunSpec | None = None  # the suspect now running on its own
    last_refresh = time.monotonic()
    n_todo = len(todo)
    show = progress and sys.stderr.isatty()
    bar = tqdm(total=n_todo, desc=label, unit="run", disable=not show, dynamic_ncols=True)
    bar.set_postfix(failed=0, skipped=summary.skipped)
    log_every = max(1, -(-n_todo // 10))  # without a terminal: a progress line every ~10%

    def keep(spec: RunSpec, record: dict, frame) -> None:
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
        store.write(spec, record, frame, frame_written=local and record["status"] == "ok")
        summary.ran += 1
        if record["status"] != "ok":
            summary.failed.append(record)
        bar.update(1)
        bar.set_postfix(failed=len(summary.failed), skipped=summary.skipped)
        if progress and not show and (summary.ran % log_every == 0 or summary.ran == n_todo):
            el = time.perf_counter() - t0
            eta = el / summary.ran * (n_todo - summary.ran)
            print(
                f"{label}: {summary.ran}/{n_todo} done, {len(summary.failed)} failed, "
                f"{summary.skipped} already done; {el:.0f} s elapsed, ETA {eta:.0f} s",
                file=sys.stderr,
            )

    def submit(spec: RunSpec) -> bool:
        try:
            pending[pool.submit(execute, spec, ts_dir)] = spec
        except BrokenProcessPool:  # a worker died between runs
            return False
        return True

    idle_deaths = 0  # pools lost with no run in flight, in a row
    client = getattr(pool, "_client", None)  # a Dask cluster: may have no workers (yet)
    # a LocalCluster's nannies restart its workers; a remote cluster may have none for good
    remote = client is not None and getattr(client, "cluster", None) is None
    last_done, noted = time.monotonic(), False
    try:
        with _sigterm_as_interrupt():
            while True:
                dead = False
                if suspects or alone is not None:
                    if alone is None:
                        dead = not submit(suspects[0])
                        if not dead:
                            alone = suspects.popleft()
                else:
                    while len(pending) < window and todo:
                        dead = not submit(todo[0])
                        if dead:
                            break
                        todo.popleft()
                if dead and not pending:  # nobody to blame: a new pool, unless they keep dying
                    idle_deaths += 1
                    if not isinstance(pool, WorkerPool) or idle_deaths > 3:
                        raise RuntimeError("worker processes keep dying before running anything")
                    pool.restart()
                    continue
                if not pending:
                    break
                tick = min(1.0, NO_WORKERS_SECONDS) if remote and not noted else None
                finished, _ = cf.wait(pending, timeout=tick, return_when=cf.FIRST_COMPLETED)
                if finished:
                    last_done = time.monotonic()
                elif tick and time.monotonic() - last_done > NO_WORKERS_SECONDS and _threads(client) == 0:
                    noted = True  # else it would wait without a word until workers join
                    print(
                        f"{label}: waiting: the Dask cluster at {client.scheduler.address} has no workers "
                        f"(start some with `dask worker {client.scheduler.address}`)",
                        file=sys.stderr,
                    )
                if any(_broke(f) for f in finished):
                    finished, _ = cf.wait(pending)  # the pool is dead: its other futures end now too
                broken = []
                for fut in finished:
                    spec = pending.pop(fut)
                    if _broke(fut):
                        broken.append(spec)
                        continue
                    try:
                        record, frame = fut.result()
                    except Exception:  # lost on the way (a Dask worker died, ...): a failed run
                        record, frame = _lost(spec, traceback.format_exc()), None
                    if spec is alone:
                        alone = None
                    idle_deaths = 0
                    keep(spec, record, frame)
                if broken:
                    if not isinstance(pool, WorkerPool):  # not ours to restart
                        for spec in broken:
                            keep(spec, _lost(spec, "worker process died"), None)
                        continue
                    note = pool.restart()
                    if alone is not None and broken == [alone]:
                        # it killed a worker while running on its own: it is the culprit
                        error = (
                            f"worker process died ({note}) while this run was running alone "
                            "(out of memory? a crash in compiled code?)"
                        )
                        keep(alone, _lost(alone, error), None)
                        alone = None
                    else:  # one of them killed the worker; re-run each alone to find which
                        suspects.extend(sorted(broken, key=lambda r: r.run_id))
                if time.monotonic() - last_refresh > REFRESH_SECONDS:
                    store.write_runs_table(runs)
                    if not inline:
                        window = max(1, in_flight * _capacity(pool))  # a Dask cluster may grow
                    last_refresh = time.monotonic()
    except KeyboardInterrupt:
        for fut in pending:
            fut.cancel()
        raise
    finally:
        bar.close()
        if pool is not executor:
            pool.shutdown(wait=True)  # replacements of an adopted pool
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
        "code_hash": "",  # never ran
    }
