"""Digital skills training and pay for IT posts (seed 003 remedies, seed 000 §3.4, seed 002 §2).

Training lifts line staff's digital skills and IT staff's skill by `skill_gain` of the gap
each month; a pay premium keeps `pay_premium` of the talent the market would pull away.
"""

from __future__ import annotations

from ..schema import Fraction, NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    skill_gain: Fraction
    pay_premium: Fraction
    cost_per_agency: NonNeg


@register
class SkillsTraining(Reform):
    key = "skills_training"
    title = "Skills training and IT pay"
    seeds = "003, 000 §3.4"
    Params = Params

    def activate(self, model) -> None:
        model.rules.training_gain = self.p.skill_gain
        model.rules.talent_drain_factor *= 1 - self.p.pay_premium
        model.fixed_costs["skills_training"] = self.p.cost_per_agency * model.structure.n_agencies
