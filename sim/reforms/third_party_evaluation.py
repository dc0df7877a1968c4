"""Third-party quality evaluation (第三方质量评估, seed 003 remedies).

Auditors examine `audit_rate` of running systems a month. A system that under-delivers
(quality below `under_delivery`) is fixed to `fix_quality` at its builder's cost. Audit
coverage also counts as oversight of operating companies.
"""

from __future__ import annotations

import numpy as np

from ..schema import Fraction, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    audit_rate: Fraction
    under_delivery: Fraction
    fix_quality: Fraction
    audit_cost: NonNeg


@register
class ThirdPartyEvaluation(Reform):
    key = "third_party_evaluation"
    title = "Third-party evaluation"
    seeds = "003"
    Params = Params
    needs_coordinator = True

    def step(self, model) -> None:
        st, p = model.state, self.p
        pick = st.own & (model.rng.random(st.own.shape) < p.audit_rate)
        model.audits.record(pick, model.month)
        poor = pick & (st.quality < p.under_delivery)
        st.quality[poor] = np.maximum(st.quality[poor], p.fix_quality)
        model.spend["programmes"] += float(pick.sum()) * p.audit_cost
