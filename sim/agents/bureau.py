"""Coordinating bodies: data bureaus (大数据局 / 政务服务数据管理局) and, where no bureau
exists, the government's general office that carries the same functions at lower attention
(seed 000 §1.2.1: provinces without a bureau left IT to the general office or the DRC)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from ..model import GovModel


class CoordinatingBody(mesa.Agent):
    kind = "office"

    def __init__(self, model: GovModel, gov: int, attention: float, mandate: str) -> None:
        super().__init__(model)
        self.gov = gov
        self.attention = attention  # share of effort on IT coordination
        self.mandate = mandate
        self.superseded = False  # replaced by a data bureau created later at the same government
        self.bidx = len(model.bodies)
        self.node: int | None = None

    @property
    def reviewed(self) -> int:
        """Proposals decided, cumulative (counted per body in `model.review`)."""
        decided = self.model.review.decided
        return int(decided[self.bidx]) if self.bidx < len(decided) else 0

    @property
    def rejected_duplicates(self) -> int:
        """Proposals rejected as duplicates, cumulative."""
        rejected = self.model.review.rejected
        return int(rejected[self.bidx]) if self.bidx < len(rejected) else 0

    @property
    def backlog(self) -> int:
        return int((self.model.queue.reviewer == self.bidx).sum())

    @property
    def level(self) -> str:
        return self.model.structure.levels[self.model.structure.gov_level[self.gov]]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.mandate} at {self.level}{self.gov}>"


class DataBureau(CoordinatingBody):
    """Mandate (seed 000 §1.2.1): `centre` informatisation only; `industry` + digital industry;
    `services` + government services and approvals."""

    kind = "bureau"


class GeneralOffice(CoordinatingBody):
    kind = "office"
