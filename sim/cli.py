"""`govsim` command line: run, compare, scenarios, validate, measures.

Bad input (a malformed file, an unknown key or preset, a value out of range) prints one
line naming the file, the key, the value and what was expected, and exits with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from . import __version__
from .catalogue import HEADLINE, MEASURES
from .scenario import GovScenario, ScenarioError, list_presets, load_spec, parse_override, spec_to_toml

# Modules adding subcommands: each defines `register(subparsers)` and sets `func` on its parser.
PLUGINS: list[str] = ["sim.runner.cli", "sim.report.cli", "sim.viz.cli"]

KEY_MEASURES = HEADLINE


def _measures_help() -> str:
    lines = ["measures (timeseries.csv columns; spending per month, not cumulative):"]
    for name, m in MEASURES.items():
        lines.append(f"  {name} [{m.unit}]")
    lines.append("run `govsim measures` for each definition")
    return "\n".join(lines)


def _overrides(items: list[str] | None) -> dict:
    return dict(parse_override(i) for i in items or [])


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fmt(v: float) -> str:
    if isinstance(v, int) or (float(v).is_integer() and abs(v) >= 10):
        return f"{round(v):,}"
    return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"


def run_one(scenario: str, seed: int | None, steps: int | None, overrides: dict, out: Path | None, quiet: bool = False):
    """Run one scenario, write its outputs, return (model, dataframe, out dir)."""
    from tqdm import tqdm

    from .model import GovModel

    # refuse an unusable output folder before the run, not after it
    for folder in [out, *(out.parents if out else [])]:
        if folder is not None and folder.exists() and not folder.is_dir():
            raise ScenarioError(f"--out {out}: {folder} is a file; expected a folder (new or existing)")
    flags = {"simulation.seed": "--seed", "simulation.steps": "--steps"}
    model = GovModel(GovScenario.coerce(scenario, rng=seed, steps=steps, overrides=overrides, sources=flags))
    out = out or Path("runs") / f"{model.spec.meta.name}-seed{model.spec.simulation.seed}"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScenarioError(f"--out {out}: cannot create the folder: {e.strerror}") from None
    seed = model.spec.simulation.seed
    name = model.spec.meta.name
    t0 = time.perf_counter()
    show = not quiet and sys.stderr.isatty()  # no carriage-return noise in logs and pipes
    with tqdm(total=model.horizon, desc=f"{name} seed {seed}", unit="month", disable=not show, leave=False) as bar:
        while model.running:
            model.step()
            bar.update(1)
    wall = time.perf_counter() - t0
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "step", range(len(df)))
    write_atomic(out / "scenario.resolved.toml", spec_to_toml(model.spec))
    write_atomic(out / "timeseries.csv", df.to_csv(index=False))
    model.wall_seconds = wall
    return model, df, out


def cmd_run(args) -> int:
    overrides = _overrides(args.set)
    model, df, out = run_one(args.scenario, args.seed, args.steps, overrides, args.out, args.quiet)
    s = model.structure
    print(
        f"{model.spec.meta.name}: {s.n_gov} governments, {s.n_agencies} agencies, "
        f"{len(model.bodies)} coordinating bodies, {len(model.companies)} operating companies; "
        f"{model.horizon} months, seed {model.spec.simulation.seed}, {model.wall_seconds:.2f} s"
    )
    first, last = df.iloc[0], df.iloc[-1]
    width = max(len(k) for k in KEY_MEASURES)
    print(f"{'measure':<{width}}  {'month 0':>12}  {'final':>12}")
    for k in KEY_MEASURES:
        print(f"{k:<{width}}  {_fmt(first[k]):>12}  {_fmt(last[k]):>12}")
    print(f"wrote {out / 'timeseries.csv'} and {out / 'scenario.resolved.toml'}")
    return 0


def cmd_compare(args) -> int:
    import pandas as pd

    overrides = _overrides(args.set)
    finals, seeds, horizons = {}, set(), set()
    for sc in args.scenarios:
        out = args.out / Path(str(sc)).stem if args.out else None
        model, df, where = run_one(sc, args.seed, args.steps, overrides, out, args.quiet)
        finals[model.spec.meta.name] = df.iloc[-1]
        seeds.add(model.spec.simulation.seed)
        horizons.add(model.horizon)
        print(f"  {model.spec.meta.name}: {model.wall_seconds:.2f} s -> {where}", file=sys.stderr)
    table = pd.DataFrame(finals).drop(index="step")
    width = max(len(k) for k in table.index)
    names = list(table.columns)
    colw = max(12, *(len(n) for n in names))
    months, seed_list = ", ".join(map(str, sorted(horizons))), ", ".join(map(str, sorted(seeds)))
    print(f"final measures after {months} months, seed {seed_list}")
    print(f"{'measure':<{width}}  " + "  ".join(f"{n:>{colw}}" for n in names))
    for k in table.index:
        print(f"{k:<{width}}  " + "  ".join(f"{_fmt(table.loc[k, n]):>{colw}}" for n in names))
    if args.out:
        write_atomic(args.out / "compare.csv", table.to_csv(index_label="measure"))
        print(f"wrote {args.out / 'compare.csv'}")
    return 0


def cmd_scenarios(args) -> int:
    presets = list_presets()
    width = max(len(n) for n, _ in presets)
    for name, desc in presets:
        print(f"{name:<{width}}  {desc}")
    return 0


def cmd_validate(args) -> int:
    status = 0
    for f in args.files:
        try:
            spec, path = load_spec(f, _overrides(args.set))
        except ScenarioError as e:
            print(f"error: {e}", file=sys.stderr)
            status = 2
            continue
        on = [k for k in type(spec.reforms).model_fields if getattr(spec.reforms, k).enabled]
        print(f"ok: {path} ({spec.meta.name}; reforms on: {', '.join(on) or 'none'})")
    return status


def cmd_measures(args) -> int:
    for name, m in MEASURES.items():
        print(f"{name}  [{m.unit}]")
        print(textwrap.indent(textwrap.fill(m.definition, 88), "    "))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="govsim",
        description="Agent-based simulation of digital-government IT reform (Mesa).",
    )
    p.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp):
        sp.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
        sp.add_argument("--steps", type=int, default=None, help="months to simulate (default: the scenario's)")
        sp.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a scenario key, e.g. reforms.unified_approval.capacity=2 (repeatable)",
        )
        sp.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    r = sub.add_parser(
        "run",
        help="run one scenario",
        description="Run one scenario; write DIR/timeseries.csv (one row per month, step 0 = "
        "initial state) and DIR/scenario.resolved.toml (every parameter, with the seed).",
        epilog=_measures_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("scenario", help="a preset name (see `govsim scenarios`) or a TOML file")
    common(r)
    r.add_argument("--out", type=Path, default=None, help="output folder (default: runs/NAME-seedN)")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="run several scenarios with one seed and print final measures side by side")
    c.add_argument("scenarios", nargs="+", help="preset names or TOML files")
    common(c)
    c.add_argument("--out", type=Path, default=None, help="folder for each run and compare.csv")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser("scenarios", help="list presets with a one-line description")
    s.set_defaults(func=cmd_scenarios)

    v = sub.add_parser("validate", help="check scenario files; exit 2 with the reason if one is bad")
    v.add_argument("files", nargs="+")
    v.add_argument("--set", action="append", metavar="KEY=VALUE")
    v.set_defaults(func=cmd_validate)

    m = sub.add_parser("measures", help="list every measure with its unit and definition")
    m.set_defaults(func=cmd_measures)

    for module in PLUGINS:  # later commands (sweep, report, viz, ...) register themselves
        importlib.import_module(module).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`govsim run ... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as e:  # a folder that cannot be written, a full disk: one line, not a traceback
        where = f": {e.filename}" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
