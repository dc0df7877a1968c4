"""Batch sweeps: experiment files, designs, parallel and resumable runs, sensitivity analysis.

from sim.runner import load_experiment, build_design, executor_for, run_design, ResultStore

Loaded lazily: `sim.runner.cli` registers its commands without importing scipy or pandas.
"""

_LAZY = {
    "RunSpec": "sim.runner.design",
    "build_design": "sim.runner.design",
    "design_fingerprint": "sim.runner.design",
    "replication_seed": "sim.runner.design",
    "Experiment": "sim.runner.experiment",
    "load_experiment": "sim.runner.experiment",
    "InlineExecutor": "sim.runner.run",
    "WorkerPool": "sim.runner.run",
    "executor_for": "sim.runner.run",
    "run_design": "sim.runner.run",
    "ResultStore": "sim.runner.store",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.runner' has no attribute {name!r}")
