"""Government technical-support institutions (技术保障机构, seed 000 §3.1, §3.2, §3.4).

Government staff who keep technical control, through what they do:
- they write the specifications of projects in their government (the government's part in
  specifying them, `control_decision_rights`), lifting delivered quality by
  `quality_support` of the gap to perfect (`planning.start_builds`);
- they put the clause that code and data belong to the government (seed 002 §7: 数据、源代码
  等产权必须归政府所有) into the terms of the projects they specify and of systems rebuilt
  when an agency of their government leaves its operator (`contracts`; a renewal grants no
  rights to what is already built), so a later switch means migrating, not rebuilding; the
  rights to legacy systems are a priced term: an agency leaving its operator may buy them at
  `buyout_share` of their build price and migrate instead of rebuilding, where that is cheaper
  (`contracts.with_buyout`);
- they check deliverables (audit information) and return those below `acceptance` to their
  builder, who redoes them at its own cost (`rework_share` of the build price, booked to
  builders, not to IT spending) over `rework_months`, while the agency waits: the redone
  system is delivered at the builder's quality again, and checked again; the quality found on
  what the agency's supplier built stays on the agency's record for its renewal, as an
  audit's does (`contracts.record_found_quality`);
- their time is a budget: each specification takes `spec_months` and each check
  `check_months` of a staff member's month (assumed); deliverables beyond the time left go
  unchecked, and only the staff left free oversee and count as take-back capacity;
- they oversee outsourced systems (`span` systems per staff member at their skill), which
  the operating company sees (its markup and data hold), and their staff could run systems
  taken back from a company.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..schema import Count, Fraction, Name, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    levels: Annotated[list[Name], Field(min_length=1)]
    staff: NonNeg
    skill: Fraction
    span: NonNeg
    quality_support: Fraction
    acceptance: Fraction
    spec_months: NonNeg
    check_months: NonNeg
    rework_months: Count
    rework_share: Fraction
    buyout_share: NonNeg


@register
class TechSupportInstitution(Reform):
    key = "tech_support_institution"
    title = "Technical-support institution"
    seeds = "000 §3.1, §3.4"
    Params = Params

    def activate(self, model) -> None:
        s, p = model.structure, self.p
        at = np.isin(s.gov_level, [s.levels.index(lv) for lv in p.levels])
        tsi = model.tech_support
        tsi.staff[at] = p.staff
        tsi.free[at] = p.staff
        tsi.skill[at] = p.skill
        tsi.span = p.span
        tsi.quality_support = p.quality_support
        model.fixed_costs["tech_support_institution"] = float(at.sum() * p.staff * model.spec.agents.staff_wage)

    def step(self, model) -> None:
        """A month of the institution's staff time: the projects it specified take
        `spec_months` each; it checks what is delivered in its government (audit
        information) with `check_months` each while time is left, returning deliverables
        below `acceptance` to their builder for rework (`rework`); the staff left free
        oversee and could take operations back. Its wage bill follows its staff (some may have moved to run
        systems taken back)."""
        tsi, p = model.tech_support, self.p
        from ..agents.supplier import price_vendor_warranty  # here: the schema loads without Mesa
        from ..contracts import record_found_cells  # here: the schema loads without numba

        price_vendor_warranty(model)  # vendors price their own record, as companies do (once a month)
        left = np.maximum(0.0, tsi.staff - p.spec_months * tsi.specified)
        tsi.specified[:] = 0.0
        checked, returned, done = _check(model, left, p)
        if len(checked):
            model.audits.last = model.month
        record_found_cells(model, checked)  # on its supplier's record for the agency's renewal
        rework(model, *returned, p)
        tsi.free[:] = np.maximum(0.0, left - done * p.check_months)
        model.fixed_costs["tech_support_institution"] = float(tsi.staff.sum() * model.spec.agents.staff_wage)


def _check(model, left: np.ndarray, p: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The deliverables each government's institution has time to check this month
    (`kernels.check_deliveries`): delivered through construction this month (a system in
    place at month 0 of age 0 was not), in agency order, the first `left / check_months` of
    its government; their audit month is set. Returns the checked cells (flat n * K + k,
    ascending), the (n, k) below `acceptance`, and the checks done per government."""
    from ..agents.supplier import delivered_this_month  # here: the schema loads without numba or Mesa
    from .kernels import Deliveries, check_deliveries  # compiled: here, the schema loads without numba

    st, tsi = model.state, model.tech_support
    can = left / p.check_months if p.check_months > 0 else np.full(len(left), np.inf)
    x = Deliveries(
        own=st.own,
        delivered=delivered_this_month(model),
        proposed=st.proposed,
        quality=st.quality,
        agency_gov=model.structure.agency_gov,
        checks=np.where(tsi.staff > 0, can, 0.0),
        audit_month=model.audits.month,
    )
    return check_deliveries(tuple(x), model.month, p.acceptance)


def rework(model, n: np.ndarray, k: np.ndarray, p: Params) -> None:
    """Returned deliverables go back to their builder: the agency's company where the project
    was proposed after it took the agency over (its own work, `supplier.own_work`), else the
    agency's vendor (a predecessor's project delivered after a take-over goes back to the
    vendor that built it); out of service for `rework_months`, redone at the builder's quality
    (± `quality_spread`, with the institution's help on the specification) and checked again on
    delivery; the builder bears `rework_share` of the build price at its markup
    (`tech_support.rework_cost`; a company's own on its record, which its markup prices)."""
    if len(n) == 0:
        return
    from ..agents.supplier import charge_warranty, own_work, uncount_returned  # here: the schema loads without Mesa

    st, tsi = model.state, model.tech_support
    builder = own_work(model, n, k)
    q = redone_quality(model, n, builder)
    uncount_returned(model, n, k)  # before the system leaves service: a company's own delivery did not go live
    st.build_quality[n, k] = q + tsi.quality_support * (1 - q)
    st.build_specified[n, k], st.build_rights[n, k] = st.specified[n, k], st.rights[n, k]
    st.build_duplicate[n, k] = False  # its spending was counted when the project started
    st.own[n, k], st.building[n, k] = False, True
    st.done[n, k] = model.month + p.rework_months
    model.building_months += float((st.done[n, k] - st.proposed[n, k]).sum())  # go-live moves back
    model.n_building += len(n)
    _undo_delivery(model, model.month - st.proposed[n, k])
    tsi.rework_cost += builder_price(model, n, k, builder) * p.rework_share
    charge_warranty(model, n, k, p.rework_share)  # a company's own work on its record


def redone_quality(model, n: np.ndarray, company: np.ndarray) -> np.ndarray:
    """(len(n),) the quality a supplier delivers when it redoes or repairs a system of
    agencies `n`: `company`'s quality where one does it (NO_ONE: the agency's vendor's) ±
    `quality_spread`, as a new build (`planning.start_builds`), so a poor builder redoes poorly."""
    supplier = model.vendor_quality[model.state.vendor[n]]
    if model.companies:
        quality = np.array([c.quality for c in model.companies])
        supplier = np.where(company >= 0, quality[np.maximum(company, 0)], supplier)
    return np.clip(supplier + model.rng.normal(0, model.spec.agents.quality_spread, len(n)), 0.0, 1.0)


def builder_price(model, n: np.ndarray, k: np.ndarray, company: np.ndarray) -> float:
    """万元: what building kinds `k` for agencies `n` costs at the markup of who builds them:
    `company` where one does (NO_ONE: the agency's vendor)."""
    markup = model.vendor_markup[model.state.vendor[n]]
    if model.companies:
        asking = np.array([c.markup for c in model.companies])
        markup = np.where(company >= 0, asking[np.maximum(company, 0)], markup)
    return float((model.base_build_cost[k] * (1 + markup)).sum())


def build_price(model, n: np.ndarray, k: np.ndarray) -> float:
    """万元: what building kinds `k` for agencies `n` costs at their builders' markup (the
    base a builder's rework or repair share is taken of): `builder_price` with the agencies'
    own company (else their vendor), as `planning.build_factor` prices them, for these agencies
    only."""
    return builder_price(model, n, k, model.state.company[n])


def _undo_delivery(model, took: np.ndarray) -> None:
    """A returned deliverable did not go live: take it out of this month's deliveries (operations
    recorded it, `took` months after its proposal), so it counts once, at its accepted go-live.
    A system in place at month 0 that reads as delivered then (age 0) was never in them."""
    pipeline = took > 0  # delivered through construction this month (a proposal precedes it)
    if model.deliveries and pipeline.any():
        months, count = model.deliveries[-1]
        model.deliveries[-1] = (months - float(took[pipeline].sum()), count - int(pipeline.sum()))
