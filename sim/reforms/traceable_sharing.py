"""Traceable sharing ledger (区块链上链, 过程可记录、责任可追溯; seed 000 §3.3).

Recording every data use shifts liability to the user: a provider's liability risk per
link falls by `liability_reduction`, at a ledger cost per shared link.
"""

from __future__ import annotations

from ..schema import Fraction, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    liability_reduction: Fraction
    ledger_cost: NonNeg


@register
class TraceableSharing(Reform):
    key = "traceable_sharing"
    title = "Traceable sharing ledger"
    seeds = "000 §3.3"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        model.rules.liability_factor *= 1 - self.p.liability_reduction
        model.rules.ledger_cost += self.p.ledger_cost
