"""1. Demand: which needed data links are served, and what applicants go through.

A request needs data from several lines. A link is served when its provider actively
shares with the handling agency (a `share` edge) and both can technically exchange (the
provider has a data resource, the handler a line application), or when the line's base
data is collected once and distributed (seed 000 §3.3). A request is completed online only
if every link is served, at the rate the handler's application and staff skills allow
(seed 003: systems that under-deliver, low digital skills). Otherwise the applicant makes
one trip to the handler plus one per missing dataset — unless a one-stop window takes the
back-office legwork over, within its capacity (seed 004: 最多跑一次, 一窗受理).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from ..state import APP, DATA, DATA_LAYER, kinds_owned, shared_ok_bits

if TYPE_CHECKING:
    from ..model import GovModel


@dataclass(eq=False)
class Outcome:
    served: np.ndarray  # (D) link served this month
    capable: np.ndarray  # (D) both ends can technically exchange
    missing: np.ndarray  # (I) missing datasets per service instance
    online: np.ndarray  # (I) share of requests completed online
    windowed: np.ndarray  # (I) share of offline requests completed at a one-stop window
    trips: np.ndarray  # (I) mean trips per request
    one_trip: np.ndarray  # (I) share of requests done in at most one trip
    rating: np.ndarray  # (I) mean 好差评 score, 1-5
    served_weight: float  # requests x datasets served (demand weight of the served links)
    need_weight: float  # requests x datasets needed
    n_served: int  # links served
    need_by_gov: np.ndarray  # (G) demand weight of the links each government's agencies need
    served_by_gov: np.ndarray  # (G) ... of those served


def provider(model: GovModel) -> np.ndarray:
    """Effective provider of each dyad: a vertical line's data sits at the top of the tree
    until it is returned to the locality (reflux, seed 000 §2.3 and §3.3). Recomputed only
    when reflux changes (GovModel._update_providers)."""
    s = model.structure
    at_top = s.d_vertical & ~model.state.refluxed[s.d_local]
    return np.where(at_top, s.d_top, s.d_local)


def serve(model: GovModel) -> Outcome:
    s, st, r = model.structure, model.state, model.rules
    return Outcome(
        *_serve(
            st.own, st.reuse, model.kind_reach(), s.n_lines, model.platforms.reach[:, DATA_LAYER],
            model.dyad_provider, s.d_req, s.d_line, r.base_lines, model.shared,
            s.link_inst, s.link_dyad, s.inst_handler, s.inst_gov, s.inst_svc, s.inst_volume,
            st.quality, st.digital, r.reengineered, r.hall, r.window_capacity,
            s.d_weight, model.dyad_req_gov,
        )
    )  # fmt: skip


@njit(cache=True)
def _serve(
    own, reuse, kind_reach, n_lines, gov_on_data_layer, prov, d_req, d_line, base_lines, shared,
    link_inst, link_dyad, inst_handler, inst_gov, inst_svc, inst_volume, quality, digital,
    reengineered, hall, window_capacity, d_weight, req_gov,
):  # fmt: skip
    # links: a provider on the platform's data layer publishes there even without its own
    # data system; base data collected once reaches every handler with an application
    # per agency first, government by government (what the government shares is read
    # from its block of agencies while it is in cache), then per dyad; bitwise, not
    # `and`/`or`: the flags are random and branches would mispredict
    N = own.shape[0]
    flat_own = own.ravel()
    has_data = np.empty(N, np.bool_)
    has_app = np.empty(N, np.bool_)
    for g in range(N // n_lines):
        ok = shared_ok_bits(kind_reach, g, kinds_owned(flat_own, g, n_lines))
        ok_data, ok_app = (ok >> DATA) & 1, (ok >> APP) & 1
        for n in range(g * n_lines, (g + 1) * n_lines):
            has_data[n] = own[n, DATA] | (reuse[n, DATA] & ok_data) | gov_on_data_layer[g]
            has_app[n] = own[n, APP] | (reuse[n, APP] & ok_app)
    D = len(prov)
    capable = np.empty(D, np.bool_)
    served = np.empty(D, np.bool_)
    G = len(window_capacity)
    need_by_gov = np.zeros(G)
    served_by_gov = np.zeros(G)
    served_weight = need_weight = 0.0
    n_served = 0
    # dyads come grouped by requesting government: sum in registers, store on a change
    # (adding into the same slot dyad after dyad would stall on the previous store)
    current, need, got = 0, 0.0, 0.0
    for d in range(D):
        app = has_app[d_req[d]]
        capable[d] = has_data[prov[d]] & app
        served[d] = (shared[d] & capable[d]) | (base_lines[d_line[d]] & app)
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

    n_inst = len(inst_handler)
    missing = np.zeros(n_inst)
    # links come grouped by instance: count in a register, store when the instance changes
    # (adding into memory link after link would stall on the previous store)
    current, count = 0, 0.0
    for j in range(len(link_inst)):
        if link_inst[j] != current:
            missing[current] += count
            current, count = link_inst[j], 0.0
        count += 1.0 - served[link_dyad[j]]
    if len(link_inst):
        missing[current] += count
    online = np.empty(n_inst)
    eligible = np.empty(n_inst, np.bool_)
    demand = np.zeros(len(window_capacity))  # offline requests a window could take, per government
    for i in range(n_inst):
        h = inst_handler[i]
        app_quality = quality[h, APP] * own[h, APP]
        online[i] = (missing[i] == 0) * app_quality * digital[h]
        # one-stop windows: capacity per government, shared over its re-engineered offline requests
        eligible[i] = (reengineered[inst_svc[i]] or hall[inst_gov[i]]) and missing[i] > 0
        if eligible[i]:
            demand[inst_gov[i]] += inst_volume[i] * (1.0 - online[i])

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
        trips[i] = offline * (w + (1 - w) * own_trips)
        one_trip[i] = online[i] + offline * (w + (1 - w) * (missing[i] == 0))
        stars = min(max(5.0 - own_trips, 1.0), 5.0)
        rating[i] = 5.0 * online[i] + offline * (4.0 * w + (1 - w) * stars)
    return (
        served, capable, missing, online, windowed, trips, one_trip, rating,
        served_weight, need_weight, n_served, need_by_gov, served_by_gov,
    )  # fmt: skip
