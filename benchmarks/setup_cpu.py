"""CPU time of building a model (set-up only), as the bench's whole runs start.

    python -m benchmarks.setup_cpu [SCENARIO] [--seeds 300] [--sizes 1 21 228]

After one warm run of the scenario (kernels loaded, the scenario file read), builds
`GovModel(SCENARIO, rng=seed)` for seeds 1..`--seeds` and prints the minimum, first quartile
and median CPU time (`time.process_time`) of one set-up. Alternate two checkouts round by
round under load (`cd TREE && PYTHONPATH=TREE python -m benchmarks.setup_cpu`).
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="baseline")
    p.add_argument("--seeds", type=int, default=300)
    p.add_argument("--sizes", type=int, nargs="*", help="government.sizes (e.g. 1 21 228: 13,750 agencies)")
    a = p.parse_args(argv)
    from sim.model import GovModel

    overrides: dict = {"government.sizes": a.sizes} if a.sizes else {}
    GovModel(a.scenario, rng=0, **overrides).run_for(60)
    cpu = []
    for seed in range(1, a.seeds + 1):
        c0 = time.process_time()
        GovModel(a.scenario, rng=seed, **overrides)
        cpu.append(time.process_time() - c0)
    cpu.sort()
    n = len(cpu)
    print(
        f"{a.scenario}: set-up CPU min {cpu[0] * 1e3:.3f} ms, "
        f"first quartile {cpu[n // 4] * 1e3:.3f}, median {cpu[n // 2] * 1e3:.3f} ({n} seeds)"
    )


if __name__ == "__main__":
    main()
