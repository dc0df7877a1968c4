"""What a compiled call costs besides its work, and what handing numba the generator costs.

    python -m benchmarks.dispatch_cost

At month 30 of a baseline run: `_measure_all` called through its dispatcher and through its
compiled entry point (no type dispatch), and a kernel that does nothing with the same
arguments (the cost of unboxing them); then a kernel drawing from a `numpy.random.Generator`
(numba gives numpy's streams: checked here for `random` and `normal`, the state shared).
Best of 5 rounds, µs a call. Figures for docs/benchmarks.md "Tenth pass ... summary".
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit


def _best(fn, args: tuple, n: int = 2000) -> float:
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn(*args)
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


@njit
def _nothing(held, month_ops, suppliers, companies, links, services, figures):
    return 0


@njit
def _draws(rng, n, m):
    return rng.random(n), rng.normal(0.0, 0.3, m)


@njit
def _one(rng):
    return rng.random()


def main() -> None:
    from sim import GovModel
    from sim import measures as ms

    model = GovModel("baseline", rng=1)
    model.run_for(30)
    args = ms._kernel_args(model)
    entry = ms._measure_all.overloads[ms._measure_all.signatures[0]].entry_point
    _nothing(*args)
    empty = _nothing.overloads[_nothing.signatures[0]].entry_point
    print(f"_measure_all: dispatcher {_best(ms._measure_all, args):.1f} µs, entry point {_best(entry, args):.1f} µs")
    costs = _best(_nothing, args), _best(empty, args)
    print(f"no-op with its arguments: dispatcher {costs[0]:.1f} µs, entry point {costs[1]:.1f} µs")
    for seed in range(50):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        x, y = _draws(a, 444, 100)
        assert np.array_equal(x, b.random(444)) and np.array_equal(y, b.normal(0.0, 0.3, 100)), seed
        assert a.bit_generator.state == b.bit_generator.state, seed
    rng = np.random.default_rng(1)
    _one(rng)
    print(f"numba's draws equal numpy's (50 seeds); handing it a generator: {_best(_one, (rng,)):.1f} µs a call")


if __name__ == "__main__":
    main()
