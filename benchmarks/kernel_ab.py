"""One compiled kernel of this checkout against another checkout's, inside the same runs.

    python -m benchmarks.kernel_ab MODULE KERNEL --other /path/to/checkout [--sizes 1 21 228] [--runs 6]

e.g. `python -m benchmarks.kernel_ab sim.processes.sharing _decide --other /work/main`. The other
checkout's module is copied (its relative imports made absolute, so it runs on this checkout's
`sim`) and imported beside this one's. Each time a run calls the kernel, both versions are called
on the same arguments (the other's on a copy: kernels change arguments in place), in alternating
order, and each call's thread CPU time is summed; the run goes on with this checkout's result.
Both meet the same caches and the same load, which side-by-side whole runs on a shared machine
do not; a kernel the month calls through another kernel is not seen.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import re
import sys
import tempfile
import time
from pathlib import Path


def _other_module(module: str, checkout: str, folder: str):
    """`module` of the other checkout, imported as a module of its own on this checkout's `sim`."""
    parts = module.split(".")
    source = Path(checkout, *parts).with_suffix(".py").read_text()
    package = parts[:-1]

    def absolute(match: re.Match) -> str:
        dots, name = match.group(1), match.group(2)
        base = package[: len(package) - (len(dots) - 1)]
        return "from " + ".".join([*base, name] if name else base) + " import"

    source = re.sub(r"^from (\.+)([\w.]*) import", absolute, source, flags=re.M)
    path = Path(folder, "other_" + parts[-1] + ".py")
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("module")
    p.add_argument("kernel")
    p.add_argument("--other", required=True, help="the other checkout's root")
    p.add_argument("--scenario", default=None, help="default: baseline, guangdong with --sizes")
    p.add_argument("--sizes", type=int, nargs="*", help="government.sizes (e.g. 1 21 228: 13,750 agencies)")
    p.add_argument("--runs", type=int, default=6)
    a = p.parse_args(argv)
    overrides: dict = {"government.sizes": a.sizes} if a.sizes else {}
    scenario = a.scenario or ("guangdong" if a.sizes else "baseline")
    from sim import GovModel

    mine = importlib.import_module(a.module)
    with tempfile.TemporaryDirectory() as folder:
        other = _other_module(a.module, a.other, folder)
        ours, theirs = getattr(mine, a.kernel), getattr(other, a.kernel)
        spent, calls = {"this": 0.0, "other": 0.0}, [0]

        def both(*args):
            copied = copy.deepcopy(args)
            order = [("other", theirs, copied), ("this", ours, args)]
            result = None
            for name, kernel, given in order if calls[0] % 2 else order[::-1]:
                t0 = time.thread_time()
                out = kernel(*given)
                spent[name] += time.thread_time() - t0
                result = out if name == "this" else result
            calls[0] += 1
            return result

        setattr(mine, a.kernel, both)
        try:
            GovModel(scenario, rng=1, **overrides).run_for(60)  # both load; not counted
            spent.update(this=0.0, other=0.0)
            calls[0] = 0
            for seed in range(2, a.runs + 2):
                model = GovModel(scenario, rng=seed, **overrides)
                model.run_for(60)
        finally:
            setattr(mine, a.kernel, ours)
    n = max(calls[0], 1)
    print(
        f"{scenario} ({model.structure.n_agencies:,} agencies) {a.module}.{a.kernel}, {calls[0]} calls: "
        f"this {spent['this'] / n * 1e6:,.1f} µs a call, other ({a.other}) {spent['other'] / n * 1e6:,.1f} µs"
    )


if __name__ == "__main__":
    main()
