"""1. Demand: which needed data links are served, and what applicants go through.

A request needs data from several lines. A link is served when its provider actively
shares with the handling agency (a `share` edge) and both can technically exchange (the
provider has a data resource, the handler a line application), or — without the
provider's consent — when a copy of the provider's records the handler can use is held
elsewhere: a current copy in a base library (seed 000 §3.3), or an opened dataset that
fits the need (seed 002 §7). A request is completed online only if every link is served,
at the rate the handler's application and staff skills allow (seed 003: systems that
under-deliver, low digital skills), by the applicants the online channel reaches (the web
portal, or the app hosting the service: `apps.host_reach`). Otherwise the applicant makes
one trip to the handler plus one per missing dataset. A one-stop window (seed 004: 最多跑一次,
一窗受理) takes the application in one trip and its back office fetches what it can — over
a link its provider decided to share (`sharing.set_links`: the same decision as toward the
handler, opened to the window where the handler lacks the application to exchange, the
provider paying the link's cost), or from a copy held elsewhere; each dataset it fetches
costs window time, and a dataset it cannot fetch the applicant still brings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..state import APP, DATA, DATA_LAYER, SHAREABLE_FLAGS, Systems, kind_reach_of
from ..substitutes import can_use_by_bits, can_use_shared, lines_owning
from ..views import view
from .apps import CHANNELS, channel_reach

if TYPE_CHECKING:
    from ..model import GovModel


@dataclass(eq=False)
class Outcome:
    served: np.ndarray  # (D) link served this month
    capable: np.ndarray  # (D) both ends can technically exchange
    missing: np.ndarray  # (I) missing datasets per service instance
    online: np.ndarray  # (I) share of requests completed online
    windowed: np.ndarray  # (I) share of offline requests taken by a one-stop window
    unfetchable: np.ndarray  # (I) missing datasets a window's back office cannot fetch
    trips: np.ndarray  # (I) mean trips per request
    one_trip: np.ndarray  # (I) share of requests done in at most one trip
    rating: np.ndarray  # (I) mean 好差评 score, 1-5
    served_weight: float  # requests x datasets served (demand weight of the served links)
    need_weight: float  # requests x datasets needed
    n_served: int  # links served
    need_by_gov: np.ndarray  # (G) demand weight of the links each government's agencies need
    served_by_gov: np.ndarray  # (G) ... of those served
    provides_data: np.ndarray  # (N) the agency can provide data (`data_capable`): the sharing decision reads it


def provider(model: GovModel) -> np.ndarray:
    """Effective provider of each dyad: a vertical line's data sits at the top of the tree
    until it is returned to the locality (reflux, seed 000 §2.3 and §3.3). Recomputed only
    when reflux changes (GovModel._update_providers)."""
    return provider_of(model.structure, model.state.refluxed)


def provider_of(s, refluxed: np.ndarray) -> np.ndarray:
    """`provider` for a structure and the agencies' reflux flags."""
    at_top = s.d_vertical & ~refluxed[s.d_local]
    return np.where(at_top, s.d_top, s.d_local)


class Providers(NamedTuple):
    """Each dyad's effective provider (`provider`) and what follows from it, as `GovModel` keeps them."""

    provider: np.ndarray  # (D) int64 `GovModel.dyad_provider`
    index: np.ndarray  # (D) the same as `INDEX` (`GovModel.provider_index`, the service kernel's)
    links_provided: np.ndarray  # (N) needed links each agency provides
    prov_gov: np.ndarray  # (D) the provider's government
    cross: np.ndarray  # (D) served across governments
    local_copy: np.ndarray  # (D) served from a returned copy (reflux)
    linked: np.ndarray  # (N) in some needed link, either end


def providers(model: GovModel) -> Providers:
    """`Providers` for this month's reflux, new arrays each call: only a vertical line's dyads can change
    (`provider`), so the others' are made once per model (`_fixed_providers`) and copied, and the vertical
    dyads (~8% at 13,750 agencies) are set in one compiled pass (`_providers`)."""
    s = model.structure
    known = model.__dict__.get("_fixed_providers")
    if known is None or known[0] is not s:
        known = model._fixed_providers = (s, _fixed_providers(s))
    return Providers(*_providers(known[1], model.state.refluxed))


def _fixed_providers(s) -> tuple:
    """`Providers` with no copy returned (every vertical line's data at the top), its counts and linked flags
    without the vertical dyads' providers; and what `_providers` reads of the vertical dyads. In one compiled
    pass (`fixed_providers`), else (an end beyond `INDEX` or the agencies) as `_fixed_providers_numpy` says."""
    args = (s.d_vertical, s.d_top, s.d_local, s.d_req, s.agency_gov, s.n_agencies, _INDEX_TOP)
    ok, base, vertical, req_gov = fixed_providers(*args)
    if not ok:
        return _fixed_providers_numpy(s)
    return base, (vertical, s.d_top, s.d_local, s.agency_gov, req_gov)


@njit(cache=True)
def fixed_providers(d_vertical, d_top, d_local, d_req, agency_gov, n_agencies, top):
    """`_fixed_providers_numpy`'s arrays (a test holds the two equal): (ok, its first tuple, the vertical
    dyads, each dyad's requesting government); not ok where a dyad's end is outside 0..`top` or the agencies."""
    D = len(d_vertical)
    at_top, req_gov, prov_gov = np.empty(D, np.int64), np.empty(D, np.int64), np.empty(D, np.int64)
    idx, cross = np.empty(D, INDEX), np.empty(D, np.bool_)
    n_provided, linked = np.zeros(n_agencies, np.int64), np.zeros(n_agencies, np.bool_)
    ok, n_vertical = True, 0
    for d in range(D):
        ok &= 0 <= d_local[d] <= top and 0 <= d_top[d] <= top
        p = d_top[d] if d_vertical[d] else d_local[d]
        ok &= 0 <= p < n_agencies and 0 <= d_req[d] < n_agencies
        if not ok:
            break
        at_top[d], idx[d] = p, p
        req_gov[d], prov_gov[d] = agency_gov[d_req[d]], agency_gov[p]
        cross[d] = prov_gov[d] != req_gov[d]
        linked[d_req[d]] = True
        if d_vertical[d]:
            n_vertical += 1
        else:
            n_provided[p] += 1
            linked[p] = True
    vertical = np.empty(n_vertical, np.int64)
    j = 0
    for d in range(D if ok else 0):
        if d_vertical[d]:
            vertical[j] = d
            j += 1
    base = (at_top, idx, n_provided, prov_gov, cross, np.zeros(D, np.bool_), linked)
    return ok, base, vertical, req_gov


def _fixed_providers_numpy(s) -> tuple:
    """`_fixed_providers` in numpy (what its compiled pass replaced; raises where an end does not fit `INDEX`)."""
    vertical = s.d_vertical
    at_top = provider_of(s, np.zeros(s.n_agencies, bool))
    req_gov = s.agency_gov[s.d_req]
    prov_gov = s.agency_gov[at_top]
    index(s.d_local), index(s.d_top)  # both ends fit `INDEX` (raises otherwise)
    fixed = at_top[~vertical]
    linked = np.zeros(s.n_agencies, bool)
    linked[s.d_req] = True
    linked[fixed] = True
    base = (at_top, index(at_top), np.bincount(fixed, minlength=s.n_agencies), prov_gov, prov_gov != req_gov)
    ends = (np.flatnonzero(vertical), s.d_top, s.d_local, s.agency_gov, req_gov)
    return (*base, np.zeros(len(vertical), bool), linked), ends


@njit(cache=True)
def _providers(fixed, refluxed):
    """`Providers` (as a tuple) of `_fixed_providers`' arrays, copied, and the vertical dyads' providers: the
    local agency while it holds a current returned copy (`refluxed`), else the line's top agency."""
    base, ends = fixed
    provider, idx, links, prov_gov, cross, local_copy, linked = (
        base[0].copy(),
        base[1].copy(),
        base[2].copy(),
        base[3].copy(),
        base[4].copy(),
        base[5].copy(),
        base[6].copy(),
    )
    vertical, top, local, agency_gov, req_gov = ends
    for j in range(len(vertical)):
        d = vertical[j]
        back = refluxed[local[d]]
        p = local[d] if back else top[d]
        provider[d], idx[d], local_copy[d] = p, p, back
        prov_gov[d] = agency_gov[p]
        cross[d] = prov_gov[d] != req_gov[d]
        links[p] += 1
        linked[p] = True
    return provider, idx, links, prov_gov, cross, local_copy, linked


def data_capable(model: GovModel, agencies: np.ndarray) -> np.ndarray:
    """The agencies can serve data (as in `_serve`): their own data system, another agency's
    they use, or their government's platform data layer."""
    return _data_capable(HOLDINGS(model), agencies)


@njit(cache=True)
def _data_capable(holdings, agencies):
    """`data_capable`: answered for the asked agencies alone (at 13,750 agencies a month asks a few hundred)."""
    systems, on_layer = systems_of(holdings)
    return asked_data(systems, on_layer, agencies)


@njit(cache=True)
def asked_data(systems, on_layer, agencies):
    """(len(agencies)) each agency can provide data (`_data_and_apps`, its first answer alone), the same test
    agency by agency: by the lines' bits (`can_use_by_bits`; a government's lines running data systems found
    once, when first asked), or pair by pair beyond 64 lines."""
    own, reuse, kind_reach, n_lines = systems.own, systems.reuse, systems.kind_reach, systems.n_lines
    bits = systems.line_bits
    capable = np.empty(len(agencies), np.bool_)
    by_bits = bits.shape[1] == n_lines
    owned = np.empty(len(on_layer), np.uint64)
    known = np.zeros(len(on_layer), np.bool_)
    for j in range(len(agencies)):
        n = agencies[j]
        g, i = n // n_lines, n % n_lines
        data = own[n, DATA] | on_layer[g]
        if by_bits:
            if not known[g]:
                owned[g], known[g] = lines_owning(own, g * n_lines, n_lines, DATA), True
            data = data | (reuse[n, DATA] & can_use_by_bits(kind_reach, owned[g], bits, g, i, DATA))
        elif reuse[n, DATA] and not data:
            data = can_use_shared(own, kind_reach, systems.substitutes, n_lines, n, DATA)
        capable[j] = data
    return capable


class Holdings(NamedTuple):
    """What agencies run and use, and the government's platforms and apps they could use instead: compiled kernels
    make `Systems` of it (`systems_of`), reading `kind_reach` themselves rather than calling out for it."""

    own: np.ndarray  # (N, K)
    reuse: np.ndarray  # (N, K)
    platform_reach: np.ndarray  # (G, N_LAYERS) a platform layer is reachable from the government
    app_reach: np.ndarray  # (G) a government app serves the government
    n_lines: int
    substitutes: np.ndarray  # (K, L, L)
    line_bits: np.ndarray  # (K, L) uint64, made once per model


HOLDINGS = view(
    Holdings,
    own="state.own",
    reuse="state.reuse",
    platform_reach="platforms.reach",
    app_reach="gov_apps.reach",
    n_lines="structure.n_lines",
    substitutes="structure.substitutes",
    line_bits="line_bits",
)


@njit(cache=True)
def systems_of(holdings):
    """`Systems` of the holdings, and (G) the government reaches a platform's data layer."""
    h = Holdings(*holdings)  # named again (state.py: kernel views)
    kind_reach = kind_reach_of(h.platform_reach, h.app_reach)
    systems = Systems(h.own, h.reuse, kind_reach, h.n_lines, h.substitutes, h.line_bits)
    return systems, h.platform_reach[:, DATA_LAYER]


def on_data_layer(model: GovModel, agencies: np.ndarray) -> np.ndarray:
    return model.platforms.reach[model.structure.agency_gov[agencies], DATA_LAYER]


def served_by_others(model: GovModel) -> np.ndarray:
    """(N,) someone besides the supplier hosting an agency's records serves them: the base
    library holds a current copy, or the records are opened and a developer's service uses
    them (`open_data`: developers cover the records they can use) — so no supplier holds
    them exclusively (data_monopoly)."""
    return model.libraries.current | model.openness.covered


class Dyads(NamedTuple):
    """This month's needed links (requesting agency, needed line): who provides, and whether it shares."""

    provider: np.ndarray  # (D) agency providing the data (`INDEX`: `GovModel.provider_index`)
    shared: np.ndarray  # (D) the provider shares on the link
    window_link: np.ndarray  # (D) the provider shares the link with the requester's one-stop window


class Copies(NamedTuple):
    """Where the needed data can be had without the provider's consent (held elsewhere): a current copy of the
    provider's records in a base library, or its opened dataset where that fits the need (not personal, recent
    enough)."""

    library_current: np.ndarray  # (N) a base library holds a current copy of the agency's records
    opened: np.ndarray  # (N) the agency's dataset is published
    fit: np.ndarray  # (D) an opened dataset can stand in for the link


class Services(NamedTuple):
    """The fixed demand structure (`service_view`, built once per model): the needed links (dyads), grouped by
    requesting government, with their demand weight; the service instances, grouped by government, and the
    links each needs, grouped by instance."""

    requester: np.ndarray  # (D) agency handling the service
    weight: np.ndarray  # (D) requests x datasets over the link
    gov_dyads: np.ndarray  # (G + 1) the dyads of government g's agencies are gov_dyads[g]:gov_dyads[g + 1]
    need_by_gov: np.ndarray  # (G) demand weight of the links each government's agencies need
    need_weight: float  # requests x datasets needed
    link_dyad: np.ndarray  # (links) dyad of each link
    inst_links: np.ndarray  # (I + 1) instance i's links are inst_links[i]:inst_links[i + 1]
    gov_runs: np.ndarray  # (R + 1) runs of instances of one government: run r is gov_runs[r]:gov_runs[r + 1]
    handler: np.ndarray  # (I) handling agency
    gov: np.ndarray  # (I) government
    kind: np.ndarray  # (I) service kind
    volume: np.ndarray  # (I) requests per month


class Handling(NamedTuple):
    """What decides how a request is completed: the handler's application and staff, and
    one-stop windows."""

    quality: np.ndarray  # (N, K) delivered quality of the agency's systems
    digital: np.ndarray  # (N) line staff's digital skill
    reengineered: np.ndarray  # (S) service kinds re-engineered for one window
    hall: np.ndarray  # (G) a service hall accepts every service of the government
    window_capacity: np.ndarray  # (G) requests a month the government's windows complete
    fetch_effort: float  # window time per dataset the back office fetches, in requests' worth


DYADS = view(Dyads, provider="provider_index", shared="shared", window_link="window_links")
COPIES = view(Copies, library_current="libraries.current", opened="openness.opened", fit="openness.fit")
HANDLING = view(
    Handling,
    quality="state.quality",
    digital="state.digital",
    reengineered="rules.reengineered",
    hall="rules.hall",
    window_capacity="rules.window_capacity",
    fetch_effort="spec.agents.fetch_effort",
)


def serve(model: GovModel) -> Outcome:
    """Links served and what applicants go through (the module docstring): one compiled call. Its per-link and
    per-service answers come as the rows of one array each, in `Outcome`'s order (a returned array costs
    numba about half a microsecond to hand over, a row a tenth)."""
    kernel_args = (HOLDINGS(model), DYADS(model), COPIES(model), service_view(model), HANDLING(model))
    link, inst, *rest = _serve(*kernel_args, CHANNELS(model))
    return Outcome(link[0], link[1], inst[0], inst[1], inst[2], inst[3], inst[4], inst[5], inst[6], *rest)


def service_view(model: GovModel) -> tuple:
    """`Services` of the (frozen) structure as the kernel takes it (`pack_services`): built once per model,
    in one compiled call (`packed_services`; through `services_of` when it finds them out of order or
    out of range, which then says why)."""
    known = model.__dict__.get("_service_view")
    if known is None:
        s = model.structure
        indices, reals = packed_services(SERVICE_SOURCE(s), s.n_gov, _INDEX_TOP)
        known = (indices, reals) if len(indices) else pack_services(services_of(s))
        model._service_view = known
    return known


class ServiceSource(NamedTuple):
    """What `Services` is made of: the structure's arrays (`SERVICE_SOURCE`)."""

    agency_gov: np.ndarray  # (N)
    d_req: np.ndarray  # (D) requesting agency
    weight: np.ndarray  # (D)
    inst_gov: np.ndarray  # (I)
    handler: np.ndarray  # (I)
    kind: np.ndarray  # (I)
    volume: np.ndarray  # (I)
    link_inst: np.ndarray  # (links)
    link_dyad: np.ndarray  # (links)


SERVICE_SOURCE = view(
    ServiceSource,
    agency_gov="agency_gov",
    d_req="d_req",
    weight="d_weight",
    inst_gov="inst_gov",
    handler="inst_handler",
    kind="inst_svc",
    volume="inst_volume",
    link_inst="link_inst",
    link_dyad="link_dyad",
)


@njit(cache=True)
def packed_services(source, n_gov, top):
    """`pack_services(services_of(...))` in one pass over the structure (a test holds the two equal), or empty
    arrays where `services_of` would find something out of order or range (a government's dyads or instances
    not contiguous, links not grouped by instance, an index outside 0..`top`) or a government outside 0..G-1."""
    agency_gov, d_req, weight, inst_gov, handler, kind, volume, link_inst, link_dyad = ServiceSource(*source)
    D, n_inst = len(d_req), len(inst_gov)
    ok = True
    gov_dyads = np.zeros(n_gov + 1, np.int64)  # searchsorted(req_gov, arange(G + 1)), as counts
    for d in range(D):
        g = agency_gov[d_req[d]]
        ok &= 0 <= g < n_gov and (d == 0 or g >= agency_gov[d_req[d - 1]])
        if ok:
            gov_dyads[g + 1] += 1
    runs = [0]  # instances of one government: each government's one run (np.unique's count)
    seen = np.zeros(n_gov, np.bool_)
    for i in range(n_inst):
        if i == 0 or inst_gov[i] != inst_gov[i - 1]:
            g = inst_gov[i]
            ok &= 0 <= g < n_gov and not seen[g]
            if not ok:
                break
            seen[g] = True
            if i > 0:
                runs.append(i)
    runs.append(n_inst)
    inst_links = np.zeros(n_inst + 1, np.int64)  # searchsorted(link_inst, arange(I + 1)), as counts
    for j in range(len(link_inst)):
        i = link_inst[j]
        ok &= 0 <= i < n_inst and (j == 0 or i >= link_inst[j - 1])
        if ok:
            inst_links[i + 1] += 1
    if not ok:
        return np.zeros(0, INDEX), np.zeros(0)
    gov_dyads, inst_links, gov_runs = np.cumsum(gov_dyads), np.cumsum(inst_links), np.array(runs)
    n_values = D + len(gov_dyads) + len(link_dyad) + len(inst_links) + len(gov_runs) + 3 * n_inst
    indices = np.empty(_N_INDICES + n_values, INDEX)
    at = _N_INDICES  # the lengths first, then the arrays, in `_SERVICE_INDICES`' order
    at, ok = _put_index(indices, 0, at, d_req, top, ok)
    at, ok = _put_index(indices, 1, at, gov_dyads, top, ok)
    at, ok = _put_index(indices, 2, at, link_dyad, top, ok)
    at, ok = _put_index(indices, 3, at, inst_links, top, ok)
    at, ok = _put_index(indices, 4, at, gov_runs, top, ok)
    at, ok = _put_index(indices, 5, at, handler, top, ok)
    at, ok = _put_index(indices, 6, at, inst_gov, top, ok)
    at, ok = _put_index(indices, 7, at, kind, top, ok)
    if not ok:
        return np.zeros(0, INDEX), np.zeros(0)
    need_by_gov, need_weight = _needs(weight, gov_dyads)
    reals = np.empty(D + n_gov + n_inst + 1)
    reals[:D], reals[D : D + n_gov], reals[D + n_gov : -1], reals[-1] = weight, need_by_gov, volume, need_weight
    return indices, reals


@njit(cache=True, inline="always")
def _put_index(indices, k, at, values, top, ok):
    """`values` into `indices` from `at`, their length at `k` (`index`: each within 0..`top`). Returns the
    next place and whether all were within."""
    indices[k] = len(values)
    for v in values:
        ok &= 0 <= v <= top
    indices[at : at + len(values)] = values
    return at + len(values), ok


# `Services`' index arrays, in the order `pack_services` lays them after their lengths
_SERVICE_INDICES = ("requester", "gov_dyads", "link_dyad", "inst_links", "gov_runs", "handler", "gov", "kind")
_N_INDICES = len(_SERVICE_INDICES)


def pack_services(services: Services) -> tuple[np.ndarray, np.ndarray]:
    """`services` as two arrays (a compiled call costs about 0.2 µs for each array it takes): the index arrays
    one `INDEX` array, after their lengths (`_SERVICE_INDICES`); the weights, needs and volumes one float array,
    `need_weight` last. `unpack_services` names them again (slices: no copy)."""
    indices = [getattr(services, name) for name in _SERVICE_INDICES]
    lengths = np.array([len(a) for a in indices], INDEX)
    reals = (services.weight, services.need_by_gov, services.volume, [services.need_weight])
    return np.concatenate((lengths, *indices)).astype(INDEX), np.concatenate(reals).astype(np.float64)


@njit(cache=True)
def unpack_services(packed):
    """`Services` of `pack_services`' arrays: slices of them."""
    indices, reals = packed
    n = _N_INDICES
    ends = np.empty(n + 1, np.int64)
    ends[0] = n
    for k in range(n):
        ends[k + 1] = ends[k] + np.int64(indices[k])
    D, G, n_inst = np.int64(indices[0]), np.int64(indices[1]) - 1, np.int64(indices[5])
    return Services(
        requester=indices[ends[0] : ends[1]],
        weight=reals[:D],
        gov_dyads=indices[ends[1] : ends[2]],
        need_by_gov=reals[D : D + G],
        need_weight=reals[D + G + n_inst],
        link_dyad=indices[ends[2] : ends[3]],
        inst_links=indices[ends[3] : ends[4]],
        gov_runs=indices[ends[4] : ends[5]],
        handler=indices[ends[5] : ends[6]],
        gov=indices[ends[6] : ends[7]],
        kind=indices[ends[7] : ends[8]],
        volume=reals[D + G : D + G + n_inst],
    )


def services_of(s) -> Services:
    """`Services` of a structure, its indices unsigned (`INDEX`). The kernels sum in registers
    over a government's dyads and instances, which needs each government's to be contiguous
    (they are, as built: `government.service_links` sorts the dyads by requester,
    `service_instances` makes a government's instances one after another)."""
    req_gov = s.agency_gov[s.d_req]
    gov_dyads = np.searchsorted(req_gov, np.arange(s.n_gov + 1))
    changes = np.flatnonzero(np.diff(s.inst_gov)) + 1
    gov_runs = np.concatenate(([0], changes, [len(s.inst_gov)]))
    if np.any(np.diff(req_gov) < 0) or len(np.unique(s.inst_gov)) != len(gov_runs) - 1:
        raise ValueError("demand: a government's dyads or service instances are not contiguous")
    if np.any(np.diff(s.link_inst) < 0):
        raise ValueError("demand: links are not grouped by instance")
    inst_links = np.searchsorted(s.link_inst, np.arange(len(s.inst_gov) + 1))
    need_by_gov, need_weight = _needs(s.d_weight, gov_dyads)
    return Services(
        requester=index(s.d_req),
        weight=s.d_weight,
        gov_dyads=index(gov_dyads),
        need_by_gov=need_by_gov,
        need_weight=need_weight,
        link_dyad=index(s.link_dyad),
        inst_links=index(inst_links),
        gov_runs=index(gov_runs),
        handler=index(s.inst_handler),
        gov=index(s.inst_gov),
        kind=index(s.inst_svc),
        volume=s.inst_volume,
    )


# Indices the kernels read through are unsigned: numba tests a signed index for a negative
# value (counting from the end) at every read, which more than doubled a gather loop's time
INDEX = np.uint32
_INDEX_TOP = int(np.iinfo(INDEX).max)


def index(a: np.ndarray) -> np.ndarray:
    """`a` (non-negative integers) as `INDEX`."""
    if len(a) and (a.min() < 0 or a.max() > np.iinfo(INDEX).max):
        raise ValueError(f"demand: indices {a.min()}..{a.max()} do not fit {INDEX.__name__}")
    return a.astype(INDEX)


@njit(cache=True)
def _needs(weight, gov_dyads):
    """(G) demand weight needed by each government's agencies and the total, summed dyad after
    dyad (the order `_links_served` sums what is served in). Fixed for a run: made once."""
    G = len(gov_dyads) - 1
    need_by_gov = np.zeros(G)
    need_weight = 0.0
    for g in range(G):
        need = 0.0
        for d in range(gov_dyads[g], gov_dyads[g + 1]):
            need += weight[d]
            need_weight += weight[d]
        need_by_gov[g] = need
    return need_by_gov, need_weight


@njit(cache=True)
def _serve(holdings, dyads, copies, services, handling, channels):
    """Links served, then each service instance's outcome (see the module docstring): `Outcome`'s fields, those
    per link as the rows of one (2, D) array (served, capable), those per service instance of one (7, I) array
    (missing, online, windowed, unfetchable, trips, one trip, rating)."""
    systems, on_layer = systems_of(holdings)
    dyads, copies = Dyads(*dyads), Copies(*copies)  # named again (state.py: kernel views)
    services, handling = unpack_services(services), Handling(*handling)
    has_data, has_app = _data_and_apps(systems, on_layer)
    reach = channel_reach(systems.own, systems.reuse, Holdings(*holdings).app_reach, channels, systems.n_lines)
    per_link = np.empty((2, len(dyads.provider)), np.bool_)
    fetchable, served_weight, n_served, served_by_gov = _links_served(
        dyads, copies, services, (has_data, has_app), per_link
    )
    lacking = _lacking(services.link_dyad, per_link[0], fetchable)
    per_service = np.empty((7, len(services.handler)))
    _requests(services, handling, systems.own, reach, lacking, per_service)
    return (
        per_link,
        per_service,
        served_weight,
        services.need_weight,
        n_served,
        services.need_by_gov.copy(),
        served_by_gov,
        has_data,
    )


@njit(cache=True)
def _data_and_apps(systems, gov_on_data_layer):
    """Per agency: it can provide data (its own data system, a shared one it uses, or the
    platform's data layer where a provider publishes without a system of its own) and it
    has a line application (its own or a shared one it uses). A shared instance counts only
    while one it could use is reachable: a platform layer, or a compatible line's system of
    its government (`can_use_shared`, the pairs planning and review read, §7.3)."""
    own, reuse, kind_reach, n_lines = systems.own, systems.reuse, systems.kind_reach, systems.n_lines
    substitutes, bits = systems.substitutes, systems.line_bits
    N = own.shape[0]
    has_data = np.empty(N, np.bool_)
    has_app = np.empty(N, np.bool_)
    if bits.shape[1] == n_lines:  # lines compared by bits: no branch on `reuse`, which is random
        for g in range(N // n_lines):
            # the government's rows as slices: a loop from 0 needs no test for negative indices
            lo, hi = g * n_lines, (g + 1) * n_lines
            _gov_data_and_apps(
                own[lo:hi], reuse[lo:hi], kind_reach[g], bits, gov_on_data_layer[g], has_data[lo:hi], has_app[lo:hi]
            )
        return has_data, has_app
    for n in range(N):
        data = own[n, DATA] | gov_on_data_layer[n // n_lines]
        if reuse[n, DATA] and not data:
            data = can_use_shared(own, kind_reach, substitutes, n_lines, n, DATA)
        app = own[n, APP]
        if reuse[n, APP] and not app:
            app = can_use_shared(own, kind_reach, substitutes, n_lines, n, APP)
        has_data[n], has_app[n] = data, app
    return has_data, has_app


@njit(cache=True, inline="always")
def _gov_data_and_apps(own, reuse, kind_reach, bits, on_data_layer, has_data, has_app):
    """`_data_and_apps` for one government's lines (`own`, `reuse`, `has_data`, `has_app` its rows), the same
    test as `can_use_by_bits` (DATA and APP are shareable): inlined, so nothing is copied per call."""
    data_lines, app_lines = _lines_running(own, 0, len(own))
    data_bits, app_bits = bits[DATA], bits[APP]
    for i in range(len(own)):
        data_reach = kind_reach[DATA] | ((SHAREABLE_FLAGS[DATA] != 0) & ((data_lines & data_bits[i]) != 0))
        app_reach = kind_reach[APP] | ((SHAREABLE_FLAGS[APP] != 0) & ((app_lines & app_bits[i]) != 0))
        has_data[i] = own[i, DATA] | on_data_layer | (reuse[i, DATA] & data_reach)
        has_app[i] = own[i, APP] | (reuse[i, APP] & app_reach)


@njit(cache=True)
def _lines_running(own, lo, n_lines):
    """`lines_owning` of DATA and of APP (bit i: line i of the government whose agencies start at
    row `lo` runs its own), in one pass and without a branch on `own`, which is random."""
    data = app = np.uint64(0)
    for i in range(n_lines):
        bit = np.uint64(i)
        data |= np.uint64(own[lo + i, DATA]) << bit
        app |= np.uint64(own[lo + i, APP]) << bit
    return data, app


@njit(cache=True)
def _links_served(dyads, copies, services, capable_ends, out):
    """Into `out` (2, D), rows served and capable (`capable_ends` = (has data, has app) per agency): a link
    is served when shared and both ends can exchange, or from a copy held elsewhere when the handler has its
    application; a window's back office can fetch it over a link its provider shares with the window (and
    still has data), or from the copy. With the demand weight served, overall and per requesting government
    (summed dyad after dyad)."""
    has_data, has_app = capable_ends
    served, capable = out[0], out[1]
    prov, shared, window_link = dyads.provider, dyads.shared, dyads.window_link
    library_current, opened, fit = copies.library_current, copies.opened, copies.fit
    d_req, d_weight, gov_dyads = services.requester, services.weight, services.gov_dyads
    D, G = len(prov), len(gov_dyads) - 1
    ends = _provider_ends(has_data, library_current, opened)
    fetchable = np.empty(D, np.bool_)
    served_by_gov = np.empty(G)
    served_weight = 0.0
    n_served = 0
    for g in range(G):  # a government's dyads are contiguous: its sum in a register
        got = 0.0
        for d in range(gov_dyads[g], gov_dyads[g + 1]):
            e, app = ends[prov[d]], has_app[d_req[d]]
            data = (e & 1) != 0
            elsewhere = ((e & 2) != 0) | (((e & 4) != 0) & fit[d])  # a copy held elsewhere (`Copies`)
            link = data & app
            is_served = (shared[d] & link) | (elsewhere & app)
            capable[d], served[d] = link, is_served
            fetchable[d] = (window_link[d] & data) | elsewhere
            w = d_weight[d] * is_served
            served_weight += w
            n_served += is_served
            got += w
        served_by_gov[g] = got
    return fetchable, served_weight, n_served, served_by_gov


@njit(cache=True)
def _provider_ends(has_data, library_current, opened):
    """(N) uint8 per agency, bit 0: it has data, bit 1: a base library holds a current copy of its records, bit
    2: its dataset is opened — one read per link's provider instead of three (a flat loop: vectorised)."""
    ends = np.empty(len(has_data), np.uint8)
    for n in range(len(has_data)):
        ends[n] = np.uint8(has_data[n]) | (np.uint8(library_current[n]) << 1) | (np.uint8(opened[n]) << 2)
    return ends


@njit(cache=True)
def _lacking(link_dyad, served, fetchable):
    """(links + 1) running counts, link after link, of the datasets missing (low 32 bits) and of
    those a window's back office cannot fetch either (high 32 bits): an instance's counts are
    the difference across its links (`Services.inst_links`), with no branch per instance."""
    out = np.empty(len(link_dyad) + 1, np.int64)
    out[0] = run = 0
    for j in range(len(link_dyad)):
        d = link_dyad[j]
        lack = 1 - np.int64(served[d])
        run += lack + ((lack & (1 - np.int64(fetchable[d]))) << 32)
        out[j + 1] = run
    return out


@njit(cache=True)
def _requests(services, handling, own, reach, lacking, out):
    """Per service instance, into the rows of `out` (7, I): the missing datasets, the share of requests
    completed online, taken by a one-stop window, the unfetchable datasets, the mean trips, the share done
    in at most one trip, and the mean rating; a government's instances at a time (they are contiguous)."""
    n_inst = len(services.handler)
    missing, online, windowed, unfetchable, trips, one_trip, rating = (
        out[0],
        out[1],
        out[2],
        out[3],
        out[4],
        out[5],
        out[6],
    )
    eligible = np.empty(n_inst, np.bool_)
    runs = services.gov_runs
    for r in range(len(runs) - 1):
        lo, hi = runs[r], runs[r + 1]
        g = services.gov[lo]
        demand = _online(services, handling, own, reach, lacking, lo, hi, (missing, unfetchable, online, eligible))
        # one-stop windows: the government's capacity, shared over its re-engineered offline requests
        share = min(1.0, handling.window_capacity[g] / demand) if demand > 0 else 0.0
        for i in range(lo, hi):
            windowed[i] = share if eligible[i] else 0.0
            offline, w = 1.0 - online[i], windowed[i]
            own_trips = 1.0 + missing[i]
            window_trips = 1.0 + unfetchable[i]  # the applicant still brings what the back office cannot fetch
            trips[i] = offline * (w * window_trips + (1 - w) * own_trips)
            one_trip[i] = online[i] + offline * (w * (unfetchable[i] == 0) + (1 - w) * (missing[i] == 0))
            stars = min(max(5.0 - own_trips, 1.0), 5.0)
            window_stars = min(max(5.0 - window_trips, 1.0), 5.0)
            rating[i] = 5.0 * online[i] + offline * (w * window_stars + (1 - w) * stars)


@njit(cache=True)
def _online(services, handling, own, reach, lacking, lo, hi, out):
    """Instances lo:hi of one government, into `out`: missing and unfetchable datasets (from
    `_lacking`), the share completed online, whether a one-stop window takes them (eligible);
    returns the window time their offline requests would need (each dataset the back office
    fetches takes `fetch_effort` of a request's time)."""
    missing, unfetchable, online, eligible = out
    quality, digital, reengineered = handling.quality, handling.digital, handling.reengineered
    hall, fetch_effort = handling.hall[services.gov[lo]], handling.fetch_effort
    inst_links, handler, volume, kind = services.inst_links, services.handler, services.volume, services.kind
    demand = 0.0
    for i in range(lo, hi):
        counts = lacking[inst_links[i + 1]] - lacking[inst_links[i]]
        missing[i] = counts & 0xFFFFFFFF
        unfetchable[i] = counts >> 32
        h = handler[i]
        app_quality = quality[h, APP] * own[h, APP]
        online[i] = (missing[i] == 0) * app_quality * digital[h] * reach[h]
        eligible[i] = (reengineered[kind[i]] | hall) & (missing[i] > 0)
        fetched = missing[i] - unfetchable[i]
        offline_time = volume[i] * (1.0 - online[i]) * (1.0 + fetch_effort * fetched)
        demand += offline_time if eligible[i] else 0.0
    return demand
