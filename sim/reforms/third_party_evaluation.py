"""Third-party quality evaluation (第三方质量评估, seed 003 remedies).

Auditors examine `audit_rate` of running systems a month. A system that under-delivers
(quality below `under_delivery`) is fixed to `fix_quality` at once (assumed: no cost is booked
to the builder or the government and the system stays in service, unlike the technical-support
institution's rework), and where
an operating company runs the agency the quality found stays on the agency's record until
its contract comes up for renewal (it then expects that quality from the company, so a
poor performer may lose the renewal); only systems the company built count on its record.
Fees charged above `reasonable_markup` are recovered from the company (price review, 审减;
`reasonable_markup` assumed), the contract's markup is not rewritten. Audit coverage is also what the company
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
        found where a system the company built under-delivers (the agency expects that
        quality from the company when its contract comes up for renewal; legacy systems it
        only operates are not its record), and over-pricing (价格审计)."""
        st = model.state
        by_company = st.company >= 0
        built_by_it = st.built > st.company_since[:, None]
        poor = poor & built_by_it
        under = np.flatnonzero(poor.any(axis=1) & by_company)
        found = np.where(poor[under], st.quality[under], np.inf).min(axis=1)
        st.found_quality[under] = np.fmin(st.found_quality[under], found)
        self._price_review(model, np.flatnonzero(pick.any(axis=1) & by_company))

    def _price_review(self, model, audited: np.ndarray) -> None:
        """Fees charged above `reasonable_markup` since the contract began (or since the
        last review) are recovered from the company (审减) and net off the government's
        operations spending. The contract's markup is not rewritten: the company sees the
        audits as oversight when it sets its asking markup, and the agency weighs that price
        against switching or taking back at renewal (`contracts`)."""
        st, p = model.state, self.p
        over = audited[st.contract_markup[audited] > p.reasonable_markup]
        if len(over) == 0:
            return
        run_cost = model.base_run_cost
        start = np.maximum(st.company_since[over], st.fees_reviewed[over])
        months = model.month - start
        recovered = float(((st.contract_markup[over] - p.reasonable_markup) * (st.own[over] @ run_cost) * months).sum())
        st.fees_reviewed[over] = model.month
        model.audits.recovered += recovered
        model.spend["operations"] -= recovered
