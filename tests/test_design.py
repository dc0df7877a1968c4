"""govsim design (robust multi-objective search) and govsim discover (PRIM)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.design.discover import box_row, find_boxes
from sim.design.output import read_meta
from sim.design.search import non_dominated, pareto_rows, run_search

ROOT = Path(__file__).resolve().parent.parent


def zdt1(gen: int, X: np.ndarray) -> pd.DataFrame:
    """ZDT1 (Zitzler, Deb & Thiele 2000): true front f2 = 1 - sqrt(f1), f1 in [0, 1],
    reached when every other variable is 0. A constraint f1 >= 0.2 cuts its left end."""
    f1 = X[:, 0]
    g = 1 + 9 * X[:, 1:].mean(axis=1)
    f2 = g * (1 - np.sqrt(f1 / g))
    return pd.DataFrame({"F:0": f1, "F:1": f2, "G:0": 0.2 - f1, "bundle": [repr(tuple(x)) for x in X]})


def dominated_rows(F: np.ndarray) -> int:
    return int((~non_dominated(F)).sum())


def test_toy_front_recovered(tmp_path):
    table = run_search(
        zdt1, tmp_path, n_var=4, n_obj=2, n_constr=1, population=40, generations=50, seed=3, progress=False
    )
    front = pareto_rows(table, 2, 1)
    F = front[["F:0", "F:1"]].to_numpy(float)
    assert (F[:, 0] >= 0.2 - 1e-12).all(), "an infeasible design on the front"
    assert dominated_rows(F) == 0
    true = np.linspace(0.2, 1.0, 400)
    true = np.column_stack([true, 1 - np.sqrt(true)])
    igd = np.mean(np.min(np.linalg.norm(true[:, None, :] - F[None, :, :], axis=2), axis=1))
    assert igd < 0.03, f"inverted generational distance {igd:.3f}: the front was not recovered"


def test_non_dominated_filter():
    F = np.array([[0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.5, 0.5]])
    # [1, 1] is dominated; the duplicate pair dominates neither each other nor the ends
    assert non_dominated(F).tolist() == [True, True, False, True, True]


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_design import zdt1
    from sim.design.search import run_search
    out, marker = Path(sys.argv[1]), Path(sys.argv[2])

    def evaluate(gen, X):
        if gen == 4 and not marker.exists():
            marker.write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)  # mid-search, generation 3 saved, 4 not
        return zdt1(gen, X)

    table = run_search(evaluate, out, n_var=4, n_obj=2, n_constr=1, population=12, generations=7, seed=5,
                       progress=False)
    table.to_parquet(out / "all.parquet")
    """
)


def test_resume_after_kill_is_identical(tmp_path):
    script = tmp_path / "search.py"
    script.write_text(KILL_SCRIPT.format(tests=str(ROOT / "tests")))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    first = subprocess.run([sys.executable, script, killed, tmp_path / "marker"], env=env, capture_output=True)
    assert first.returncode == -9
    assert sorted(p.name for p in (killed / "generations").iterdir()) == [f"gen-000{i}.parquet" for i in (1, 2, 3)]
    subprocess.run([sys.executable, script, killed, tmp_path / "marker"], env=env, check=True)
    (tmp_path / "marker").write_text("no kill")
    subprocess.run([sys.executable, script, clean, tmp_path / "marker"], env=env, check=True)
    pd.testing.assert_frame_equal(pd.read_parquet(killed / "all.parquet"), pd.read_parquet(clean / "all.parquet"))


def test_replay_refuses_other_points(tmp_path):
    run_search(zdt1, tmp_path, n_var=4, n_obj=2, n_constr=1, population=8, generations=2, seed=1, progress=False)
    with pytest.raises(RuntimeError, match="not the one the search asks for"):
        run_search(zdt1, tmp_path, n_var=4, n_obj=2, n_constr=1, population=8, generations=2, seed=2, progress=False)


# ------------------------------------------------------------------------------------ PRIM
def planted(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n), "d": rng.integers(0, 5, n)})
    inside = (x["a"] < 0.3) & (x["b"] > 0.6)
    y = np.where(inside, rng.random(n) < 0.95, rng.random(n) < 0.03)
    return x, y


def test_prim_finds_planted_box():
    x, y = planted()
    p, found = find_boxes(x, y, 1, min_coverage=0.6)
    box, i = found[0]
    row = box_row(p, box, i, 0)
    assert row["density"] > 0.8 and row["coverage"] > 0.6
    assert abs(row["a:high"] - 0.3) < 0.08 and abs(row["b:low"] - 0.6) < 0.08
    assert "c:low" not in row and "d:low" not in row, "an irrelevant dimension was restricted"


def fake_sweep(folder: Path) -> None:
    """A sweep results folder with a planted box (no model runs)."""
    import tomli_w

    x, y = planted(300, seed=1)
    folder.mkdir()
    (folder / "timeseries").mkdir()
    runs = pd.DataFrame({"run_id": [f"{i:06d}" for i in range(len(x))], "scenario": "s", "status": "ok"})
    runs["reforms.x.a"], runs["agents.b"], runs["agents.c"] = x["a"], x["b"], x["c"]
    runs.to_parquet(folder / "runs.parquet")
    ts = pd.DataFrame({"run_id": runs["run_id"], "step": 12, "operator_markup": np.where(y, 0.6, 0.2)})
    ts.to_parquet(folder / "timeseries" / "all.parquet")
    exp = {"levers": {"reforms.x.a": [0]}, "uncertainties": {"agents.b": [0], "agents.c": [0]}}
    (folder / "experiment.toml").write_text(tomli_w.dumps(exp))


def test_discover_cli(tmp_path, capsys):
    fake_sweep(tmp_path / "sw")
    out = tmp_path / "disc"
    args = ["discover", str(tmp_path / "sw"), "--outcome", "operator_markup", "--threshold", "0.4", "--out", str(out)]
    assert main(args) == 0
    boxes = pd.read_csv(out / "boxes.csv")
    assert {"coverage", "density", "reforms.x.a:high", "agents.b:low"} <= set(boxes.columns)
    said = capsys.readouterr().out.strip()
    assert said.startswith("operator_markup ends above 0.4") and "reforms.x.a is at most" in said
    assert (out / "discover.html").stat().st_size > 1000


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--outcome", "operator_markup", "--threshold", "0.4"], "no such folder"),
        (["--outcome", "nonsense", "--threshold", "0.4"], "--outcome nonsense: unknown measure"),
        (["--outcome", "operator_markup", "--threshold", "5"], "--threshold 5: no run has operator_markup above"),
    ],
)
def test_discover_bad_input(tmp_path, capsys, args, expected):
    fake_sweep(tmp_path / "sw")
    folder = tmp_path / ("missing" if "no such" in expected else "sw")
    assert main(["discover", str(folder), *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


# ------------------------------------------------------------------------------- design files
GOOD = """
[design]
name = "tiny"
scenario = "baseline"
steps = 12
seeds = 2
population = 4
generations = 2
packages = ["guangdong"]

[levers]
"reforms.unified_approval.enabled" = { type = "bool" }
"reforms.unified_approval.capacity" = { type = "float", low = 1.0, high = 20.0 }

[constraints]
budget = 1.0e9

[objectives]
duplicated_share = "min"
online_rate = { direction = "max", statistic = "p90" }
"""


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('name = "tiny"', 'name = "tiny"\nsteeps = 3', "design.steeps: unknown key"),
        ('type = "bool"', 'type = "boolean"', "levers.reforms.unified_approval.enabled.type = 'boolean'"),
        ("low = 1.0, high = 20.0", "low = 20.0, high = 1.0", "low < high"),
        ('duplicated_share = "min"', 'duplicated_shares = "min"', "objectives.duplicated_shares: unknown measure"),
        ('"reforms.unified_approval.capacity"', '"reforms.unified_approval.capacty"', "capacty"),
        ("low = 1.0, high = 20.0", "low = -5.0, high = 20.0", "capacity"),
        ('statistic = "p90"', 'statistic = "worst"', "objectives.online_rate.statistic = 'worst'"),
        ('scenario = "baseline"', 'scenario = "atlantis"', "design.scenario = 'atlantis'"),
        ("budget = 1.0e9", "budget = -1.0", "constraints.budget = -1.0"),
    ],
)
def test_bad_design_file(tmp_path, capsys, old, new, expected):
    path = tmp_path / "design_bad.toml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new))
    assert main(["design", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and expected in err, err
    assert not (tmp_path / "out").exists(), "a refused design must not create its folder"


def test_tiny_real_design_end_to_end(tmp_path, capsys):
    path = tmp_path / "design_tiny.toml"
    path.write_text(GOOD)
    out = tmp_path / "out"
    assert main(["design", str(path), "--out", str(out), "--workers", "1", "-q"]) == 0
    front = pd.read_parquet(out / "pareto.parquet")
    objectives = ["objective:duplicated_share", "objective:online_rate"]
    assert {"lever:reforms.unified_approval.enabled", "lever:reforms.unified_approval.capacity", *objectives} <= set(
        front.columns
    )
    assert dominated_rows(front[objectives].to_numpy(float)) == 0
    # online_rate is maximised: its objective is the 90th percentile of -online_rate
    runs = front["runs:online_rate"].map(np.asarray)
    assert np.allclose(front["objective:online_rate"], [np.percentile(r, 90) for r in runs])
    assert (front["mean:online_rate"] > 0).all()
    meta = read_meta(out / "pareto.parquet")
    assert "minimised" in meta["orientation"] and meta["objectives"]["online_rate"]["direction"] == "max"
    # a reform switched off makes its other levers moot: not run, shown empty
    off = front[~front["lever:reforms.unified_approval.enabled"]]
    assert off["lever:reforms.unified_approval.capacity"].isna().all()
    pkgs = pd.read_parquet(out / "packages.parquet")
    assert pkgs["package"].tolist() == ["guangdong"]
    # re-running replays the saved generations: same front, no new runs
    assert main(["design", str(path), "--out", str(out), "--workers", "1", "-q"]) == 0
    pd.testing.assert_frame_equal(front, pd.read_parquet(out / "pareto.parquet"))
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Representative bundles" in page and "guangdong" in page
    # another design in the same folder is refused
    path.write_text(GOOD.replace("seeds = 2", "seeds = 3"))
    assert main(["design", str(path), "--out", str(out), "-q"]) == 2
    assert "holds another search" in capsys.readouterr().err


def dtlz2(gen: int, X: np.ndarray) -> pd.DataFrame:
    """DTLZ2 with 3 objectives (Deb et al. 2002): the front is the unit sphere's octant."""
    g = ((X[:, 2:] - 0.5) ** 2).sum(axis=1)
    a, b = X[:, 0] * np.pi / 2, X[:, 1] * np.pi / 2
    F = np.column_stack([(1 + g) * np.cos(a) * np.cos(b), (1 + g) * np.cos(a) * np.sin(b), (1 + g) * np.sin(a)])
    return pd.DataFrame({"F:0": F[:, 0], "F:1": F[:, 1], "F:2": F[:, 2], "bundle": [repr(tuple(x)) for x in X]})


def test_nsga3_reaches_the_sphere(tmp_path):
    table = run_search(
        dtlz2, tmp_path, n_var=5, n_obj=3, n_constr=0, algorithm="nsga3", population=28, generations=40, seed=2,
        progress=False,
    )  # fmt: skip
    front = pareto_rows(table, 3, 0)
    radius = np.linalg.norm(front[["F:0", "F:1", "F:2"]].to_numpy(float), axis=1)
    assert np.median(radius) < 1.05 and len(front) >= 10


def test_robust_statistics():
    from sim.design.problem import robust

    oriented = np.array([1.0, 2.0, 3.0, 10.0])
    assert robust(oriented, "mean") == 4.0
    assert robust(oriented, "p50") == 2.5
    # regret: the worst shortfall from the best value reached in each situation
    assert robust(oriented, "regret", best=np.array([1.0, 0.0, 3.0, 4.0])) == 6.0


def test_design_over_posterior_draws(tmp_path):
    """With --posterior every candidate runs in seeds x draws situations, the draws applied."""
    post = tmp_path / "cal"
    post.mkdir()
    pd.DataFrame({"agents.sharing_cost": [0.1, 0.9], "weight": [0.5, 0.5]}).to_parquet(post / "posterior.parquet")
    path = tmp_path / "design_tiny.toml"
    path.write_text(GOOD.replace("seeds = 2", "seeds = 1\nposterior_draws = 3").replace('["guangdong"]', "[]"))
    out = tmp_path / "out"
    args = ["design", str(path), "--out", str(out), "--workers", "1", "-q", "--generations", "1", "--keep-runs"]
    assert main([*args, "--posterior", str(post)]) == 0
    front = pd.read_parquet(out / "pareto.parquet")
    assert front["runs:budget"].map(len).eq(3).all()
    runs = pd.read_parquet(out / "runs" / "gen-0001" / "runs.parquet")
    assert set(runs["agents.sharing_cost"]) <= {0.1, 0.9} and runs["seed"].nunique() == 1
    # a lever that is also a calibrated parameter is refused
    pd.DataFrame({"reforms.unified_approval.capacity": [3.0], "weight": [1.0]}).to_parquet(post / "posterior.parquet")
    assert main([*args, "--posterior", str(post), "--out", str(tmp_path / "o2")]) == 2


def test_prim_moot_lever_reads_as_na():
    """A number lever missing where its reform is off: the box can include those runs, and
    the sentence says so."""
    from sim.design.discover import sentence

    rng = np.random.default_rng(4)
    n = 600
    a = rng.random(n)
    a[rng.random(n) < 0.3] = np.nan  # moot in 30% of the runs
    x = pd.DataFrame({"a": a, "b": rng.random(n)})
    y = np.where(np.isnan(a) | (a < 0.3), rng.random(n) < 0.95, rng.random(n) < 0.03)
    p, found = find_boxes(x, y, 1, min_coverage=0.6)
    box, i = found[0]
    row = box_row(p, box, i, 0)
    text = sentence(row, "m", 0.5, True, float(y.mean()), p)
    assert "a is at most 0.3" in text and "or n/a" in text, text
    assert "b is" not in text


def test_shipped_design_files_are_valid():
    from sim.design.problem import load_design

    files = sorted((ROOT / "experiments").glob("design_*.toml"))
    assert {p.stem for p in files} >= {"design_small", "design_guangdong"}
    for p in files:
        doc = load_design(p)
        assert doc.objective_list() and doc.levers


def test_regret_is_against_the_best_bundle_in_each_situation(tmp_path):
    """Regret: the worst shortfall, over the situations, from the best value any bundle
    reached in the same situation; the provincial packages are not candidates."""
    from sim.design.evaluate import ModelEvaluator
    from sim.design.problem import load_design

    path = tmp_path / "design_regret.toml"
    path.write_text(GOOD.replace('duplicated_share = "min"', 'duplicated_share = { statistic = "regret" }'))
    ev = ModelEvaluator(load_design(path), tmp_path, None, None, generations=1, progress=False, keep_runs=False)
    zeros = np.zeros(2)
    for key, dup in {"a": [0.2, 0.5], "b": [0.3, 0.3], "package:x": [0.0, 0.0]}.items():
        ev.cache[key] = {"duplicated_share": np.array(dup), "online_rate": zeros, "budget": zeros, "delay": zeros,
                         "control": zeros}  # fmt: skip
    table = ev.rows([{}, {}], ["a", "b"], set())
    # best per situation: (0.2, 0.3); a falls 0.2 short in situation 2, b 0.1 in situation 1
    assert np.allclose(table["F:0"], [0.2, 0.1])


def test_report_representatives_and_domination():
    from sim.report.design import dominated_by, representatives

    front = pd.DataFrame({"objective:a": [0.0, 1.0, 0.4], "objective:b": [1.0, 0.0, 0.4]})
    picks = dict(representatives(front, ["a", "b"]))
    assert picks == {"knee (balanced)": 2, "best a": 0, "best b": 1}
    pkgs = pd.DataFrame({"objective:a": [0.5, -1.0], "objective:b": [0.5, 2.0]})
    assert dominated_by(pkgs, front, ["a", "b"]) == [1, 0]  # only the knee beats the first on both


def test_more_generations_extend_a_search(tmp_path):
    """A finished search asked for more generations continues where it stopped, as if it
    had been asked for them from the start (the docs promise it)."""
    kw = {"n_var": 4, "n_obj": 2, "n_constr": 1, "population": 8, "seed": 4, "progress": False}
    run_search(zdt1, tmp_path / "a", generations=3, **kw)
    extended = run_search(zdt1, tmp_path / "a", generations=5, **kw)
    fresh = run_search(zdt1, tmp_path / "b", generations=5, **kw)
    pd.testing.assert_frame_equal(extended, fresh)


def test_docs_design_file_example_is_valid(tmp_path):
    from sim.design.problem import load_design

    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "design_doc.toml"
    path.write_text(example, encoding="utf-8")
    doc = load_design(path)
    assert len(doc.levers) == 5 and doc.constraints.budget == 200000.0


def test_an_undefined_control_figure_makes_the_control_constraint_infeasible():
    """Review 0.2.4: a situation without running systems reports control NaN (ODD §7.7); the
    constraint was NaN too, which pymoo cannot order. It is now infeasible (inf)."""
    from types import SimpleNamespace

    from sim.design.evaluate import ModelEvaluator

    limits = SimpleNamespace(budget=None, max_approval_delay=None, min_government_control=0.3)
    ev = SimpleNamespace(doc=SimpleNamespace(constraints=limits))
    assert ModelEvaluator.constraints(ev, {"control": np.array([0.4, np.nan])}) == {"G:0": np.inf}
    assert ModelEvaluator.constraints(ev, {"control": np.array([0.4, 0.5])})["G:0"] < 0  # met: feasible
