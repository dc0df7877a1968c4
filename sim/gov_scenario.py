"""`GovScenario`: a loaded scenario as a Mesa `Scenario` (this module loads Mesa).

Seeds follow Mesa: `rng=None` asks for fresh entropy (as `mesa.batch_run` does for each of
its `iterations`), so repeated runs differ; the seed actually drawn is written into the
spec (`simulation.seed`), and so into every resolved scenario and result, where it
reproduces the run. `rng=<int>` runs that seed. `scenario_seed=True` (the command line,
the viz page) runs the scenario file's own `simulation.seed` when no seed is given.
"""

from __future__ import annotations

import numbers
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario
from pydantic import BaseModel

from .scenario import PYTHON_SOURCE, ScenarioError, shared_spec, spec_with

SEED_BITS = 63  # a fresh seed fits a TOML integer (signed 64-bit), so the resolved file can hold it


def fresh_seed() -> int:
    """A seed from the operating system's entropy (Mesa's `rng=None`)."""
    return secrets.randbits(SEED_BITS)


def _as_seed(rng: Any) -> Any:
    """An integer seed from an int or the text of one (a seed typed into a text box)."""
    if type(rng) is int:  # the usual case, without the abstract class's slower check
        return rng
    if isinstance(rng, str):
        try:
            return int(rng)
        except ValueError:
            raise ScenarioError(f"seed = {rng!r}: expected a non-negative integer") from None
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return int(rng)
    return rng


class GovScenario(Scenario):
    """A loaded scenario as a Mesa `Scenario`: `preset` names it, `spec` holds every
    validated parameter, `overrides` what was changed on top. Constructible with no
    arguments (the baseline, with a fresh seed), as SolaraViz does on Reset."""

    preset: str = "baseline"

    def __init__(
        self,
        *,
        rng=None,
        preset: str | Path = "baseline",
        overrides: Mapping[str, Any] | None = None,
        spec=None,
        sources: Mapping[str, str] | None = None,
        scenario_seed: bool = False,
        **kwargs,
    ) -> None:
        overrides = dict(overrides or {})
        source = str(preset)
        rng = _as_seed(rng)
        given = dict(overrides)
        sources = dict(sources or {})
        seed_set = any(k.replace("__", ".") == "simulation.seed" for k in given if isinstance(k, str))
        if rng is None and not seed_set and not scenario_seed:
            rng = fresh_seed()
            sources.setdefault("simulation.seed", "rng")
        # an integer seed is a scenario key like any other: validated, and written to the
        # resolved scenario so that file reproduces the run
        if isinstance(rng, int):
            given["simulation.seed"] = rng
            sources.setdefault("simulation.seed", "rng")
        # validated once per process for each scenario and overrides (a sweep's runs differ
        # only in their seed, set on a copy): sim/scenario.py `shared_spec`
        if spec is None:
            spec, path = shared_spec(preset, given, sources, default=PYTHON_SOURCE)
            source = str(path)
        elif given:
            spec = spec_with(spec, given, sources, PYTHON_SOURCE, source)
        if rng is None:
            rng = spec.simulation.seed
        super().__init__(rng=rng, preset=str(preset), **kwargs)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "source", source)

    @classmethod
    def coerce(
        cls, scenario, *, rng=None, overrides=None, steps=None, sources=None, scenario_seed: bool = False
    ) -> GovScenario:
        """A GovScenario from a preset name, path, spec or GovScenario; `sources` labels where
        keys came from in errors (e.g. {"simulation.seed": "--seed"} for a CLI flag). A
        GovScenario given without a seed keeps its own (fixed when it was made)."""
        overrides = dict(overrides or {})
        sources = dict(sources or {})
        if rng is not None:
            sources.setdefault("simulation.seed", "rng")
        if steps is not None:
            overrides["simulation.steps"] = steps
            sources.setdefault("simulation.steps", "steps")
        if isinstance(scenario, GovScenario):
            if not overrides and (rng is None or rng == scenario.rng):
                return scenario
            new = cls(
                rng=rng if rng is not None else scenario.rng,
                preset=scenario.preset,
                spec=scenario.spec,
                overrides=overrides,
                sources=sources,
            )
            object.__setattr__(new, "overrides", {**scenario.overrides, **overrides})
            return new
        if isinstance(scenario, BaseModel):
            return cls(
                rng=rng,
                spec=scenario,
                overrides=overrides,
                preset=scenario.meta.name,
                sources=sources,
                scenario_seed=scenario_seed,
            )
        return cls(rng=rng, preset=scenario, overrides=overrides, sources=sources, scenario_seed=scenario_seed)

    @property
    def name(self) -> str:
        return self.spec.meta.name
