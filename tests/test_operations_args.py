"""Operations' arguments made once per model (`operations.Ops`, a numba structref holding the
model's arrays) and the switches that only pay (`operations._switches_pay_only`).

`Ops` is only right while every array it holds is the one the model holds: an array replaced
on the model (not written in place) would leave the compiled calls reading a stale copy. These
tests run the presets and every reform past their start and check, at the end, that each of
`Ops`' arrays is still the model's own (the same buffer), and that a copy of a model goes on
exactly as the model does, with its own `Ops`."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from numba import njit

from sim import GovModel
from sim.contracts import after_switches
from sim.processes import operations
from sim.scenario import preset_names
from tests.reforms.conftest import TINY


def _fields_getter():
    """A compiled getter of `Ops`' fields, in `OPS_PATHS`' order (test-only: not cached)."""
    names = tuple(operations.OPS_PATHS)
    source = "def held(ops):\n    return (" + "".join(f"ops.{n}, " for n in names) + ")\n"
    space: dict = {}
    exec(source, space)
    return njit(space["held"])


HELD = _fields_getter()


def _same_buffer(a: np.ndarray, b: np.ndarray) -> bool:
    where = a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    return where and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype


def assert_ops_are_the_models(model: GovModel) -> None:
    held = HELD(operations.ops_of(model))
    for name, mine, models in zip(operations.OPS_PATHS, held, operations.OPS_SOURCE(model), strict=True):
        if isinstance(models, np.ndarray):
            assert _same_buffer(mine, models), f"Ops.{name} is no longer the model's {operations.OPS_PATHS[name]}"
        else:
            assert mine == models, name


def _every_reform() -> dict:
    from sim.reforms import REGISTRY

    return {f"reforms.{key}.enabled": True for key in REGISTRY}


@pytest.mark.parametrize("preset", preset_names())
def test_ops_holds_the_model_s_own_arrays_after_a_run_of_each_preset(preset):
    """Each preset's rules and reforms on the tiny government (its reforms' levels renamed to the tiny tree's)."""
    m = GovModel(preset, rng=1, **TINY)
    m.run_for(36)
    assert_ops_are_the_models(m)


def test_ops_holds_the_model_s_own_arrays_with_every_reform_on_past_its_start():
    m = GovModel("baseline", rng=2, **TINY, **_every_reform())
    m.run_for(m.horizon)
    assert all(r.active for r in m.reforms)
    assert_ops_are_the_models(m)


def test_a_copy_of_a_model_goes_on_as_the_model_with_its_own_ops():
    """A deep copy drops `Ops` (made again from the copy's own arrays), as a pickle does
    (a model itself does not pickle: its spec's class is made at run time)."""
    m = GovModel("baseline", rng=3, **TINY, **_every_reform())
    m.run_for(20)
    assert pickle.loads(pickle.dumps(operations.ops_of(m))) is None
    copied = copy.deepcopy(m)
    assert getattr(copied, "ops_args", None) is None
    for x in (m, copied):
        x.run_for(20)
    assert operations.ops_of(copied) is not operations.ops_of(m)
    assert_ops_are_the_models(copied)
    assert not np.shares_memory(copied.state.own, m.state.own)
    assert m.datacollector.get_model_vars_dataframe().equals(copied.datacollector.get_model_vars_dataframe())


def _switching(seed: int) -> tuple[GovModel, np.ndarray, np.ndarray]:
    m = GovModel("baseline", rng=seed, **TINY)
    m.run_for(3)
    movers = np.array([0, 5, 9], np.int64)
    return m, movers, np.array([1.5, 0.25, 3.0])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_switches_pay_only_where_after_switches_changes_nothing_but_build_spending(seed):
    """`_switches_pay_only` (operate then adds the exit costs itself and skips
    `contracts.after_switches`) against `after_switches` itself: with no rights bought and no
    technical-support institution in a mover's government it only charges the costs (no draw,
    no rights changed); with either it does more, and `_switches_pay_only` says so."""
    m, movers, cost = _switching(seed)
    gov = m.structure.agency_gov
    cases = {"none": (np.zeros(3, bool), None), "buy": (np.array([False, True, False]), None), "tsi": (None, 5)}
    for label, (buys, with_tsi) in cases.items():
        x = copy.deepcopy(m)
        buys = np.zeros(3, bool) if buys is None else buys
        if with_tsi is not None:  # the institution of the second mover's government, able to write the terms
            x.tech_support.staff = np.zeros(x.structure.n_gov)
            x.tech_support.staff[gov[with_tsi]] = 4.0
            x.tech_support.skill = np.full(x.structure.n_gov, 0.9)
        quiet = operations._switches_pay_only(gov, x.tech_support.staff, movers, buys)
        state, rights, build = x.rng.bit_generator.state, x.state.rights.copy(), x.spend["build"]
        after_switches(x, movers, cost, buys)
        unchanged = x.rng.bit_generator.state == state and np.array_equal(x.state.rights, rights)
        assert x.spend["build"] == build + float(cost.sum())
        assert quiet == (label == "none"), label
        if quiet:
            assert unchanged
        assert quiet or label != "none"
    assert operations._switches_pay_only(gov, np.zeros(m.structure.n_gov), movers[:0], np.zeros(0, bool))
