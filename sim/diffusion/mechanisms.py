"""The diffusion mechanisms: each a term added to a province's monthly log-odds of adopting
an item (Berry & Berry 1990's event-history form), switched on or off in `[diffusion]`.

- central mandates and windows (coercion; Heilmann 2008's mandated spread): open windows
  targeting the item, weighted;
- learning (Shipan & Volden 2008): how much more adopters improved, since they adopted, on
  the measure peers watch, than non-adopters did over the same months — read from the
  within-province models' results;
- competition (the promotion tournament, Li & Zhou 2005): a province below the national
  median of the evaluation measure is pushed;
- emulation (Walker 1969; Berry & Berry 1990 regional diffusion): share of neighbours
  that have adopted;
- capacity (internal determinants, Berry & Berry 1990): GDP per head and digital-economy
  strength, standardised.
All functions are vectorised over the 31 provinces and draw no random numbers.
"""

from __future__ import annotations

import numpy as np

NOT_YET = -1


def zscore(x: np.ndarray) -> np.ndarray:
    sd = float(np.std(x))
    return (x - np.mean(x)) / sd if sd > 0 else np.zeros_like(x, dtype=float)


def window_term(windows, item: str, month: int, month_of) -> float:
    """Sum of the weights of the windows open this month that target the item."""
    return float(sum(w.weight for w in windows if item in w.targets and 0 <= month - month_of(w.start) < w.months))


def emulation_term(adopted: np.ndarray, adjacency: np.ndarray) -> np.ndarray:
    """(n,) share of each province's neighbours that have adopted (`adopted`: bool (n,))."""
    return adjacency.astype(float) @ adopted.astype(float) / adjacency.sum(axis=1)


def competition_term(score: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """(n,) 1 for provinces strictly behind the national median of the evaluation score."""
    med = np.median(score)
    behind = score < med if higher_is_better else score > med
    return behind.astype(float)


def capacity_term(gdp_per_head: np.ndarray, digital_economy: np.ndarray) -> np.ndarray:
    """(n,) mean of the standardised log GDP per head and digital-economy strength."""
    return (zscore(np.log(gdp_per_head)) + zscore(digital_economy.astype(float))) / 2


def learning_term(history: np.ndarray, adopted_month: np.ndarray, month: int, lag: int) -> float:
    """Peers' observed result of an item, from the within-province models (lower is better).

    `history`: (n, month + 1) the watched measure at the end of months 0..month; `adopted_month`:
    (n,) month of adoption or NOT_YET. For each adopter with at least `lag` months of results,
    its relative improvement since adoption minus the mean relative improvement of non-adopters
    over the same months; the mean over those adopters, clipped to [-1, 1]. 0 when there are no
    such adopters or no non-adopters to compare with (nothing to learn from)."""
    age = np.where(adopted_month >= 0, month - adopted_month, -1)
    watched = np.flatnonzero(age >= lag)
    others = np.flatnonzero(adopted_month < 0)
    if len(watched) == 0 or len(others) == 0:
        return 0.0
    now = history[:, month]
    gains = []
    for i in watched:
        then = history[i, adopted_month[i]]
        own = (then - now[i]) / then if then > 0 else 0.0
        base = history[others, adopted_month[i]]
        theirs = np.where(base > 0, (base - now[others]) / np.where(base > 0, base, 1.0), 0.0)
        gains.append(own - float(theirs.mean()))
    return float(np.clip(np.mean(gains), -1.0, 1.0))


def own_improvement(history: np.ndarray, since: np.ndarray, month: int) -> np.ndarray:
    """(n,) each province's own relative improvement in a watched measure (lower is better) from
    the end of month `since` to now, (then - now) / then, clipped to [-1, 1]; 0 where `since` is
    NOT_YET (nothing of its own to read) or the measure was 0 then. `history` as in
    `learning_term`."""
    started = since >= 0
    then = history[np.arange(len(since)), np.where(started, since, 0)]
    now = history[:, month]
    gain = np.where(started & (then > 0), (then - now) / np.where(then > 0, then, 1.0), 0.0)
    return np.clip(gain, -1.0, 1.0)


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
