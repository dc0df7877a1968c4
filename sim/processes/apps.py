"""Citizens adopt mobile apps (Bass 1969 diffusion).

A service is completed online only by applicants who reach it: through the web portal
(`web_channel` of them) or through the mobile app that hosts the handling agency's
services — its own departmental app, or the government app once its app is merged
(seed 003 problem 2: many apps with few functions and "大量僵尸用户"; seed 001 §4: 粤省事).
Each app's adoption (share of the residents it could serve who use it) follows the Bass
model, its pull scaled by the app's quality:

    a' = a + quality × (p + q × a / M) × (M − a)

with innovation *p* and imitation *q* (`app_innovation`, `app_imitation`: the means of
Sultan, Farley & Lehmann 1990's meta-analysis) and potential *M* (`app_potential` for a
departmental app; 1 for a government app, which can reach every resident, its pull being
its quality × the share of the apps beneath it that it hosts). Both adoptions are read as
the share of the agency's applicants the app reaches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..numeric import pairwise_sum
from ..state import MOBILE
from ..views import view

if TYPE_CHECKING:
    from ..model import GovModel


@njit(cache=True)
def _bass(users: float, pull: float, p: float, q: float, potential: float) -> float:
    """One month of Bass diffusion of one app toward `potential`, at `pull` (quality 0-1)."""
    share = users / potential if potential > 0 else 0.0
    grown = users + pull * (p + q * share) * max(potential - users, 0.0)
    return min(grown, max(potential, users))


@njit(cache=True)
def bass_step(users: np.ndarray, pull: np.ndarray, p: float, q: float, potential: float) -> np.ndarray:
    """One month of Bass diffusion of each app toward `potential`, at its `pull`."""
    out = np.empty(len(users))
    for i in range(len(users)):
        out[i] = _bass(users[i], pull[i], p, q, potential)
    return out


def bass_curve(age: np.ndarray, pull: np.ndarray, p: float, q: float, potential: float) -> np.ndarray:
    """Adoption after `age` months of Bass diffusion at `pull` (the closed form of the
    continuous model with p' = pull p, q' = pull q): the adoption of apps already running
    at month 0."""
    age = np.maximum(np.asarray(age, dtype=float), 0.0)
    rate = np.exp(-np.asarray(pull) * (p + q) * age)
    f = (1 - rate) / (1 + (q / p) * rate)  # p > 0 (the schema's bound)
    return potential * f


def new_app_value(quality: np.ndarray, p: float, q: float, potential: float, months: int) -> np.ndarray:
    """What a new departmental app of `quality` is expected to offer its agency's applicants:
    its quality × its mean adoption over `months` of life, diffusing from no users."""
    # builders are few (a market's vendors and companies) and agencies many: each distinct
    # quality's curve once (at Guangdong's size this was half of a month's time)
    quality = np.asarray(quality, dtype=float)
    if len(quality) <= 64:  # a few builders (companies): each row as it is (rows are reduced one by one)
        distinct, which = quality, slice(None)
    else:
        distinct, which = np.unique(quality, return_inverse=True)
    # `bass_curve`'s numbers in two compiled passes around numpy's `exp` (the same (k, months)
    # array, so the same exponentials): its exponent, then the curve's mean per row
    rate = np.exp(_curve_exponent(distinct, p + q, months))
    return _mean_value(distinct, rate, p, q, potential)[which]


@njit(cache=True)
def _curve_exponent(quality, pq, months):
    """(k, months) `bass_curve`'s exponent, -pull (p + q) age, multiplied in its order."""
    out = np.empty((len(quality), months))
    for i in range(len(quality)):
        a = -quality[i] * pq
        for j in range(months):
            out[i, j] = a * float(j)
    return out


@njit(cache=True)
def _mean_value(quality, rate, p, q, potential):
    """(k) quality × the mean over a row of `bass_curve` from its `rate` (numpy's mean: its
    pairwise sum, then divided by the count)."""
    months = rate.shape[1]
    qp = q / p
    row = np.empty(months)
    out = np.empty(len(quality))
    for i in range(len(quality)):
        for j in range(months):
            r = rate[i, j]
            row[j] = potential * ((1 - r) / (1 + qp * r))
        out[i] = quality[i] * (pairwise_sum(row) / months)
    return out


def initial_users(model: GovModel) -> np.ndarray:
    """Adoption of the departmental apps running at month 0, from their age and quality."""
    st, a = model.state, model.spec.agents
    own = st.own[:, MOBILE]
    users = bass_curve(-st.built[:, MOBILE], st.quality[:, MOBILE], a.app_innovation, a.app_imitation, a.app_potential)
    return np.where(own, users, 0.0)


def adopt(model: GovModel) -> None:
    """A month of adoption of departmental apps; an app that stops (end of life, merged)
    loses its users, a new one starts from none."""
    st, a = model.state, model.spec.agents
    _adopt(st.own, st.quality, st.app_users, a.app_innovation, a.app_imitation, a.app_potential)


@njit(cache=True)
def _adopt(own, quality, users, p, q, potential):
    for n in range(len(users)):
        users[n] = _bass(users[n], quality[n, MOBILE], p, q, potential) if own[n, MOBILE] else 0.0


class Channels(NamedTuple):
    """The online channels an agency's applicants come through besides its systems: the web portal, its own app's
    users, and the government app's."""

    app_users: np.ndarray  # (N) adoption of the agency's own app
    app_broken: np.ndarray  # (N) the app's function broke in migration
    gov_users: np.ndarray  # (G) adoption of the government app serving the government
    web: float  # share of applicants the web portal reaches


CHANNELS = view(
    Channels,
    app_users="state.app_users",
    app_broken="state.app_broken",
    gov_users="gov_apps.users",
    web="spec.agents.web_channel",
)


def host_reach(model: GovModel) -> np.ndarray:
    """(N,) share of the handling agency's applicants who can complete its services online:
    the web portal's, plus the users of the app that hosts its services (its own app, or
    the government app it uses) unless the function broke in migration."""
    st = model.state
    return channel_reach(st.own, st.reuse, model.gov_apps.reach, CHANNELS(model), model.structure.n_lines)


@njit(cache=True)
def channel_reach(own, reuse, gov_reach, channels, n_lines):
    """`host_reach` (the demand kernel calls it too). A government at a time (agency
    g * n_lines + l is line l of government g: no division per agency), with selects, not
    branches, on `own` and `reuse`, which are random: half the time at 13,750 agencies."""
    ch = Channels(*channels)  # named again (state.py: kernel views)
    users, broken, gov_users, web = ch.app_users, ch.app_broken, ch.gov_users, ch.web
    out = np.empty(len(users))
    n = 0
    for g in range(len(users) // n_lines):
        via_gov = gov_users[g] if gov_reach[g] else 0.0  # the government app serves the government
        for _ in range(n_lines):
            hosted = via_gov if reuse[n, MOBILE] else 0.0
            app = users[n] if own[n, MOBILE] else hosted
            app = 0.0 if broken[n] else app
            out[n] = web + (1.0 - web) * app
            n += 1
    return out


# ---------------------------------------------------------------------------- government app
# The kernels of `app_consolidation` (the reform module stays free of numba: the schema
# imports it). Agencies are `g * n_lines + l`; `app_of_gov` (G) is each government's app's
# index among the government apps, NO_ONE where none covers it.


@njit(cache=True)
def hosted_and_own_apps(app_of_gov, own, reuse, n_lines, n_apps):
    """(apps) share of the covered agencies with an app whose services the government app hosts (they use
    it instead of an app of their own), and the agencies running their own app under a government app, in
    order: one pass over the covered agencies (the month's adoption and merges read the same apps)."""
    hosted = np.zeros(n_apps, np.int64)
    total = np.zeros(n_apps, np.int64)
    cand = np.empty(own.shape[0], np.int64)
    m = 0
    for g in range(len(app_of_gov)):
        i = app_of_gov[g]
        if i < 0:
            continue
        mine, used = own[g * n_lines : (g + 1) * n_lines, MOBILE], reuse[g * n_lines : (g + 1) * n_lines, MOBILE]
        with_app = inside = 0
        for line in range(n_lines):
            hosted_here = used[line] & ~mine[line]
            with_app += mine[line] | hosted_here
            inside += hosted_here
            cand[m] = g * n_lines + line
            m += mine[line]
        total[i] += with_app
        hosted[i] += inside
    share = np.zeros(n_apps)
    for i in range(n_apps):
        if total[i] > 0:
            share[i] = hosted[i] / total[i]
    return share, cand[:m]


@njit(cache=True)
def merge_apps(cand, draw, rate, offer, agency_gov, apps):
    """`app_consolidation`'s merges: of the agencies `cand` (ascending) those drawn to
    reconsider (`draw < rate`) whose government app offers more (`offer`, per government) than
    their own app (its quality x its users) put their app into it: `apps` = (own, reuse,
    merged_app, quality, app_users), changed in place. Returns the agencies that merged."""
    own, reuse, merged, quality, users = apps
    out = np.empty(len(cand), np.int64)
    m = 0
    for i in range(len(cand)):
        n = cand[i]
        if draw[i] < rate and offer[agency_gov[n]] > quality[n, MOBILE] * users[n]:
            out[m] = n
            m += 1
    for n in out[:m]:
        own[n, MOBILE] = False
        reuse[n, MOBILE] = True
        merged[n] = True
        users[n] = 0.0
    return out[:m].copy()


@njit(cache=True)
def joins_gov_app(app_of_gov, offer, builders, vendor_value, company_value, n_lines):
    """(N) covered agencies whose government app offers more (`offer`, per government) than
    a new app of their own would (its builder's value: their company's, else their vendor's;
    `builders` = (vendor, company) per agency)."""
    vendor, company = builders
    out = np.zeros(len(vendor), np.bool_)
    for g in range(len(app_of_gov)):
        if app_of_gov[g] < 0:
            continue
        lo = g * n_lines  # the government's agencies as slices (a loop from 0: no negative-index check)
        its_vendor, its_company, joins = vendor[lo : lo + n_lines], company[lo : lo + n_lines], out[lo : lo + n_lines]
        for n in range(n_lines):
            own = company_value[its_company[n]] if its_company[n] >= 0 else vendor_value[its_vendor[n]]
            joins[n] = offer[g] > own
    return out
