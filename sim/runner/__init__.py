"""Batch sweeps: experiment files, designs, parallel and resumable runs, sensitivity analysis.

from sim.runner import load_experiment, build_design, executor_for, run_design, ResultStore
"""

from .design import RunSpec, build_design, design_fingerprint, replication_seed
from .experiment import Experiment, load_experiment
from .run import InlineExecutor, WorkerPool, executor_for, run_design
from .store import ResultStore

__all__ = [
    "Experiment",
    "InlineExecutor",
    "ResultStore",
    "RunSpec",
    "WorkerPool",
    "build_design",
    "design_fingerprint",
    "executor_for",
    "load_experiment",
    "replication_seed",
    "run_design",
]
