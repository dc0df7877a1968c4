"""govsim: agent-based simulation of digital-government IT reform on Mesa.

from sim import GovModel, run_scenario

The package loads lazily: `import sim`, `sim.schema`, `sim.scenario` and the command line
load neither numba nor Mesa (about two seconds); `sim.GovModel` and `sim.MEASURES` import
the model on first use.
"""

import os

# One BLAS/OpenMP thread: the model's array operations are too small to gain from threads
# (a national run uses 1.9x the CPU for the same wall time with them), and in a sweep the
# threads only steal cores from the worker processes. Set before numpy loads; an explicit
# setting by the user wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# Arrow's allocator would start a background thread, and a process with threads cannot
# safely fork sweep workers (sim.runner.run): purge memory inline instead.
os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")

__version__ = "0.2.5"  # follows the rules changelog, docs/ODD.md §8

__all__ = ["MEASURES", "GovModel", "GovScenario", "ScenarioError", "list_presets", "load_spec", "run_scenario"]

# name -> module that defines it, imported on first access (PEP 562)
_LAZY = {
    "MEASURES": "sim.measures",
    "GovModel": "sim.model",
    "GovScenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "list_presets": "sim.scenario",
    "load_spec": "sim.scenario",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


def run_scenario(scenario="baseline", seed: int | None = None, steps: int | None = None, **overrides):
    """Run one scenario and return its final measures (see `sim.api`)."""
    from .api import run_scenario as _run

    return _run(scenario, seed=seed, steps=steps, **overrides)
