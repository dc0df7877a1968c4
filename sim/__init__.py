"""govsim: agent-based simulation of digital-government IT reform on Mesa.

from sim import GovModel, run_scenario
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

from .measures import MEASURES  # noqa: E402 (after the thread settings)
from .model import GovModel  # noqa: E402
from .scenario import GovScenario, ScenarioError, list_presets, load_spec  # noqa: E402

__version__ = "0.1.4"  # follows the rules changelog, docs/ODD.md §8

__all__ = ["MEASURES", "GovModel", "GovScenario", "ScenarioError", "list_presets", "load_spec", "run_scenario"]


def run_scenario(scenario="baseline", seed: int | None = None, steps: int | None = None, **overrides):
    """Run one scenario and return its final measures (see `sim.api`)."""
    from .api import run_scenario as _run

    return _run(scenario, seed=seed, steps=steps, **overrides)
