"""2. Sharing decisions: an evolutionary game among providers (DESIGN §2.2, §5).

Each provider holds a stance, open or guarded. For every dyad it provides, an open agency
shares when the link's net gain is positive:

    gain = value x trust                  (the tie's own value; part of it only if the partner is open: reciprocity;
                                           partners across levels never reciprocate)
         + rating credit                  (好差评: good service credited to providers)
         + evaluation reward              (positive incentive, seed 000 §3.3)
         + expected penalty + leadership pressure avoided by sharing (seed 000 §3.1)
         - link cost                       (point-to-point, the tie's own cost; across levels dearer; on a data
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
from numba import njit

from ..state import DATA_LAYER

if TYPE_CHECKING:
    from ..model import GovModel
    from .demand import Outcome


def tie_factors(rng: np.random.Generator, agents, n_dyads: int) -> tuple[np.ndarray, np.ndarray]:
    """Each tie's own value and cost factors, lognormal with mean 1 (σ of the log
    `tie_value_spread`, `tie_cost_spread`): data differ in worth to the provider, systems in
    how hard they are to link. Drawn once at set-up."""
    value = np.exp(agents.tie_value_spread * rng.standard_normal(n_dyads) - agents.tie_value_spread**2 / 2)
    cost = np.exp(agents.tie_cost_spread * rng.standard_normal(n_dyads) - agents.tie_cost_spread**2 / 2)
    return value, cost


def link_gain(
    model: GovModel, outcome: Outcome, update_trust: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Net gain of sharing on each dyad and its money cost; per provider, the gains of the
    links it could share that pay, and the cost of refusing all its links; and the trust
    on each tie after this month (`update_trust`; else the current trust)."""
    s, st, r, a = model.structure, model.state, model.rules, model.spec.agents
    return _link_gain(
        model.dyad_provider, model.links_provided, s.d_req, model.dyad_prov_gov, model.dyad_req_gov, s.d_weight,
        st.open, model.trust, outcome.capable, outcome.served, model.trust_floor, a.trust_gain, a.trust_decay,
        update_trust,
        model.platforms.reach[:, DATA_LAYER], model.platforms.of_gov, r.brokerage, r.pressure,
        a.sharing_cost, a.vertical_cost_factor, model.platforms.connection_cost, r.link_cost_factor,
        r.ledger_cost, a.reciprocity, a.data_value, r.rating_credit, s.d_weight.mean(),
        a.liability_risk * r.liability_factor, r.reward, r.penalty * r.audit_probability,
        model.tie_value, model.tie_cost,
    )  # fmt: skip


@njit(cache=True)
def _link_gain(
    prov, n_provided, d_req, prov_gov, req_gov, d_weight, is_open, trust, capable, served, trust_floor, trust_gain,
    trust_decay, update_trust, gov_on_data_layer,
    platform_of_gov, brokerage,
    pressure, sharing_cost, vertical_cost_factor, connection_cost, link_cost_factor, ledger_cost,
    reciprocity, data_value, rating_credit, mean_weight, liability, reward, expected_penalty, tie_value, tie_cost,
):  # fmt: skip
    D, N = len(prov), len(n_provided)
    gain = np.empty(D)
    money = np.empty(D)
    sum_positive = np.zeros(N)
    sum_refusal = np.zeros(N)
    new_trust = np.empty(D) if update_trust else trust
    for d in range(D):
        p, q = prov[d], d_req[d]
        gp, gq = prov_gov[d], req_gov[d]  # precomputed: no dependent lookups
        same_gov = gp == gq
        # point to point, dearer across levels; on a shared data platform the fixed
        # connection cost is paid once per provider
        if gov_on_data_layer[gp] and gov_on_data_layer[gq] and platform_of_gov[gp] == platform_of_gov[gq]:
            cost = connection_cost / max(1, n_provided[p])
        else:
            cost = sharing_cost * tie_cost[d] * ((1.0 - brokerage[gq]) if same_gov else vertical_cost_factor)
        money[d] = cost * link_cost_factor + ledger_cost
        # part of a trusted tie's value comes back only if the partner reciprocates (is open)
        reciprocated = reciprocity * (is_open[q] & same_gov)
        benefit = data_value * tie_value[d] * trust[d] * (1 - reciprocity + reciprocated)
        if rating_credit:
            benefit = benefit + rating_credit * d_weight[d] / mean_weight  # 好差评 credit
        refusal = expected_penalty + pressure[gp]
        gain[d] = benefit - money[d] - liability + reward + refusal
        sum_positive[p] += capable[d] * (gain[d] > 0) * gain[d]  # arithmetic, not a branch
        sum_refusal[p] += refusal
        if update_trust:  # trust on ties: built by sharing, eroded without it (a blend: `served` is random)
            t, s = trust[d], served[d]
            new_trust[d] = s * (t + trust_gain * (1 - t)) + (1 - s) * (t - trust_decay * (t - trust_floor[d]))
    return gain, money, sum_positive, sum_refusal, new_trust


def decide(model: GovModel, outcome: Outcome) -> None:
    s, st, a = model.structure, model.state, model.spec.agents
    rng = model.rng
    N = s.n_agencies

    gain, money, sum_positive, sum_refusal, model.trust = link_gain(model, outcome, update_trust=True)
    u = rng.random(N)
    model.provider_payoff, st.open = _revise_stances(
        sum_positive, sum_refusal, st.open, u, a.exposure_cost, a.revision_rate, a.choice_noise
    )
    set_links(model, outcome, gain, money)


@njit(cache=True)
def _revise_stances(sum_positive, sum_refusal, is_open, u, exposure_cost, revision_rate, choice_noise):
    """Each provider's payoff under its stance, and the stances after logit revision."""
    N = len(is_open)
    payoff = np.empty(N)
    new_open = np.empty(N, np.bool_)
    for n in range(N):
        # open: share every link that pays, bear the exposure; guarded: bear every refusal cost
        payoff_open = sum_positive[n] - sum_refusal[n] - exposure_cost
        payoff_guarded = -sum_refusal[n]
        payoff[n] = payoff_open if is_open[n] else payoff_guarded
        # logit revision: an agency revises with probability `revision_rate` (u < rate) and
        # then turns open with probability σ(Δ / noise); given u < rate, u / rate is again
        # uniform on [0, 1): one draw per agency serves both decisions
        z = min(max((payoff_open - payoff_guarded) / choice_noise, -50.0), 50.0)
        new_open[n] = u[n] / revision_rate < 1.0 / (1.0 + np.exp(-z)) if u[n] < revision_rate else is_open[n]
    return payoff, new_open


def set_links(
    model: GovModel, outcome: Outcome, gain: np.ndarray | None = None, money: np.ndarray | None = None
) -> None:
    """Share edges for the coming month: open providers share where it pays and is possible.
    Also run once at set-up, so that month 0 shows the sharing already in place."""
    if gain is None or money is None:
        gain, money, _, _, _ = link_gain(model, outcome)
    model.shared, cost = _links(model.state.open, model.dyad_provider, gain, money, outcome.capable)
    model.spend["sharing"] += cost


@njit(cache=True)
def _links(is_open, prov, gain, money, capable):
    shared = np.empty(len(prov), np.bool_)
    cost = 0.0
    for d in range(len(prov)):
        shared[d] = is_open[prov[d]] & (gain[d] > 0) & capable[d]
        cost += shared[d] * money[d]
    return shared, cost
