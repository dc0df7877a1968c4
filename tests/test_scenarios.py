"""Scenario files: presets, inheritance, overrides and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.cli import main
from sim.reforms import REGISTRY
from sim.scenario import ScenarioError, load_spec, preset_names

REQUIRED = {"baseline", "guangdong", "zhejiang", "guizhou", "bureau_centre", "bureau_industry", "bureau_services"}


def test_every_required_preset_exists_and_validates():
    names = set(preset_names())
    assert names >= REQUIRED
    assert {f"reform_{k}" for k in REGISTRY} <= names
    for name in names:
        spec, _ = load_spec(name)
        assert spec.meta.name == name


def test_single_reform_presets_switch_on_exactly_their_reform():
    for key in REGISTRY:
        spec, _ = load_spec(f"reform_{key}")
        on = {k for k in REGISTRY if getattr(spec.reforms, k).enabled}
        assert on == {key}


def test_extends_inherits_and_overrides(tmp_scenario):
    p = tmp_scenario('extends = "baseline"\n[government]\nsizes = [1, 2, 4]\n')
    spec, _ = load_spec(p)
    base, _ = load_spec("baseline")
    assert spec.government.sizes == [1, 2, 4]
    assert spec.government.lines == base.government.lines
    assert spec.agents == base.agents


def test_set_override_is_validated_like_the_file():
    spec, _ = load_spec("baseline", {"reforms.unified_approval.capacity": 2})
    assert spec.reforms.unified_approval.capacity == 2
    with pytest.raises(ScenarioError, match=r"--set: reforms\.unified_approval\.capacity = -1: expected a value >= 0"):
        load_spec("baseline", {"reforms.unified_approval.capacity": -1})


def _cli(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr()


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('extends = "baseline"\n[government\nsizes = [1]\n', r"custom\.toml: not valid TOML"),
        (
            'extends = "baseline"\n[reforms.unified_approval]\ncapacty = 3\n',
            r"custom\.toml: reforms\.unified_approval\.capacty: unknown key; "
            r"did you mean 'reforms\.unified_approval\.capacity'\?",
        ),
        (
            'extends = "baseline"\n[government]\nsizes = [1, -6, 30]\n',
            r"custom\.toml: government\.sizes\[1\] = -6: expected a value >= 1",
        ),
        (
            'extends = "baseline"\n[reforms.data_bureau]\nmandate = "ministry"\n',
            r"custom\.toml: reforms\.data_bureau\.mandate = 'ministry': expected one of",
        ),
        (
            'extends = "baseline"\n[government]\nvertical_lines = ["customs"]\n',
            r"custom\.toml: government\.vertical_lines = 'customs': expected one of government\.lines",
        ),
        ('extends = "baselin"\n', r"extends = 'baselin': unknown scenario 'baselin'.*did you mean 'baseline'"),
        ("[meta]\nname = 'x'\ndescription = 'y'\nsources = []\n", r"custom\.toml: simulation: missing"),
        (
            'extends = "baseline"\n[reforms.shared_platform]\nenabled = true\nlayers = ["roads"]\n',
            r"custom\.toml: reforms\.shared_platform\.layers\[0\] = 'roads': expected one of 'infrastructure'",
        ),
        (
            'extends = "baseline"\n[reforms.data_bureau]\nenabled = true\n[government]\n'
            'levels = ["province", "city"]\nsizes = [1, 3]\nservice_level_share = [0.4, 0.6]\n[agents]\n'
            "budget_per_month = [20.0, 8.0]\ninhouse_unit_share = [0.8, 0.5]\ninhouse_staff = [17.0, 5.0]\n"
            "digital_skill = [0.85, 0.75]\n",
            r"baseline\.toml: reforms\.data_bureau\.levels = 'county': expected one of government\.levels "
            r"\[.province., .city.\] \(government\.levels set in .*custom\.toml\)",
        ),
        # a vague name gets no far-fetched suggestion
        ('extends = "baseline"\n[agents]\nnonsense = 1\n', r"agents\.nonsense: unknown key \(allowed here"),
    ],
)
def test_bad_files_give_one_line_errors_and_exit_2(tmp_scenario, capsys, text, pattern):
    p = tmp_scenario(text)
    code, out = _cli(capsys, "validate", str(p))
    assert code == 2
    err = out.err.strip()
    assert err.startswith("error: ")
    assert "\n" not in err and "Traceback" not in err
    import re

    assert re.search(pattern, err), err


def test_switched_off_reforms_do_not_bind_a_new_tree(tmp_scenario):
    # baseline's data_bureau (off) names the county level; a two-level government is valid
    p = tmp_scenario(
        'extends = "baseline"\n[government]\nlevels = ["province", "city"]\nsizes = [1, 3]\n'
        "service_level_share = [0.4, 0.6]\n[agents]\nbudget_per_month = [20.0, 8.0]\n"
        "inhouse_unit_share = [0.8, 0.5]\ninhouse_staff = [17.0, 5.0]\ndigital_skill = [0.85, 0.75]\n"
    )
    spec, _ = load_spec(p)
    assert spec.government.levels == ["province", "city"]


def test_file_that_is_not_utf8_gives_one_line(tmp_path, capsys):
    p = tmp_path / "latin.toml"
    p.write_bytes('extends = "baseline"\n[meta]\ndescription = "caf\xe9"\n'.encode("latin-1"))
    code, out = _cli(capsys, "validate", str(p))
    assert code == 2 and "latin.toml: not valid TOML" in out.err and "Traceback" not in out.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seed", "-5"], "--seed: simulation.seed = -5: expected a value >= 0"),
        (["--steps", "0"], "--steps: simulation.steps = 0: expected a value >= 1"),
        (["--set", "agents.staff_wage=inf"], "--set: agents.staff_wage = inf: expected a finite number"),
        (["--set", "reforms.foo.enabled=true"], "--set: reforms.foo: unknown key"),
    ],
)
def test_bad_flags_on_run_name_the_flag_and_exit_2(capsys, tmp_path, argv, message):
    code, out = _cli(capsys, "run", "baseline", *argv, "--out", str(tmp_path / "x"), "-q")
    assert code == 2
    assert message in out.err and "Traceback" not in out.err
    assert not (tmp_path / "x").exists()


def test_set_merges_a_table_as_a_file_would():
    spec, _ = load_spec("baseline", {"agents.build_cost": {"data": 1.0}})
    base, _ = load_spec("baseline")
    assert spec.agents.build_cost.data == 1.0
    assert spec.agents.build_cost.application == base.agents.build_cost.application
    with pytest.raises(ScenarioError, match=r"ownership_changes\[0\]\.state_share: missing; every item"):
        load_spec("reform_ops_separation", {"reforms.ops_separation.ownership_changes": [{"month": 3}]})


def test_unwritable_out_and_closed_pipe_give_no_traceback(tmp_path):
    cmd = [sys.executable, "-m", "sim.cli", "run", "baseline", "--steps", "2"]
    r = subprocess.run([*cmd, "--out", "/proc/govsim-test"], capture_output=True, text=True)
    assert r.returncode == 2 and "cannot create the folder" in r.stderr and "Traceback" not in r.stderr
    # the reader of the summary goes away at once, as `| head -1` does
    p = subprocess.Popen([*cmd, "--out", str(tmp_path / "x")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait() == 141 and "Traceback" not in err


def test_out_that_is_a_file_is_refused_before_the_run(capsys, tmp_path):
    f = tmp_path / "taken"
    f.write_text("keep me")
    code, out = _cli(capsys, "run", "baseline", "--steps", "2", "--out", str(f), "-q")
    assert code == 2 and "is a file; expected a folder" in out.err
    assert f.read_text() == "keep me"


def test_unknown_preset_on_run_exits_2(capsys, tmp_path):
    code, out = _cli(capsys, "run", "guangdon", "--out", str(tmp_path / "x"), "-q")
    assert code == 2
    assert "did you mean 'guangdong'" in out.err
    assert not (tmp_path / "x").exists()  # nothing half-written


def test_bad_set_value_on_run_exits_2(capsys, tmp_path):
    code, out = _cli(capsys, "run", "baseline", "--set", "government.sizes=[1,0]", "--out", str(tmp_path / "x"))
    assert code == 2
    assert "--set: government.sizes[1] = 0: expected a value >= 1" in out.err


def test_console_script_exit_code_is_2_in_a_real_process(tmp_scenario):
    p = tmp_scenario('extends = "baseline"\n[agents]\nvendors = -1\n')
    r = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "agents.vendors = -1" in r.stderr
