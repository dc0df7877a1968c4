"""Third-party quality evaluation (第三方质量评估, seed 003 remedies).

Auditors examine `audit_rate` of running systems a month. A system that under-delivers
(quality below `under_delivery`) goes back to its operator (the agency's company, else its
vendor; it may not have built it), who repairs it at its own cost (`repair_share` of the
build price, paid when the repair is done, booked to operators, not to IT spending; an
operating company prices what it pays on its own builds, §7.5): after
`repair_months` the system runs at the quality that operator delivers
(`tech_support_institution.redone_quality`, with the institution's `quality_support` where the
government has one), so a poor operator's repair stays poor and the audit's gain follows the
market's quality, not a set value. The system stays in service meanwhile, at its old quality,
and is not audited again until repaired (a system replaced meanwhile is). The repair is owed
by the supplier found at fault: if the agency leaves it first (a switch or a take-back), the
obligation lapses with its contract and the system, at the quality found, is auditable again.
The quality found on the audited systems the agency's supplier (its company, else its vendor)
built stays on the agency's record until its contract comes up for renewal: it then weighs
them against what that supplier claims (`contracts.expected_quality`), so a supplier delivering
below what it claims may lose the renewal; only projects proposed after the supplier took the
agency over count (`contracts.record_found_quality`).
Fees charged above `reasonable_markup` are recovered from the company (price review, 审减;
`reasonable_markup` assumed), the contract's markup is not rewritten. Audit coverage is also what the company
sees of oversight (its markup target) and the government's audit information.
"""

from __future__ import annotations

import numpy as np

from ..schema import Count, Fraction, NonNeg, ReformParams
from .base import Reform, register
from .tech_support_institution import redone_quality


class Params(ReformParams):
    audit_rate: Fraction
    under_delivery: Fraction
    repair_months: Count
    repair_share: Fraction
    audit_cost: NonNeg
    reasonable_markup: NonNeg


@register
class ThirdPartyEvaluation(Reform):
    key = "third_party_evaluation"
    title = "Third-party evaluation"
    seeds = "003"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        from .kernels import no_repairs  # compiled: the schema loads without numba

        # repairs under way (reform-private, `kernels.Repairs`): per system under repair, in cell
        # order, the quality it will run at, the month it is ready, the month the repaired system
        # was built (a system replaced meanwhile is no longer the one repaired) and the liable
        # supplier's `operator_since` (few: walked in order each month, not looked up per cell)
        self.repairs = no_repairs()
        self.shape = model.state.own.shape

    @property
    def repair_done(self) -> np.ndarray:
        """(N, K) the month each repair under way is ready, -1: none (for inspection)."""
        return self._by_cell(self.repairs[2], -1)

    @property
    def repair_quality(self) -> np.ndarray:
        """(N, K) the quality each system under repair will run at, 0: none (for inspection)."""
        return self._by_cell(self.repairs[1], 0.0)

    def _by_cell(self, values: np.ndarray, none) -> np.ndarray:
        out = np.full(self.shape, none, values.dtype)
        out.ravel()[self.repairs[0]] = values
        return out

    def step(self, model) -> None:
        """Vendors price their record; repairs lapse or take effect; audits pick systems, find
        over-pricing and under-delivery, which goes back for repair (`kernels.audit_pass`:
        one pass over the systems, as the masks it replaced)."""
        p = self.p
        from ..agents.supplier import price_vendor_warranty  # here: the schema loads without Mesa
        from .uniforms import cells_below_rate  # compiled: the schema loads without numba

        price_vendor_warranty(model)  # vendors price their own record, as companies do (once a month)
        # a uniform per (agency, kind), row-major, from the stream as before (the passes draw none)
        drawn = cells_below_rate(model.rng, model.state.own.size, p.audit_rate)
        pick, poor, by_company = self._pass(model, drawn)
        self._findings(model, pick, by_company)
        self._start_repairs(model, *poor)
        model.spend["programmes"] += float(len(pick)) * p.audit_cost

    def _pass(self, model, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Repairs lapse or take effect (and are paid, `kernels.settle_repairs`), then systems not
        under repair are audited where drawn (`drawn`: flat cells, ascending, whose draw is below
        `audit_rate`; `kernels.audit_pass`). Returns the
        audited cells (flat n * K + k, ascending), the (n, k) of the audited systems that under-deliver and the
        agencies run by a company with some system audited."""
        from .kernels import Audited, audit_pass, settle_repairs  # compiled: the schema loads without numba

        st, p = model.state, self.p
        systems = tuple(
            Audited(
                own=st.own,
                built=st.built,
                quality=st.quality,
                operator_since=st.operator_since,
                audit_month=model.audits.month,
                company=st.company,
            )
        )
        done, self.repairs = settle_repairs(self.repairs, systems, model.month)
        self._charge_repairs(model, *done)
        pick, poor, by_company = audit_pass(self.repairs, systems, drawn, model.month, p.under_delivery)
        if len(pick):
            model.audits.last = model.month
        return pick, poor, by_company

    def _start_repairs(self, model, n: np.ndarray, k: np.ndarray) -> None:
        """Under-delivering systems go back to their operator, who delivers its own quality
        after `repair_months` and pays for the repair when it is done (`_charge_repairs`)."""
        if len(n) == 0:
            return
        from .kernels import start_repairs  # compiled: the schema loads without numba

        st = model.state
        q = redone_quality(model, n, st.company[n])  # its operator repairs it
        # the institution helps specify the repair where the government has one, as on any build
        support = model.tech_support.quality_support * (model.tech_support.staff > 0)[model.structure.agency_gov[n]]
        ready = model.month + self.p.repair_months
        self.repairs = start_repairs(self.repairs, n, k, q + support * (1 - q), ready, st.built, st.operator_since)

    # A repair is owed by the supplier the audit found at fault (it pays `repair_share` when the
    # repair is done); where the agency has left that supplier since (a switch or a take-back:
    # `operator_since` moved), the obligation lapses with the contract: the system keeps the
    # quality found and is auditable again, so the new operator answers for it only if an audit
    # finds it again. (The alternative, the obligation following the old supplier after it
    # leaves, would have it repair systems it no longer runs; assumed, no source.) Repairs due
    # take effect on the system still running; a repair never leaves a system worse than it
    # was (the operator is paid to fix, not to rebuild). Both in `kernels.settle_repairs`.

    def _charge_repairs(self, model, n: np.ndarray, k: np.ndarray) -> None:
        """The operator pays `repair_share` of the build price at its markup for the repairs it
        did, systems (n, k) (`audits.repair_cost`; a company's own work on its record,
        `charge_warranty`): a repair that lapsed or whose system was replaced was never done,
        so never paid or booked."""
        if len(n):
            from ..agents.supplier import build_prices, charge_warranty  # here: the schema loads without numba or Mesa

            prices = build_prices(model, n, k)  # priced once for the cost and the record (`build_price`'s)
            model.audits.repair_cost += float(prices.sum()) * self.p.repair_share
            charge_warranty(model, n, k, self.p.repair_share, prices)  # a company's own work on its record

    def _findings(self, model, pick: np.ndarray, by_company: np.ndarray) -> None:
        """What audits find goes on the agency's record: the quality of the audited systems
        its supplier (company, else vendor) built (the agency expects their mean from it when
        its contract comes up for renewal; legacy systems it only operates are not its
        record), and, where a company runs it (`by_company`: the agencies audited), over-pricing
        (价格审计)."""
        from ..contracts import record_found_cells  # here: the schema loads without numba

        record_found_cells(model, pick)
        self._price_review(model, by_company)

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
        start = np.maximum(st.operator_since[over], st.fees_reviewed[over])
        months = model.month - start
        recovered = float(((st.contract_markup[over] - p.reasonable_markup) * (st.own[over] @ run_cost) * months).sum())
        st.fees_reviewed[over] = model.month
        model.audits.recovered += recovered
        model.spend["operations"] -= recovered
