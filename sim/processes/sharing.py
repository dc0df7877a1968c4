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
a government can rest in a silo equilibrium until a reform tips it. Trust on a dyad grows while its provider
shares with the requester (the link is shared and both ends can exchange) and drifts back toward where the tie
began otherwise (CTG Albany trust models): a link served from a base-library copy or an opened dataset
exchanges nothing between the two and builds no trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..state import DATA_LAYER
from .demand import agency_data_of, holdings

if TYPE_CHECKING:
    from ..model import GovModel
    from .demand import Outcome


def initial_ties(rng: np.random.Generator, agents, n_dyads: int) -> tuple[np.ndarray, ...]:
    """Each tie's trust, the floor it drifts back to while its provider does not share, and its own value and
    cost factors, drawn once at set-up in this order. Trust differs from tie to tie:
    uniform in [0, 2 × `trust_initial`], capped at 1. Value and cost are lognormal with
    mean 1 (σ of the log `tie_value_spread`, `tie_cost_spread`): data differ in worth to the
    provider, systems in how hard they are to link."""
    trust = np.clip(rng.uniform(0, 2 * agents.trust_initial, n_dyads), 0, 1)
    value = np.exp(agents.tie_value_spread * rng.standard_normal(n_dyads) - agents.tie_value_spread**2 / 2)
    cost = np.exp(agents.tie_cost_spread * rng.standard_normal(n_dyads) - agents.tie_cost_spread**2 / 2)
    return trust, trust.copy(), value, cost


class Ties(NamedTuple):
    """Needed links as their providers see them."""

    provider: np.ndarray  # (D) providing agency
    n_provided: np.ndarray  # (N) links each agency provides
    requester: np.ndarray  # (D) requesting agency
    provider_gov: np.ndarray  # (D) precomputed: no dependent lookups in the loop
    requester_gov: np.ndarray  # (D)
    weight: np.ndarray  # (D) demand over the link
    mean_weight: float
    trust: np.ndarray  # (D) 0-1
    trust_floor: np.ndarray  # (D) where the tie began
    value: np.ndarray  # (D) the tie's own value factor (mean 1)
    cost: np.ndarray  # (D) the tie's own point-to-point cost factor (mean 1)


class LinkCosts(NamedTuple):
    """What a link costs its provider, 万元 a month."""

    gov_on_data_layer: np.ndarray  # (G)
    platform_of_gov: np.ndarray  # (G)
    brokerage: np.ndarray  # (G) share of an in-government link's cost a bureau saves
    sharing_cost: float  # point to point
    vertical_cost_factor: float  # across levels
    connection_cost: float  # once per provider on a shared data layer
    link_cost_factor: float  # standards
    ledger_cost: float  # traceable ledger, per link


class LinkPayoffs(NamedTuple):
    """What sharing a link brings its provider, and what refusing it costs, 万元 a month."""

    data_value: float
    reciprocity: float
    rating_credit: float
    liability: float
    reward: float
    expected_penalty: float
    pressure: np.ndarray  # (G) leadership pressure per refused link


class TrustRule(NamedTuple):
    gain: float  # share of the gap to 1 closed a month while the provider shares
    decay: float  # share of the gap to the floor lost a month while not
    update: bool  # compute this month's trust (else return the current one)


class Stances(NamedTuple):
    """The providers' stances and what revising them weighs (`_revise_stances`)."""

    open: np.ndarray  # (N) the agency is open
    draw: np.ndarray  # (N) this month's uniform draw, one per agency
    exposure_cost: float  # 万元 a month of being open
    revision_rate: float  # share of agencies revising a month
    choice_noise: float  # logit noise, 万元


class Exchange(NamedTuple):
    """What the ends of each link can exchange and did exchange: last month's service and sharing."""

    capable: np.ndarray  # (D) both ends can technically exchange (`Outcome.capable`)
    shared: np.ndarray  # (D) the provider shared with the handler
    window_links: np.ndarray  # (D) ... with the requester's one-stop window
    window_capacity: np.ndarray  # (G) requests a month the government's windows complete


def _gain_terms(model: GovModel, update_trust: bool) -> tuple[tuple, tuple, tuple, tuple]:
    """`Ties`, `LinkCosts`, `LinkPayoffs` and `TrustRule` of the model, as the kernels take them."""
    s, r, a = model.structure, model.rules, model.spec.agents
    ties = Ties(
        provider=model.dyad_provider,
        n_provided=model.links_provided,
        requester=s.d_req,
        provider_gov=model.dyad_prov_gov,
        requester_gov=model.dyad_req_gov,
        weight=s.d_weight,
        mean_weight=s.d_mean_weight,
        trust=model.trust,
        trust_floor=model.trust_floor,
        value=model.tie_value,
        cost=model.tie_cost,
    )
    costs = LinkCosts(
        gov_on_data_layer=model.platforms.reach[:, DATA_LAYER],
        platform_of_gov=model.platforms.of_gov,
        brokerage=r.brokerage,
        sharing_cost=a.sharing_cost,
        vertical_cost_factor=a.vertical_cost_factor,
        connection_cost=model.platforms.connection_cost,
        link_cost_factor=r.link_cost_factor,
        ledger_cost=r.ledger_cost,
    )
    payoffs = LinkPayoffs(
        data_value=a.data_value,
        reciprocity=a.reciprocity,
        rating_credit=r.rating_credit,
        liability=a.liability_risk * r.liability_factor,
        reward=r.reward,
        expected_penalty=r.penalty * r.audit_probability,
        pressure=r.pressure,
    )
    trust_rule = TrustRule(gain=a.trust_gain, decay=a.trust_decay, update=update_trust)
    return tuple(ties), tuple(costs), tuple(payoffs), tuple(trust_rule)


def _exchange(model: GovModel, outcome: Outcome) -> tuple:
    exchange = Exchange(
        capable=outcome.capable,
        shared=model.shared,
        window_links=model.window_links,
        window_capacity=model.rules.window_capacity,
    )
    return tuple(exchange)


def link_gain(
    model: GovModel, outcome: Outcome, update_trust: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Net gain of sharing on each dyad and its money cost; per provider, the gains of the
    links it could share that pay, and the cost of refusing all its links; and the trust
    on each tie after this month (`update_trust`; else the current trust)."""
    ties, costs, payoffs, trust_rule = _gain_terms(model, update_trust)
    return _link_gain(ties, model.state.open, _exchange(model, outcome), costs, payoffs, trust_rule)


@njit(cache=True)
def _link_gain(ties, is_open, exchange, costs, payoffs, trust_rule):
    ties, costs = Ties(*ties), LinkCosts(*costs)  # named again (state.py: kernel views)
    payoffs, trust_rule, exchange = LinkPayoffs(*payoffs), TrustRule(*trust_rule), Exchange(*exchange)
    prov, n_provided, d_req, prov_gov, req_gov, d_weight, mean_weight, trust, trust_floor = (
        ties.provider,
        ties.n_provided,
        ties.requester,
        ties.provider_gov,
        ties.requester_gov,
        ties.weight,
        ties.mean_weight,
        ties.trust,
        ties.trust_floor,
    )
    tie_value, tie_cost = ties.value, ties.cost
    capable, shared, window_links = exchange.capable, exchange.shared, exchange.window_links
    on_layer, platform_of_gov, brokerage, sharing_cost, vertical_factor, connection_cost, cost_factor, ledger = (
        costs.gov_on_data_layer,
        costs.platform_of_gov,
        costs.brokerage,
        costs.sharing_cost,
        costs.vertical_cost_factor,
        costs.connection_cost,
        costs.link_cost_factor,
        costs.ledger_cost,
    )
    data_value, reciprocity, rating_credit, liability, reward, expected_penalty, pressure = (
        payoffs.data_value,
        payoffs.reciprocity,
        payoffs.rating_credit,
        payoffs.liability,
        payoffs.reward,
        payoffs.expected_penalty,
        payoffs.pressure,
    )
    trust_gain, trust_decay, update_trust = trust_rule.gain, trust_rule.decay, trust_rule.update
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
        # point to point at the tie's own cost, dearer across levels; on a shared data platform the fixed
        # connection cost is paid once per provider
        if on_layer[gp] and on_layer[gq] and platform_of_gov[gp] == platform_of_gov[gq]:
            cost = connection_cost / max(1, n_provided[p])
        else:
            cost = sharing_cost * tie_cost[d] * ((1.0 - brokerage[gq]) if same_gov else vertical_factor)
        money[d] = cost * cost_factor + ledger
        # part of a trusted tie's value comes back only if the partner reciprocates (is open)
        reciprocated = reciprocity * (is_open[q] & same_gov)
        benefit = data_value * tie_value[d] * trust[d] * (1 - reciprocity + reciprocated)
        if rating_credit:
            benefit = benefit + rating_credit * d_weight[d] / mean_weight  # 好差评 credit
        refusal = expected_penalty + pressure[gp]
        gain[d] = benefit - money[d] - liability + reward + refusal
        sum_positive[p] += capable[d] * (gain[d] > 0) * gain[d]  # arithmetic, not a branch
        sum_refusal[p] += refusal
        if update_trust:  # trust on ties: built by sharing, eroded without it (a blend: `exchanged` is random)
            # the provider itself shared (with the handler or its window): a copy held elsewhere builds no trust
            t, s = trust[d], (shared[d] & capable[d]) | window_links[d]
            new_trust[d] = s * (t + trust_gain * (1 - t)) + (1 - s) * (t - trust_decay * (t - trust_floor[d]))
    return gain, money, sum_positive, sum_refusal, new_trust


def decide(model: GovModel, outcome: Outcome) -> None:
    """A month of sharing decisions: link gains and trust, stance revision, and the links shared — one compiled
    call."""
    st, a = model.state, model.spec.agents
    u = model.rng.random(model.structure.n_agencies)  # the month's only draw: the kernel draws nothing
    stances = Stances(
        open=st.open, draw=u, exposure_cost=a.exposure_cost, revision_rate=a.revision_rate, choice_noise=a.choice_noise
    )
    ties, costs, payoffs, trust_rule = _gain_terms(model, update_trust=True)
    gains = (ties, costs, payoffs, trust_rule)
    out = _decide(gains, tuple(stances), _exchange(model, outcome), holdings(model))
    model.trust, model.provider_payoff, st.open, model.shared, model.window_links, cost = out
    model.spend["sharing"] += cost


@njit(cache=True)
def _decide(gains, stances, exchange, holdings):
    """`link_gain` (trust updated), `_revise_stances`, then `_links` under the revised stances."""
    ties, costs, payoffs, trust_rule = gains
    stances = Stances(*stances)  # named again (state.py: kernel views)
    gain, money, sum_positive, sum_refusal, new_trust = _link_gain(
        ties, stances.open, exchange, costs, payoffs, trust_rule
    )
    payoff, new_open = _revise_stances(
        sum_positive,
        sum_refusal,
        stances.open,
        stances.draw,
        stances.exposure_cost,
        stances.revision_rate,
        stances.choice_noise,
    )
    has_data = agency_data_of(holdings)
    shared, to_window, cost = _links(new_open, ties, gain, money, exchange, has_data)
    return new_trust, payoff, new_open, shared, to_window, cost


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
    ties = _gain_terms(model, update_trust=False)[0]
    has_data = agency_data_of(holdings(model))
    exchange = _exchange(model, outcome)
    model.shared, model.window_links, cost = _links(model.state.open, ties, gain, money, exchange, has_data)
    model.spend["sharing"] += cost


@njit(cache=True)
def _links(is_open, ties, gain, money, exchange, has_data):
    """Share edges where the provider is open, the link pays and both ends can exchange; and
    where the handler cannot exchange (no line application) but its government's one-stop
    window can — its provider can serve data (`has_data`, per agency) and the window has capacity — the same
    decision opens the link to the window's back office instead. The provider side pays each link's money cost."""
    ties, exchange = Ties(*ties), Exchange(*exchange)  # named again (state.py: kernel views)
    prov, req_gov, capable, window_capacity = (
        ties.provider,
        ties.requester_gov,
        exchange.capable,
        exchange.window_capacity,
    )
    shared = np.empty(len(prov), np.bool_)
    to_window = np.empty(len(prov), np.bool_)
    cost = 0.0
    for d in range(len(prov)):
        p = prov[d]
        shares = is_open[p] & (gain[d] > 0)
        window = has_data[p] & (window_capacity[req_gov[d]] > 0)
        shared[d] = shares & capable[d]
        to_window[d] = shares & ~capable[d] & window
        cost += (shared[d] | to_window[d]) * money[d]
    return shared, to_window, cost
