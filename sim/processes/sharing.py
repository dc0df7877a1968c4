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
from ..views import view

if TYPE_CHECKING:
    from ..model import GovModel
    from .demand import Outcome


def initial_ties(rng: np.random.Generator, agents, n_dyads: int) -> tuple[np.ndarray, ...]:
    """Each tie's trust, the floor it drifts back to while its provider does not share, and its own value and
    cost factors, drawn once at set-up in this order. Trust differs from tie to tie:
    uniform in [0, 2 × `trust_initial`], capped at 1. Value and cost are lognormal with
    mean 1 (σ of the log `tie_value_spread`, `tie_cost_spread`): data differ in worth to the
    provider, systems in how hard they are to link."""
    draws = (
        rng.uniform(0, 2 * agents.trust_initial, n_dyads),
        rng.standard_normal(n_dyads),
        rng.standard_normal(n_dyads),
    )
    return ties_of(agents, draws)


def ties_of(agents, draws: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """`initial_ties` from its draws (trust's uniforms, value's and cost's standard normals)."""
    trust_u, value_z, cost_z = draws
    trust = np.clip(trust_u, 0, 1)
    value = np.exp(agents.tie_value_spread * value_z - agents.tie_value_spread**2 / 2)
    cost = np.exp(agents.tie_cost_spread * cost_z - agents.tie_cost_spread**2 / 2)
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

    platform_reach: np.ndarray  # (G, N_LAYERS) a platform layer reaches the government (DATA_LAYER read)
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
    liability_risk: float  # x `liability_factor`: the liability a shared link carries
    liability_factor: float
    reward: float
    penalty: float  # x `audit_probability`: the expected penalty for refusing
    audit_probability: float
    pressure: np.ndarray  # (G) leadership pressure per refused link


class TrustRule(NamedTuple):
    gain: float  # share of the gap to 1 closed a month while the provider shares
    decay: float  # share of the gap to the floor lost a month while not


class Stances(NamedTuple):
    """The providers' stances and what revising them weighs (`_revise_stances`)."""

    open: np.ndarray  # (N) the agency is open
    exposure_cost: float  # 万元 a month of being open
    revision_rate: float  # share of agencies revising a month
    choice_noise: float  # logit noise, 万元


class Exchange(NamedTuple):
    """What the ends of each link exchanged last month, and the windows that could take a link."""

    shared: np.ndarray  # (D) the provider shared with the handler
    window_links: np.ndarray  # (D) ... with the requester's one-stop window
    window_capacity: np.ndarray  # (G) requests a month the government's windows complete


TIES = view(
    Ties,
    provider="dyad_provider",
    n_provided="links_provided",
    requester="structure.d_req",
    provider_gov="dyad_prov_gov",
    requester_gov="dyad_req_gov",
    weight="structure.d_weight",
    mean_weight="structure.d_mean_weight",
    trust="trust",
    trust_floor="trust_floor",
    value="tie_value",
    cost="tie_cost",
)
LINK_COSTS = view(
    LinkCosts,
    platform_reach="platforms.reach",
    platform_of_gov="platforms.of_gov",
    brokerage="rules.brokerage",
    sharing_cost="spec.agents.sharing_cost",
    vertical_cost_factor="spec.agents.vertical_cost_factor",
    connection_cost="platforms.connection_cost",
    link_cost_factor="rules.link_cost_factor",
    ledger_cost="rules.ledger_cost",
)
LINK_PAYOFFS = view(
    LinkPayoffs,
    data_value="spec.agents.data_value",
    reciprocity="spec.agents.reciprocity",
    rating_credit="rules.rating_credit",
    liability_risk="spec.agents.liability_risk",
    liability_factor="rules.liability_factor",
    reward="rules.reward",
    penalty="rules.penalty",
    audit_probability="rules.audit_probability",
    pressure="rules.pressure",
)
TRUST_RULE = view(TrustRule, gain="spec.agents.trust_gain", decay="spec.agents.trust_decay")
STANCES = view(
    Stances,
    open="state.open",
    exposure_cost="spec.agents.exposure_cost",
    revision_rate="spec.agents.revision_rate",
    choice_noise="spec.agents.choice_noise",
)
EXCHANGE = view(Exchange, shared="shared", window_links="window_links", window_capacity="rules.window_capacity")


def _gains_of(model: GovModel) -> tuple[tuple, tuple, tuple, tuple]:
    """`Ties`, `LinkCosts`, `LinkPayoffs` and `TrustRule` of the model, as the kernels take them."""
    return TIES(model), LINK_COSTS(model), LINK_PAYOFFS(model), TRUST_RULE(model)


def link_gain(
    model: GovModel, outcome: Outcome, update_trust: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Net gain of sharing on each dyad and its money cost; per provider, the gains of the
    links it could share that pay, and the cost of refusing all its links; and the trust
    on each tie after this month (`update_trust`; else the current trust)."""
    links = (outcome.capable, EXCHANGE(model))
    return _link_gain(_gains_of(model), model.state.open, links, update_trust)


@njit(cache=True)
def _link_gain(gains, is_open, links, update_trust):
    """`link_gain`; `links` = (capable, `Exchange`)."""
    ties, costs, payoffs, trust_rule = gains
    ties, trust_rule = Ties(*ties), TrustRule(*trust_rule)  # named again (state.py: kernel views)
    capable, exchange = links[0], Exchange(*links[1])
    gain, money, sum_positive, sum_refusal = _gains(ties, LinkCosts(*costs), LinkPayoffs(*payoffs), is_open, capable)
    if not update_trust:
        return gain, money, sum_positive, sum_refusal, ties.trust
    exchanged = (exchange.shared, capable, exchange.window_links)
    new_trust = _trust_after(ties.trust, ties.trust_floor, exchanged, trust_rule, np.empty(len(ties.trust)))
    return gain, money, sum_positive, sum_refusal, new_trust


@njit(cache=True)
def _gains(ties, costs, payoffs, is_open, capable):
    """Each link's net gain and money cost, and per provider the gains that pay and the refusal costs. Indices
    are read unsigned (no checks for negative ones) and a government's data platform is one key
    (`_platform_keys`): a third fewer instructions a link than reading the arrays as given."""
    prov, n_provided, d_req, prov_gov, req_gov = (
        ties.provider,
        ties.n_provided,
        ties.requester,
        ties.provider_gov,
        ties.requester_gov,
    )
    trust, value, tie_cost, weight, mean_weight = ties.trust, ties.value, ties.cost, ties.weight, ties.mean_weight
    platform, brokerage = _platform_keys(costs.platform_reach[:, DATA_LAYER], costs.platform_of_gov), costs.brokerage
    sharing_cost, vertical_factor = costs.sharing_cost, costs.vertical_cost_factor
    connection_cost, cost_factor, ledger = costs.connection_cost, costs.link_cost_factor, costs.ledger_cost
    data_value, reciprocity, rating_credit = payoffs.data_value, payoffs.reciprocity, payoffs.rating_credit
    liability, reward = payoffs.liability_risk * payoffs.liability_factor, payoffs.reward
    expected_penalty, pressure = payoffs.penalty * payoffs.audit_probability, payoffs.pressure
    D, N = len(prov), len(n_provided)
    gain, money = np.empty(D), np.empty(D)
    sum_positive, sum_refusal = np.zeros(N), np.zeros(N)
    for d in range(D):
        p, q = np.uint64(prov[d]), np.uint64(d_req[d])
        gp, gq = np.uint64(prov_gov[d]), np.uint64(req_gov[d])  # precomputed: no dependent lookups
        same_gov = gp == gq
        # point to point at the tie's own cost, dearer across levels; on a shared data platform the fixed
        # connection cost is paid once per provider
        if platform[gp] == platform[gq] and platform[gp] != _OFF_PLATFORM:
            cost = connection_cost / max(1, n_provided[p])
        else:
            cost = sharing_cost * tie_cost[d] * ((1.0 - brokerage[gq]) if same_gov else vertical_factor)
        m = cost * cost_factor + ledger
        money[d] = m
        # part of a trusted tie's value comes back only if the partner reciprocates (is open)
        reciprocated = reciprocity * (is_open[q] & same_gov)
        benefit = data_value * value[d] * trust[d] * (1 - reciprocity + reciprocated)
        if rating_credit:
            benefit = benefit + rating_credit * weight[d] / mean_weight  # 好差评 credit
        refusal = expected_penalty + pressure[gp]
        g = benefit - m - liability + reward + refusal
        gain[d] = g
        sum_positive[p] += capable[d] * (g > 0) * g  # arithmetic, not a branch
        sum_refusal[p] += refusal
    return gain, money, sum_positive, sum_refusal


_OFF_PLATFORM = np.iinfo(np.int64).min  # `_platform_keys` of a government no data platform reaches


@njit(cache=True)
def _platform_keys(on_layer, platform_of_gov):
    """(G) the platform whose data layer reaches the government, `_OFF_PLATFORM` where none does: two
    governments share a data platform where their keys are equal and not `_OFF_PLATFORM`."""
    keys = np.empty(len(platform_of_gov), np.int64)
    for g in range(len(keys)):
        keys[g] = platform_of_gov[g] if on_layer[g] else _OFF_PLATFORM
    return keys


@njit(cache=True)
def _trust_after(trust, floor, exchanged, rule, out):
    """Trust on ties, into `out` (which may be `trust`): built by sharing, eroded without it (a blend: `exchanged`
    is random); `exchanged` = (shared, capable, window links): the provider itself shared (with the handler or its
    window), a copy held elsewhere builds no trust. A loop of its own, on no index: it runs on vectors."""
    shared, capable, window_links = exchanged
    gain_rate, decay = rule.gain, rule.decay
    for d in range(len(trust)):
        t, s = trust[d], (shared[d] & capable[d]) | window_links[d]
        grown, eroded = t + gain_rate * (1 - t), t - decay * (t - floor[d])
        out[d] = s * grown + (1 - s) * eroded
    return out


def decide(model: GovModel, outcome: Outcome) -> None:
    """A month of sharing decisions — link gains and trust, stance revision, and the links shared — in one
    compiled call, from last month's service (`outcome`: what each link's ends can exchange and which agencies
    can provide data). The results are written into the model's arrays, kept from month to month (no new arrays
    to return): `trust`, `provider_payoff`, `state.open`, `shared` and `window_links`."""
    u = model.rng.random(model.structure.n_agencies)  # the month's only draw: the kernel draws nothing
    links = (outcome.capable, EXCHANGE(model))
    gains, payoff = _gains_of(model), model.provider_payoff
    model.spend["sharing"] += _decide(gains, STANCES(model), u, links, outcome.provides_data, payoff)


@njit(cache=True)
def _decide(gains, stances, u, links, provides_data, payoff):
    """`link_gain` with trust updated, `_revise_stances`, then `_links` under the revised stances, in place: the
    ties' trust, `payoff`, the stances' `open`, and the exchange's shared and window links (each array passed
    once); returns the links' money cost. Each array is read before it is written (trust and stances in their
    own passes, last month's links by the trust update before `_links_into`)."""
    stances, exchange = Stances(*stances), Exchange(*links[1])  # named again (state.py: kernel views)
    ties, costs, payoffs, trust_rule = gains
    ties = Ties(*ties)
    capable = links[0]
    gain, money, sum_positive, sum_refusal = _gains(
        ties, LinkCosts(*costs), LinkPayoffs(*payoffs), stances.open, capable
    )
    exchanged = (exchange.shared, capable, exchange.window_links)
    _trust_after(ties.trust, ties.trust_floor, exchanged, TrustRule(*trust_rule), ties.trust)
    _revise_stances(sum_positive, sum_refusal, stances, u, (payoff, stances.open))
    into = (exchange.shared, exchange.window_links)
    return _links_into(stances.open, ties, gain, money, links, provides_data, into)


@njit(cache=True)
def _revise_stances(sum_positive, sum_refusal, stances, u, out):
    """Each provider's payoff under its stance, and the stances after logit revision, into `out` = (payoff,
    open); `open` may be the stances' own (each agency's is read before it is written)."""
    is_open, exposure_cost, revision_rate, choice_noise = (
        stances.open,
        stances.exposure_cost,
        stances.revision_rate,
        stances.choice_noise,
    )
    payoff, new_open = out
    N = len(is_open)
    for n in range(N):
        # open: share every link that pays, bear the exposure; guarded: bear every refusal cost
        payoff_open = sum_positive[n] - sum_refusal[n] - exposure_cost
        payoff_guarded = -sum_refusal[n]
        payoff[n] = payoff_open if is_open[n] else payoff_guarded
        # logit revision: an agency revises with probability `revision_rate` (u < rate) and
        # then turns open with probability σ(Δ / noise); given u < rate, u / rate is again
        # uniform on [0, 1): one draw per agency serves both decisions (the odds are weighed only then)
        if u[n] < revision_rate:
            z = min(max((payoff_open - payoff_guarded) / choice_noise, -50.0), 50.0)
            new_open[n] = u[n] / revision_rate < 1.0 / (1.0 + np.exp(-z))
        else:
            new_open[n] = is_open[n]


def set_links(
    model: GovModel, outcome: Outcome, gain: np.ndarray | None = None, money: np.ndarray | None = None
) -> None:
    """Share edges for the coming month: open providers share where it pays and is possible.
    Also run once at set-up, so that month 0 shows the sharing already in place."""
    if gain is None or money is None:
        gain, money, _, _, _ = link_gain(model, outcome)
    links = (outcome.capable, EXCHANGE(model))
    model.shared, model.window_links, cost = _links(
        model.state.open, TIES(model), gain, money, links, outcome.provides_data
    )
    model.spend["sharing"] += cost


@njit(cache=True)
def _links(is_open, ties, gain, money, links, provides_data):
    """`_links_into` new arrays: (shared, to the window, the links' cost)."""
    shared, to_window = np.empty(len(gain), np.bool_), np.empty(len(gain), np.bool_)
    cost = _links_into(is_open, Ties(*ties), gain, money, links, provides_data, (shared, to_window))
    return shared, to_window, cost


@njit(cache=True)
def _links_into(is_open, ties, gain, money, links, provides_data, out):
    """Share edges, into `out` = (shared, to the window), where the provider is open, the link pays and both
    ends can exchange; and where the handler cannot exchange (no line application) but its government's one-stop
    window can — its provider can provide data (`provides_data`, per agency) and the window has capacity — the
    same decision opens the link to the window's back office instead. The provider side pays each link's money
    cost (returned)."""
    capable, window_capacity = links[0], Exchange(*links[1]).window_capacity
    prov, req_gov = ties.provider, ties.requester_gov
    windows = window_capacity > 0  # per government: read per link, unsigned (no checks for negative indices)
    shared, to_window = out
    cost = 0.0
    for d in range(len(prov)):
        p = np.uint64(prov[d])
        shares = is_open[p] & (gain[d] > 0)
        shared[d] = s = shares & capable[d]
        to_window[d] = w = shares & ~capable[d] & provides_data[p] & windows[np.uint64(req_gov[d])]
        cost += (s | w) * money[d]
    return cost
