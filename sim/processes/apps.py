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
departmental app; for a government app, the share of the apps beneath it that it hosts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import MOBILE

if TYPE_CHECKING:
    from ..model import GovModel


def bass_step(users: np.ndarray, pull: np.ndarray, p: float, q: float, potential) -> np.ndarray:
    """One month of Bass diffusion toward `potential`, at `pull` (quality 0-1)."""
    potential = np.asarray(potential, dtype=float)
    share = np.divide(users, potential, out=np.zeros_like(users), where=potential > 0)
    grown = users + pull * (p + q * share) * np.maximum(potential - users, 0.0)
    return np.minimum(grown, np.maximum(potential, users))


def bass_curve(age: np.ndarray, pull: np.ndarray, p: float, q: float, potential: float) -> np.ndarray:
    """Adoption after `age` months of Bass diffusion at `pull` (the closed form of the
    continuous model with p' = pull p, q' = pull q): the adoption of apps already running
    at month 0."""
    age = np.maximum(np.asarray(age, dtype=float), 0.0)
    rate = np.exp(-np.asarray(pull) * (p + q) * age)
    f = (1 - rate) / (1 + (q / p) * rate)  # p > 0 (the schema's bound)
    return potential * f


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
    own = st.own[:, MOBILE]
    grown = bass_step(st.app_users, st.quality[:, MOBILE], a.app_innovation, a.app_imitation, a.app_potential)
    st.app_users = np.where(own, grown, 0.0)


def host_reach(model: GovModel) -> np.ndarray:
    """(N,) share of the handling agency's applicants who can complete its services online:
    the web portal's, plus the users of the app that hosts its services (its own app, or
    the government app it uses) unless the function broke in migration."""
    st, s, a = model.state, model.structure, model.spec.agents
    gov = s.agency_gov
    gov_apps = model.gov_apps
    in_gov_app = st.reuse[:, MOBILE] & ~st.own[:, MOBILE] & gov_apps.reach[gov]
    app = np.where(st.own[:, MOBILE], st.app_users, np.where(in_gov_app, gov_apps.users[gov], 0.0))
    app = np.where(st.app_broken, 0.0, app)
    return a.web_channel + (1.0 - a.web_channel) * app
