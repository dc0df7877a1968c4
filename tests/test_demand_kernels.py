"""Service kernels' arguments (issue 15, eighth pass): the packed fixed service arrays name the same values,
`data_capable` answers only the agencies asked as the whole-population kernel does, and the month's spending
ledger is a fresh one."""

import numpy as np
import pytest

from sim import GovModel
from sim.model import SPENDING
from sim.processes import demand
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
    want = demand.pack_services(want)  # and as `pack_services` packs them, array for array
    assert all(
        a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(demand.service_view(model), want, strict=True)
    )


@pytest.mark.parametrize("field", ["link_inst", "d_req", "inst_gov"])
def test_services_out_of_order_are_refused_as_services_of_refuses_them(field):
    """`packed_services` finds what `services_of` checks (links grouped by instance, a government's dyads and
    instances contiguous) and the view then raises `services_of`'s error."""
    m = GovModel("baseline", rng=2, **{"government.sizes": [1, 3, 6]})
    values = getattr(m.structure, field)
    setattr(m.structure, field, np.roll(values, len(values) // 2))
    with pytest.raises(ValueError, match="demand: "):
        demand.services_of(m.structure)
    m.__dict__.pop("_service_view", None)
    with pytest.raises(ValueError, match="demand: "):
        demand.service_view(m)


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


@pytest.mark.parametrize(
    ("scenario", "sizes"), [("baseline", [1, 3, 6]), ("reform_all", [1, 4, 9]), ("guangdong", [1, 2, 5])]
)
def test_fixed_providers_compiled_are_the_numpy_codes(scenario, sizes):
    """`fixed_providers` (vertical lines' dyads included) against `_fixed_providers_numpy`, array for array."""
    s = GovModel(scenario, rng=3, **{"government.sizes": sizes}).structure
    got, want = demand._fixed_providers(s), demand._fixed_providers_numpy(s)
    for g, w in zip((*got[0], *got[1]), (*want[0], *want[1]), strict=True):
        assert g.dtype == w.dtype and np.array_equal(g, w)
    assert s.d_vertical.any() and not s.d_vertical.all()  # both kinds of dyad were there
