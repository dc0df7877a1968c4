"""govsim: agent-based simulation of digital-government IT reform on Mesa.

from sim import GovModel, run_scenario
"""

from .measures import MEASURES
from .model import GovModel
from .scenario import GovScenario, ScenarioError, list_presets, load_spec

__version__ = "0.1.0"

__all__ = ["MEASURES", "GovModel", "GovScenario", "ScenarioError", "list_presets", "load_spec", "run_scenario"]


def run_scenario(scenario="baseline", seed: int | None = None, steps: int | None = None, **overrides):
    """Run one scenario and return its final measures (see `sim.api`)."""
    from .api import run_scenario as _run

    return _run(scenario, seed=seed, steps=steps, **overrides)
