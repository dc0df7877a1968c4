"""The package-versus-government decomposition recovers effects planted in synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.report.decompose import Factorial, cube, decompose, decompose_results, factorial


def _planted(noise: float, seeds: int = 30, interaction: float = 0.0):
    """y = seed level + package effect + structure effect (+ an interaction in one cell) + noise."""
    rng = np.random.default_rng(1)
    a = np.array([-1.0, 0.0, 1.0])  # packages
    b = np.array([2.0, -2.0])  # structures
    g = np.zeros((3, 2))
    g[0, 0], g[0, 1] = interaction, -interaction
    g[1, 0], g[1, 1] = -interaction, interaction
    level = rng.normal(10, 3, seeds)  # large and shared by every cell of a seed: the pairing removes it
    y = level[None, None, :] + a[:, None, None] + b[None, :, None] + g[:, :, None]
    return y + rng.normal(0, noise, y.shape), a, b, g


FAC = Factorial(["p1", "p2", "p3"], ["s1", "s2"])


def test_recovers_main_effects_with_intervals_that_cover_them():
    y, a, b, _ = _planted(noise=0.2)
    dec = decompose(y, FAC)
    for i, p in enumerate(FAC.packages):
        e = dec.package[p]
        assert e.lo <= a[i] <= e.hi and abs(e.mean - a[i]) < 0.1
    for j, s in enumerate(FAC.structures):
        e = dec.structure[s]
        assert e.lo <= b[j] <= e.hi and abs(e.mean - b[j]) < 0.1
    # planted sums of squares: package 2 * (1 + 0 + 1) = 4, structure 3 * (4 + 4) = 24, no interaction
    assert dec.share["structure"].mean == pytest.approx(24 / 28, abs=0.02)
    assert dec.share["package"].mean == pytest.approx(4 / 28, abs=0.02)
    assert dec.share["interaction"].hi < 0.02
    assert dec.share["package"].lo <= 4 / 28 <= dec.share["package"].hi


def test_seed_levels_cancel_by_pairing():
    y, _, _, _ = _planted(noise=0.0)
    dec = decompose(y, FAC)
    assert dec.package["p3"].mean == pytest.approx(1.0) and dec.package["p3"].hi - dec.package["p3"].lo < 1e-9


def test_recovers_an_interaction():
    y, _, _, _ = _planted(noise=0.1, interaction=1.5)
    dec = decompose(y, FAC)
    assert dec.interaction[("p1", "s1")].mean == pytest.approx(1.5, abs=0.1)
    assert dec.interaction[("p3", "s2")].lo <= 0 <= dec.interaction[("p3", "s2")].hi
    assert dec.share["interaction"].lo > 0.1


def test_factorial_and_cube_from_results_pair_by_replication():
    names = ["baseline", "A@x", "B@x", "A@y", "B@y", "C@x"]
    fac = factorial(names)
    assert fac.packages == ["A", "B"] and fac.structures == ["x", "y"]  # C ran on x only
    assert factorial(["A@x", "B@x"]) is None  # one government: nothing to separate
    rows = []
    for k in range(5):
        for sc in names[1:]:
            package, structure = sc.split("@")
            value = {"A": 1.0, "B": 3.0, "C": 9.0}[package] + {"x": 0.0, "y": 10.0}[structure] + k
            if not (sc == "B@y" and k == 4):  # a failed run: seed 4 drops out of every cell
                rows.append({"scenario": sc, "replication": k, "m": value})
    final = pd.DataFrame(rows)
    y = cube(final, fac, "m", ["replication"])
    assert y.shape == (2, 2, 4)
    fac2, decs = decompose_results(final, names, ["m"], ["replication"])
    assert fac2 == fac
    assert decs["m"].package["B"].mean == pytest.approx(1.0) and decs["m"].structure["y"].mean == pytest.approx(5.0)
