"""docs/ODD.md and README.md stay true to the code."""

from __future__ import annotations

import re

from sim.docs import FILES, MARKERS, measures_table, refresh
from sim.measures import MEASURES
from sim.reforms import REGISTRY
from sim.schema import Agents

ODD, README = FILES


def test_measure_tables_are_generated_from_the_code():
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert MARKERS.search(text), f"{path.name} lacks the measures markers"
        assert refresh(text) == text, f"{path.name}: run `python -m sim.docs` to refresh the measures table"
    assert measures_table().count("\n") == len(MEASURES) + 2


def test_odd_names_every_reform_parameter_and_measure():
    text = ODD.read_text(encoding="utf-8")
    missing = [k for k in REGISTRY if f"`{k}`" not in text]
    missing += [k for k in Agents.model_fields if f"`{k}`" not in text]
    missing += [k for k in MEASURES if f"`{k}`" not in text]
    for key, cls in REGISTRY.items():
        for field in cls.Params.model_fields:
            if (
                field
                not in (
                    "enabled",
                    "start_month",
                    "levels",
                    "level",
                    "lines",
                    "layers",
                    "cost",
                    "run_cost",
                    "build_cost",
                    "staff",
                    "skill",
                    "ownership_changes",
                    "companies",
                    "state_share",
                    "abolish_inhouse",
                    "runs_platform",
                    "quality",
                    "audit_cost",
                    "cost_per_agency",
                    "cost_per_window",
                )
                and f"`{field}`" not in text
            ):
                missing.append(f"{key}.{field}")
    assert not missing, f"not described in docs/ODD.md: {missing}"


def test_odd_cites_a_seed_for_every_reform():
    text = ODD.read_text(encoding="utf-8")
    table = text[text.index("### 7.6") : text.index("### 7.7")]
    for key in REGISTRY:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{key}`"))
        assert re.search(r"\b00[0-4]\b", row), f"no seed cited for {key}"


def test_readme_scenario_example_is_valid_and_runs(tmp_path):
    from sim.api import run_model
    from sim.scenario import load_spec

    text = README.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "my_scenario.toml"
    path.write_text(block, encoding="utf-8")
    spec, _ = load_spec(path)
    assert spec.reforms.unified_approval.enabled and spec.simulation.steps == 48
    m = run_model(path, seed=1, steps=3)
    assert m.bodies and m.steps == 3


def test_readme_error_example_is_what_the_cli_prints(tmp_path, capsys):
    from sim.cli import main

    text = README.read_text(encoding="utf-8")
    shown = re.search(r"^error: my_scenario\.toml: .*$", text, re.M).group(0)
    path = tmp_path / "my_scenario.toml"
    path.write_text('extends = "baseline"\n[reforms.unified_approval]\ncapacty = 3\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    printed = capsys.readouterr().err.strip().replace(str(path), "my_scenario.toml")
    assert printed == shown
