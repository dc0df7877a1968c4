"""Executors a sweep runs on: in this process, a pool of worker processes that survives a
worker's death, or a Dask cluster (local or remote).

    with executor_for(workers=2) as ex:          # or Dask: Client(...).get_executor()
        summary = run_design(runs, store, ex)     # or mpi4py.futures.MPIPoolExecutor()

Workers never outlive the sweep (the kernel or a watchdog ends them with their parent);
only the parent handles Ctrl-C and SIGTERM. Forked workers start with the model imported;
where forking is unsafe a fork server preloads it.
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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..scenario import ScenarioError

DASK_CONNECT_SECONDS = 10.0  # hard deadline: a wrong address fails after this, a silent server too


class InlineExecutor(cf.Executor):
    """Runs each task in this process when submitted: `--workers 1`, debuggers, tests."""

    def submit(self, fn, /, *args, **kwargs):
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # pragma: no cover - execute() catches model errors itself
            fut.set_exception(e)
        return fut


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

    def forks_from_here(self) -> bool:
        """Whether the workers are yet to be forked from this process (they then inherit
        what it has imported and loaded)."""
        return self._ctx.get_start_method() == "fork" and not getattr(self._pool, "_processes", None)

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
    ctx.set_forkserver_preload(["sim.runner.run", "sim.api"])  # these executors and the model
    return ctx


def _os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: count Python's own threads
        return threading.active_count()


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
