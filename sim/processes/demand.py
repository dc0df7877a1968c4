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

from ..state import APP, DATA, DATA_LAYER, Systems, kind_reach_of
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
    s = model.structure
    at_top = s.d_vertical & ~model.state.refluxed[s.d_local]
    return np.where(at_top, s.d_top, s.d_local)


def data_capable(model: GovModel, agencies: np.ndarray) -> np.ndarray:
    """The agencies can serve data (as in `_serve`): their own data system, another agency's
    they use, or their government's platform data layer."""
    return _data_capable(HOLDINGS(model), agencies)


@njit(cache=True)
def _data_capable(holdings, agencies):
    """`data_capable`: answered per agency once, then read per link (fewer agencies than links: 942 links of 444
    agencies at baseline), and the answer is the agency's alone."""
    systems, on_layer = systems_of(holdings)
    return agency_data(systems, on_layer)[agencies]


@njit(cache=True)
def agency_data(systems, on_layer):
    """(N) the agency can provide data (`_data_and_apps`, its first answer alone)."""
    own, reuse, kind_reach, n_lines = systems.own, systems.reuse, systems.kind_reach, systems.n_lines
    bits = systems.line_bits
    N = own.shape[0]
    capable = np.empty(N, np.bool_)
    if bits.shape[1] == n_lines:  # the lines' bits: one pass per government
        for g in range(N // n_lines):
            owned = lines_owning(own, g * n_lines, n_lines, DATA)
            for i in range(n_lines):
                n = g * n_lines + i
                reach = can_use_by_bits(kind_reach, owned, bits, g, i, DATA)
                capable[n] = own[n, DATA] | (reuse[n, DATA] & reach) | on_layer[g]
        return capable
    for n in range(N):
        data = own[n, DATA] | on_layer[n // n_lines]
        if reuse[n, DATA] and not data:
            data = can_use_shared(own, kind_reach, systems.substitutes, n_lines, n, DATA)
        capable[n] = data
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
    """Needed links (requesting agency, needed line), grouped by requesting government."""

    provider: np.ndarray  # (D) agency providing the data
    requester: np.ndarray  # (D) agency handling the service
    line: np.ndarray  # (D) the needed line
    requester_gov: np.ndarray  # (D) the requester's government
    weight: np.ndarray  # (D) requests x datasets over the link
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
    """Service instances (government x kind) and the links each needs, grouped by instance."""

    link_inst: np.ndarray  # (links) instance of each link
    link_dyad: np.ndarray  # (links) dyad of each link
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


DYADS = view(
    Dyads,
    provider="dyad_provider",
    requester="structure.d_req",
    line="structure.d_line",
    requester_gov="dyad_req_gov",
    weight="structure.d_weight",
    shared="shared",
    window_link="window_links",
)
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
    """Links served and what applicants go through (the module docstring): one compiled call."""
    kernel_args = (HOLDINGS(model), DYADS(model), COPIES(model), service_view(model), HANDLING(model))
    return Outcome(*_serve(*kernel_args, CHANNELS(model)))


def service_view(model: GovModel) -> tuple:
    """`Services` of the (frozen) structure as the kernel takes it: built once per model."""
    known = model.__dict__.get("_service_view")
    if known is None:
        s = model.structure
        services = Services(
            link_inst=s.link_inst,
            link_dyad=s.link_dyad,
            handler=s.inst_handler,
            gov=s.inst_gov,
            kind=s.inst_svc,
            volume=s.inst_volume,
        )
        known = model._service_view = tuple(services)
    return known


@njit(cache=True)
def _serve(holdings, dyads, copies, services, handling, channels):
    """Links served, then each service instance's outcome (see the module docstring)."""
    systems, on_layer = systems_of(holdings)
    dyads, copies = Dyads(*dyads), Copies(*copies)  # named again (state.py: kernel views)
    services, handling = Services(*services), Handling(*handling)
    has_data, has_app = _data_and_apps(systems, on_layer)
    reach = channel_reach(systems.own, systems.reuse, Holdings(*holdings).app_reach, channels, systems.n_lines)
    G = len(handling.window_capacity)
    served, capable, fetchable, served_weight, need_weight, n_served, need_by_gov, served_by_gov = _links_served(
        dyads, copies, has_data, has_app, G
    )
    missing, unfetchable = _missing(services, served, fetchable)
    online, windowed, trips, one_trip, rating = _requests(services, handling, systems.own, reach, missing, unfetchable)
    return (
        served,
        capable,
        missing,
        online,
        windowed,
        unfetchable,
        trips,
        one_trip,
        rating,
        served_weight,
        need_weight,
        n_served,
        need_by_gov,
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
            lo = g * n_lines
            data_lines = lines_owning(own, lo, n_lines, DATA)
            app_lines = lines_owning(own, lo, n_lines, APP)
            for i in range(n_lines):
                n = lo + i
                data_reach = can_use_by_bits(kind_reach, data_lines, bits, g, i, DATA)
                app_reach = can_use_by_bits(kind_reach, app_lines, bits, g, i, APP)
                has_data[n] = own[n, DATA] | gov_on_data_layer[g] | (reuse[n, DATA] & data_reach)
                has_app[n] = own[n, APP] | (reuse[n, APP] & app_reach)
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


@njit(cache=True)
def _links_served(dyads, copies, has_data, has_app, G):
    """A link is served when shared and both ends can exchange, or from a copy held elsewhere
    when the handler has its application; a window's back office can fetch it over a link its
    provider shares with the window (and still has data), or from the copy. With the demand
    weight served and needed, overall and per requesting government."""
    prov, d_req, req_gov, d_weight, shared = (
        dyads.provider,
        dyads.requester,
        dyads.requester_gov,
        dyads.weight,
        dyads.shared,
    )
    window_link, library_current, opened, fit = dyads.window_link, copies.library_current, copies.opened, copies.fit
    D = len(prov)
    capable = np.empty(D, np.bool_)
    served = np.empty(D, np.bool_)
    fetchable = np.empty(D, np.bool_)
    need_by_gov = np.zeros(G)
    served_by_gov = np.zeros(G)
    served_weight = need_weight = 0.0
    n_served = 0
    # dyads come grouped by requesting government: sum in registers, store on a change
    # (adding into the same slot dyad after dyad would stall on the previous store)
    current, need, got = 0, 0.0, 0.0
    for d in range(D):
        p, app = prov[d], has_app[d_req[d]]
        elsewhere = library_current[p] | (opened[p] & fit[d])  # a copy held elsewhere (`Copies`)
        capable[d] = has_data[p] & app
        served[d] = (shared[d] & capable[d]) | (elsewhere & app)
        fetchable[d] = (window_link[d] & has_data[p]) | elsewhere
        w = d_weight[d] * served[d]
        served_weight += w
        need_weight += d_weight[d]
        n_served += served[d]
        if req_gov[d] != current:
            need_by_gov[current] += need
            served_by_gov[current] += got
            current, need, got = req_gov[d], 0.0, 0.0
        need += d_weight[d]
        got += w
    need_by_gov[current] += need
    served_by_gov[current] += got
    return served, capable, fetchable, served_weight, need_weight, n_served, need_by_gov, served_by_gov


@njit(cache=True)
def _missing(services, served, fetchable):
    """Missing datasets per service instance, and those a window's back office cannot fetch."""
    link_inst, link_dyad = services.link_inst, services.link_dyad
    missing = np.zeros(len(services.handler))
    unfetchable = np.zeros(len(services.handler))
    # links come grouped by instance: count in a register, store when the instance changes
    # (adding into memory link after link would stall on the previous store)
    current, count, stuck = 0, 0.0, 0.0
    for j in range(len(link_inst)):
        if link_inst[j] != current:
            missing[current] += count
            unfetchable[current] += stuck
            current, count, stuck = link_inst[j], 0.0, 0.0
        d = link_dyad[j]
        count += 1.0 - served[d]
        stuck += (1.0 - served[d]) * (1.0 - fetchable[d])
    if len(link_inst):
        missing[current] += count
        unfetchable[current] += stuck
    return missing, unfetchable


@njit(cache=True)
def _requests(services, handling, own, reach, missing, unfetchable):
    """Per service instance: the share of requests completed online, taken by a one-stop
    window, the mean trips, the share done in at most one trip, and the mean rating."""
    inst_handler, inst_gov, inst_svc, inst_volume = services.handler, services.gov, services.kind, services.volume
    quality, digital, reengineered, hall, window_capacity = (
        handling.quality,
        handling.digital,
        handling.reengineered,
        handling.hall,
        handling.window_capacity,
    )
    fetch_effort = handling.fetch_effort
    n_inst = len(inst_handler)
    online = np.empty(n_inst)
    eligible = np.empty(n_inst, np.bool_)
    demand = np.zeros(len(window_capacity))  # offline requests a window could take, per government
    for i in range(n_inst):
        h = inst_handler[i]
        app_quality = quality[h, APP] * own[h, APP]
        online[i] = (missing[i] == 0) * app_quality * digital[h] * reach[h]
        # one-stop windows: capacity per government, shared over its re-engineered offline
        # requests; each dataset the back office fetches takes `fetch_effort` of a request's time
        eligible[i] = (reengineered[inst_svc[i]] or hall[inst_gov[i]]) and missing[i] > 0
        if eligible[i]:
            fetched = missing[i] - unfetchable[i]
            demand[inst_gov[i]] += inst_volume[i] * (1.0 - online[i]) * (1.0 + fetch_effort * fetched)

    windowed = np.zeros(n_inst)
    trips = np.empty(n_inst)
    one_trip = np.empty(n_inst)
    rating = np.empty(n_inst)
    for i in range(n_inst):
        g = inst_gov[i]
        if eligible[i] and demand[g] > 0:
            windowed[i] = min(1.0, window_capacity[g] / demand[g])
        offline, w = 1.0 - online[i], windowed[i]
        own_trips = 1.0 + missing[i]
        window_trips = 1.0 + unfetchable[i]  # the applicant still brings what the back office cannot fetch
        trips[i] = offline * (w * window_trips + (1 - w) * own_trips)
        one_trip[i] = online[i] + offline * (w * (unfetchable[i] == 0) + (1 - w) * (missing[i] == 0))
        stars = min(max(5.0 - own_trips, 1.0), 5.0)
        window_stars = min(max(5.0 - window_trips, 1.0), 5.0)
        rating[i] = 5.0 * online[i] + offline * (w * window_stars + (1 - w) * stars)
    return online, windowed, trips, one_trip, rating
