"""The fused sharing decision (`sharing._decide`: link gains and trust, stance revision, links) against the
month's rule restated step by step in numpy, on model states with platforms, one-stop windows and reflux.

A fused kernel that revises stances before the gains are read, opens links under last month's stances, reads
the window of the provider's government instead of the requester's, or drops the trust update breaks it."""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import pytest

from sim import GovModel
from sim.processes import demand, sharing

STATES = [("guangdong", 5, 30), ("reform_one_window", 3, 20), ("reform_data_reflux", 11, 30)]


@pytest.fixture(scope="module", params=STATES, ids=[f"{n}-{s}-{k}" for n, s, k in STATES])
def model(request) -> GovModel:
    name, seed, months = request.param
    m = GovModel(name, rng=seed)
    m.run_for(months)
    return m


def _decide_by_arrays(m: GovModel, u: np.ndarray) -> dict[str, np.ndarray | float]:
    """The decision as separate steps: gains on the current stances, logit revision, then links."""
    a, out = m.spec.agents, m.outcome
    gain, money, sum_positive, sum_refusal, trust = sharing.link_gain(m, out, update_trust=True)
    payoff_open = sum_positive - sum_refusal - a.exposure_cost
    z = np.clip((payoff_open + sum_refusal) / a.choice_noise, -50.0, 50.0)
    revises = u < a.revision_rate
    now_open = np.where(revises, u / a.revision_rate < 1.0 / (1.0 + np.exp(-z)), m.state.open)
    prov = m.dyad_provider
    shares = now_open[prov] & (gain > 0)
    window = demand.data_capable(m, prov) & (m.rules.window_capacity[m.dyad_req_gov] > 0)
    shared, to_window = shares & out.capable, shares & ~out.capable & window
    return {
        "trust": trust,
        "payoff": np.where(m.state.open, payoff_open, -sum_refusal),
        "open": now_open,
        "shared": shared,
        "window_links": to_window,
        "cost": float(((shared | to_window) * money).sum()),
    }


def test_fused_decision_is_the_steps_in_order(model):
    m = copy.deepcopy(model)
    u = copy.deepcopy(m.rng).random(m.structure.n_agencies)  # the draw `decide` makes
    expect = _decide_by_arrays(m, u)
    before = m.spend["sharing"]
    sharing.decide(m, m.outcome)
    assert np.allclose(m.trust, expect["trust"], rtol=0, atol=1e-15)
    assert np.allclose(m.provider_payoff, expect["payoff"], rtol=0, atol=1e-12)
    assert np.array_equal(m.state.open, expect["open"])
    assert np.array_equal(m.shared, expect["shared"]) and np.array_equal(m.window_links, expect["window_links"])
    assert m.spend["sharing"] - before == pytest.approx(expect["cost"], rel=1e-12, abs=1e-12)
    assert expect["shared"].any()  # the state decides something


def test_the_states_open_links_to_windows():
    m = GovModel("reform_one_window", rng=3)
    m.run_for(20)
    u = copy.deepcopy(m.rng).random(m.structure.n_agencies)
    assert _decide_by_arrays(m, u)["window_links"].any()  # so the window branch above is exercised


def test_a_view_names_every_field_once_in_the_fields_order():
    from sim.views import view

    class Pair(NamedTuple):
        first: int
        second: int

    class Holder:
        a, b = 1, 2

    assert view(Pair, second="b", first="a")(Holder()) == (1, 2)  # the fields' order, whatever the keywords'
    with pytest.raises(TypeError, match="fields are"):
        view(Pair, first="a")
    with pytest.raises(TypeError, match="fields are"):
        view(Pair, first="a", second="b", third="a")


def test_a_view_leaves_out_its_computed_last_fields():
    """`computed=1`: the getter reads every field but the last (the caller appends it), and a path
    for the left-out field is an error, as a missing path for a kept one is."""
    from sim.views import view

    class Triple(NamedTuple):
        first: int
        second: int
        last: int

    class Holder:
        a, b = 1, 2

    assert view(Triple, computed=1, first="a", second="b")(Holder()) == (1, 2)
    with pytest.raises(TypeError, match="fields are"):
        view(Triple, computed=1, first="a", second="b", last="a")
    with pytest.raises(TypeError, match="fields are"):
        view(Triple, computed=1, first="a")


def test_link_gains_and_costs_are_the_rule_in_numpy_bit_for_bit(model):
    """`link_gain`'s gain and money against the rule element by element in numpy (the same operations in the
    same order: equal bit for bit): the data-platform key, the unsigned reads and the trust loop of its own
    must change nothing. A platform key that matches governments off any platform, or the across-levels factor
    read within a government, breaks it."""
    from sim.state import DATA_LAYER

    m, a, r = model, model.spec.agents, model.rules
    gain, money, _, _, trust = sharing.link_gain(m, m.outcome, update_trust=True)
    prov, q, gp, gq = m.dyad_provider, m.structure.d_req, m.dyad_prov_gov, m.dyad_req_gov
    on, of = m.platforms.reach[:, DATA_LAYER], m.platforms.of_gov
    platform = on[gp] & on[gq] & (of[gp] == of[gq])
    same = gp == gq
    point = a.sharing_cost * m.tie_cost * np.where(same, 1.0 - r.brokerage[gq], a.vertical_cost_factor)
    cost = np.where(platform, m.platforms.connection_cost / np.maximum(1, m.links_provided[prov]), point)
    expect_money = cost * r.link_cost_factor + r.ledger_cost
    benefit = a.data_value * m.tie_value * m.trust * (1 - a.reciprocity + a.reciprocity * (m.state.open[q] & same))
    if r.rating_credit:
        benefit = benefit + r.rating_credit * m.structure.d_weight / m.structure.d_mean_weight
    refusal = r.penalty * r.audit_probability + r.pressure[gp]
    expect_gain = benefit - expect_money - a.liability_risk * r.liability_factor + r.reward + refusal
    assert np.array_equal(money, expect_money) and np.array_equal(gain, expect_gain)
    t, s = m.trust, (m.shared & m.outcome.capable) | m.window_links
    expect_trust = s * (t + a.trust_gain * (1 - t)) + (1 - s) * (t - a.trust_decay * (t - m.trust_floor))
    assert np.array_equal(trust, expect_trust)
    if model.platforms.connection_cost > 0 and on.any():
        assert platform.any() and (~platform).any()  # both costs are read
