"""Mesa's classic Boltzmann wealth model: the reference cost per agent-step.

Each agent gives one unit of wealth to another agent picked at random, all agents
activated in random order with `shuffle_do`. Partners come from a list cached once at
set-up — the tutorial's `random.choice(self.model.agents)` copies the AgentSet on every
call (O(n)), which would flatter any comparison.
"""

from __future__ import annotations

import mesa


class MoneyAgent(mesa.Agent):
    def __init__(self, model: BoltzmannWealth) -> None:
        super().__init__(model)
        self.wealth = 1

    def step(self) -> None:
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class BoltzmannWealth(mesa.Model):
    def __init__(self, n: int = 10_000, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        for _ in range(n):
            MoneyAgent(self)
        self.agent_list = list(self.agents)  # cached once: O(1) partner picks

    def step(self) -> None:
        self.agents.shuffle_do("step")
