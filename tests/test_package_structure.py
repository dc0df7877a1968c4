"""Reform packages on other governments: `reforms_from`, `PACKAGE@STRUCTURE`, `govsim run --reforms`,
the `[cross]` experiment form, and the report's verdict written from the results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.reforms import REGISTRY
from sim.report.verdict import Common, costs, leads, summary_lines
from sim.runner.design import build_design
from sim.runner.experiment import experiment_from_dict
from sim.scenario import ScenarioError, load_spec


def _on(spec) -> set[str]:
    return {k for k in REGISTRY if getattr(spec.reforms, k).enabled}


def test_reforms_from_takes_the_package_and_keeps_the_government(tmp_scenario):
    p = tmp_scenario('extends = "guangdong"\nreforms_from = "zhejiang"\n')
    spec, _ = load_spec(p)
    gd, zj = load_spec("guangdong")[0], load_spec("zhejiang")[0]
    assert spec.reforms == zj.reforms  # every reform, with zhejiang's start months and settings
    assert _on(spec) == _on(zj) and "unified_approval" not in _on(spec)  # guangdong's own reforms are gone
    assert spec.government == gd.government and spec.agents == gd.agents  # the government stays guangdong's
    assert spec.reforms.open_data.start_month == zj.reforms.open_data.start_month == 24


def test_reforms_from_own_entries_override_the_package(tmp_scenario):
    p = tmp_scenario(
        'extends = "guangdong_before"\nreforms_from = "zhejiang"\n'
        "[reforms.one_window]\nwindow_capacity = 123.0\n[reforms.data_bureau]\nenabled = false\n"
    )
    spec, _ = load_spec(p)
    zj = load_spec("zhejiang")[0]
    assert spec.reforms.one_window.enabled and spec.reforms.one_window.window_capacity == 123.0
    assert spec.reforms.one_window.start_month == zj.reforms.one_window.start_month
    assert not spec.reforms.data_bureau.enabled
    assert spec.reforms.open_data == zj.reforms.open_data


def test_package_at_structure_is_the_preset_on_its_own_government():
    gd, same = load_spec("guangdong")[0], load_spec("guangdong@guangdong_before")[0]
    assert same.meta.name == "guangdong@guangdong_before"
    a, b = gd.model_dump(), same.model_dump()
    a.pop("meta"), b.pop("meta")
    assert a == b
    zg = load_spec("zhejiang@guangdong_before")[0]
    assert zg.government == gd.government and zg.reforms == load_spec("zhejiang")[0].reforms


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ('"zhejang"', r"custom\.toml: reforms_from = 'zhejang': unknown scenario 'zhejang'.*did you mean 'zhejiang'"),
        ("3", r"custom\.toml: reforms_from = 3: expected a preset name or a path"),
    ],
)
def test_bad_reforms_from_is_one_line(tmp_scenario, value, match):
    p = tmp_scenario(f'extends = "guangdong"\nreforms_from = {value}\n')
    with pytest.raises(ScenarioError, match=match) as err:
        load_spec(p)
    assert "\n" not in str(err.value)


def test_bad_reforms_from_exits_2_with_one_line(tmp_scenario, capsys):
    p = tmp_scenario('extends = "guangdong"\nreforms_from = "zhejang"\n')
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "reforms_from = 'zhejang'" in err and "custom.toml" in err


def test_run_reforms_flag_refuses_an_unknown_package(capsys, tmp_path):
    assert main(["run", "guangdong_before", "--reforms", "zhejang", "-q", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --reforms zhejang:") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_run_reforms_flag_runs_the_package_on_the_structure(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", "guangdong_before", "--reforms", "zhejiang", "--steps", "2", "-q", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("zhejiang@guangdong_before:")
    resolved = (out / "scenario.resolved.toml").read_text(encoding="utf-8")
    spec = load_spec(out / "scenario.resolved.toml")[0]
    assert "reforms_from" not in resolved and spec.government.sizes == [1, 21, 122]
    assert spec.reforms.one_window.enabled and not spec.reforms.unified_approval.enabled


def test_cross_experiment_builds_every_package_on_every_structure():
    raw = {
        "experiment": {"name": "x", "scenarios": ["provincial"], "replications": 2, "steps": 3},
        "cross": {"structures": ["guangdong_before", "guizhou_before"], "packages": ["guangdong", "zhejiang"]},
    }
    exp = experiment_from_dict(raw)
    want = [
        "provincial",
        "guangdong@guangdong_before",
        "zhejiang@guangdong_before",
        "guangdong@guizhou_before",
        "zhejiang@guizhou_before",
    ]
    assert exp.experiment.scenarios == want
    runs = build_design(exp)
    assert [r.scenario for r in runs] == [s for s in want for _ in range(2)]
    assert len({r.seed for r in runs}) == 2  # every cell runs the same two seeds (paired)
    docs = {r.scenario: r.scenario_doc for r in runs}
    assert docs["zhejiang@guizhou_before"]["government"]["sizes"] == [1, 9, 88]
    assert docs["zhejiang@guizhou_before"]["reforms"]["one_window"]["enabled"] is True
    assert docs["guangdong@guizhou_before"]["reforms"]["unified_approval"]["enabled"] is True
    # a results folder's copy lists the pairs already: reading it again adds none
    again = experiment_from_dict(exp.model_dump(mode="json", exclude_none=True))
    assert again.experiment.scenarios == want


def test_cross_with_an_unknown_package_is_refused_naming_it():
    raw = {
        "experiment": {"name": "x", "scenarios": ["provincial"]},
        "cross": {"structures": ["guangdong_before"], "packages": ["zhejang"]},
    }
    with pytest.raises(ScenarioError, match=r"experiment\.scenarios: zhejang@guangdong_before: package 'zhejang'"):
        experiment_from_dict(raw, "exp.toml")


def _synthetic_final() -> pd.DataFrame:
    """Three packages on one government, 20 seeds: A has fewer trips (clearly), B and A are tied on
    silos, all equal on the backlog; C costs more."""
    rng = np.random.default_rng(0)
    rows = []
    for k in range(20):
        seed_level = rng.normal(0, 0.5)
        for sc, trips, silo, spend in [
            ("ref", 3.0, 0.7, 100.0),
            ("A@gov", 1.0, 0.50, 110.0),
            ("B@gov", 2.0, 0.50, 100.0),
            ("C@gov", 2.5, 0.60, 150.0),
        ]:
            rows.append(
                {
                    "scenario": sc,
                    "replication": k,
                    "trips_per_service": trips + seed_level + rng.normal(0, 0.05),
                    "silo_index": silo + rng.normal(0, 0.05),
                    "approval_backlog": 0.0,
                    "total_it_spending": spend + rng.normal(0, 1.0),
                }
            )
    return pd.DataFrame(rows)


def test_verdict_names_the_right_leader_ties_and_costs():
    final = _synthetic_final().replace({"scenario": {"ref": "gov"}})
    common = Common("gov", {"A": "A@gov", "B": "B@gov", "C": "C@gov"}, "gov")
    measures = ["trips_per_service", "silo_index", "approval_backlog", "total_it_spending"]
    found = {x.measure: x for x in leads(final, common, measures, ["replication"])}
    trips = found["trips_per_service"]
    assert (trips.leader, trips.runner_up, trips.clear, trips.ahead, trips.seeds) == ("A", "B", True, 20, 20)
    assert not found["silo_index"].clear and {found["silo_index"].leader, found["silo_index"].runner_up} == {"A", "B"}
    assert found["approval_backlog"].same
    spend = found["total_it_spending"]
    assert spend.clear and spend.runner_up in {"A", "B"} and spend.leader in {"A", "B"}
    cost = {c.package: c for c in costs(final, common, ["replication"])}
    assert cost["C"].clear and cost["C"].share == pytest.approx(0.5, abs=0.02)
    assert not cost["B"].clear
    lines = summary_lines(list(found.values()), list(cost.values()), common, "en")
    assert lines[1].startswith("A leads on trips per service (20/20 seeds)")
    assert lines[3].startswith("C leads on no headline measure") and "+50%" in lines[3]
    assert any(line.startswith("Tied") and "silo index" in line for line in lines)
    assert any("No difference" in line and "approval backlog" in line for line in lines)
    zh = summary_lines(list(found.values()), list(cost.values()), common, "zh")
    assert zh[1].startswith("A 领先于：每件事跑动次数")


def test_common_government_and_headline_models():
    from sim.report.verdict import common_government, headline_models

    names = ["baseline", "provincial", "gd@provincial", "zj@provincial", "gd@gd_before", "zj@gd_before", "gd@zj_before"]
    common = common_government(names)
    assert common.structure == "provincial" and common.reference == "provincial"  # most packages, first listed
    assert common.scenarios == {"gd": "gd@provincial", "zj": "zj@provincial"}
    assert headline_models(["guangdong", *names[2:]]) == ["guangdong", "gd@provincial", "zj@provincial"]
    assert common_government(["baseline", "gd@x"]) is None  # one package: nothing to compare


def test_a_package_on_a_government_is_compared_with_that_government_run_reform_free(tmp_path):
    from types import SimpleNamespace

    from sim.report.html import references

    names = ["baseline", "provincial", "guangdong_before", "zhejiang@guangdong_before", "zhejiang@provincial"]
    runs = pd.DataFrame({"scenario": names, "run_id": [f"{i:06d}" for i in range(len(names))]})
    res = SimpleNamespace(runs=runs, experiment={}, specs={}, folder=tmp_path, failed_runs=runs.iloc[:0], variants=[])
    refs = references(res, "baseline")
    # provincial has the same structure and is listed first: the package's own structure wins
    assert refs.reference["zhejiang@guangdong_before"] == "guangdong_before"
    assert refs.reference["zhejiang@provincial"] == "provincial"


def test_report_of_a_crossed_sweep_opens_with_the_verdict_and_decomposes(tmp_path, capsys):
    import json
    import re

    exp = tmp_path / "x.toml"
    exp.write_text(
        '[experiment]\nname = "x"\nscenarios = ["baseline", "provincial"]\nreplications = 2\nsteps = 3\n'
        '[cross]\nstructures = ["provincial", "guangdong_before"]\npackages = ["guangdong", "zhejiang"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "r"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "-q"]) == 0
    for lang in ("en", "zh"):
        page = tmp_path / f"{lang}.html"
        assert main(["report", str(out), "-o", str(page), "--lang", lang]) == 0
        text = page.read_text(encoding="utf-8")
        sections = re.findall(r"<section id='(\w+)'>", text)
        assert sections[0] == "verdict" and "decomposition" in sections
        data = json.loads(re.search(r'id="summary-data">(.*?)</script>', text, re.S).group(1))
        assert data["factorial"] == {
            "packages": ["guangdong", "zhejiang"],
            "structures": ["provincial", "guangdong_before"],
        }
        assert data["verdict"][0].startswith(
            "On one common government (provincial)" if lang == "en" else "在同一政府（provincial）"
        )
        assert set(data["decomposition"]["silo_index"]) == {"package", "structure", "interaction"}
    capsys.readouterr()
