"""Line agencies (条线部门): one per line and government, a view over `model.state`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
from mesa.agentset import _HardKeyAgentSet
from mesa.model import ModelSignals

from ..schema import KINDS

if TYPE_CHECKING:
    from ..model import GovModel


class Agency(mesa.Agent):
    """A line agency. Its state lives in `model.state` arrays at index `idx`; the
    vectorised processes in `sim.processes` update all agencies at once."""

    kind = "agency"

    def __init__(self, model: GovModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx
        self.node = idx

    @classmethod
    def create_views(cls, model: GovModel, n: int) -> list[Agency]:
        """Agencies 0..n-1, registered with the model in bulk: the same agents, unique ids,
        `model.agents` and `agents_by_type` as `Agency(model, i)` for each, at a fifth of
        the cost (Mesa's per-agent registration was half the set-up of a province). The
        AGENT_ADDED signal has no subscriber while the model is being built; if one exists
        (or Mesa data sets track agencies), each agency is made the ordinary way."""
        batching = getattr(model, "_batch_context", None) is not None
        if cls._datasets or batching or ("agents", ModelSignals.AGENT_ADDED) in model.subscribers:
            return [cls(model, i) for i in range(n)]
        first = model.agent_id_counter
        views = [cls.__new__(cls) for _ in range(n)]
        for i, view in enumerate(views):
            view.__dict__.update(model=model, unique_id=first + i, pos=None, idx=i, node=i)
        model.agent_id_counter = first + n
        model._all_agents._agents.update(dict.fromkeys(views))
        if cls in model._agents_by_type:
            model._agents_by_type[cls]._agents.update(dict.fromkeys(views))
        else:
            model._agents_by_type[cls] = _HardKeyAgentSet(views, random=model.random)
        return views

    # identity
    @property
    def government(self) -> int:
        return int(self.model.structure.agency_gov[self.idx])

    @property
    def line(self) -> str:
        return self.model.structure.lines[self.model.structure.agency_line[self.idx]]

    @property
    def level(self) -> str:
        return self.model.structure.levels[self.model.structure.agency_level[self.idx]]

    @property
    def name(self) -> str:
        return f"{self.level}{self.government}/{self.line}"

    # state
    @property
    def open(self) -> bool:
        return bool(self.model.state.open[self.idx])

    @property
    def inhouse_staff(self) -> float:
        return float(self.model.state.staff[self.idx])

    @property
    def has_inhouse_unit(self) -> bool:
        return self.inhouse_staff > 0

    @property
    def systems(self) -> dict[str, bool]:
        return {k: bool(v) for k, v in zip(KINDS, self.model.state.own[self.idx], strict=True)}

    @property
    def operated_by_company(self) -> bool:
        return bool(self.model.state.company[self.idx] >= 0)

    @property
    def share_rate(self) -> float:
        """Share of the links this agency provides that are served this month."""
        return float(self.model.provider_share_rate[self.idx])

    def __repr__(self) -> str:
        return f"<Agency {self.name}>"
