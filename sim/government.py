"""The jurisdiction tree, its agencies, and who needs whose data.

Built once per run from `[government]` and the run's generator, before any reform can
draw a random number — so two scenarios with the same government and seed share the
same tree, wealth, services and initial state (common random numbers).

Index conventions: governments 0..G-1 in breadth-first order (root first); agency
`g * L + l` is line `l` of government `g`; a *dyad* is one (requesting agency, needed
line) pair, whose provider is the same government's agency of that line, or — for a
vertically managed line — the agency at the top of the tree (seed 000 §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit

from . import substitutes
from .numeric import pairwise_sum


@dataclass(eq=False)
class Structure:
    levels: list[str]
    lines: list[str]
    # governments
    gov_level: np.ndarray
    gov_parent: np.ndarray
    gov_wealth: np.ndarray
    gov_population: np.ndarray
    gov_market: np.ndarray  # ancestor at market_level: vendor market and operating company
    gov_ancestor: np.ndarray  # (G, n_levels): ancestor at each level, -1 below own level
    # lines and agencies
    line_vertical: np.ndarray
    agency_gov: np.ndarray
    agency_line: np.ndarray
    agency_level: np.ndarray
    # services: kinds, instances (government x kind), links (instance x needed line)
    svc_level: np.ndarray
    svc_handler_line: np.ndarray
    inst_gov: np.ndarray
    inst_svc: np.ndarray
    inst_handler: np.ndarray
    inst_volume: np.ndarray
    link_inst: np.ndarray
    link_dyad: np.ndarray
    inst_n_links: np.ndarray
    # dyads
    d_req: np.ndarray
    d_line: np.ndarray
    d_local: np.ndarray
    d_top: np.ndarray
    d_vertical: np.ndarray
    d_weight: np.ndarray
    # records each agency holds about its own jurisdiction (for data location measures)
    agency_records: np.ndarray
    # (K, L, L) line i's system of a kind could serve line j's users (sim/substitutes.py)
    substitutes: np.ndarray

    @property
    def n_gov(self) -> int:
        return len(self.gov_level)

    @property
    def n_lines(self) -> int:
        return len(self.lines)

    @property
    def n_agencies(self) -> int:
        return len(self.agency_gov)

    @property
    def n_dyads(self) -> int:
        return len(self.d_req)

    @property
    def bottom(self) -> int:
        return len(self.levels) - 1

    def governments_at(self, level: int) -> np.ndarray:
        return np.flatnonzero(self.gov_level == level)

    def agency(self, gov: int | np.ndarray, line: int | np.ndarray) -> int | np.ndarray:
        return gov * self.n_lines + line

    @cached_property
    def d_mean_weight(self) -> float:
        """Mean demand weight of the needed links (the structure never changes)."""
        return self.d_weight.mean()

    @cached_property
    def bottom_govs(self) -> np.ndarray:
        """(G) the government is at the bottom level (the structure never changes)."""
        return self.gov_level == self.bottom

    @cached_property
    def agency_market(self) -> np.ndarray:
        """(N) the market government of each agency."""
        return self.gov_market[self.agency_gov]

    @cached_property
    def _market_members(self) -> list[np.ndarray]:
        of = self.agency_market
        order = np.argsort(of, kind="stable")
        bounds = np.searchsorted(of[order], np.arange(self.n_gov + 1))
        return [order[bounds[g] : bounds[g + 1]] for g in range(self.n_gov)]

    def market_members(self, market: int) -> np.ndarray:
        """Indices of the agencies in one market government's market (sorted)."""
        return self._market_members[market]


def build_structure(gov_spec, rng: np.random.Generator, substitutability) -> Structure:
    """Draw the tree, wealth, population and the service catalogue (in this order: the
    random stream is part of the model); and which lines' systems could stand in for each
    other (`substitutability`: a chance per kind; from a child stream of `rng`, which
    shifts none of its draws)."""
    levels, lines = list(gov_spec.levels), list(gov_spec.lines)
    L = len(lines)
    share = np.asarray(gov_spec.service_level_share, dtype=float)
    share = share / share.sum()
    (gov_level, gov_parent, ancestor), z, (svc_level, svc_handler, svc_needs, freq) = _draws(gov_spec, share, L, rng)
    G = len(gov_level)
    market_level = levels.index(gov_spec.market_level)
    market = np.where(gov_level >= market_level, ancestor[:, market_level], np.arange(G))
    wealth, own, population, has_child = _wealth_and_population_of(gov_spec, gov_level, gov_parent, len(levels), z)

    line_vertical = np.array([ln in gov_spec.vertical_lines for ln in lines])
    agency_gov = np.repeat(np.arange(G), L)
    agency_line = np.arange(G * L) % L  # np.tile(np.arange(L), G)

    inst_gov, inst_svc, inst_volume = _instances(svc_level, freq, share, gov_level, population, len(levels))
    inst_handler = inst_gov * L + svc_handler[inst_svc]
    links = _links(svc_needs, inst_svc, inst_handler, inst_volume, agency_gov, line_vertical, L)

    # records about a jurisdiction: proportional to the population it serves directly
    records = own.copy()
    records[has_child] = own[has_child] * share[gov_level[has_child]]
    return Structure(
        levels=levels,
        lines=lines,
        gov_level=gov_level,
        gov_parent=gov_parent,
        gov_wealth=wealth,
        gov_population=population,
        gov_market=market,
        gov_ancestor=ancestor,
        line_vertical=line_vertical,
        agency_gov=agency_gov,
        agency_line=agency_line,
        agency_level=gov_level[agency_gov],
        svc_level=svc_level,
        svc_handler_line=svc_handler,
        inst_gov=inst_gov,
        inst_svc=inst_svc,
        inst_handler=inst_handler,
        inst_volume=inst_volume,
        **links,
        agency_records=np.repeat(records, L) / L,
        substitutes=substitutes.draw(rng, substitutability.per_kind(), line_vertical),
    )


def _draws(gov_spec, share: np.ndarray, L: int, rng: np.random.Generator) -> tuple[tuple, np.ndarray, tuple]:
    """The structure's draws, in the stream's order: the tree (`_tree`), wealth and population's normals
    (`_wealth_and_population`), the catalogue (`_catalogue`); in one compiled call (`draw_government`: a
    call that takes the generator costs numba some 15 µs to hand it over) unless the needs are drawn in
    Python (over FLOYD_MAX lines)."""
    n_levels = len(gov_spec.levels)
    if L - 1 > FLOYD_MAX:
        tree = _tree(list(gov_spec.sizes), rng)
        z = rng.standard_normal(2 * len(tree[0]))
        return tree, z, _catalogue(gov_spec, share, n_levels, L, rng)
    lo, hi = (min(n, L - 1) for n in gov_spec.needs_per_service)
    S, spread = gov_spec.service_types, gov_spec.service_frequency_spread
    sizes = np.asarray(gov_spec.sizes, dtype=np.int64)
    *tree, z, handler, needs_flat, n_needs, freq = draw_government(rng, sizes, L, S, lo, hi, float(spread))
    return tree, z, (_kind_levels(tuple(share.tolist()), S).copy(), handler, (needs_flat, n_needs), freq)


@njit(cache=True)
def draw_government(rng, sizes, n_lines, n_kinds, lo, hi, spread):
    """`_draws`' draws: the tree (`draw_tree`), 2G standard normals, each kind's handling line, its needs
    (`draw_needs`) and its relative frequency, as `_tree`, `_wealth_and_population` and `_catalogue`
    draw them (tests/test_setup.py holds the two ways equal)."""
    gov_level, gov_parent, ancestor = draw_tree(rng, sizes)
    z = rng.standard_normal(2 * len(gov_level))
    handler = rng.integers(0, n_lines, n_kinds)
    needs_flat, n_needs = draw_needs(rng, handler, n_lines, lo, hi)
    freq = rng.uniform(1 - spread, 1 + spread, n_kinds)
    return gov_level, gov_parent, ancestor, z, handler, needs_flat, n_needs, freq


def _tree(sizes: list[int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The jurisdiction tree, breadth first: level, parent and (G, n_levels) ancestors. Each
    child gets a parent: every parent one while there are enough, the rest uniformly at
    random (so sizes vary as real prefectures do)."""
    return draw_tree(rng, np.asarray(sizes, dtype=np.int64))


@njit(cache=True)
def draw_tree(rng, sizes):
    """`_tree` in one compiled call: per level the parents, `np.sort(np.concatenate([arange(
    min(P, C)), rng.integers(0, P, size=C - P)]))` (the same draws), then the ancestors in
    index order (parents precede children, so one pass fills the table)."""
    n_levels, G = len(sizes), sizes.sum()
    first = np.zeros(n_levels + 1, np.int64)
    first[1:] = np.cumsum(sizes)
    gov_level = np.empty(G, np.int16)
    gov_parent = np.full(G, -1, np.int64)
    for k in range(n_levels):
        gov_level[first[k] : first[k + 1]] = k
    for k in range(1, n_levels):
        n_parents, n_children = sizes[k - 1], sizes[k]
        parents = np.empty(n_children, np.int64)
        base = min(n_parents, n_children)
        parents[:base] = np.arange(base)
        if n_children > n_parents:
            parents[base:] = rng.integers(0, n_parents, size=n_children - n_parents)
        gov_parent[first[k] : first[k + 1]] = np.sort(parents) + first[k - 1]
    ancestor = np.full((G, n_levels), -1, np.int64)
    for g in range(G):
        k = gov_level[g]
        if gov_parent[g] >= 0:
            ancestor[g, :k] = ancestor[gov_parent[g], :k]
        ancestor[g, k] = g
    return gov_level, gov_parent, ancestor


def _wealth_and_population(gov_spec, gov_level, gov_parent, n_levels: int, rng: np.random.Generator):
    """Wealth: inherited down the tree with lognormal spread, mean 1 within a level.
    Requests per month from residents: each government's own draw, and summed up the tree
    (leaves keep their own). Returns wealth, own requests, population, has children. The
    wealth shocks and the own draws are G normals each, in that order, drawn in one call."""
    return _wealth_and_population_of(gov_spec, gov_level, gov_parent, n_levels, rng.standard_normal(2 * len(gov_level)))


def _wealth_and_population_of(gov_spec, gov_level, gov_parent, n_levels: int, z: np.ndarray):
    """`_wealth_and_population` from its normals `z` (2G)."""
    G = len(gov_level)
    sigma, s = gov_spec.wealth_disparity, gov_spec.population_disparity
    shock = np.exp(sigma * z[:G] - sigma**2 / 2)
    own = gov_spec.requests_per_month * np.exp(s * z[G:] - s**2 / 2)
    wealth, population, has_child = tree_sums(gov_level, gov_parent, shock, own, n_levels)
    return wealth, own, population, has_child


@njit(cache=True)
def tree_sums(gov_level, gov_parent, shock, own, n_levels):
    """Wealth and population down and up the tree, in numpy's arithmetic and order (a test
    holds them equal to the loops they replaced): wealth[g] = wealth[parent] * shock[g] in
    index order, then divided by its level's mean (`pairwise_sum`, as np.mean sums); leaves'
    population is their own, parents sum their children from the last government back to
    the second. A later root's parent -1 is the last government, as numpy indexing reads it."""
    G = len(gov_level)
    wealth = np.ones(G)
    for g in range(1, G):
        p = gov_parent[g] if gov_parent[g] >= 0 else G + gov_parent[g]
        wealth[g] = wealth[p] * shock[g]
    for k in range(n_levels):
        sel = np.flatnonzero(gov_level == k)
        mean = pairwise_sum(wealth[sel]) / len(sel)
        for g in sel:
            wealth[g] /= mean
    has_child = np.zeros(G, np.bool_)
    for g in range(G):
        if gov_parent[g] >= 0:
            has_child[gov_parent[g]] = True
    population = np.where(has_child, 0.0, own)
    for g in range(G - 1, 0, -1):
        p = gov_parent[g] if gov_parent[g] >= 0 else G + gov_parent[g]
        population[p] += population[g]
    return wealth, population, has_child


def _catalogue(gov_spec, share: np.ndarray, n_levels: int, L: int, rng: np.random.Generator):
    """Service kinds spread over levels by their share of requests; each kind's handling
    line, the lines whose data it needs, and its relative frequency."""
    S = gov_spec.service_types
    svc_level = _kind_levels(tuple(share.tolist()), S).copy()
    svc_handler = rng.integers(0, L, size=S)
    lo, hi = gov_spec.needs_per_service
    lo, hi = min(lo, L - 1), min(hi, L - 1)
    if L - 1 > FLOYD_MAX:  # Generator.choice shuffles a whole range here instead: let it draw
        needs = [_needs_of(rng, lo, hi, L, h) for h in svc_handler]
        needs_flat, n_needs = np.concatenate(needs), np.array([len(x) for x in needs])
    else:
        needs_flat, n_needs = draw_needs(rng, svc_handler, L, lo, hi)
    spread = gov_spec.service_frequency_spread
    freq = rng.uniform(1 - spread, 1 + spread, size=S)  # relative frequency of each service kind
    return svc_level, svc_handler, (needs_flat, n_needs), freq


_LEVELS_KEPT: dict[tuple, np.ndarray] = {}  # (shares, kinds) -> each kind's level (no draw: the same every run)


def _kind_levels(share: tuple[float, ...], S: int) -> np.ndarray:
    """Each of `S` service kinds' level: kinds spread over levels by their share (at least one
    where the share is above 0), the rounding's excess or shortfall taken where largest."""
    kept = _LEVELS_KEPT.get((share, S))
    if kept is not None:
        return kept
    shares = np.asarray(share)
    counts = np.floor(shares * S).astype(int)
    counts[shares > 0] = np.maximum(counts[shares > 0], 1)
    while counts.sum() > S:
        counts[np.argmax(counts)] -= 1
    while counts.sum() < S:
        counts[np.argmax(shares * S - counts)] += 1
    if len(_LEVELS_KEPT) >= 64:
        _LEVELS_KEPT.clear()
    _LEVELS_KEPT[(share, S)] = levels = np.repeat(np.arange(len(shares)), counts)
    return levels


FLOYD_MAX = 10_000  # Generator.choice without replacement uses Floyd's algorithm up to this many items


def _needs_of(rng: np.random.Generator, lo: int, hi: int, L: int, handler: int) -> np.ndarray:
    """The lines whose data one service kind needs: a count in [lo, hi], then that many of the
    other lines (sorted)."""
    k = int(rng.integers(lo, hi + 1))
    lines = np.arange(L)
    return np.sort(rng.choice(lines[lines != handler], size=k, replace=False))


@njit(cache=True)
def draw_needs(rng, handler, n_lines, lo, hi):
    """`_needs_of` for every service kind in turn, in one call: the same draws from `rng` in
    the same order (a test holds the two equal). Generator.choice(others, k, replace=False)
    over at most FLOYD_MAX items runs Floyd's algorithm (a pick already taken becomes j),
    then shuffles the picks (drawn here too; the picks are then sorted, so the order is
    not needed). Returns the picks of all kinds end to end and each kind's count."""
    S, pop = len(handler), n_lines - 1
    count = np.empty(S, np.int64)
    flat = np.empty(S * pop, np.int64)
    taken = np.zeros(pop, np.bool_)
    at = 0
    for s in range(S):
        k = rng.integers(lo, hi + 1)
        taken[:] = False
        for j in range(pop - k, pop):
            val = rng.integers(0, j + 1)
            if taken[val]:
                val = j
            taken[val] = True
        for i in range(k - 1, 0, -1):
            rng.integers(0, i + 1)
        n = 0
        for pos in range(pop):  # positions among the other lines, in order: the lines sorted
            if taken[pos]:
                flat[at + n] = pos if pos < handler[s] else pos + 1
                n += 1
        count[s] = k
        at += k
    return flat[:at], count


def _instances(svc_level, freq, share, gov_level, population, n_levels: int):
    """Each government handles the kinds of its level: (government, kind, requests a month)."""
    return service_instances(svc_level, freq, share, gov_level, population, n_levels)


@njit(cache=True)
def service_instances(svc_level, freq, share, gov_level, population, n_levels):
    """Level by level, each government of the level with each kind of it, in order:
    requests = (population x the level's share) x the kind's frequency / the level's total
    (np.sum's pairwise sum), numpy's arithmetic (a test holds it to the numpy code)."""
    n = 0
    for k in range(n_levels):
        n += np.count_nonzero(svc_level == k) * np.count_nonzero(gov_level == k)
    inst_gov, inst_svc, inst_volume = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    at = 0
    for k in range(n_levels):
        kinds = np.flatnonzero(svc_level == k)
        if len(kinds) == 0:
            continue
        f = freq[kinds]
        w = f / pairwise_sum(f)
        for g in np.flatnonzero(gov_level == k):
            demand = population[g] * share[k]
            for j in range(len(kinds)):
                inst_gov[at], inst_svc[at], inst_volume[at] = g, kinds[j], demand * w[j]
                at += 1
    return inst_gov, inst_svc, inst_volume


def _links(svc_needs, inst_svc, inst_handler, inst_volume, agency_gov, line_vertical, L: int) -> dict:
    """Links (instance x needed line) and the dyads (requesting agency, needed line) they
    group into, with each dyad's provider sides and demand weight. `svc_needs`: every kind's
    needed lines end to end, and each kind's count."""
    needs_flat, n_need = svc_needs
    link_inst, link_dyad, inst_n_links, dyad_key, d_weight = service_links(
        needs_flat, n_need, inst_svc, inst_handler, inst_volume, L
    )
    d_req = dyad_key // L
    d_line = dyad_key % L
    d_gov = agency_gov[d_req]
    root = 0
    return {
        "link_inst": link_inst,
        "link_dyad": link_dyad,
        "inst_n_links": inst_n_links,
        "d_req": d_req,
        "d_line": d_line,
        "d_local": d_gov * L + d_line,
        "d_top": root * L + d_line,
        "d_vertical": line_vertical[d_line] & (d_gov != root),
        "d_weight": d_weight,
    }


@njit(cache=True)
def service_links(needs_flat, n_need, inst_svc, inst_handler, inst_volume, n_lines):
    """Each instance's links (its kind's needed lines, in order, instance after instance),
    keyed requester x L + line; the dyads are the sorted distinct keys, and a dyad's demand
    weight sums its links' volumes in link order (np.unique and np.bincount's results; a
    test holds them to the numpy code)."""
    inst_n_links = n_need[inst_svc]
    kind_start = np.cumsum(n_need) - n_need
    n = inst_n_links.sum()
    link_inst, link_key = np.empty(n, np.int64), np.empty(n, np.int64)
    at = 0
    for i in range(len(inst_svc)):
        s = inst_svc[i]
        for r in range(n_need[s]):
            link_inst[at], link_key[at] = i, inst_handler[i] * n_lines + needs_flat[kind_start[s] + r]
            at += 1
    if n and link_key.min() >= 0 and link_key.max() < KEYS_PER_LINK * n + 4096:  # a table: 512 B a link at most
        dyad_key, link_dyad = _distinct_by_table(link_key, link_key.max() + 1)
    else:
        dyad_key = np.unique(link_key)
        link_dyad = np.searchsorted(dyad_key, link_key)
    d_weight = np.zeros(len(dyad_key))
    for j in range(n):
        d_weight[link_dyad[j]] += inst_volume[link_inst[j]]
    return link_inst, link_dyad, inst_n_links, dyad_key, d_weight


KEYS_PER_LINK = 64  # keys up to this sparse are told apart in a table (`_distinct_by_table`): numba sorts 6x slower


@njit(cache=True)
def _distinct_by_table(keys, n_keys):
    """`np.unique(keys)` and each key's place in it (`np.searchsorted`), for keys in 0..`n_keys`-1: marked
    in a table, then numbered in order (a set-up's dyads: a fraction of a sort's time)."""
    place = np.full(n_keys, -1, np.int64)
    for k in keys:
        place[k] = 0
    distinct = np.empty(min(len(keys), n_keys), np.int64)
    n = 0
    for k in range(n_keys):
        if place[k] == 0:
            place[k], distinct[n] = n, k
            n += 1
    at = np.empty(len(keys), np.int64)
    for j in range(len(keys)):
        at[j] = place[keys[j]]
    return distinct[:n], at
