"""Fiscal transfers from above (issue 14 §5).

Equalisation transfers (均衡性转移支付): a government whose own revenue falls short of the
standard for its level receives a share of the gap from above. The central formula reads
transfer = (standard expenditure − standard revenue) × equalisation coefficient (财政部,
中央对地方均衡性转移支付办法); provinces apply the same formula to their cities and
counties. Here an agency's standard IT expenditure is its level's allocation at average
wealth (`budget_per_month`), its own revenue that allocation × its government's wealth,
and the coefficient `agents.equalisation_rate`:

    budget_rate = base × (wealth + equalisation_rate × max(0, 1 − wealth))

so the top-up rises as wealth falls and the rich keep what they raise.
"""

from __future__ import annotations

import numpy as np


def equalised_budget_rate(base: np.ndarray, wealth: np.ndarray, equalisation_rate: float) -> np.ndarray:
    """Monthly IT allocation per agency: own revenue plus the equalisation transfer."""
    return base * (wealth + equalisation_rate * np.maximum(0.0, 1.0 - wealth))


def transfer(base: np.ndarray, wealth: np.ndarray, equalisation_rate: float) -> np.ndarray:
    """The transfer part of the allocation, 万元/month per agency."""
    return base * equalisation_rate * np.maximum(0.0, 1.0 - wealth)


def province_builds_for(structure, top: int, below_wealth: float) -> np.ndarray:
    """(G,) governments below level `top` whose ancestor one level down (the city; the
    government itself at that level) has wealth, relative to its level's mean, under
    `below_wealth`: the province plans and builds their public hardware and support
    resources instead of them (seed 004 §2.1: 粤东西北各市不再单独建设公共硬件设施和支撑资源，
    由省统一规划、统一建设)."""
    s = structure
    below = s.gov_level > top
    if top + 1 >= len(s.levels):
        return np.zeros(s.n_gov, bool)
    city = np.where(below, s.gov_ancestor[:, top + 1], 0)
    return below & (s.gov_wealth[city] < below_wealth)
