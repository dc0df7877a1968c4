"""2. Sharing decisions: an evolutionary game among providers (DESIGN §2.2, §5).

Each provider holds a stance, open or guarded. For every dyad it provides, an open agency
shares when the link's net gain is positive:

    gain = value x trust                  (part of it only if the partner is open: reciprocity;
                                           partners across levels never reciprocate)
         + rating credit                  (好差评: good service credited to providers)
         + evaluation reward              (positive incentive, seed 000 §3.3)
         + expected penalty + leadership pressure avoided by sharing (seed 000 §3.1)
         - link cost                       (point-to-point; across levels dearer; on a data
                                            platform the fixed cost is paid once per agency)
         - liability risk                  (lower with a traceable ledger)

A guarded agency shares nothing. Being open costs a fixed exposure each month (loss of
departmental discretion, cataloguing — seed 000 §2.3). Each month some agencies revise their
stance by a noisy best response to the payoffs they see (logit dynamics, Blume 1993; the
stochastic form of the evolutionary games of Dong, Liu & Mi 2023 and Li et al. 2025).
Sharing is a coordination game: reciprocity makes openness pay when partners are open, so
a government can rest in a silo equilibrium until a reform tips it. Trust on a dyad grows while it is served and
drifts back toward where the tie began otherwise (CTG Albany trust models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..model import GovModel
    from .demand import Outcome


def link_gain(model: GovModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Net gain of sharing on each dyad, its money cost, and the cost of refusing it."""
    s, st, r, a = model.structure, model.state, model.rules, model.spec.agents
    prov = model.dyad_provider
    g_prov = s.agency_gov[prov]
    g_req = s.agency_gov[s.d_req]
    same_gov = g_prov == g_req

    p2p = a.sharing_cost * np.where(same_gov, 1.0 - r.brokerage[g_req], a.vertical_cost_factor)
    plat = model.platform_of_gov
    on_platform = model.on_data_layer[prov] & model.on_data_layer[s.d_req] & (plat[g_prov] == plat[g_req])
    n_provided = np.bincount(prov, minlength=s.n_agencies)
    via_platform = model.platform_connection_cost / np.maximum(1, n_provided[prov])
    money = np.where(on_platform, via_platform, p2p) * r.link_cost_factor + r.ledger_cost

    # part of a trusted tie's value comes back only if the partner reciprocates (is open)
    reciprocated = a.reciprocity * (st.open[s.d_req] & same_gov)
    benefit = a.data_value * model.trust * (1 - a.reciprocity + reciprocated)
    if r.rating_credit:
        benefit = benefit + r.rating_credit * s.d_weight / s.d_weight.mean()
    refusal = r.penalty * r.audit_probability + r.pressure[g_prov]
    gain = benefit - money - a.liability_risk * r.liability_factor + r.reward + refusal
    return gain, money, refusal


def decide(model: GovModel, outcome: Outcome) -> None:
    s, st, a = model.structure, model.state, model.spec.agents
    rng = model.rng
    N = s.n_agencies
    prov = model.dyad_provider

    gain, money, refusal = link_gain(model)
    positive = np.where(outcome.capable, np.maximum(gain, 0.0), 0.0)
    sum_positive = np.bincount(prov, weights=positive, minlength=N)
    sum_refusal = np.bincount(prov, weights=refusal, minlength=N)
    # open: share every link that pays, bear the exposure; guarded: bear every refusal cost
    payoff_open = sum_positive - sum_refusal - a.exposure_cost
    payoff_guarded = -sum_refusal
    model.provider_payoff = np.where(st.open, payoff_open, payoff_guarded)

    # logit revision: a revising agency turns open with probability σ(Δ / noise)
    u = rng.random((2, N))
    revise = u[0] < a.revision_rate
    z = np.clip((payoff_open - payoff_guarded) / a.choice_noise, -50, 50)
    st.open = np.where(revise, u[1] < 1.0 / (1.0 + np.exp(-z)), st.open)

    # trust on ties: built by sharing, eroded without it
    t, floor = model.trust, model.trust_floor
    model.trust = np.where(outcome.served, t + a.trust_gain * (1 - t), t - a.trust_decay * (t - floor))

    set_links(model, outcome, gain, money)


def set_links(
    model: GovModel, outcome: Outcome, gain: np.ndarray | None = None, money: np.ndarray | None = None
) -> None:
    """Share edges for the coming month: open providers share where it pays and is possible.
    Also run once at set-up, so that month 0 shows the sharing already in place."""
    if gain is None or money is None:
        gain, money, _ = link_gain(model)
    shared = model.state.open[model.dyad_provider] & (gain > 0) & outcome.capable
    model.shared = shared
    model.spend["sharing"] += float(money[shared].sum())
