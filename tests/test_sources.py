"""Every behavioural parameter says where its value comes from (a seed section, literature with a
year) or that it is assumed, in its comment in the scenario file; and the shipped sensitivity
experiment screens every assumed parameter of the baseline against every headline measure."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.scenario import scenarios_dir

SOURCED = re.compile(r"seed|assumed|\b(19|20)\d\d\b", re.IGNORECASE)
ROOT = Path(__file__).resolve().parent.parent
KEY_LINE = re.compile(r"^(\w+)\s*=\s*(.*)$")
NOT_BEHAVIOURAL = {"enabled", "start_month"}  # switches and calendar, set per scenario


def _comment(value_and_comment: str) -> str:
    """The comment of a `key = value  # comment` line (a `#` inside a string is not one)."""
    quoted = False
    for i, ch in enumerate(value_and_comment):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return value_and_comment[i + 1 :].strip()
    return ""


def parameters(path: Path) -> list[tuple[str, str, object]]:
    """(table.key, comment, value) of every key line of a scenario file, parsed with its comment."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out, table = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\[([^\]]+)\]", line):
            table = m.group(1)
            continue
        if not table or not (m := KEY_LINE.match(line)):
            continue
        key = m.group(1)
        node = data
        for part in table.split("."):
            node = node.get(part, {})
        if key in node:
            out.append((f"{table}.{key}", _comment(m.group(2)), node[key]))
    return out


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, list) and value:
        return all(_numeric(v) for v in value)
    if isinstance(value, dict) and value:
        return all(_numeric(v) for v in value.values())
    return False


def unsourced(path: Path, tables: tuple[str, ...]) -> list[str]:
    return [
        f"{path.name}: {key} (comment: {comment!r})"
        for key, comment, value in parameters(path)
        if key.startswith(tables) and key.rsplit(".", 1)[-1] not in NOT_BEHAVIOURAL and _numeric(value)
        if not SOURCED.search(comment)
    ]


def test_the_parser_reads_comments_and_catches_a_missing_source(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text(
        '[agents]\na = 1.0   # from seed 001 §2\nb = 2.0   # nothing here\nc = "x#y"  # assumed\n'
        "d = [1, 2]  # Arthur 1989\n[reforms.r]\nenabled = true\ne = 3  # a value\n",
        encoding="utf-8",
    )
    assert {k: c for k, c, _ in parameters(p)}["agents.c"] == "assumed"
    assert unsourced(p, ("agents.", "reforms.")) == [
        "x.toml: agents.b (comment: 'nothing here')",
        "x.toml: reforms.r.e (comment: 'a value')",
    ]


def test_every_agents_parameter_of_the_baseline_has_a_source_or_says_assumed():
    path = scenarios_dir() / "baseline.toml"
    agents = [k for k, _, _ in parameters(path) if k.startswith("agents.")]
    assert len(agents) == len(tomllib.loads(path.read_text(encoding="utf-8"))["agents"])  # every key was parsed
    assert unsourced(path, ("agents.",)) == []


def test_every_behavioural_parameter_of_the_baseline_has_a_source_or_says_assumed():
    assert unsourced(scenarios_dir() / "baseline.toml", ("agents.", "government.", "reforms.")) == []


@pytest.mark.parametrize("name", sorted(p.stem for p in scenarios_dir().glob("*.toml")))
def test_presets_overriding_agents_or_reform_values_say_where_from(name):
    assert unsourced(scenarios_dir() / f"{name}.toml", ("agents.", "reforms.")) == []


# ---------------------------------------------------------------- the shipped sensitivity experiment
def _sensitivity():
    from sim.runner.experiment import load_experiment

    return load_experiment(ROOT / "experiments" / "sensitivity.toml")


def test_sensitivity_screens_every_assumed_parameter_of_the_baseline():
    """Every [agents] and [government] parameter whose comment says `assumed` is varied (a range,
    or a scale for a list or table); the exceptions are named, each with its reason in the file."""
    exp = _sensitivity()
    varied = set(exp.ranges()) | set(exp.sensitivity.scales)
    not_behaviour = {"government.sizes", "government.service_level_share"}  # structure; a no-op to scale
    assumed = {
        key
        for key, comment, value in parameters(scenarios_dir() / "baseline.toml")
        if key.startswith(("agents.", "government.")) and "assumed" in comment and _numeric(value)
    }
    assert assumed - not_behaviour - varied == set()
    text = (ROOT / "experiments" / "sensitivity.toml").read_text(encoding="utf-8")
    assert all(k.split(".")[-1] in text for k in not_behaviour)  # the file says why they are left out


def test_sensitivity_screens_every_headline_measure():
    from sim.catalogue import HEADLINE

    assert set(_sensitivity().sensitivity.measures) >= set(HEADLINE)


def _sensitivity_reforms():
    from sim.runner.experiment import load_experiment

    return load_experiment(ROOT / "experiments" / "sensitivity_reforms.toml")


def test_sensitivity_screens_every_assumed_reform_parameter_with_every_reform_on():
    """Every numeric [reforms.*] parameter of the baseline whose comment says `assumed` is varied by
    one of the two shipped screenings; the reform one runs where every reform is on (a reform's
    parameters act only then), over every headline measure (load_experiment checks both ends of each
    range are valid values of the scenario)."""
    from sim.catalogue import HEADLINE
    from sim.scenario import load_spec

    reforms = _sensitivity_reforms()
    varied = set(reforms.ranges()) | set(reforms.sensitivity.scales)
    varied |= set(_sensitivity().ranges()) | set(_sensitivity().sensitivity.scales)
    assumed = {
        key
        for key, comment, value in parameters(scenarios_dir() / "baseline.toml")
        if key.startswith("reforms.") and "assumed" in comment and _numeric(value)
    }
    assert len(assumed) > 50 and assumed - varied == set()
    assert set(reforms.sensitivity.measures) >= set(HEADLINE)
    spec = load_spec(reforms.scenario_file("reform_all"))[0]
    assert all(r.enabled for _, r in spec.reforms)  # no reform left out (none conflicts)


def test_the_diffusion_screen_varies_every_assumed_diffusion_parameter():
    """Every numeric [diffusion] value of the china preset whose comment says `assumed` is varied by
    experiments/diffusion_screen.toml, and so are the four fitted ones; province_scale (resolution,
    not behaviour) is the one exception, and the file says so."""
    from sim.runner.experiment import load_experiment

    exp = load_experiment(ROOT / "experiments" / "diffusion_screen.toml")
    china = parameters(scenarios_dir() / "china.toml")
    assumed = {k for k, comment, v in china if k.startswith("diffusion.") and "assumed" in comment and _numeric(v)}
    fitted = {k for k, comment, v in china if k.startswith("diffusion.") and "(fitted" in comment and _numeric(v)}
    assert len(assumed) > 20 and len(fitted) == 4
    assert (assumed | fitted) - set(exp.ranges()) == {"diffusion.province_scale"}
    assert "province_scale" in (ROOT / "experiments" / "diffusion_screen.toml").read_text(encoding="utf-8")
    assert exp.experiment.replications >= 2 and exp.experiment.scenarios == ["china"]


def test_rank_ranges_and_groups_show_overlapping_intervals_as_ties():
    from sim.runner.sensitivity import groups, rank_ranges

    value = np.array([10.0, 9.5, 5.0, 1.0, 0.0])
    conf = np.array([1.0, 1.0, 0.5, 0.1, 0.0])
    best, worst = rank_ranges(value, conf)
    assert best.tolist() == [1, 1, 3, 4, 5] and worst.tolist() == [2, 2, 3, 4, 5]
    assert groups(value, conf).tolist() == [1, 1, 2, 3, 4]


def _synthetic_indices(n_params: int, trajectories: int, levels: int, seed: int):
    """Morris on a nonlinear test function with a noisy output (as a stochastic model averaged over
    a few seeds): three equally strong parameters, three moderate ones (one with an interaction),
    the rest weak."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    from sim.runner.sensitivity import elementary_effects, rank_groups, top_shares

    names = [f"x{i}" for i in range(n_params)]
    prob = {"num_vars": n_params, "names": names, "bounds": [[0.0, 1.0]] * n_params}
    X = sample.sample(prob, N=trajectories, num_levels=levels, seed=seed)
    noise = np.random.default_rng(seed + 100).normal(0.0, 1.0, len(X))
    Y = (
        5 * X[:, 0]
        + 5 * X[:, 1]
        + 5 * X[:, 2]
        + 0.5 * X[:, 0] * X[:, 1]
        + 2.5 * X[:, 3]
        + 1.5 * X[:, 4]
        + 1.5 * X[:, 5] * X[:, 6]
        + 0.2 * X[:, 7:].sum(axis=1)
        + noise
    )
    res = analyze.analyze(prob, X, Y, num_levels=levels, seed=seed)
    shares = top_shares(elementary_effects(X, Y, levels, n_params), seed)
    table = pd.DataFrame(
        {
            "measure": "y",
            "parameter": names,
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "top_share": shares,
        }
    )
    return rank_groups(table)


def test_the_shipped_design_gives_the_same_top_group_for_two_sampler_seeds():
    """Sized so a headline ranking does not hang on the sampler: with the shipped trajectories and
    levels, and as many parameters as the shipped file varies, two sampler seeds find the same top
    group on a test function whose top three are known."""
    from sim.runner.sensitivity import compare_runs, core_agreement, headline, top_group

    exp = _sensitivity()
    n = len(exp.ranges()) + len(exp.sensitivity.scales)
    s = exp.sensitivity
    tables = [_synthetic_indices(n, s.trajectories, s.levels, seed) for seed in (1, 2)]
    tops = [top_group(t, "y") for t in tables]
    assert tops[0] == tops[1] == {"x0", "x1", "x2"}
    # the headline: its core and borderline hold the top three and nothing else, and neither seed's
    # core names a parameter the other's headline leaves out
    assert [headline(t, "y", "core", "borderline") for t in tables] == [{"x0", "x1", "x2"}] * 2
    assert all(headline(t, "y", "core") for t in tables)
    assert core_agreement(*tables, "y") in ("the same core", "cores agree")
    assert "every rank range overlaps" in compare_runs(*tables, "y")  # no order one seed claims, the other denies
    # the check has teeth: a design of 4 trajectories gets the top group wrong for some sampler seed
    small = [top_group(_synthetic_indices(n, 4, s.levels, seed), "y") for seed in range(1, 7)]
    assert any(top != {"x0", "x1", "x2"} for top in small)


def test_the_headline_core_survives_resampling_where_a_borderline_member_does_not():
    """The core is what the bootstrap of trajectories keeps in the top group; a parameter whose
    interval only touches the leader's is borderline, not core."""
    from sim.runner.sensitivity import core_agreement, groups, top_shares

    rng = np.random.default_rng(3)
    strong = rng.normal(10.0, 2.0, 40)  # three equally strong, one near the edge, one weak
    ee = np.vstack(
        [
            strong,
            rng.normal(10.0, 2.0, 40),
            rng.normal(10.0, 2.0, 40),
            rng.normal(8.8, 2.0, 40),
            rng.normal(2.0, 0.5, 40),
        ]
    )
    shares = top_shares(ee, seed=1)
    assert shares[:3].min() >= 0.9 and 0.1 <= shares[3] < 0.9 and shares[4] == 0.0
    mu = np.abs(ee).mean(axis=1)
    assert groups(mu, 1.96 * np.abs(ee).std(axis=1, ddof=1) / np.sqrt(40))[4] > 1
    a = pd.DataFrame({"measure": "y", "parameter": list("abcde"), "headline": ["core"] * 3 + ["borderline", ""]})
    b = a.assign(headline=["core", "core", "borderline", "core", ""])
    c = a.assign(headline=["core", "core", "", "", "core"])
    assert core_agreement(a, a, "y") == "the same core"
    assert core_agreement(a, b, "y") == "cores agree"
    assert core_agreement(a, c, "y") == "cores disagree"


def _scaled_experiment(scales: dict):
    from sim.runner.experiment import experiment_from_dict

    raw = {
        "experiment": {"name": "s", "scenarios": ["baseline"], "steps": 2},
        "uncertainties": {"agents.sharing_cost": {"low": 0.1, "high": 0.9}},
        "sensitivity": {"measures": ["silo_index"], "trajectories": 2, "scales": scales},
    }
    return experiment_from_dict(raw, "s.toml")


def test_a_scale_multiplies_every_entry_of_a_list_or_table():
    from sim.runner.sensitivity import sample_points

    exp = _scaled_experiment(
        {"agents.budget_per_month": {"low": 0.5, "high": 1.5}, "agents.build_cost": {"low": 0.5, "high": 1.5}}
    )
    X, points = sample_points(exp)
    assert X.shape[1] == 3
    for row, p in zip(X, points, strict=True):
        assert p["agents.budget_per_month"] == pytest.approx([20.0 * row[1], 8.0 * row[1], 4.0 * row[1]])
        assert p["agents.build_cost"]["data"] == pytest.approx(30.0 * row[2])


@pytest.mark.parametrize(
    ("scales", "match"),
    [
        (
            {"agents.nope": {"low": 0.5, "high": 1.5}},
            r"sensitivity\.scales\.agents\.nope: no such scenario key in baseline\.toml",
        ),
        (
            {"agents.digital_skill": {"low": 0.5, "high": 1.5}},
            r"sensitivity\.scales\.agents\.digital_skill at factor 1\.5",
        ),
    ],
)
def test_a_bad_scale_is_refused_in_one_line(scales, match):
    from sim.runner.sensitivity import sample_points
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=match) as err:
        sample_points(_scaled_experiment(scales))
    assert "\n" not in str(err.value)
