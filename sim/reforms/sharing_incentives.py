"""Evaluation with positive and negative incentives (正负双向考核激励, seed 000 §3.3,
seed 002 §8; 好差评 ratings, seed 001 §4).

The coordinating body's annual evaluation rewards each shared link and penalises refused
links it finds (with `audit_probability`). With `use_ratings`, service ratings are traced
back to the data providers behind them, crediting providers on busy links.
"""

from __future__ import annotations

from ..schema import Fraction, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    reward: NonNeg
    penalty: NonNeg
    audit_probability: Fraction
    use_ratings: bool
    rating_credit: NonNeg
    cost: NonNeg


@register
class SharingIncentives(Reform):
    key = "sharing_incentives"
    title = "Sharing incentives (evaluation)"
    seeds = "000 §3.3, 002 §8"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        r = model.rules
        r.reward = self.p.reward
        r.penalty = self.p.penalty
        r.audit_probability = self.p.audit_probability
        if self.p.use_ratings:
            r.rating_credit = self.p.rating_credit
        model.fixed_costs["sharing_incentives"] = self.p.cost
