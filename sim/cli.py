"""`govsim` command line: run, compare, scenarios, validate, measures.

Bad input (a malformed file, an unknown key or preset, a value out of range) prints one
line naming the file, the key, the value and what was expected, and exits with code 2.

Start-up is quick: this module and the plugins' `register` load neither numba nor Mesa
(tests/test_cli_startup.py); the model is imported inside the commands that run it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from . import __version__
from .catalogue import HEADLINE, MEASURES
from .io import write_atomic
from .scenario import ScenarioError, list_presets, load_spec, parse_override, parse_toml, read_text
from .schema import MAX_STEPS

# Modules adding subcommands: each defines `register(subparsers)` and sets `func` on its parser.
PLUGINS: list[str] = [
    "sim.runner.cli",
    "sim.report.cli",
    "sim.viz.cli",
    "sim.calibrate.cli",
    "sim.design.cli",
    "sim.diffusion.cli",
]

KEY_MEASURES = HEADLINE


def _measures_help() -> str:
    lines = ["measures (timeseries.csv columns; spending per month, not cumulative):"]
    for name, m in MEASURES.items():
        lines.append(f"  {name} [{m.unit}]")
    lines.append("run `govsim measures` for each definition")
    return "\n".join(lines)


def _overrides(items: list[str] | None) -> dict:
    return dict(parse_override(i) for i in items or [])


def _fmt(v: float) -> str:
    if isinstance(v, int) or (float(v).is_integer() and abs(v) >= 10):
        return f"{round(v):,}"
    return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"


def _sources(seed: int | None, steps: int | None, overrides: dict) -> dict[str, str]:
    """The flag each changed key came from, named in errors: only flags actually given."""
    sources = dict.fromkeys(overrides, "--set")
    if seed is not None:
        sources["simulation.seed"] = "--seed"
    if steps is not None:
        sources["simulation.steps"] = "--steps"
    return sources


def default_out(name: str, seed: int, resolved: str, changed: bool) -> Path:
    """runs/NAME-seedN for a scenario as its file says; with --set or --steps, a suffix from
    the resolved scenario's hash, so runs with other settings get other folders."""
    tag = f"-{hashlib.sha256(resolved.encode()).hexdigest()[:8]}" if changed else ""
    return Path("runs") / f"{name}-seed{seed}{tag}"


def _first_difference(old: str, new: str) -> str:
    """The first scenario key whose value differs between two resolved scenarios."""
    try:
        a, b = parse_toml(old, "old"), parse_toml(new, "new")
    except ScenarioError:
        return "the file cannot be read"

    def walk(x, y, path):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                found = walk(x.get(k), y.get(k), (*path, k))
                if found:
                    return found
            return None
        return None if x == y else f"{'.'.join(path)} = {x!r}, now {y!r}"

    return walk(a, b, ()) or "the files differ"


def prepare_out(out: Path, resolved: str, force: bool, flag: str = "--out") -> None:
    """Refuse, before the run, an output folder that cannot be used: a file in the way, a
    folder that cannot be written, or one that holds a run of a different scenario."""
    for folder in [out, *out.parents]:
        if folder.exists() and not folder.is_dir():
            raise ScenarioError(f"{flag} {out}: {folder} is a file; expected a folder (new or existing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScenarioError(f"{flag} {out}: cannot create the folder: {e.strerror or e}") from None
    try:
        with tempfile.TemporaryFile(dir=out):  # can files be made here? (a read-only folder or disk)
            pass
    except OSError as e:
        raise ScenarioError(f"{flag} {out}: cannot write in this folder: {e.strerror or e}") from None
    held = out / "scenario.resolved.toml"
    if held.is_file() and not force:
        try:
            old = held.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old = ""
        if old != resolved:
            raise ScenarioError(
                f"{out}: holds a run of a different scenario ({_first_difference(old, resolved)}); "
                f"use --force to replace it or {flag} for another folder"
            )


def _progress(model, name: str, seed: int, quiet: bool) -> None:
    """Run to the horizon: a bar on a terminal, a line per 10% on stderr otherwise."""
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    total = model.horizon
    every = max(1, -(-total // 10))
    t0 = time.perf_counter()
    done = 0
    with tqdm(total=total, desc=f"{name} seed {seed}", unit="month", disable=quiet or not tty, leave=False) as bar:
        while model.running:
            model.step()
            done += 1
            bar.update(1)
            if not quiet and not tty and (done % every == 0 or done == total):
                el = time.perf_counter() - t0
                print(
                    f"{name} seed {seed}: month {done}/{total} ({100 * done // total}%), "
                    f"{el:.0f} s elapsed, ETA {el / done * (total - done):.0f} s",
                    file=sys.stderr,
                    flush=True,
                )


def plan_run(
    scenario: str, seed: int | None, steps: int | None, overrides: dict, out: Path | None, force: bool = False
):
    """(GovScenario, resolved TOML, output folder) of one run, with everything that can be
    refused (the scenario, its values, the output folder) refused now, before any run."""
    from .gov_scenario import GovScenario
    from .scenario import spec_to_toml

    if isinstance(scenario, str | Path) and is_experiment_file(str(scenario)):
        raise ScenarioError(
            f"{scenario}: an experiment file, not a scenario; expected `govsim sweep {scenario}` "
            "(or `govsim sensitivity`) to run it"
        )
    sources = _sources(seed, steps, overrides)
    sc = GovScenario.coerce(scenario, rng=seed, steps=steps, overrides=overrides, sources=sources, scenario_seed=True)
    resolved = spec_to_toml(sc.spec)
    changed = bool(overrides) or steps is not None
    out = out or default_out(sc.spec.meta.name, sc.spec.simulation.seed, resolved, changed)
    prepare_out(out, resolved, force)
    return sc, resolved, out


def execute_run(sc, resolved: str, out: Path, quiet: bool = False):
    """Run a planned scenario to its horizon and write its outputs; (model, dataframe, out)."""
    from .model import GovModel  # loads numba and Mesa: only now that a run will happen

    model = GovModel(sc)
    t0 = time.perf_counter()
    _progress(model, sc.spec.meta.name, sc.spec.simulation.seed, quiet)
    model.wall_seconds = time.perf_counter() - t0
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "step", range(len(df)))
    write_atomic(out / "timeseries.csv", df.to_csv(index=False))
    write_atomic(out / "scenario.resolved.toml", resolved)  # last: it marks a finished run
    return model, df, out


def run_one(
    scenario: str,
    seed: int | None,
    steps: int | None,
    overrides: dict,
    out: Path | None,
    quiet: bool = False,
    force: bool = False,
):
    """Run one scenario, write its outputs, return (model, dataframe, out dir)."""
    return execute_run(*plan_run(scenario, seed, steps, overrides, out, force), quiet)


def with_reforms(structure: str, package: str | None) -> str:
    """`govsim run STRUCTURE --reforms PACKAGE`: the scenario `PACKAGE@STRUCTURE` (the
    package's [reforms] on the structure's government); a bad name is refused naming the flag."""
    from .scenario import package_ref, resolve_path

    if package is None:
        return structure
    try:
        resolve_path(package)
    except ScenarioError as e:
        raise ScenarioError(f"--reforms {package}: {e}") from None
    return package_ref(package, structure)


def _is_diffusion(scenario: str, overrides: dict) -> bool:
    """Whether the scenario has a [diffusion] table; one that cannot be read is left to
    run_one, whose messages are the run command's (e.g. an experiment file given as a scenario)."""
    try:
        return load_spec(scenario, overrides)[0].diffusion is not None
    except ScenarioError:
        return False


def cmd_run(args) -> int:
    overrides = _overrides(args.set)
    scenario = with_reforms(args.scenario, getattr(args, "reforms", None))
    if _is_diffusion(scenario, overrides):  # the provincial layer (sim/diffusion)
        from .diffusion.cli import run_from_run_command

        return run_from_run_command(args)
    model, df, out = run_one(scenario, args.seed, args.steps, overrides, args.out, args.quiet, args.force)
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
    if args.out:
        prepare_out(args.out, "", force=True)
    plans = []
    for sc in args.scenarios:  # every scenario and folder checked before the first run
        out = args.out / Path(str(sc)).stem if args.out else None
        plans.append(plan_run(sc, args.seed, args.steps, overrides, out, args.force))
    for plan in plans:
        model, df, where = execute_run(*plan, args.quiet)
        finals[model.spec.meta.name] = df.iloc[-1]
        seeds.add(model.spec.simulation.seed)
        horizons.add(model.horizon)
        print(f"  {model.spec.meta.name}: {model.wall_seconds:.2f} s -> {where}", file=sys.stderr)
    table = pd.DataFrame(finals).drop(index=["step", "date"], errors="ignore")
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


def is_experiment_file(ref: str) -> bool:
    """An experiment file (an [experiment] table, no scenario [meta] or `extends`)."""
    path = Path(ref)
    try:
        if not path.is_file():
            return False
    except (OSError, ValueError):  # a name the OS cannot take: the scenario reader says so
        return False
    try:
        raw = parse_toml(read_text(path), str(path))
    except ScenarioError:
        return False  # a scenario file's reader names the problem
    return "experiment" in raw and "meta" not in raw and "extends" not in raw


def _validate_one(ref: str, overrides: dict) -> str:
    """The `ok:` line for one scenario or experiment file; ScenarioError when it is bad."""
    if is_experiment_file(ref):
        from .runner.experiment import count_runs, load_experiment

        if overrides:
            raise ScenarioError(f"{ref}: --set: an experiment file; expected --set only with scenario files")
        exp = load_experiment(ref)
        kind = "sensitivity analysis" if exp.sensitivity is not None else "sweep"
        scenarios = ", ".join(exp.experiment.scenarios)
        return f"ok: {ref} (experiment {exp.name}: {kind} of {scenarios}; {count_runs(exp):,} runs)"
    spec, path = load_spec(ref, overrides)
    on = [k for k in type(spec.reforms).model_fields if getattr(spec.reforms, k).enabled]
    return f"ok: {path} ({spec.meta.name}; reforms on: {', '.join(on) or 'none'})"


def cmd_validate(args) -> int:
    status = 0
    overrides = _overrides(args.set)
    for f in args.files:
        try:
            print(_validate_one(f, overrides))
        except ScenarioError as e:
            print(f"error: {e}", file=sys.stderr)
            status = 2
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
        sp.add_argument(
            "--steps", type=int, default=None, help=f"months to simulate, at most {MAX_STEPS} (default: the scenario's)"
        )
        sp.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a scenario key, e.g. reforms.unified_approval.capacity=2 (repeatable)",
        )
        sp.add_argument("--quiet", "-q", action="store_true", help="no progress bar or progress lines")

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
    r.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: runs/NAME-seedN; with --set or --steps, runs/NAME-seedN-HASH)",
    )
    r.add_argument("--force", action="store_true", help="replace a folder that holds a run of another scenario")
    r.add_argument(
        "--reforms",
        metavar="PACKAGE",
        default=None,
        help="run the [reforms] of this preset or file on SCENARIO's government (the run is named PACKAGE@SCENARIO)",
    )
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="run several scenarios with one seed and print final measures side by side")
    c.add_argument("scenarios", nargs="+", help="preset names or TOML files")
    common(c)
    c.add_argument("--out", type=Path, default=None, help="folder for each run and compare.csv")
    c.add_argument("--force", action="store_true", help="replace folders that hold runs of other scenarios")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser("scenarios", help="list presets with a one-line description")
    s.set_defaults(func=cmd_scenarios)

    v = sub.add_parser("validate", help="check scenario or experiment files; exit 2 with the reason if one is bad")
    v.add_argument("files", nargs="+", help="scenario files, preset names or experiment files")
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
        where = f": {str(e.filename)[:200]}" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
