"""Agent state as a struct of arrays, and the rules reforms change.

Agencies number in the thousands to the hundred thousand, so their state lives in numpy
arrays indexed by agency (and capability kind, or dyad); the Mesa `Agency` objects are
thin views over these arrays. Bureaus, companies and vendors are few and keep Python
state on their own agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from .schema import KINDS, LAYERS

INFRA, SUPPORT, DATA, APP, MOBILE = range(len(KINDS))
N_KINDS = len(KINDS)  # a compile-time constant inside compiled loops
SKILL_FLOOR = 0.05  # no IT unit or line staff starts with no skill at all (a floor, not a behaviour)
YEAR = 12  # months a look-back window spans (recent audits, recent deliveries)
MONTH = np.int32  # months (built, expires, done, proposed, audited): half the memory the step reads
SHAREABLE = np.array([True, True, True, False, False])
SHAREABLE_FLAGS = SHAREABLE.astype(np.int64)  # read as a constant inside compiled loops
KINDS_IN_SET = np.array([bin(b).count("1") for b in range(1 << N_KINDS)], np.int64)  # per `numeric.row_bits` set
LAYER_OF_KIND = {INFRA: 0, SUPPORT: 2, DATA: 1}  # kind -> index in LAYERS
LAYERED_KINDS = np.array(list(LAYER_OF_KIND))  # the kinds a platform layer stands in for ...
KIND_LAYERS = np.array(list(LAYER_OF_KIND.values()))  # ... and their layers
LAYER_COLUMN = np.array([LAYER_OF_KIND.get(k, -1) for k in range(len(KINDS))])  # kind -> layer, -1: none
N_LAYERS = len(LAYERS)
DATA_LAYER = LAYERS.index("data")
NO_ONE = -1


def read_only(values) -> np.ndarray:
    """An array of `values` that nothing can change in place (a constant shared by many readers)."""
    out = np.asarray(values)
    out.flags.writeable = False
    return out


def row_sum(a: np.ndarray) -> np.ndarray:
    """Sum over the kinds of an (N, K) array, column by column: same numbers as
    `a.sum(axis=1)` (left to right), about 6x faster on a few columns and many rows."""
    if a.dtype == bool:
        a = a.view(np.uint8)
    out = a[:, 0].astype(np.int64 if a.dtype.kind in "bui" else a.dtype)
    for k in range(1, a.shape[1]):
        out += a[:, k]
    return out


def row_any(a: np.ndarray) -> np.ndarray:
    """`a.any(axis=1)` of a bool (N, K) array, column by column: the same answer, about 7x
    faster on a few columns and many rows (numpy reduces a short inner axis slowly)."""
    out = a[:, 0].copy()
    for k in range(1, a.shape[1]):
        out |= a[:, k]
    return out


@njit(cache=True)
def kinds_owned(flat_own: np.ndarray, g: int, n_lines: int) -> int:
    """Bit k set: some agency of government `g` runs its own system of kind k (agency
    `g * L + l` is line `l` of government `g`; `flat_own` is `own.ravel()`)."""
    bits = 0  # in a register (K is a compile-time constant)
    for i in range(g * n_lines * N_KINDS, (g + 1) * n_lines * N_KINDS, N_KINDS):
        for k in range(N_KINDS):
            bits |= flat_own[i + k] << k
    return bits


@njit(cache=True)
def shared_ok_bits(kind_reach: np.ndarray, g: int, owned_bits: int) -> int:
    """Bit k set: a shared instance of kind k is reachable from government `g` — a platform
    layer or the government app (`kind_reach`), or another agency's shareable system."""
    bits = 0
    for k in range(N_KINDS):
        bits |= (kind_reach[g, k] | (((owned_bits >> k) & 1) & SHAREABLE_FLAGS[k])) << k
    return bits


@njit(cache=True)
def gov_owns(own: np.ndarray, n_gov: int, n_lines: int) -> np.ndarray:
    """(G, K): some agency of the government runs its own system of the kind."""
    flat = own.ravel()
    out = np.zeros((n_gov, N_KINDS), np.bool_)
    for g in range(n_gov):
        bits = kinds_owned(flat, g, n_lines)
        for k in range(N_KINDS):
            out[g, k] = (bits >> k) & 1
    return out


@njit(cache=True)
def kind_reach_of(platform_reach: np.ndarray, app_reach: np.ndarray) -> np.ndarray:
    """(G, K): a shared instance of each kind is reachable from the government — the
    platform layer standing in for the kind, or (MOBILE) the government app. Compiled: read
    four or five times a month, it took three times as long as numpy fancy indexing."""
    G = platform_reach.shape[0]
    out = np.zeros((G, N_KINDS), np.bool_)
    for g in range(G):
        for k in range(N_KINDS):
            if LAYER_COLUMN[k] >= 0:
                out[g, k] = platform_reach[g, LAYER_COLUMN[k]]
        out[g, MOBILE] = app_reach[g]
    return out


def kind_reach_kept(holder: Any, platform_reach: np.ndarray, app_reach: np.ndarray) -> np.ndarray:
    """`kind_reach_of`, kept on `holder` (the model) and made again only when either reach changed, in place or
    replaced (compared as bytes, ~0.3 µs; the compiled call took ~4 µs in a run, two or three calls a month).
    The answer is shared between calls: do not write into it."""
    key = platform_reach.tobytes() + app_reach.tobytes()
    seen = holder.__dict__.get("_kind_reach_seen")
    if seen is None or seen[0] != key:
        seen = holder._kind_reach_seen = key, kind_reach_of(platform_reach, app_reach)
    return seen[1]


@dataclass(eq=False)
class AgencyState:
    open: np.ndarray  # sharing stance (evolutionary-game strategy)
    budget: np.ndarray  # IT funds on hand, 万元
    budget_rate: np.ndarray  # IT allocation per month, 万元
    staff: np.ndarray  # in-house IT unit staff (0 = no unit)
    skill: np.ndarray  # in-house IT staff skill, 0-1
    digital: np.ndarray  # line staff digital skill, 0-1 (seed 003)
    vendor: np.ndarray  # index of the agency's vendor
    company: np.ndarray  # operating company running its IT, NO_ONE before takeover
    wants_app: np.ndarray
    own: np.ndarray  # (N, K) owns a running system of that kind
    expires: np.ndarray  # (N, K) month the system reaches end of life
    quality: np.ndarray  # (N, K) delivered quality of the system, 0-1
    built: np.ndarray  # (N, K) month the system was delivered (first builder is not a duplicate)
    building: np.ndarray  # (N, K) under construction
    done: np.ndarray  # (N, K) month construction ends
    proposed: np.ndarray  # (N, K) month the project under construction was proposed
    build_quality: np.ndarray  # (N, K)
    build_duplicate: np.ndarray  # (N, K) the project under construction duplicates a reachable one
    queued: np.ndarray  # (N, K) waiting for review
    reuse: np.ndarray  # (N, K) uses a same-government agency's system instead of its own
    merged_app: np.ndarray  # its mobile app was merged into a consolidated government app
    refluxed: np.ndarray  # for vertical lines: it holds a current local copy of its records (reflux)
    app_users: np.ndarray  # adoption of its departmental app: share of the residents it could serve, 0-1
    app_broken: np.ndarray  # its services' function in the government app broke in migration (until fixed)
    platform_since: np.ndarray  # month the agency's government joined its platform data layer
    # government control (docs/ODD.md §7.7): who specified each system, who holds its rights
    specified: np.ndarray  # (N, K) government's part in deciding and specifying the running system, 0-1
    rights: np.ndarray  # (N, K) the government holds the running system's code and data rights
    build_specified: np.ndarray  # (N, K) the same for the project under construction
    build_rights: np.ndarray  # (N, K)
    # operations contracts (docs/ODD.md §7.5)
    contract_end: np.ndarray  # month the agency's operations contract (vendor or company) ends
    contract_markup: np.ndarray  # markup agreed in its contract with its operating company
    found_sum: np.ndarray  # quality audits and checks found on its supplier's systems since its last renewal, summed
    found_count: np.ndarray  # how many such findings (0: none; `contracts.expected_quality`)
    operator_since: np.ndarray  # month its supplier took over (−1: the initial vendor); projects proposed since are its
    fees_reviewed: np.ndarray  # month up to which a price review has examined its contract's fees
    other_posts: np.ndarray  # former IT staff of its abolished unit now in other posts (not IT)

    def pipeline(self) -> Pipeline:
        return Pipeline(
            own=self.own,
            reuse=self.reuse,
            quality=self.quality,
            built=self.built,
            expires=self.expires,
            building=self.building,
            done=self.done,
            build_quality=self.build_quality,
            build_duplicate=self.build_duplicate,
        )

    @classmethod
    def empty(cls, n: int) -> AgencyState:
        k = len(KINDS)
        return cls(
            open=np.zeros(n, bool),
            budget=np.zeros(n),
            budget_rate=np.zeros(n),
            staff=np.zeros(n),
            skill=np.zeros(n),
            digital=np.zeros(n),
            vendor=np.zeros(n, np.int64),
            company=np.full(n, NO_ONE, np.int64),
            wants_app=np.zeros(n, bool),
            own=np.zeros((n, k), bool),
            expires=np.zeros((n, k), MONTH),
            quality=np.zeros((n, k)),
            built=np.zeros((n, k), MONTH),
            building=np.zeros((n, k), bool),
            done=np.zeros((n, k), MONTH),
            proposed=np.zeros((n, k), MONTH),
            build_quality=np.zeros((n, k)),
            build_duplicate=np.zeros((n, k), bool),
            queued=np.zeros((n, k), bool),
            reuse=np.zeros((n, k), bool),
            merged_app=np.zeros(n, bool),
            refluxed=np.zeros(n, bool),
            app_users=np.zeros(n),
            app_broken=np.zeros(n, bool),
            platform_since=np.full(n, -1, np.int64),
            specified=np.zeros((n, k)),
            rights=np.zeros((n, k), bool),
            build_specified=np.zeros((n, k)),
            build_rights=np.zeros((n, k), bool),
            contract_end=np.zeros(n, MONTH),
            contract_markup=np.zeros(n),
            found_sum=np.zeros(n),
            found_count=np.zeros(n),
            operator_since=np.full(n, -1, MONTH),  # the initial vendor: since before month 0
            fees_reviewed=np.zeros(n, MONTH),
            other_posts=np.zeros(n),
        )


@dataclass(eq=False)
class Queue:
    """Project proposals waiting for a reviewing body (unified approval, seed 000 §3.2)."""

    agency: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reviewer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.agency)

    def push(self, agency, kind, month, reviewer, cost) -> None:
        self.agency = np.concatenate([self.agency, agency])
        self.kind = np.concatenate([self.kind, kind])
        self.month = np.concatenate([self.month, np.full(len(agency), month, np.int64)])
        self.reviewer = np.concatenate([self.reviewer, reviewer])
        self.cost = np.concatenate([self.cost, cost])

    def keep(self, mask: np.ndarray) -> None:
        for name in ("agency", "kind", "month", "reviewer", "cost"):
            setattr(self, name, getattr(self, name)[mask])


@dataclass(eq=False)
class Rules:
    """The institutional setting agents act under. Built from `[agents]`; reforms change
    entries when they activate (costs, powers, information) — never a measure."""

    n_gov: int
    n_svc: int
    # sharing game
    link_cost_factor: float = 1.0  # standards lower integration cost
    liability_factor: float = 1.0  # a traceable ledger lowers liability risk
    ledger_cost: float = 0.0  # 万元 per shared link per month
    reward: float = 0.0  # evaluation reward per shared link, 万元/month
    penalty: float = 0.0  # evaluation penalty per refused link found, 万元
    audit_probability: float = 0.0  # chance a refused link is found in the evaluation
    rating_credit: float = 0.0  # credit to providers per unit of demand they serve (好差评)
    compatibility: float = 0.0  # chance an existing system can be reused without rework
    pressure: np.ndarray = None  # (G) leadership pressure per refused link, 万元/month
    brokerage: np.ndarray = None  # (G) share of link cost a bureau saves by brokering
    window_capacity: np.ndarray = None  # (G) requests/month a one-stop window completes
    reengineered: np.ndarray = None  # (S) service kinds re-engineered for one window
    hall: np.ndarray = None  # (G) a bureau's service hall accepts every service of the government
    # planning powers
    approval: bool = False
    freeze_until_platform: bool = False
    # people
    talent_drain_factor: float = 1.0
    training_gain: float = 0.0

    def __post_init__(self) -> None:
        g = self.n_gov
        self.pressure = np.zeros(g)
        self.brokerage = np.zeros(g)
        self.window_capacity = np.zeros(g)
        self.reengineered = np.zeros(self.n_svc, bool)
        self.hall = np.zeros(g, bool)


# ---------------------------------------------------------------------------- institutions
# What reforms build and processes, kernels and measures read. Each is created neutral
# (no platform, no institution, no audit, no app, no body) when the model is built and
# filled by the reform that owns it (docs/adding-a-reform.md); the model names none of them.

NEVER_AUDITED = -(10**6)


@dataclass(eq=False)
class Platforms:
    """Shared platform layers (`shared_platform`): the platform serving each government,
    the layers built, and the governments connected to each layer."""

    of_gov: np.ndarray  # (G) index of the platform serving the government, NO_ONE if none
    reach: np.ndarray  # (G, N_LAYERS) layer reachable from the government
    gov: np.ndarray  # (P) government building each platform
    ready: np.ndarray  # (P, N_LAYERS) layer built
    run_by_market: np.ndarray  # (G) per market government: the platforms' running cost this month, 万元
    province_built: np.ndarray  # (G, K) kinds the province builds for the government instead of its agencies
    connection_cost: float = 0.0  # 万元 a month: a provider's one connection to the data layer
    planned: bool = False  # a platform will be built (proposals may wait for it)

    @classmethod
    def none(cls, n_gov: int) -> Platforms:
        return cls(
            of_gov=np.full(n_gov, NO_ONE, np.int64),
            reach=np.zeros((n_gov, N_LAYERS), bool),
            gov=np.zeros(0, np.int64),
            ready=np.zeros((0, N_LAYERS), bool),
            run_by_market=np.zeros(n_gov),
            province_built=np.zeros((n_gov, N_KINDS), bool),
        )

    def ready_for(self, gov: np.ndarray) -> np.ndarray:
        """Per government in `gov`: the platform serving it has all its layers built (True
        where no platform is planned: there is nothing to wait for)."""
        if not self.planned:
            return np.ones(len(gov), bool)
        if len(self.gov) == 0:
            return np.zeros(len(gov), bool)
        p = self.of_gov[gov]
        ready = self.ready.all(axis=1)
        return (p >= 0) & ready[np.maximum(p, 0)]

    def layers_in(self, market: int, gov_market: np.ndarray) -> int:
        """Platform layers built by the governments of one market."""
        if len(self.gov) == 0:
            return 0
        return int(self.ready[gov_market[self.gov] == market].sum())


@dataclass(eq=False)
class TechSupport:
    """Technical-support institutions (`tech_support_institution`) per government."""

    staff: np.ndarray  # (G)
    skill: np.ndarray  # (G) 0-1
    free: np.ndarray  # (G) staff not taken this month by specifications and checks
    specified: np.ndarray  # (G) projects it specified since its last monthly step
    span: float = 0.0  # systems one staff member oversees at full skill
    quality_support: float = 0.0  # share of the gap to full quality closed on a project
    rework_cost: float = 0.0  # 万元 builders spent reworking returned deliverables, cumulative (not IT spending)

    @classmethod
    def none(cls, n_gov: int) -> TechSupport:
        return cls(staff=np.zeros(n_gov), skill=np.zeros(n_gov), free=np.zeros(n_gov), specified=np.zeros(n_gov))

    def capacity(self, gov_market: np.ndarray) -> np.ndarray:
        """Per market government: free staff x skill of the institutions in it (oversight)."""
        return np.bincount(gov_market, weights=self.free * self.skill, minlength=len(self.staff))


@dataclass(eq=False)
class Audits:
    """Audits of running systems (`third_party_evaluation`)."""

    month: np.ndarray  # (N, K) month of the system's last audit
    last: int = NEVER_AUDITED  # month of the latest audit anywhere
    recovered: float = 0.0  # 万元 of over-priced fees price reviews recovered (审减), cumulative
    repair_cost: float = 0.0  # 万元 builders spent repairing what audits found, cumulative (not IT spending)

    @classmethod
    def none(cls, n_agencies: int) -> Audits:
        return cls(month=np.full((n_agencies, N_KINDS), NEVER_AUDITED, MONTH))

    def record(self, systems: np.ndarray, month: int) -> None:
        """(N, K) mask of running systems audited this month."""
        self.month[systems] = month
        if systems.any():
            self.last = month

    def recent(self, month: int) -> bool:
        """Some system was audited in the last year (else no coverage to compute)."""
        return self.last > month - YEAR


@dataclass(eq=False)
class GovApps:
    """Consolidated government apps (`app_consolidation`)."""

    reach: np.ndarray  # (G) a government app serves the government
    users: np.ndarray  # (G) adoption of the government app serving the government, 0-1
    joins: np.ndarray  # (N) the agency would put a new or renewed app into the government app
    count: int = 0  # government apps running

    @classmethod
    def none(cls, n_gov: int, n_agencies: int) -> GovApps:
        return cls(reach=np.zeros(n_gov, bool), users=np.zeros(n_gov), joins=np.zeros(n_agencies, bool))


@dataclass(eq=False)
class Openness:
    """Public data opened to every firm (`open_data`): which agencies' datasets are
    published, which needed links an opened dataset can stand in for, and the third-party
    developers using them."""

    share: np.ndarray  # (G) per market government: share of its public records opened
    opened: np.ndarray  # (N) the agency's dataset is published
    fit: np.ndarray  # (D) an opened dataset can stand in for the link (not personal, recent enough)
    developers: np.ndarray  # (G) per market government: developers whose services use opened data
    covered: np.ndarray  # (N) the agency's opened dataset is used by a developer's service

    @classmethod
    def none(cls, n_gov: int, n_agencies: int, n_dyads: int) -> Openness:
        return cls(
            share=np.zeros(n_gov),
            opened=np.zeros(n_agencies, bool),
            fit=np.zeros(n_dyads, bool),
            developers=np.zeros(n_gov, np.int64),
            covered=np.zeros(n_agencies, bool),
        )


@dataclass(eq=False)
class Libraries:
    """Base libraries (`base_data`): whose records they hold a current copy of."""

    current: np.ndarray  # (N) a library holds a current copy of the agency's records

    @classmethod
    def none(cls, n_agencies: int) -> Libraries:
        return cls(current=np.zeros(n_agencies, bool))


@dataclass(eq=False)
class Review:
    """Coordinating bodies and project review (`data_bureau`, `unified_approval`, and the
    general offices reforms call on): routing and monthly allowance."""

    body_of_gov: np.ndarray  # (G) the government's own body, NO_ONE if none
    reviewer_of_gov: np.ndarray  # (G) the body its proposals go to: its own, else the nearest ancestor's
    approval_capacity: float = 0.0  # proposals a fully attentive body decides per month
    capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (B) proposals per month
    credit: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (B) reviews accrued, not yet made
    decided: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B) proposals decided, cumulative
    rejected: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B) of them rejected as duplicates

    @classmethod
    def none(cls, n_gov: int) -> Review:
        return cls(body_of_gov=np.full(n_gov, NO_ONE, np.int64), reviewer_of_gov=np.full(n_gov, NO_ONE, np.int64))

    def allowance(self) -> np.ndarray:
        """Whole proposals each body may decide this month; a fractional capacity
        (e.g. 0.3 a month) accumulates until a whole review is possible."""
        self.credit = self.credit + self.capacity
        return np.floor(self.credit + 1e-9).astype(np.int64)

    def consume(self, used: np.ndarray) -> None:
        # unused capacity does not bank: only the fraction of a review carries over
        self.credit = np.minimum(self.credit - used, 1 - 1e-9)

    def record(self, reviewers: np.ndarray, duplicate: np.ndarray, n_bodies: int) -> None:
        """Count the proposals each body decided this month, and those it rejected as
        duplicates (arrays: a Python loop over a province's 200-odd bodies cost ~0.2 ms a month)."""
        for name, who in (("decided", reviewers), ("rejected", reviewers[duplicate])):
            counts = np.zeros(n_bodies, np.int64)
            old = getattr(self, name)
            counts[: len(old)] = old
            setattr(self, name, counts + np.bincount(who, minlength=n_bodies))


@dataclass(eq=False)
class TechPool:
    """Government IT staff outside agencies' units (`ops_separation`): staff of abolished
    units moved to the government's bureau, who could run systems again (take-back)."""

    staff: np.ndarray  # (G)
    skill: np.ndarray  # (G) 0-1

    @classmethod
    def none(cls, n_gov: int) -> TechPool:
        return cls(staff=np.zeros(n_gov), skill=np.zeros(n_gov))

    def join(self, gov: np.ndarray, staff: np.ndarray, skill: np.ndarray) -> None:
        """Staff join their government's pool; its skill becomes the staff-weighted mean."""
        G = len(self.staff)
        added = np.bincount(gov, weights=staff, minlength=G)
        added_skill = np.bincount(gov, weights=staff * skill, minlength=G)
        total = self.staff + added
        self.skill = np.where(total > 0, (self.staff * self.skill + added_skill) / np.maximum(total, 1e-12), 0.0)
        self.staff = total


# ---------------------------------------------------------------------------- kernel views
# Compiled kernels take named structures (NamedTuples), never long lists of arrays. A caller
# builds each by keyword and passes `tuple(x)`: numba types a plain tuple in C at every call,
# a NamedTuple in Python (about half a microsecond a field); the kernel names it again,
# `systems = Systems(*systems)`, which costs nothing once compiled.
NO_BITS = np.zeros((N_KINDS, 0), np.uint64)


class Systems(NamedTuple):
    """What agencies run and use, as compiled kernels read it."""

    own: np.ndarray  # (N, K) runs its own system of the kind
    reuse: np.ndarray  # (N, K) uses a shared instance of the kind
    kind_reach: np.ndarray  # (G, K) a shared instance is reachable from the government (platform, app)
    n_lines: int  # agencies per government: agency `g * n_lines + l`
    substitutes: np.ndarray  # (K, L, L) line i's system of a kind could serve line j's users (sim/substitutes.py)
    # (K, L) uint64 the same pairs as bits (`substitutes.compatible_bits`, made once per model);
    # (K, 0): read `substitutes` pair by pair (beyond 64 lines, or where no model made them)
    line_bits: np.ndarray = NO_BITS


class Pipeline(NamedTuple):
    """(N, K) arrays of running systems and of projects, as compiled kernels change them."""

    own: np.ndarray
    reuse: np.ndarray
    quality: np.ndarray
    built: np.ndarray
    expires: np.ndarray
    building: np.ndarray
    done: np.ndarray
    build_quality: np.ndarray
    build_duplicate: np.ndarray
