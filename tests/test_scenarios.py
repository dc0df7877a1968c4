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
