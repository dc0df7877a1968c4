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

from ..state import APP, DATA

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


def provider(model: GovModel) -> np.ndarray:
    """Effective provider of each dyad: a vertical line's data sits at the top of the tree
    until it is returned to the locality (reflux, seed 000 §2.3 and §3.3)."""
    s = model.structure
    at_top = s.d_vertical & ~model.state.refluxed[s.d_local]
    return np.where(at_top, s.d_top, s.d_local)


def serve(model: GovModel) -> Outcome:
    s, st, r = model.structure, model.state, model.rules
    access = model.access()
    prov = model.dyad_provider
    # a provider on the platform's data layer publishes there even without its own data system
    capable = (access[prov, DATA] | model.on_data_layer[prov]) & access[s.d_req, APP]
    base = r.base_lines[s.d_line] & access[s.d_req, APP]
    served = (model.shared & capable) | base

    n_inst = len(s.inst_gov)
    missing = np.bincount(s.link_inst, weights=~served[s.link_dyad], minlength=n_inst)
    handler = s.inst_handler
    app_quality = np.where(st.own[handler, APP], st.quality[handler, APP], 0.0)
    online = (missing == 0) * app_quality * st.digital[handler]
    offline = 1.0 - online

    # one-stop windows: capacity per government, shared over its re-engineered offline requests
    windowed = np.zeros(n_inst)
    eligible = (r.reengineered[s.inst_svc] | r.hall[s.inst_gov]) & (missing > 0)
    if eligible.any():
        demand = np.bincount(
            s.inst_gov[eligible],
            weights=(s.inst_volume * offline)[eligible],
            minlength=s.n_gov,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            cover = np.where(demand > 0, np.minimum(1.0, r.window_capacity / demand), 0.0)
        windowed[eligible] = cover[s.inst_gov[eligible]]

    own_trips = 1.0 + missing
    trips = offline * (windowed + (1 - windowed) * own_trips)
    one_trip = online + offline * (windowed + (1 - windowed) * (missing == 0))
    stars = np.clip(5.0 - own_trips, 1.0, 5.0)
    rating = 5.0 * online + offline * (4.0 * windowed + (1 - windowed) * stars)
    return Outcome(served, capable, missing, online, windowed, trips, one_trip, rating)
