"""Unified project approval (项目审批统一归口, seed 000 §3.2, seed 002 §4).

Every IT proposal goes to the coordinating body of its government (or the nearest one
above), which decides up to `capacity` x its IT attention proposals a month, oldest first,
rejects those that duplicate a reachable system and points the agency to it. With
`freeze_until_platform`, proposals for shareable kinds wait until the platform is built
(暂停所有其他信息化项目的立项).
"""

from __future__ import annotations

from ..institutions import route_reviews
from ..schema import NonNeg, ReformParams
from .base import Reform, register


class Params(ReformParams):
    capacity: NonNeg
    freeze_until_platform: bool


@register
class UnifiedApproval(Reform):
    key = "unified_approval"
    title = "Unified project approval"
    seeds = "000 §3.2, 002 §4"
    Params = Params
    needs_coordinator = True

    def activate(self, model) -> None:
        model.rules.approval = True
        model.rules.freeze_until_platform = self.p.freeze_until_platform
        model.review.approval_capacity = self.p.capacity
        route_reviews(model)
