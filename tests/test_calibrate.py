"""govsim calibrate: parameter recovery on a synthetic model, resume after a kill, the Dask
path, held-out targets kept out of the fit, reproducible evaluations, one-line errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.smc import calibrate, weighted_quantiles
from sim.calibrate.spec import load_calibration
from sim.calibrate.stats import Plan, Probe, particle_seed, simulate
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent

TRUTH = {"agents.sharing_cost": 0.4, "agents.data_value": 2.2}
NOISE = {"a": 0.02, "b": 0.05}


def synthetic(params: dict, plan: Plan) -> dict:
    """A small model with known answers: a = sharing_cost, b = data_value, c = their sum
    (held out), each with Gaussian noise seeded from the particle, as the real model's runs."""
    rng = np.random.default_rng(particle_seed(params, plan.base_seed))
    x, y = params["agents.sharing_cost"], params["agents.data_value"]
    values = {"a": x + NOISE["a"] * rng.standard_normal(), "b": y + NOISE["b"] * rng.standard_normal(), "c": x + y}
    return {t: values[t] for t in plan.targets}


def _targets(values: dict[str, float], scenario: str = "baseline", month: int = 12, stat: str = "online_rate") -> str:
    out = []
    for name, v in values.items():
        out.append(
            f'[[target]]\nname = "{name}"\nsource = "synthetic"\nscenario = "{scenario}"\nmonth = {month}\n'
            f'statistic = "{stat}"\nvalue = {v}\nuncertainty = 0.05\n'
        )
    return "\n".join(out)


def _experiment(folder: Path, fit, holdout, population=40, generations=4, seeds=1, priors=None, targets=None) -> Path:
    (folder / "targets.toml").write_text(targets or _targets({"a": 0.4, "b": 2.2, "c": 2.6}))
    priors = priors or {
        "agents.sharing_cost": "{ dist = 'uniform', low = 0.1, high = 0.9 }",
        "agents.data_value": "{ dist = 'uniform', low = 1.0, high = 3.0 }",
    }
    prior_lines = "\n".join(f'"{k}" = {v}' for k, v in priors.items())
    path = folder / "calibration.toml"
    path.write_text(
        f'[calibration]\nname = "test"\ntargets = "targets.toml"\nscenario = "baseline"\n'
        f"fit = {list(fit)!r}\nholdout = {list(holdout)!r}\npopulation = {population}\n"
        f"generations = {generations}\nseeds = {seeds}\nseed = 3\n\n[priors]\n{prior_lines}\n".replace("'", '"')
    )
    return path


def test_the_pipeline_recovers_known_parameters_of_a_synthetic_model(tmp_path):
    path = _experiment(tmp_path, fit=["a", "b"], holdout=["c"], population=60, generations=5)
    cal = load_calibration(path)
    result = calibrate(cal, tmp_path / "out", workers=1, quiet=True, simulator=synthetic)
    post = pd.read_parquet(tmp_path / "out" / "posterior.parquet")
    assert len(post) == 60 and abs(post["weight"].sum() - 1) < 1e-9
    w = post["weight"].to_numpy()
    for key, truth in TRUTH.items():
        lo, _, hi = weighted_quantiles(post[key].to_numpy(), w)
        assert lo <= truth <= hi, (key, lo, hi)
        prior_width = 0.8 if key == "agents.sharing_cost" else 2.0
        assert hi - lo < 0.5 * prior_width  # it learnt something: far narrower than the prior
    pred = pd.read_parquet(tmp_path / "out" / "predictive.parquet").set_index("target")
    assert pred.loc["c", "role"] == "holdout" and pred.loc["c", "q05"] <= 2.6 <= pred.loc["c", "q95"]
    gens = pd.read_parquet(tmp_path / "out" / "generations.parquet")
    assert gens["generation"].tolist() == [1, 2, 3, 4, 5]
    assert (gens["epsilon"].diff().dropna() <= 0).all() and (gens["ess"] > 1).all()
    assert set(result["estimate"]) == set(TRUTH)


def test_held_out_targets_never_reach_the_distance(tmp_path):
    import pyabc

    # c held out at an absurd value: if it leaked into the fit it would drag the posterior away
    path = _experiment(tmp_path, fit=["a", "b"], holdout=["c"], population=30, generations=3)
    path.with_name("targets.toml").write_text(_targets({"a": 0.4, "b": 2.2, "c": 50.0}))
    calibrate(load_calibration(path), tmp_path / "out", quiet=True, simulator=synthetic)
    h = pyabc.History(f"sqlite:///{tmp_path / 'out' / 'calibration.db'}", _id=1)
    assert set(h.observed_sum_stat()) == {"a", "b"}
    pred = pd.read_parquet(tmp_path / "out" / "predictive.parquet").set_index("target")
    assert not pred.loc["c", "inside"] and pred.loc["c", "z"] < -100  # the report says it misses


def test_model_evaluations_are_seeded_from_the_particle():
    plan = Plan({"baseline": (Probe("x", 3, "online_rate"), Probe("y", 3, "province_inhouse_units"))}, 2, 1)
    p = {"agents.sharing_cost": 0.31}
    assert simulate(p, plan) == simulate(dict(p), plan)
    assert particle_seed(p, 1) != particle_seed({"agents.sharing_cost": 0.32}, 1)
    assert particle_seed(p, 1) != particle_seed(p, 2)
    assert all(np.isnan(v) for v in simulate({"agents.sharing_cost": -1.0}, plan).values())  # invalid: NaN


def _real_experiment(folder: Path, generations: int, population: int = 6) -> Path:
    targets = _targets({"online": 0.3}, month=12) + "\n" + _targets({"trips": 2.0}, month=12, stat="trips_per_service")
    return _experiment(
        folder,
        fit=["online", "trips"],
        holdout=[],
        population=population,
        generations=generations,
        priors={"agents.sharing_cost": "{ dist = 'uniform', low = 0.1, high = 0.9 }"},
        targets=targets,
    )


def _stored(db: Path) -> int:
    import pyabc

    if not db.exists():
        return 0
    try:
        return int(pyabc.History(f"sqlite:///{db}", _id=1, create=False).max_t) + 1
    except Exception:
        return 0


def test_a_killed_calibration_resumes_from_its_history(tmp_path):
    path = _real_experiment(tmp_path, generations=6)
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"]
    args = [*cmd, "calibrate", str(path), "--out", str(out), "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _stored(out / "calibration.db") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # each look opens the database: not so often that the writer waits on it
    exited = proc.poll()  # None: still running when killed
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    killed_at = _stored(out / "calibration.db")
    why = f"exit {exited} before the kill: {err.decode()[-2000:]}" if exited is not None else "killed"
    assert 1 <= killed_at < 6 and not (out / "posterior.parquet").exists(), why
    import pyabc

    first = pyabc.History(f"sqlite:///{out / 'calibration.db'}", _id=1).get_distribution(m=0, t=0)[0]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{killed_at} generation(s) stored, {6 - killed_at} to run" in done.stderr
    h = pyabc.History(f"sqlite:///{out / 'calibration.db'}", _id=1)
    assert h.max_t == 5 and len(h.all_runs()) == 1  # continued the same run, did not start another
    pd.testing.assert_frame_equal(h.get_distribution(m=0, t=0)[0], first)  # generation 1 kept as it was
    # a second identical call runs nothing
    again = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "6 generation(s) stored, 0 to run" in again.stderr


def test_the_dask_path(tmp_path):
    from dask.distributed import LocalCluster

    path = _real_experiment(tmp_path, generations=2, population=4)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster:
        status = main(
            ["calibrate", str(path), "--out", str(tmp_path / "out"), "--dask", cluster.scheduler_address, "-q"]
        )
    assert status == 0
    post = pd.read_parquet(tmp_path / "out" / "posterior.parquet")
    assert list(post.columns) == ["agents.sharing_cost", "weight"] and len(post) == 4
    assert pd.read_parquet(tmp_path / "out" / "predictive.parquet")["mean"].notna().all()


BAD = [
    ("calibration", 'fit = ["nope"]', "calibration.fit: unknown target 'nope'"),
    ("calibration", 'holdout = ["a"]', "also in calibration.fit"),
    ("calibration", "population = 1", "calibration.population = 1: expected a whole number >= 2"),
    ("calibration", "popluation = 5", "calibration.popluation: unknown key; did you mean 'population'?"),
    ("calibration", 'seeds = "two"', "calibration.seeds = 'two': expected a whole number"),
    ("calibration", 'acceptance = "gaussian"', "calibration.acceptance = 'gaussian': expected one of epsilon, noisy"),
    ("priors", '"agents.sharing_cost" = { dist = "beta", low = 0, high = 1 }', "expected one of uniform, normal"),
    ("priors", '"agents.sharing_cost" = { dist = "uniform", low = 0.9, high = 0.1 }', "expected low < high"),
    ("priors", '"agents.sharing_cost" = { dist = "uniform", low = 0.1 }', "priors.agents.sharing_cost.high: missing"),
    ("priors", '"agents.no_such_key" = { dist = "uniform", low = 0.1, high = 0.2 }', "agents.no_such_key"),
    ("priors", '"agents.reciprocity" = { dist = "uniform", low = 0.5, high = 1.5 }', "agents.reciprocity"),
    ("priors", '"agents.data_value" = { dist = "normal", mean = 2.0, sd = 0 }', "sd = 0.0: expected a number > 0"),
]


@pytest.mark.parametrize(("table", "line", "expected"), BAD)
def test_bad_calibration_files_get_one_line_and_exit_2(tmp_path, capsys, table, line, expected):
    path = _experiment(tmp_path, fit=["a", "b"], holdout=[])
    text = path.read_text()
    if table == "calibration":
        key = line.split("=")[0].strip()
        lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} =")]
        text = "\n".join(lines).replace('scenario = "baseline"', f'scenario = "baseline"\n{line}')
    else:
        text = text.split('"agents.sharing_cost"')[0] + line + "\n"
    path.write_text(text)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and expected in err, err
    assert not (tmp_path / "out").exists()


BAD_TARGETS = [
    ('statistic = "online_rate"', 'statistic = "onlin_rate"', "not a measure or derived statistic; did you mean"),
    ("uncertainty = 0.05", "uncertainty = 0", "uncertainty = 0: expected a number > 0"),
    ("month = 12", 'date = "2015-06"', "before the scenario's month 0 (2016-01)"),
    ("month = 12", 'date = "2016-13"', 'expected "YYYY-MM"'),
    ("month = 12", 'month = 12\ndate = "2016-06"', "expected exactly one of date"),
    ('scenario = "baseline"', 'scenario = "nowhere"', "scenario = 'nowhere'"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD_TARGETS)
def test_bad_targets_get_one_line_and_exit_2(tmp_path, capsys, old, new, expected):
    path = _experiment(tmp_path, fit=["a", "b"], holdout=[])
    targets = path.with_name("targets.toml")
    targets.write_text(targets.read_text().replace(old, new, 1))
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(targets) in err and expected in err, err


def test_a_folder_of_another_calibration_is_refused(tmp_path, capsys):
    path = _experiment(tmp_path, fit=["a", "b"], holdout=["c"], population=10, generations=1)
    calibrate(load_calibration(path), tmp_path / "out", quiet=True, simulator=synthetic)
    path.write_text(path.read_text().replace("population = 10", "population = 12"))
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "holds a calibration with other priors" in capsys.readouterr().err


def test_the_shipped_files_load():
    cal = load_calibration(ROOT / "experiments" / "calibration.toml")
    assert len(cal.targets) >= 8 and set(cal.fit).isdisjoint(cal.holdout)
    assert set(cal.fit) | set(cal.holdout) == set(cal.targets)  # every target fitted or predicted
    t = cal.targets["online_share_2020"]
    assert (t.scenario, t.month, t.date, t.statistic) == ("provincial_2020", 49, "2020-02", "online_intake")


def test_the_2020_facts_are_compared_with_a_province_that_carried_out_the_mandated_reforms():
    """The national 2020 figures came from provinces with the 2017-2018 mandates in place: the
    scenario they are compared with has each on (not the reform-free `provincial`) by then."""
    from sim.scenario import load_spec

    cal = load_calibration(ROOT / "experiments" / "calibration.toml")
    spec = load_spec("provincial_2020")[0]
    mandated = ("standards", "shared_platform", "one_window", "app_consolidation")
    for name in ("online_share_2020", "province_online_intake_2020", "province_no_visit_2020"):
        t = cal.targets[name]
        assert t.scenario == "provincial_2020"
        for key in mandated:
            r = getattr(spec.reforms, key)
            assert r.enabled and r.start_month < t.month, (name, key)
    assert not any(getattr(load_spec("provincial")[0].reforms, k).enabled for k in mandated)


def test_derived_statistics_read_the_state():
    from sim import state
    from sim.api import run_model
    from sim.calibrate import stats

    assert (stats.APP, stats.MOBILE, stats.DATA_LAYER) == (state.APP, state.MOBILE, state.DATA_LAYER)
    before = run_model("guangdong_before", seed=1, steps=1)
    assert stats.province_agencies(before) == 55  # seed 001 §2: 55 provincial units
    units = stats.province_inhouse_units(before)
    assert 30 <= units <= 55 and stats.province_inhouse_staff(before) > units
    after = run_model("guangdong", seed=1, steps=24)  # the platform is built 6 + 12 months in
    assert stats.province_inhouse_units(after) == 0  # abolished on takeover (seed 001 §2)
    assert stats.data_layer_reach(before) == 0 and stats.data_layer_reach(after) > 0
    assert 0 <= stats.province_online_rate(after) <= stats.province_online_intake(after) <= 1
    # online intake over every level: at least the fully online share; below the province's,
    # whose line staff are the most digitally skilled (agents.digital_skill by level)
    assert 0 <= stats.online_intake(after) < stats.province_online_intake(after)
    assert after.measures["online_rate"] <= stats.online_intake(after)


def _posterior_folder(folder: Path) -> Path:
    folder.mkdir()
    post = pd.DataFrame({"agents.sharing_cost": [0.2, 0.5, 0.8], "weight": [0.5, 0.3, 0.2]})
    post.to_parquet(folder / "posterior.parquet", index=False)
    return folder


def _sweep_file(folder: Path, extra: str = "") -> Path:
    path = folder / "sweep.toml"
    path.write_text(
        '[experiment]\nname = "post"\nscenarios = ["baseline", "reform_data_bureau"]\n'
        f"replications = 2\nsteps = 6\nseed = 1\n{extra}"
    )
    return path


def test_a_sweep_runs_each_scenario_over_posterior_draws(tmp_path):
    from sim.report.html import build
    from sim.report.load import load_results
    from sim.report.posterior import conclusions

    post = _posterior_folder(tmp_path / "cal")
    exp = _sweep_file(tmp_path)
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert (
            main(
                ["sweep", str(exp), "--posterior", str(post), "--draws", "5", "--out", str(out), "-q", "--workers", "1"]
            )
            == 0
        )
    draws = pd.read_parquet(outs[0] / "posterior_draws.parquet")
    pd.testing.assert_frame_equal(draws, pd.read_parquet(outs[1] / "posterior_draws.parquet"))  # reproducible
    assert len(draws) == 5 and set(draws["agents.sharing_cost"]) <= {0.2, 0.5, 0.8}
    runs = pd.read_parquet(outs[0] / "runs.parquet")
    distinct = draws["agents.sharing_cost"].nunique()
    assert len(runs) == 2 * distinct * 2  # scenarios x distinct draws x seeds: a repeated draw runs once
    assert set(runs["agents.sharing_cost"]) == set(draws["agents.sharing_cost"])
    table = conclusions(load_results(outs[0]))
    assert (table["draws"] == 5).all() and table["share_of_draws"].between(0, 1).all()
    assert "Conclusions over the posterior" in build(outs[0])[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--draws", "3"], "--draws 3: expected --posterior DIR as well"),
        (["--posterior", "NOWHERE"], "no posterior.parquet"),
        (["--posterior", "CAL", "--draws", "0"], "--draws 0: expected a number >= 1"),
    ],
)
def test_bad_posterior_sweeps_get_one_line(tmp_path, capsys, args, expected):
    post = _posterior_folder(tmp_path / "cal")
    args = [str(post) if a == "CAL" else str(tmp_path / a) if a == "NOWHERE" else a for a in args]
    assert main(["sweep", str(_sweep_file(tmp_path)), "--out", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not (tmp_path / "out").exists()


def test_a_posterior_key_that_is_also_an_uncertainty_is_refused(tmp_path, capsys):
    post = _posterior_folder(tmp_path / "cal")
    exp = _sweep_file(tmp_path, '\n[uncertainties]\n"agents.sharing_cost" = [0.3]\n')
    assert main(["sweep", str(exp), "--posterior", str(post), "--out", str(tmp_path / "out")]) == 2
    assert "set by uncertainties.agents.sharing_cost" in capsys.readouterr().err


def test_the_report_of_a_calibration_folder(tmp_path):
    path = _experiment(tmp_path, fit=["a", "b"], holdout=["c"], population=12, generations=2)
    path.with_name("targets.toml").write_text(_targets({"a": 0.4, "b": 2.2, "c": 50.0}))
    calibrate(load_calibration(path), tmp_path / "out", quiet=True, simulator=synthetic)
    assert main(["report", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "report.html").read_text()
    for title in (
        "Posterior predictive against every target",
        "Prior and posterior",
        "Pairwise posterior",
        "Generations",
    ):
        assert title in page
    assert "Misses: 1 of 3 target(s)" in page and "<b>c</b> (holdout)" in page


def test_govsim_run_writes_the_calendar(tmp_path):
    assert main(["run", "zhejiang", "--steps", "13", "--out", str(tmp_path), "-q"]) == 0
    df = pd.read_csv(tmp_path / "timeseries.csv")
    assert list(df.columns[:2]) == ["step", "date"]
    assert df["date"].iloc[0] == "2017-01" and df["date"].iloc[-1] == "2018-02"  # zhejiang's month 0: 2017-01


def test_a_single_core_calibration_is_reproducible(tmp_path):
    path = _experiment(tmp_path, fit=["a", "b"], holdout=["c"], population=15, generations=3)
    cal = load_calibration(path)
    for out in ("one", "two"):
        calibrate(cal, tmp_path / out, workers=1, quiet=True, simulator=synthetic)
    first = pd.read_parquet(tmp_path / "one" / "posterior.parquet")
    pd.testing.assert_frame_equal(first, pd.read_parquet(tmp_path / "two" / "posterior.parquet"))


def _noisy(folder: Path, **kw) -> Path:
    path = _experiment(folder, fit=["a", "b"], holdout=["c"], **kw)
    path.write_text(path.read_text().replace("seed = 3", 'seed = 3\nacceptance = "noisy"'))
    return path


def test_noisy_abc_recovers_known_parameters_and_ends_at_temperature_1(tmp_path):
    """The shipped acceptance: a particle is accepted with the Gaussian density of the facts
    (sd = each target's uncertainty) around its statistics, tempered down to 1 (Wilkinson 2013).
    At temperature 1 the posterior is exact for that error model: here (uncertainty 0.05 on both,
    noise 0.02 and 0.05) sharing_cost's posterior sd is about 0.05, data_value's about 0.07."""
    cal = load_calibration(_noisy(tmp_path, population=60, generations=5))
    result = calibrate(cal, tmp_path / "out", workers=1, quiet=True, simulator=synthetic)
    gens = result["generations"]
    assert gens["epsilon"].iloc[-1] == 1.0 and (gens["epsilon"].diff().dropna() < 0).all()  # temperatures fall to 1
    assert (gens["ess"] > 0.5 * 60).all()  # the weights do not collapse onto a few particles
    post = result["posterior"]
    w = post["weight"].to_numpy()
    for key, truth in TRUTH.items():
        lo, _, hi = weighted_quantiles(post[key].to_numpy(), w)
        assert lo <= truth <= hi and hi - lo < 0.4, (
            key,
            lo,
            hi,
        )  # the 5-95% band holds the truth, far narrower than the prior
    # a calibration that reached temperature 1 is complete: a second call runs nothing
    again = calibrate(cal, tmp_path / "out", workers=1, quiet=True, simulator=synthetic)
    pd.testing.assert_frame_equal(again["posterior"], post)


def test_an_interrupted_noisy_calibration_continues_its_temperature_schedule(tmp_path, monkeypatch):
    import pyabc

    cal = load_calibration(_noisy(tmp_path, population=30, generations=4))
    original = pyabc.ABCSMC.run_generation

    def killed_at_3(self, t):
        if t == 2:
            raise KeyboardInterrupt  # as a kill after two stored generations
        return original(self, t)

    monkeypatch.setattr(pyabc.ABCSMC, "run_generation", killed_at_3)
    with pytest.raises(KeyboardInterrupt):
        calibrate(cal, tmp_path / "out", workers=1, quiet=True, simulator=synthetic)
    monkeypatch.setattr(pyabc.ABCSMC, "run_generation", original)
    h = pyabc.History(f"sqlite:///{tmp_path / 'out' / 'calibration.db'}", _id=1)
    stored = h.get_all_populations().query("t >= 0")["epsilon"].tolist()
    assert len(stored) == 2 and stored[1] < stored[0]
    result = calibrate(cal, tmp_path / "out", workers=1, quiet=True, simulator=synthetic)
    temps = result["generations"]["epsilon"].tolist()
    assert temps[:2] == stored and temps[-1] == 1.0 and len(temps) <= 4
    assert (np.diff(temps) < 0).all()  # went on from the stored temperatures


def element_synthetic(params: dict, plan: Plan) -> dict:
    """a = the province's digital skill (an element key), b = data_value, with seeded noise."""
    rng = np.random.default_rng(particle_seed(params, plan.base_seed))
    values = {"a": params["agents.digital_skill[0]"] + 0.02 * rng.standard_normal(), "b": params["agents.data_value"]}
    return {t: values[t] for t in plan.targets}


def test_a_prior_on_one_element_of_a_list_parameter(tmp_path):
    from sim.calibrate.stats import expand_elements, run_probes

    # the element replaces that level's value in the scenario's own list, the other levels kept
    assert expand_elements({"agents.digital_skill[0]": 0.95, "agents.web_channel": 0.5}, "baseline") == {
        "agents.web_channel": 0.5,
        "agents.digital_skill": [0.95, 0.75, 0.6],
    }
    assert expand_elements({"agents.digital_skill[1]": 0.9}, "national") == {
        "agents.digital_skill": [0.9, 0.9, 0.75, 0.6]
    }
    probes = (Probe("x", 6, "online_intake"),)
    elem = run_probes("provincial_2020", 5, {"agents.digital_skill[0]": 1.0}, probes)
    whole = run_probes("provincial_2020", 5, {"agents.digital_skill": [1.0, 0.75, 0.6]}, probes)
    assert elem == whole and elem != run_probes("provincial_2020", 5, {}, probes)
    # through the calibration: pyabc carries the key, the posterior has its column
    priors = {
        "agents.digital_skill[0]": "{ dist = 'uniform', low = 0.6, high = 1.0 }",
        "agents.data_value": "{ dist = 'uniform', low = 1.0, high = 3.0 }",
    }
    path = _experiment(tmp_path, fit=["a", "b"], holdout=[], population=20, generations=2, priors=priors)
    path.with_name("targets.toml").write_text(_targets({"a": 0.9, "b": 2.2}))
    result = calibrate(load_calibration(path), tmp_path / "out", quiet=True, simulator=element_synthetic)
    assert list(result["posterior"].columns) == ["agents.data_value", "agents.digital_skill[0]", "weight"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("agents.digital_skill[3]", "index 3 out of range; agents.digital_skill has 3 elements in scenario baseline"),
        ("agents.web_channel[0]", "agents.web_channel is not a list in scenario baseline"),
        ("agents.no_such_list[0]", "agents.no_such_list is not a parameter of scenario baseline"),
        ("agents.digital_skill[0]", "agents.digital_skill"),  # 1.5 is no skill: the schema's own message
    ],
)
def test_bad_element_priors_get_one_line_and_exit_2(tmp_path, capsys, key, expected):
    high = 1.5 if expected == "agents.digital_skill" else 0.9
    path = _experiment(
        tmp_path, fit=["a", "b"], holdout=[], priors={key: f"{{ dist = 'uniform', low = 0.5, high = {high} }}"}
    )
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and f"priors.{key}" in err and expected in err, err
    assert not (tmp_path / "out").exists()
