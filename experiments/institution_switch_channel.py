"""Why an institution's quality support keeps agencies with a dear company (ODD §8, 0.2.5).

    python experiments/institution_switch_channel.py [SEEDS]

Runs `reform_ops_separation` with the technical-support institution and a dear company
(`base_markup` 0.4) over seeds 1..SEEDS (default 12), with the institution's
`quality_support` at its default and at 0, and records every company renewal's inputs
(`contracts.RenewalInputs`) as the company renewal reads them. It prints, for each side,
the mean expected qualities and prices and how the renewals choose (`contracts.choose`:
renew, switch to the market's best vendor, take operations back); then, on the renewals of
the side without support, the same choices with the suppliers' expected qualities lifted as
an institution lifts every build, q + s(1 - q), everything else equal (the take-back's
quality, the staff's skill, is not lifted: the institution specifies and checks what
suppliers build, not in-house operation). Counts are first choices: a government that runs
out of staff turns some take-backs into renewals or switches afterwards.
"""

from __future__ import annotations

import sys

import numpy as np

from sim import contracts
from sim.model import GovModel

OPS = "reform_ops_separation"
DEAR = {"reforms.tech_support_institution.enabled": True, "reforms.ops_separation.base_markup": 0.4}


def renewals(seed: int, support: float | None) -> list[tuple]:
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
            seen.append((x, contracts.choose(tuple(x), term, a.systems_per_staff, a.staff_wage), term, a))
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


def choices(runs: list, lift: float = 0.0) -> np.ndarray:
    """Every renewal's choice (RENEW, SWITCH, TAKE_BACK), with the company's and the vendor's
    expected qualities lifted by `lift` of their gap."""
    out = []
    for x, _, term, a in runs:
        lifted = x._replace(
            company_quality=x.company_quality + lift * (1 - x.company_quality),
            vendor_quality=x.vendor_quality + lift * (1 - x.vendor_quality),
        )
        out.append(contracts.choose(tuple(lifted), term, a.systems_per_staff, a.staff_wage))
    return np.concatenate(out)


def _shares(choice: np.ndarray) -> str:
    n = len(choice)
    switch, back = int((choice == contracts.SWITCH).sum()), int((choice == contracts.TAKE_BACK).sum())
    return f"switch {switch} ({switch / n:.3f}), take back {back} ({back / n:.3f}), leave {switch + back}"


def main(argv: list[str]) -> None:
    seeds = range(1, int(argv[0]) + 1 if argv else 13)
    sides = {label: [r for seed in seeds for r in renewals(seed, support)] for label, support in SIDES}
    for label, runs in sides.items():
        x = contracts.RenewalInputs(*(np.concatenate(col) for col in zip(*(r[0] for r in runs), strict=True)))
        print(
            f"{label:16s} renewals {len(x.run)}  expected quality: company {x.company_quality.mean():.3f}, "
            f"best vendor {x.vendor_quality.mean():.3f}  price: company {x.company_price.mean():.3f}, "
            f"vendor {x.vendor_price.mean():.3f}  chosen: {_shares(choices(runs))}"
        )
    without = sides["support 0"]
    for lift in (0.1, 0.3):
        print(f"support 0, suppliers' qualities lifted by {lift}: {_shares(choices(without, lift))}")


SIDES = (("default support", None), ("support 0", 0.0))


if __name__ == "__main__":
    main(sys.argv[1:])
