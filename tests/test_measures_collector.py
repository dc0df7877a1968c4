"""The measures' collector (`sim.measures.MeasureCollector`) keeps each month as the tuple the
kernel returned and copies the months into Mesa's lists (`model_vars`) when they are read. What
a plausible bug would break: a month lost or doubled when `model_vars` is read between months, a
month's row taken from a stale tuple when `model.measures` was set some other way, the pending
months lost by pickling (checkpoints, workers), a collector pickled before the rows existed, and
the spending total's shortcut (`PAID`) drifting from the model's spending keys."""

from __future__ import annotations

import copy
import pickle

import mesa

from sim import GovModel
from sim.catalogue import MEASURES
from sim.measures import KEYS, PAID, MeasureCollector, _python_figures, read_measure

SMALL = {"government.sizes": [1, 2, 4]}


def _mesa_table(m: GovModel, months: int):
    """What Mesa's own DataCollector records of the same reporters, month by month."""
    from functools import partial

    plain = mesa.DataCollector(model_reporters={name: partial(read_measure, name=name) for name in MEASURES})
    plain.collect(m)
    for _ in range(months):
        m.step()
        plain.collect(m)
    return plain.get_model_vars_dataframe()


def test_reading_model_vars_between_months_loses_and_doubles_nothing():
    m = GovModel("reform_all", rng=4, **SMALL)
    plain = _mesa_table(m, 2)  # steps m twice
    seen = {k: list(v) for k, v in m.datacollector.model_vars.items()}  # read mid-run: copies the 3 months in
    assert list(seen) == list(MEASURES) and all(len(v) == 3 for v in seen.values())
    assert all(seen[k] == plain[k].tolist() for k in MEASURES if plain[k].notna().all())
    m.step()
    m.step()
    vars_ = m.datacollector.model_vars
    assert all(len(v) == 5 for v in vars_.values())
    assert all(vars_[k][:3] == seen[k] for k in MEASURES if plain[k].notna().all())
    assert [vars_[k][-1] for k in MEASURES if m.measures[k] == m.measures[k]] == [
        m.measures[k] for k in MEASURES if m.measures[k] == m.measures[k]
    ]
    assert m.datacollector._collection_steps == [0, 1, 2, 3, 4]


def test_a_month_whose_measures_were_set_otherwise_is_read_from_them():
    m = GovModel("baseline", rng=1, **SMALL)
    m.step()
    m.measures = {k: float(i) for i, k in enumerate(reversed(KEYS))}  # not the dict compute_measures made
    m.datacollector.collect(m)
    vars_ = m.datacollector.model_vars
    assert [vars_[k][-1] for k in KEYS] == [float(i) for i in reversed(range(len(KEYS)))]
    assert len(vars_["silo_index"]) == 3


def test_copied_or_pickled_collector_keeps_its_pending_months_and_continues():
    m = GovModel("guangdong", rng=2, **SMALL)
    m.run_for(2)
    assert m.datacollector._rows  # months kept as rows, not yet copied
    pickled = pickle.loads(pickle.dumps(m.datacollector))
    back = copy.deepcopy(m)
    m.run_for(2)
    back.run_for(2)
    a, b = m.datacollector.get_model_vars_dataframe(), back.datacollector.get_model_vars_dataframe()
    assert len(a) == 5 and a.equals(b)
    assert pickled.get_model_vars_dataframe().equals(a.iloc[:3])


def test_a_collector_pickled_before_rows_existed_loads():
    c = MeasureCollector()
    state = dict(c.__dict__)
    state["model_vars"] = {name: [1.0, 2.0] for name in MEASURES}  # the old layout: Mesa's lists in the dict
    del state["_model_vars"], state["_rows"]
    old = MeasureCollector.__new__(MeasureCollector)
    old.__setstate__(state)
    assert old.model_vars["silo_index"] == [1.0, 2.0] and old._rows == []


def test_spending_total_shortcut_reads_every_paid_key_in_the_models_order():
    from sim.model import SPENDING

    assert tuple(k for k in SPENDING if not k.startswith("duplicated")) == PAID
    m = GovModel("baseline", rng=3, **SMALL)
    m.step()
    m.spend = {k: 0.1 * (i + 1) ** 1.5 for i, k in enumerate(SPENDING)}
    expected = float(sum([v for k, v in m.spend.items() if not k.startswith("duplicated")]))
    assert _python_figures(m)[2][0] == expected
    m.spend["extra"] = 7.0  # a key beyond the model's: the general sum reads it too
    assert _python_figures(m)[2][0] == float(sum([v for k, v in m.spend.items() if not k.startswith("duplicated")]))
    assert _python_figures(m)[2][0] != expected


def test_a_measure_edited_in_place_after_measuring_is_what_is_collected():
    """The collector copies `model.measures` as it stands at collection, not the kernel's tuple:
    a hook that edits the month's dict before it is collected is not silently ignored."""
    m = GovModel("baseline", rng=3, **SMALL)
    m.run_for(1)
    m.measures["silo_index"] = -1.0  # after compute_measures, before a collection
    m.datacollector.collect(m)
    assert m.datacollector.model_vars["silo_index"][-1] == -1.0
