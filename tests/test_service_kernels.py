"""Service and sharing kernels' hand-over (issue 15, seventh pass): what they write in place or pack."""

import numpy as np

from sim import GovModel
from sim.processes import demand, sharing


def test_provider_ends_packs_the_three_flags_bit_by_bit():
    rng = np.random.default_rng(5)
    has_data, library, opened = (rng.random(1000) < p for p in (0.5, 0.2, 0.3))
    ends = demand._provider_ends(has_data, library, opened)
    assert ends.dtype == np.uint8
    np.testing.assert_array_equal(ends, has_data * 1 + library * 2 + opened * 4)


def test_serve_rows_are_separate_contiguous_arrays_per_field():
    """The outcome's fields are rows of two arrays: each C-contiguous, of its own dtype, and the next serve's
    answer is new (an outcome kept from an earlier month does not change)."""
    m = GovModel("baseline", rng=2, **{"government.sizes": [1, 2, 3]})
    m.run_for(2)
    first = m.outcome
    kept = {f: getattr(first, f).copy() for f in ("served", "capable", "missing", "online", "rating", "trips")}
    for f in kept:
        assert getattr(first, f).flags.c_contiguous
    assert first.served.dtype == bool and first.missing.dtype == np.float64
    assert len(first.served) == m.structure.n_dyads and len(first.rating) == len(m.structure.inst_gov)
    m.state.own[:] = False  # the next answer differs ...
    again = demand.serve(m)
    assert not np.array_equal(again.served, kept["served"]) or not np.array_equal(again.online, kept["online"])
    for f, before in kept.items():  # ... and the earlier one stays as it was
        np.testing.assert_array_equal(getattr(first, f), before)


def test_decide_writes_into_the_models_arrays():
    """`sharing.decide` keeps the model's arrays (the same objects) and writes the month's answer into them."""
    m = GovModel("baseline", rng=2, **{"government.sizes": [1, 2, 3]})
    m.run_for(3)
    held = m.trust, m.provider_payoff, m.state.open, m.shared, m.window_links
    trust_before = m.trust.copy()
    sharing.decide(m, m.outcome)
    now = m.trust, m.provider_payoff, m.state.open, m.shared, m.window_links
    assert all(a is b for a, b in zip(held, now, strict=True))
    assert not np.array_equal(m.trust, trust_before)  # trust moved: written in place


def test_serve_cpu_prints_each_part_and_removes_its_wrappers(capsys):
    from benchmarks.serve_cpu import main as serve_cpu

    before = (demand.serve, demand._serve, sharing.decide, sharing._decide)
    serve_cpu(["baseline", "--sizes", "1", "2", "4", "--runs", "1"])
    out = capsys.readouterr().out
    assert all(f"{p}=" in out for p in ("serve", "_serve", "decide", "_decide", "loop", "step", "month"))
    assert (demand.serve, demand._serve, sharing.decide, sharing._decide) == before


def _providers_in_full(m: GovModel) -> tuple:
    """`GovModel`'s provider arrays recomputed over every dyad, as before the ninth pass (numpy)."""
    s = m.structure
    prov = np.where(s.d_vertical & ~m.state.refluxed[s.d_local], s.d_top, s.d_local)
    linked = np.zeros(s.n_agencies, bool)
    linked[s.d_req] = True
    linked[prov] = True
    prov_gov = s.agency_gov[prov]
    return (
        prov,
        prov.astype(demand.INDEX),
        np.bincount(prov, minlength=s.n_agencies),
        prov_gov,
        prov_gov != s.agency_gov[s.d_req],
        s.d_vertical & m.state.refluxed[s.d_local],
        linked,
    )


def test_providers_set_from_the_vertical_dyads_equal_the_full_recomputation_through_a_reflux_run():
    """`demand.providers` copies the fixed dyads' arrays and sets only the vertical lines': every array equals
    the whole recomputation (values and dtype) month after month, as copies are returned and go stale, and
    each change gives new arrays (an array kept from an earlier month does not change)."""
    m = GovModel("reform_data_reflux", rng=11, **{"reforms.data_reflux.refresh_compliance": 0.3})
    names = ("dyad_provider", "provider_index", "links_provided", "dyad_prov_gov", "dyad_cross", "dyad_local_copy")
    names += ("linked_agencies",)
    seen, stale = set(), False
    for _ in range(40):
        held = [getattr(m, n) for n in names]
        kept = [a.copy() for a in held]
        before = m.state.refluxed.copy()
        m.step()
        stale |= bool((before & ~m.state.refluxed).any())
        seen.add(int(m.state.refluxed.sum()))
        for n, want in zip(names, _providers_in_full(m), strict=True):
            got = getattr(m, n)
            assert got.dtype == want.dtype and got.flags.c_contiguous and got.flags.writeable, n
            np.testing.assert_array_equal(got, want, err_msg=n)
        for a, b in zip(held, kept, strict=True):
            np.testing.assert_array_equal(a, b)
    assert len(seen) > 3 and stale and (m.structure.d_vertical & ~m.dyad_local_copy).any()
