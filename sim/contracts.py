"""Operations contracts and their renewal (issue 14 §1, ops_separation).

An agency taken over by an operating company holds a contract of `contract_months`
(政府购买服务 contracts run one year, up to three for stable recurring services: 财政部
政府购买服务管理办法 2020, art. 24). When it ends the agency (or the body that buys for it)
chooses, over the next term T, the option with the lowest cost per unit of quality:

- renew with the company at its current asking price (1 + markup) × scale factor;
- switch to the best vendor of its market (1 + vendor markup), paying the switching cost:
  migrating systems whose code and data rights the government holds (`migration_months`
  of their running cost), rebuilding those it does not (their build cost);
- take operations back, when government staff can run its systems (its own IT unit, else
  the technical pool or institution of its government): their wages (in-house units run
  systems for their wages, as in operations), the same switching cost, at the staff's skill.

Suppliers claim more than they deliver (seed 003 质量评估: 建成后实际功能、绩效与设计初衷存在
明显差距): each claims its true mean quality plus an overstatement drawn once (mean `claim_gap`,
σ `claim_gap_spread`, `GovModel.claim_gaps`). Agencies know the mean overstatement from
experience, so from a supplier they have no findings on (the rival, or an incumbent nobody
examined) they expect its claim less `claim_gap` (`seen_quality`). Where audits or delivery
checks examined systems the incumbent built for the agency, the agency updates that prior with
what they found (normal-normal posterior mean, `expected_quality`). Lock-in is the outcome: no
rights (rebuild), no staff (no take-back) and a long contract make switching dear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from .numeric import subset_sums
from .state import KINDS_IN_SET, N_KINDS, row_any

if TYPE_CHECKING:
    from .model import GovModel

RENEW, SWITCH, TAKE_BACK = 0, 1, 2


class RenewalInputs(NamedTuple):
    """Per agency up for renewal (index j): what each option costs and delivers."""

    run: np.ndarray  # (J,) 万元/month running cost of its systems at cost
    systems: np.ndarray  # (J,) running systems
    switching: np.ndarray  # (J,) 万元 one-off: migrate (rights held) or rebuild (not)
    company_price: np.ndarray  # (J,) (1 + asking markup) x cost factor of its company (`company_cost`)
    company_quality: np.ndarray  # (J,) quality it expects from the company
    vendor_price: np.ndarray  # (J,) 1 + markup of the best vendor of its market
    vendor_quality: np.ndarray  # (J,) that vendor's quality
    staff_available: np.ndarray  # (J,) government staff who could run its systems
    staff_skill: np.ndarray  # (J,) their skill


@njit(cache=True)
def choose(x, term, systems_per_staff, staff_wage):
    """(J,) RENEW, SWITCH or TAKE_BACK: the lowest cost per unit of quality over `term`
    months (ties keep the incumbent)."""
    x = RenewalInputs(*x)  # named again: passed as a plain tuple, which numba types fast
    J = len(x.run)
    out = np.zeros(J, np.int64)
    for j in range(J):
        renew = x.run[j] * x.company_price[j] * term / max(x.company_quality[j], 1e-9)
        best = renew
        switch = (x.run[j] * x.vendor_price[j] * term + x.switching[j]) / max(x.vendor_quality[j], 1e-9)
        if switch < best:
            best = switch
            out[j] = SWITCH
        needed = np.ceil(x.systems[j] / systems_per_staff)  # whole staff, as `_take_back` moves them
        if x.staff_available[j] >= needed and needed > 0:
            back = (needed * staff_wage * term + x.switching[j]) / max(x.staff_skill[j], 1e-9)
            if back < best:
                out[j] = TAKE_BACK
    return out


def switching_cost(
    own: np.ndarray,
    rights: np.ndarray,
    run_cost: np.ndarray,
    build_cost: np.ndarray,
    build_factor: np.ndarray,
    migration_months: float,
) -> np.ndarray:
    """(n,) 万元 to move each agency's systems to another operator: migrate those whose
    rights the government holds, rebuild the others at the agency's build price."""
    migrate = (own & rights) @ run_cost * migration_months
    rebuild = (own & ~rights) @ build_cost * build_factor
    return migrate + rebuild


# ---------------------------------------------------------------------------- renewals
def due(model: GovModel, company: bool) -> np.ndarray:
    """Agencies whose operations contract (with a company, or with a vendor) ends this month."""
    st = model.state
    return _due(st.contract_end, st.company, model.month, company)


@njit(cache=True)
def _due(contract_end, company, month, with_company):
    """`due` in one pass: (J,) agencies whose contract ends by `month`, with a company or not."""
    n = 0
    for i in range(len(contract_end)):
        n += (contract_end[i] <= month) & ((company[i] >= 0) == with_company)
    out = np.empty(n, np.int64)
    j = 0
    for i in range(len(contract_end) if n else 0):
        if (contract_end[i] <= month) & ((company[i] >= 0) == with_company):
            out[j] = i
            j += 1
    return out


def renew_vendor_contracts(model: GovModel) -> None:
    """Vendors' one-year contracts that end this month: each agency renews with its vendor
    or switches to the best vendor of its market, paying the switching cost (`choose`,
    without the take-back option: that is the in-house unit's own growth). A renewal does
    not hand over rights to systems already built: the vendor holds the code of what it
    delivered under the old terms (rights come with new projects, `control.project_terms`,
    and with systems rebuilt on a switch)."""
    after_switches(model, *vendor_renewals(*renewal_views(model)))


def renewal_views(model: GovModel) -> tuple[tuple, tuple, tuple]:
    """What `vendor_renewals` reads and changes, as kernel views (state.py)."""
    st, a, tsi = model.state, model.spec.agents, model.tech_support
    agencies = VendorContracts(
        contract_end=st.contract_end,
        company=st.company,
        vendor=st.vendor,
        operator_since=st.operator_since,
        own=st.own,
        rights=st.rights,
        found_sum=st.found_sum,
        found_count=st.found_count,
        market=model.structure.agency_market,
        staff=st.staff,
    )
    vendors = VendorMarket(
        markup=model.vendor_markup,
        claim=model.vendor_claim,
        market=model.vendor_market,
        n_gov=model.structure.n_gov,
        tsi_staff=tsi.staff,
        quality_support=tsi.quality_support,
        buyout_share=model.spec.reforms.tech_support_institution.buyout_share,
    )
    terms = RenewalTerms(
        run_cost=model.base_run_cost,
        build_cost=model.base_build_cost,
        month=model.month,
        contract_months=a.vendor_contract_months,
        migration_months=a.migration_months,
        n_lines=model.structure.n_lines,
        beliefs=(a.claim_gap, a.claim_gap_spread, a.quality_spread),
        systems_per_staff=a.systems_per_staff,
    )
    return tuple(agencies), tuple(vendors), tuple(terms)


def after_switches(model: GovModel, movers: np.ndarray, cost: np.ndarray, buys: np.ndarray) -> None:
    """Agencies that switched vendor (`vendor_renewals`, which moved them) pay the exit `cost`;
    the systems they rebuilt get new rights terms (`_rights_clause`, drawn), or, where their
    legacy systems' rights were bought (`buys`), the code and data move with them."""
    if len(movers) == 0:  # most months every agency renews: nothing moves, nothing is drawn
        return
    st = model.state
    model.spend["build"] += float(cost.sum())
    if not buys.any():  # no institution bought legacy rights (most switches)
        _rights_clause(model, movers)
        return
    _rights_clause(model, movers[~buys])
    bought = movers[buys]
    st.rights[bought] |= st.own[bought]


class VendorContracts(NamedTuple):
    """Per agency (N): its operations contract with a vendor, its systems and its record."""

    contract_end: np.ndarray  # month its contract ends (reset here for the new term)
    company: np.ndarray  # operating company, NO_ONE: a vendor runs what staff do not
    vendor: np.ndarray  # (changed here on a switch)
    operator_since: np.ndarray  # month its supplier took it over (changed here on a switch)
    own: np.ndarray  # (N, K) its running systems
    rights: np.ndarray  # (N, K) the government holds their code and data rights
    found_sum: np.ndarray  # quality found on its vendor's work (`record_found_quality`; reset here)
    found_count: np.ndarray
    market: np.ndarray  # its market government (`Structure.agency_market`)
    staff: np.ndarray  # its in-house IT staff: the systems they run stay when the vendor changes


class VendorMarket(NamedTuple):
    """The vendors and, per government, the technical-support institution negotiating for agencies."""

    markup: np.ndarray  # (vendors)
    claim: np.ndarray  # (vendors) claimed quality (`GovModel.vendor_claim`)
    market: np.ndarray  # (vendors) market government
    n_gov: int
    tsi_staff: np.ndarray  # (G) the institution's staff (none: no support, no buy-out)
    quality_support: float
    buyout_share: float  # of the legacy systems' build price (`with_buyout`)


class RenewalTerms(NamedTuple):
    run_cost: np.ndarray  # (K) 万元 a month per running system
    build_cost: np.ndarray  # (K)
    month: int
    contract_months: int  # a vendor contract's term
    migration_months: float
    n_lines: int
    beliefs: tuple  # (claim_gap, claim_gap_spread, quality_spread), as `expected_of` takes them
    systems_per_staff: float  # systems an in-house staff member runs (`operations.operating_costs`)


@njit(cache=True)
def vendor_renewals(agencies, vendors, terms):
    """`renew_vendor_contracts` in one pass: the agencies whose vendor contract ends this month
    (`due`), each one's market's best vendor (`best_vendor`), the cost of switching to it
    (`switching_cost`, `with_buyout`) and whether it does (`choose` without the take-back
    option; a vendor already the best renews); every contract's term starts again, and a
    switching agency has its new vendor from this month. The same numbers as those functions,
    agency by agency. Returns, for the agencies that switch (in agency order): who they are,
    their exit costs, and whether each bought its legacy systems' rights (`after_switches`)."""
    x, v, t = VendorContracts(*agencies), VendorMarket(*vendors), RenewalTerms(*terms)
    n = _due(x.contract_end, x.company, t.month, False)
    J = len(n)
    best, cost = np.empty(J, np.int64), np.empty(J)
    switch, buys = np.zeros(J, np.bool_), np.zeros(J, np.bool_)
    if J == 0:
        return n, cost, buys
    claim_gap = t.beliefs[0]
    seen = np.empty(len(v.claim))
    for u in range(len(v.claim)):
        seen[u] = min(max(v.claim[u] - claim_gap, 0.0), 1.0)
    best_of = _best_vendor(v.markup, seen, v.market, v.n_gov)
    run_of, build_of = subset_sums(t.run_cost), subset_sums(t.build_cost)
    for j in range(J):
        i = n[j]
        best[j] = best_of[x.market[i]]
        mine, rival = x.vendor[i], best[j]
        mine_price, best_price = 1.0 + v.markup[mine], 1.0 + v.markup[rival]
        run, migrate, rebuild, legacy, systems = _exit_sums(x.own, x.rights, i, run_of, build_of)
        cost[j] = migrate * t.migration_months + rebuild * best_price
        held = v.tsi_staff[i // t.n_lines] > 0
        if held and legacy:  # the institution may buy the legacy systems' rights
            buy = rebuild * mine_price * v.buyout_share + run * t.migration_months
            if buy < cost[j]:
                cost[j], buys[j] = buy, True
        support = v.quality_support * held
        mine_quality = expected_of(v.claim[mine], support, x.found_sum[i], x.found_count[i], t.beliefs)
        rival_quality = seen[rival] + support * (1 - seen[rival])
        renew = run * mine_price * t.contract_months / max(mine_quality, 1e-9)  # `choose`'s terms
        leave = (run * best_price * t.contract_months + cost[j]) / max(rival_quality, 1e-9)
        switch[j] = (leave < renew) & (rival != mine)
        # the exit moves only what the vendor runs: the in-house unit keeps running its share of
        # the systems (`operations.operating_costs`' rule), which neither migrate nor are rebuilt;
        # every term above scales alike, so the choice is the same and is made on the whole
        cost[j] *= 1.0 - inhouse_share(x.staff[i], systems, t.systems_per_staff)
        x.contract_end[i] = t.month + t.contract_months
        x.found_sum[i], x.found_count[i] = 0.0, 0.0  # the record starts again with the new term
    for j in np.flatnonzero(switch):
        x.vendor[n[j]], x.operator_since[n[j]] = best[j], t.month
    return n[switch], cost[switch], buys[switch]


@njit(cache=True)
def inhouse_share(staff, systems, systems_per_staff):
    """The share of an agency's `systems` its in-house staff run (`operations.operating_costs`:
    as many as they can, the vendor the rest); 0 without systems."""
    return min(1.0, staff * systems_per_staff / systems) if systems > 0 else 0.0


@njit(cache=True)
def kinds_held(held, n):
    """`numeric.row_bits` of an (N, K) array of kinds: row `n`'s kinds as bits (bit k: kind k).
    The kinds' count is a constant here, so the loop unrolls (twice as fast, the same bits)."""
    bits = 0
    for k in range(N_KINDS):
        bits |= np.int64(held[n, k]) << k
    return bits


@njit(cache=True)
def _exit_sums(own, rights, i, run_of, build_of):
    """Agency `i`'s running cost, that of its systems whose rights the government holds (to
    migrate), the build cost of the others (to rebuild), each added in kind order (`run_of`,
    `build_of`: `subset_sums` of the running and build costs; `switching_cost` is numpy's
    product: the same numbers at the agents' costs); and whether there is any of the others
    (legacy systems); and how many systems it runs."""
    held, free = kinds_held(own, i), kinds_held(rights, i)
    return run_of[held], run_of[held & free], build_of[held & ~free], (held & ~free) != 0, KINDS_IN_SET[held]


def with_buyout(model: GovModel, n: np.ndarray, rebuild: np.ndarray, incumbent_factor: np.ndarray):
    """Where a technical-support institution negotiates for the agency (seed 002 §7), the code
    and data rights of its legacy systems are a priced term: it may buy them from the incumbent
    at `buyout_share` of their build price (at the incumbent's markup) and migrate them instead
    of rebuilding. Returns the exit cost (the cheaper way out) and whether it buys (J,)."""
    tsi = model.spec.reforms.tech_support_institution
    if not model.tech_support.staff.any():  # no institution anywhere (most runs): nothing to look up
        return rebuild, np.zeros(len(n), bool)
    can = model.tech_support.staff[model.structure.agency_gov[n]] > 0
    if not can.any():
        return rebuild, np.zeros(len(n), bool)
    st, a = model.state, model.spec.agents
    run_cost, build_cost = model.base_run_cost, model.base_build_cost  # made once per model
    legacy = st.own[n] & ~st.rights[n]
    buy = (legacy @ build_cost) * incumbent_factor * tsi.buyout_share + st.own[n] @ run_cost * a.migration_months
    buys = can & row_any(legacy) & (buy < rebuild)
    return np.where(buys, buy, rebuild), buys


def _rights_clause(model: GovModel, agencies: np.ndarray, taken_back: np.ndarray | bool = False) -> None:
    """Agencies that left their operator rebuilt the systems they held no rights to; whoever
    on the government side writes those new terms puts in the clause that the rebuilt code
    and data belong to the government (seed 002 §7), holding with probability the writer's
    skill (as for new projects, `control.project_terms`): a technical-support institution of
    its government, or, where the agency took operations back (`taken_back`), the unit that
    received the systems and rebuilds them, the more skilled. On a switch to another supplier
    only the institution writes them (the agency's unit is not taken to negotiate the new
    supplier's contract; assumed, as before 0.2.4). Without a writer the new supplier keeps them."""
    st, tsi = model.state, model.tech_support
    g = model.structure.agency_gov[agencies]
    institution = tsi.staff[g] > 0
    if not (institution.any() or (taken_back is not False and np.any(taken_back))):
        return  # no writer (most switches: no institution, no take-back): nothing drawn
    unit = np.where(taken_back & (st.staff[agencies] > 0), st.skill[agencies], 0.0)
    writer = np.maximum(unit, np.where(institution, tsi.skill[g], 0.0))
    held = writer > 0
    a = agencies[held]
    if len(a) == 0:
        return
    st.rights[a] |= st.own[a] & (model.rng.random(st.own[a].shape) < writer[held][:, None])


def renew_company_contracts(model: GovModel) -> None:
    """Company contracts that end this month: each agency renews, switches to the best
    vendor of its market or takes operations back (`choose`); renewed contracts carry the
    company's current asking markup."""
    n = due(model, company=True)
    if len(n) == 0:
        return
    st, a = model.state, model.spec.agents
    term = model.companies[0].p.contract_months
    x, vendor, cost, buys, choice = _options(model, n)
    _staff_take_backs(model, n, x, choice, term)
    renew, switch, back = n[choice == RENEW], n[choice == SWITCH], n[choice == TAKE_BACK]
    asking = np.array([c.markup for c in model.companies])
    st.contract_markup[renew] = asking[st.company[renew]]
    st.company[switch] = -1
    st.vendor[switch] = vendor[choice == SWITCH]
    model.spend["build"] += float(cost[choice != RENEW].sum())
    st.contract_end[renew] = model.month + term
    st.contract_end[switch] = model.month + a.vendor_contract_months
    st.contract_end[back] = model.month + a.vendor_contract_months
    st.operator_since[n[choice != RENEW]] = model.month  # a new supplier (the vendor builds again after a take-back)
    st.found_sum[n], st.found_count[n] = 0.0, 0.0  # the record starts again with the new term
    leave = choice != RENEW
    _rights_clause(model, n[leave & ~buys], choice[leave & ~buys] == TAKE_BACK)
    bought = n[leave & buys]  # the legacy systems' rights were bought from the company
    st.rights[bought] |= st.own[bought]
    model.step_stats["renewals"] = {"renew": len(renew), "switch": len(switch), "take_back": len(back)}


def record_found_quality(model: GovModel, examined: np.ndarray) -> None:
    """(N, K) systems examined (by a third-party audit or the technical-support institution's
    check on delivery): where the agency's supplier (its company, else its vendor) built the
    system (its project was proposed after the supplier took the agency over: not legacy
    systems it only operates, nor a former supplier's project delivered after a change), the
    quality found stays on the agency's record until its contract comes up for renewal, when
    the agency weighs it against what the supplier claims (`expected_quality`). A project
    proposed in the month of the change was planned before the new contract began (planning
    precedes renewals and the reforms' step), so it is the former supplier's. The initial
    vendor has held the agency since before month 0 (`operator_since` starts at −1): the
    systems it runs at the start were drawn around its quality and are on its record. Small
    biases of the found mean, second order against the claims' spread, are kept: deliveries
    are clipped at 1 (at quality 0.85, σ 0.1, the mean found is about 0.003 low), a repaired
    system is found at the better of its two draws, and a returned deliverable is found twice."""
    record_found_cells(model, np.flatnonzero(examined))  # the cells listed, ascending: the same additions


def record_found_cells(model: GovModel, cells: np.ndarray) -> None:
    """`record_found_quality` of the examined systems given as their flat indices n * K + k,
    ascending (what the audits and checks return: a few thousand of ~70,000 cells at 13,750
    agencies, not a mask to scan)."""
    st = model.state
    _record_found_at(cells, st.proposed, st.operator_since, st.quality, st.found_sum, st.found_count)


@njit(cache=True)
def _record_found_at(cells, proposed, since, quality, found_sum, found_count):
    """The examined cells (flat, ascending): each row's qualities found
    added in kind order, then onto the agency's record: the same additions."""
    K = proposed.shape[1]
    row, total, count = -1, 0.0, 0
    for i in cells:
        n, k = i // K, i % K
        if proposed[n, k] <= since[n]:
            continue
        if n != row:
            if count:
                found_sum[row] += total
                found_count[row] += count
            row, total, count = n, 0.0, 0
        total += quality[n, k]
        count += 1
    if count:
        found_sum[row] += total
        found_count[row] += count


def claim_gaps(model: GovModel, k: int) -> np.ndarray:
    """(k,) how far each new supplier overstates its delivery quality (its claim less its true
    mean), drawn once: N(claim_gap, claim_gap_spread) (seed 003 质量评估 for the direction; size
    and spread assumed). Drawn from a child of the model's generator, spawned at the first
    supplier (`Generator.spawn` advances the seed sequence, not the generator's state): the
    model's own stream is not shifted by them, whatever their spread."""
    if getattr(model, "claim_rng", None) is None:
        model.claim_rng = model.rng.spawn(1)[0]
    a = model.spec.agents
    return model.claim_rng.normal(a.claim_gap, a.claim_gap_spread, k)


def seen_quality(model: GovModel, claim: np.ndarray) -> np.ndarray:
    """What agencies expect a supplier to deliver with nothing found on its work: its `claim`
    less the mean overstatement they know from experience (`claim_gap`), within [0, 1]."""
    return np.clip(claim - model.spec.agents.claim_gap, 0.0, 1.0)


def expected_quality(model: GovModel, n: np.ndarray, claim: np.ndarray) -> np.ndarray:
    """(J,) the quality agencies `n` expect at renewal from the incumbent that `claim`s (J,)
    (`expected_of`, agency by agency)."""
    st, a = model.state, model.spec.agents
    support = support_here(model, n)
    return _expected_many(
        claim, support, st.found_sum[n], st.found_count[n], (a.claim_gap, a.claim_gap_spread, a.quality_spread)
    )


@njit(cache=True)
def expected_of(claim, support, found_sum, found_count, beliefs):
    """What an agency expects at renewal from an incumbent that claims `claim`: the prior
    `seen_quality` as built here (`as_built_here`, an institution closing `support` of the gap),
    σ `claim_gap_spread`, updated with the `found_count` findings
    on the systems it built for the agency since the last renewal (summing to `found_sum`), each
    its true quality as built here plus noise of σ `quality_spread`: the normal-normal posterior
    mean (Gelman et al. 2013, BDA §2.5), (σ² prior + τ² Σ found) / (σ² + n τ²). No findings: the
    prior; many: their mean; τ = 0 (every supplier overstates alike): the prior whatever is found,
    which then tells nothing. `beliefs` = (claim_gap, claim_gap_spread, quality_spread)."""
    claim_gap, gap_spread, quality_spread = beliefs
    prior = min(max(claim - claim_gap, 0.0), 1.0)
    prior += support * (1 - prior)
    # an institution lifts every build, q + s(1 - q): the prior's spread and the findings' both
    # shrink by (1 - s), which leaves their weights as they are without it
    tau2 = (gap_spread * (1 - support)) ** 2
    sigma2 = (quality_spread * (1 - support)) ** 2
    weight = sigma2 + found_count * tau2
    return (sigma2 * prior + tau2 * found_sum) / weight if weight > 0 else prior


@njit(cache=True)
def _expected_many(claim, support, found_sum, found_count, beliefs):
    out = np.empty(len(claim))
    for j in range(len(claim)):
        out[j] = expected_of(claim[j], support[j], found_sum[j], found_count[j], beliefs)
    return out


def support_here(model: GovModel, n: np.ndarray) -> np.ndarray:
    """(J,) the share of a builder's quality gap a technical-support institution of the
    government of agencies `n` closes (0 without one)."""
    tsi = model.tech_support
    return tsi.quality_support * (tsi.staff[model.structure.agency_gov[n]] > 0)


def as_built_here(model: GovModel, n: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """(J,) a builder's mean `quality` as it would deliver for agencies `n`: a technical-support
    institution of their government closes `quality_support` of the gap, as on every build
    (`planning.start_builds`), so what agencies expect compares with what audits find on the
    systems built there."""
    return quality + support_here(model, n) * (1 - quality)


def _options(model: GovModel, n: np.ndarray):
    """What renewing, switching and taking back cost and deliver for agencies `n`; the
    vendor each would switch to; the switching cost; whether leaving buys the legacy
    systems' rights (`with_buyout`); and each one's choice (`choose`): `_company_options`."""
    from .institutions import company_cost

    st, s, a, tsi, pool = model.state, model.structure, model.spec.agents, model.tech_support, model.tech_pool
    companies = model.companies
    agencies = CompanyClients(
        own=st.own,
        rights=st.rights,
        company=st.company,
        market=s.agency_market,
        gov=s.agency_gov,
        staff=st.staff,
        skill=st.skill,
        found=(st.found_sum, st.found_count),
    )
    offers = CompanyOffers(
        cost=company_cost(model),  # scale economies and its hired staff's wages
        asking=np.array([c.markup for c in companies]),
        claim=np.array([c.claimed_quality for c in companies]),
        term=companies[0].p.contract_months,
    )
    vendors = ((model.vendor_markup, model.vendor_claim, model.vendor_market), s.n_gov)
    support = GovSupport(
        pool=(pool.staff, pool.skill),
        tsi=(tsi.staff, tsi.free, tsi.skill),
        quality_support=tsi.quality_support,
        buyout_share=model.spec.reforms.tech_support_institution.buyout_share,
    )
    terms = (model.base_run_cost, model.base_build_cost, a.migration_months, a.systems_per_staff, a.staff_wage)
    beliefs = (a.claim_gap, a.claim_gap_spread, a.quality_spread)
    out = _company_options(n, tuple(agencies), tuple(offers), vendors, tuple(support), (terms, beliefs))
    x, vendor, cost, buys, choice = out
    return RenewalInputs(*x), vendor, cost, buys, choice


class CompanyClients(NamedTuple):
    """Per agency (N): what a company client's renewal options read (`_company_options`)."""

    own: np.ndarray  # (N, K)
    rights: np.ndarray  # (N, K)
    company: np.ndarray
    market: np.ndarray  # its market government
    gov: np.ndarray
    staff: np.ndarray  # its in-house IT staff
    skill: np.ndarray
    found: tuple  # (found_sum, found_count): quality found on the company's work (`expected_quality`)


class CompanyOffers(NamedTuple):
    """Per company: its cost factor (`institutions.company_cost`), asking markup and claimed quality."""

    cost: np.ndarray
    asking: np.ndarray
    claim: np.ndarray
    term: int  # months of a company contract


class GovSupport(NamedTuple):
    """Per government (G): its technical pool and institution (take-back staff, quality support, buy-outs)."""

    pool: tuple  # (staff, skill)
    tsi: tuple  # (staff, free, skill)
    quality_support: float
    buyout_share: float


@njit(cache=True)
def _company_options(n, agencies, offers, vendors, support, terms):
    """`_options` agency by agency, then `choose`: the running cost and systems (`subset_sums`,
    as `vendor_renewals` reads them), the company's price and the quality expected from it
    (`expected_of` with `support_here`), the market's best vendor (`best_vendor`), the switching
    cost (`switching_cost`) and the buy-out (`with_buyout`, where an institution exists), the
    staff available (`available_staff`) and the vendor's quality as built here (`as_built_here`
    of `seen_quality`): the numbers those functions make. `terms` = ((run_cost, build_cost,
    migration_months, systems_per_staff, staff_wage), beliefs)."""
    x, c, g = CompanyClients(*agencies), CompanyOffers(*offers), GovSupport(*support)
    (run_cost, build_cost, migration_months, systems_per_staff, staff_wage), beliefs = terms
    (markup, claim, _), n_gov = vendors  # ((markup, claim, market), n_gov)
    best_of = _best_seen_vendor(vendors[0], beliefs[0], n_gov)
    run_of, build_of = subset_sums(run_cost), subset_sums(build_cost)
    tsi_staff = g.tsi[0]
    any_tsi = False
    for gov in range(len(tsi_staff)):
        any_tsi |= tsi_staff[gov] != 0
    J = len(n)
    out = [np.empty(J) for _ in range(9)]  # `RenewalInputs` in its order
    vendor, buys = np.empty(J, np.int64), np.zeros(J, np.bool_)
    for j in range(J):
        i = n[j]
        run, migrate, rebuild, legacy, systems = _exit_sums(x.own, x.rights, i, run_of, build_of)
        rival = best_of[x.market[i]]
        vendor[j] = rival
        asking = c.asking[x.company[i]]
        support = g.quality_support * (tsi_staff[x.gov[i]] > 0)
        cost = migrate * migration_months + rebuild * (1.0 + markup[rival])
        if any_tsi and tsi_staff[x.gov[i]] > 0 and legacy:
            buy = rebuild * (1 + asking) * g.buyout_share + run * migration_months
            if buy < cost:
                cost, buys[j] = buy, True
        staff, skill = _staff_for(x, g, i)
        seen = min(max(claim[rival] - beliefs[0], 0.0), 1.0)
        found_sum, found_count = x.found
        quality = expected_of(c.claim[x.company[i]], support, found_sum[i], found_count[i], beliefs)
        out[0][j], out[1][j], out[2][j] = run, systems, cost
        out[3][j], out[4][j], out[5][j] = (1 + asking) * c.cost[x.company[i]], quality, 1.0 + markup[rival]
        out[6][j], out[7][j], out[8][j] = seen + support * (1 - seen), staff, skill
    inputs = (out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8])
    return inputs, vendor, inputs[2], buys, choose(inputs, c.term, systems_per_staff, staff_wage)


@njit(cache=True)
def _staff_for(x, g, i):
    """`available_staff` of agency `i`: its own IT unit if it kept one, else its government's
    pool and institution's free staff, at their staff-weighted skill."""
    if x.staff[i] > 0:
        return x.staff[i], x.skill[i]
    pool_staff, pool_skill = g.pool
    _, tsi_free, tsi_skill = g.tsi
    gov = x.gov[i]
    staff = pool_staff[gov] + tsi_free[gov]
    if staff > 0:
        return staff, (pool_staff[gov] * pool_skill[gov] + tsi_free[gov] * tsi_skill[gov]) / max(staff, 1e-12)
    return staff, 0.0


def best_vendor(model: GovModel) -> np.ndarray:
    """(G,) per market government: its vendor with the lowest price per unit of the quality
    agencies expect from it (its claim less the known mean overstatement, `seen_quality`)."""
    vendors = (model.vendor_markup, model.vendor_claim, model.vendor_market)
    return _best_seen_vendor(vendors, model.spec.agents.claim_gap, model.structure.n_gov)


@njit(cache=True)
def _best_seen_vendor(vendors, claim_gap, n_gov):
    """`best_vendor` in one call: `seen_quality` (clip of claim - gap to [0, 1]) per vendor,
    then `_best_vendor`. `vendors` = (markup, claim, market)."""
    markup, claim, market = vendors
    seen = np.empty(len(claim))
    for v in range(len(claim)):
        seen[v] = min(max(claim[v] - claim_gap, 0.0), 1.0)
    return _best_vendor(markup, seen, market, n_gov)


@njit(cache=True)
def _best_vendor(markup, quality, market, n_gov):
    """Per market, the vendor of lowest (1 + markup) / quality; ties: the lower id."""
    out = np.full(n_gov, -1, np.int64)
    best = np.empty(n_gov)
    for v in range(len(markup)):
        value = (1.0 + markup[v]) / max(quality[v], 1e-9)
        m = market[v]
        if out[m] < 0 or value < best[m]:
            out[m], best[m] = v, value
    return out


def available_staff(model: GovModel, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Government staff who could run each agency's systems, and their skill: its own IT
    unit if it kept one, else its government's technical pool and institution."""
    st, g = model.state, model.structure.agency_gov[n]
    pool, tsi = model.tech_pool, model.tech_support
    staff = pool.staff[g] + tsi.free[g]  # the institution's staff not busy specifying and checking
    skill = np.where(
        staff > 0, (pool.staff[g] * pool.skill[g] + tsi.free[g] * tsi.skill[g]) / np.maximum(staff, 1e-12), 0
    )
    own = st.staff[n] > 0
    return np.where(own, st.staff[n], staff), np.where(own, st.skill[n], skill)


def _staff_take_backs(model: GovModel, n: np.ndarray, x: RenewalInputs, choice: np.ndarray, term: int) -> None:
    """Agencies that chose to take operations back do so in agency order, each from the staff
    its government still has free: where earlier agencies of the same government have taken
    them, it chooses again without the take-back (renew or switch). `choice` is updated."""
    a, st = model.spec.agents, model.state
    pool, tsi = model.tech_pool, model.tech_support
    for j in np.flatnonzero(choice == TAKE_BACK):
        agency, needed = int(n[j]), x.systems[j] / a.systems_per_staff
        g = model.structure.agency_gov[agency]
        if st.staff[agency] > 0 or pool.staff[g] + tsi.free[g] >= np.ceil(needed):
            _take_back(model, agency, needed)
            continue
        alone = RenewalInputs(*(np.asarray(v)[j : j + 1] for v in x))._replace(staff_available=np.zeros(1))
        choice[j] = choose(tuple(alone), term, a.systems_per_staff, a.staff_wage)[0]


def _take_back(model: GovModel, n: int, needed: float) -> None:
    """The agency's systems go back to government staff: its own unit runs them, or staff
    move from the technical pool (then the institution) into a unit of the agency."""
    st = model.state
    st.company[n] = -1
    if st.staff[n] > 0:
        return
    g = int(model.structure.agency_gov[n])
    need = float(np.ceil(needed))
    pool, tsi = model.tech_pool, model.tech_support
    from_pool = min(need, pool.staff[g])
    from_tsi = need - from_pool
    st.staff[n] = need
    st.skill[n] = (from_pool * pool.skill[g] + from_tsi * tsi.skill[g]) / need
    pool.staff[g] -= from_pool
    tsi.staff[g] -= from_tsi
    tsi.free[g] -= from_tsi
