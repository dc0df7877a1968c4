"""Why an institution's quality support keeps agencies with a dear company (ODD §8, 0.2.5).

    python experiments/institution_switch_channel.py [SEEDS]

Runs `reform_ops_separation` with the technical-support institution and a dear company
(`base_markup` 0.4) over seeds 1..SEEDS (default 12), with the institution's
`quality_support` at its default and at 0, and records every company renewal's inputs
(`contracts.RenewalInputs`) as the company renewal reads them. It prints, for each side,
the mean expected qualities and prices, the share of renewals where switching to the
market's best vendor costs less per unit of quality than renewing, and the switches made;
then, on the renewals of the side without support, the same share with both expected
qualities lifted as an institution lifts every build, q + s(1 - q), everything else equal.
"""

from __future__ import annotations

import sys

import numpy as np

from sim import contracts
from sim.model import GovModel

OPS = "reform_ops_separation"
DEAR = {"reforms.tech_support_institution.enabled": True, "reforms.ops_separation.base_markup": 0.4}


def renewals(seed: int, support: float | None) -> list[tuple[contracts.RenewalInputs, np.ndarray, int]]:
    """Every company renewal of one run: its inputs (`contracts._options`, which only reads
    state), the choices they give (`contracts.choose`) and the term, read just before the
    model renews (the reform looks `renew_company_contracts` up in its module every month)."""
    seen = []
    renew = contracts.renew_company_contracts

    def recording(model):
        n = contracts.due(model, company=True)
        if len(n):
            x = contracts._options(model, n)[0]
            a, term = model.spec.agents, model.companies[0].p.contract_months
            seen.append((x, contracts.choose(tuple(x), term, a.systems_per_staff, a.staff_wage), term))
        renew(model)

    overrides = dict(DEAR)
    if support is not None:
        overrides["reforms.tech_support_institution.quality_support"] = support
    contracts.renew_company_contracts = recording
    try:
        GovModel(OPS, rng=seed, **overrides).run_for(60)
    finally:
        contracts.renew_company_contracts = renew
    return seen


def switch_beats_renewal(x: contracts.RenewalInputs, term: int, lift: float = 0.0) -> np.ndarray:
    """Switching costs less per unit of quality than renewing (`contracts.choose`'s first
    comparison), with both expected qualities lifted by `lift` of their gap."""
    q_company = x.company_quality + lift * (1 - x.company_quality)
    q_vendor = x.vendor_quality + lift * (1 - x.vendor_quality)
    renew = x.run * x.company_price * term / np.maximum(q_company, 1e-9)
    switch = (x.run * x.vendor_price * term + x.switching) / np.maximum(q_vendor, 1e-9)
    return switch < renew


def main(argv: list[str]) -> None:
    seeds = range(1, int(argv[0]) + 1 if argv else 13)
    for label, support in (("default support", None), ("support 0", 0.0)):
        runs = [r for seed in seeds for r in renewals(seed, support)]
        x = [np.concatenate(col) for col in zip(*(r[0] for r in runs), strict=True)]
        x = contracts.RenewalInputs(*x)
        beats = np.concatenate([switch_beats_renewal(r[0], r[2]) for r in runs])
        switches = sum(int((r[1] == contracts.SWITCH).sum()) for r in runs)
        print(
            f"{label:16s} renewals {len(beats)}  expected quality: company {x.company_quality.mean():.3f}, "
            f"best vendor {x.vendor_quality.mean():.3f}  price: company {x.company_price.mean():.3f}, "
            f"vendor {x.vendor_price.mean():.3f}  switch cheaper per quality {beats.mean():.3f}  switches {switches}"
        )
    for lift in (0.1, 0.3):
        beats = np.concatenate([switch_beats_renewal(r[0], r[2], lift) for r in runs])
        print(f"support 0, both qualities lifted by {lift}: switch cheaper per quality {beats.mean():.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
