"""Third-party quality evaluation (第三方质量评估, seed 003 remedies).

Auditors examine `audit_rate` of running systems a month. A system that under-delivers
(quality below `under_delivery`) is fixed to `fix_quality` at its builder's cost, and where
an operating company runs the agency the quality found stays on the agency's record until
its contract comes up for renewal (it then expects that quality from the company, so a
poor performer may lose the renewal). A company contract whose markup exceeds
`reasonable_markup` is cut to it (price review). Audit coverage is also what the company
sees of oversight (its markup target) and the government's audit information.
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
    reasonable_markup: NonNeg


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
        self._findings(model, pick, poor)
        st.quality[poor] = np.maximum(st.quality[poor], p.fix_quality)
        model.spend["programmes"] += float(pick.sum()) * p.audit_cost

    def _findings(self, model, pick: np.ndarray, poor: np.ndarray) -> None:
        """What audits of agencies run by a company find goes on their record: the quality
        found where a system under-delivers (the agency expects that quality from the company
        when its contract comes up for renewal), and a contract markup above what an auditor
        accepts, which the price review cuts to `reasonable_markup` (价格审计)."""
        st, p = model.state, self.p
        by_company = st.company >= 0
        under = np.flatnonzero(poor.any(axis=1) & by_company)
        found = np.where(poor[under], st.quality[under], np.inf).min(axis=1)
        st.found_quality[under] = np.fmin(st.found_quality[under], found)
        audited = np.flatnonzero(pick.any(axis=1) & by_company)
        over = audited[st.contract_markup[audited] > p.reasonable_markup]
        st.contract_markup[over] = p.reasonable_markup
