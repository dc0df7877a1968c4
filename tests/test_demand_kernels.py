"""Service and sharing kernels' arguments (issue 15, eighth pass): the packed fixed arrays name the same values,
a pack is made again when an array it holds is replaced, and `data_capable` answers only the agencies asked,
as the whole-population kernel does."""

import numpy as np
import pytest

from sim import GovModel
from sim.model import SPENDING
from sim.processes import demand, sharing
from sim.state import DATA, NO_BITS, Systems


@pytest.fixture(scope="module")
def model() -> GovModel:
    m = GovModel("reform_all", rng=4, **{"government.sizes": [1, 3, 6]})
    m.run_for(14)
    return m


def test_packed_services_are_the_services_field_by_field(model):
    """`unpack_services(pack_services(x))` gives `x`'s every field with its values and dtype (an offset off by one
    would shift a field into its neighbour's values)."""
    want = demand.services_of(model.structure)
    got = demand.unpack_services(demand.service_view(model))
    for field in want._fields:
        a, b = np.asarray(getattr(want, field)), np.asarray(getattr(got, field))
        assert a.dtype == b.dtype and np.array_equal(a, b), field
    assert demand.service_view(model) is demand.service_view(model)  # made once per model


def test_packed_ties_are_the_models_arrays_and_follow_a_replaced_one():
    m = GovModel("baseline", rng=3, **{"government.sizes": [1, 2, 3]})
    m.run_for(2)
    sources = {
        "provider": m.dyad_provider,
        "n_provided": m.links_provided,
        "requester": m.structure.d_req,
        "provider_gov": m.dyad_prov_gov,
        "requester_gov": m.dyad_req_gov,
        "weight": m.structure.d_weight,
        "trust_floor": m.trust_floor,
        "value": m.tie_value,
        "cost": m.tie_cost,
    }
    ties = sharing.unpack_ties(sharing.ties_view(m))
    for field, want in sources.items():
        assert np.array_equal(getattr(ties, field), want), field
    assert (
        ties.trust is not None and np.array_equal(ties.trust, m.trust) and ties.mean_weight == m.structure.d_mean_weight
    )
    pack = sharing.ties_view(m)
    assert all(a is b for a, b in zip(pack[:2], sharing.ties_view(m)[:2], strict=True))  # kept while unchanged
    assert sharing.ties_view(m)[3] is m.trust  # trust is the model's own array, written by the decision
    m.tie_value = m.tie_value * 3  # replaced, not written in place: the pack is made again
    assert np.array_equal(sharing.unpack_ties(sharing.ties_view(m)).value, m.tie_value)
    m.dyad_provider = m.dyad_provider[::-1].copy()
    assert np.array_equal(sharing.unpack_ties(sharing.ties_view(m)).provider, m.dyad_provider)


@pytest.mark.parametrize("pairwise", [False, True], ids=["by-bits", "pair-by-pair"])
def test_data_capable_of_the_asked_is_the_whole_populations_answer(model, pairwise):
    """`asked_data` for some agencies (repeated, unordered) against `_data_and_apps`' first answer for all."""
    s, st = model.structure, model.state
    bits = NO_BITS if pairwise else model.line_bits
    systems = Systems(st.own, st.reuse, model.kind_reach(), s.n_lines, s.substitutes, bits)
    asked = np.random.default_rng(1).integers(0, s.n_agencies, 3 * s.n_agencies)
    on_layer = model.platforms.reach[:, 1]
    has_data, _ = demand._data_and_apps(systems, on_layer)
    assert np.array_equal(demand.asked_data(systems, on_layer, asked), has_data[asked])
    assert np.array_equal(demand.data_capable(model, asked), has_data[asked])
    assert len(demand.data_capable(model, asked[:0])) == 0
    off_layer = np.zeros_like(on_layer)  # no platform's data layer: the shared systems decide
    has_data, _ = demand._data_and_apps(systems, off_layer)
    assert np.array_equal(demand.asked_data(systems, off_layer, asked), has_data[asked])
    assert (has_data & ~st.own[:, DATA]).any() and not has_data.all()  # the test decides something


def test_spend_is_a_fresh_zeroed_ledger_each_month():
    m = GovModel("baseline", rng=1, **{"government.sizes": [1, 2, 3]})
    m.spend["build"] += 5.0
    m._reset_spend()
    assert m.spend == dict.fromkeys(SPENDING, 0.0) and list(m.spend) == list(SPENDING)
    m.step()
    first, kept = m.spend, dict(m.spend)
    m.step()
    assert m.spend is not first and first == kept  # a month's ledger, kept by a caller, is not reset under it
    m._reset_spend()
    m.spend["build"] = 9.0
    m._reset_spend()
    assert m.spend["build"] == 0.0
