"""Shared fixtures: short runs cached per session so tests stay fast."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from sim.api import run_timeseries

SEEDS = tuple(range(1, 11))  # ten paired seeds: small true effects (a few points of openness) need them


@functools.cache
def _series(scenario: str, seed: int, steps: int, overrides: tuple) -> pd.DataFrame:
    return run_timeseries(scenario, seed=seed, steps=steps, **dict(overrides))


def series(scenario: str, seed: int = 1, steps: int = 60, **overrides) -> pd.DataFrame:
    """Timeseries of one run (cached: several tests read the same runs)."""
    return _series(scenario, seed, steps, tuple(sorted(overrides.items()))).copy()


def finals(scenario: str, seeds=SEEDS, steps: int = 60, **overrides) -> pd.DataFrame:
    """Final measures of one scenario over several seeds, one row per seed."""
    return pd.DataFrame([series(scenario, s, steps, **overrides).iloc[-1] for s in seeds])


@pytest.fixture
def tmp_scenario(tmp_path):
    def write(text: str, name: str = "custom.toml"):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return write
