"""Property-based fuzz of scenario and experiment files (issue 12): documents of the right
shape with wrong types, values, keys and encodings never raise anything but the one-line
`ScenarioError`, and `govsim validate` answers 0 or 2.

The default run tries FUZZ_EXAMPLES documents per test (300); for thousands:
`GOVSIM_FUZZ_EXAMPLES=3000 python -m pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.runner.experiment import load_experiment
from sim.scenario import ScenarioError, load_spec, scenarios_dir

FUZZ_EXAMPLES = int(os.environ.get("GOVSIM_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=True,  # the same documents on every run: a failure reproduces
)

BASELINE = tomllib.loads((scenarios_dir() / "baseline.toml").read_text(encoding="utf-8"))
EXPERIMENT = {
    "experiment": {
        "name": "fuzz",
        "scenarios": ["baseline", "reform_unified_approval"],
        "references": ["baseline"],
        "replications": 2,
        "steps": 3,
        "seed": 1,
    },
    "levers": {"reforms.unified_approval.capacity": [1, 25]},
    "uncertainties": {"agents.sharing_cost": {"low": 0.1, "high": 0.9}},
    "sampling": {"method": "lhs", "samples": 2},
}
SENSITIVITY = {"method": "morris", "measures": ["silo_index"], "trajectories": 2}


def _paths(doc: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for k, v in doc.items():
        out.append((*prefix, k))
        if isinstance(v, dict):
            out += _paths(v, (*prefix, k))
    return out


SCENARIO_PATHS = _paths(BASELINE)
EXPERIMENT_PATHS = _paths({**EXPERIMENT, "sensitivity": SENSITIVITY})

scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", "..", "../../x", "a/b", "baseline", "county", "province", "silo_index", "morris", "grid"]),
    st.dates(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
        st.fixed_dictionaries({"low": inner, "high": inner}),
    ),
    max_leaves=6,
)
keys = st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(["extends", "meta", "enabled", "low", "__", "a.b"]))


def _mutate(doc: dict, paths: list[tuple], data) -> dict:
    """Change a few keys of a valid document: a new value of any type, a deleted key, an
    unknown key, or a table replaced by a value."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths))
        node = doc
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        action = data.draw(st.sampled_from(["value", "delete", "unknown", "value"]))
        if action == "value":
            node[path[-1]] = data.draw(values)
        elif action == "delete":
            node.pop(path[-1], None)
        else:
            node[data.draw(keys)] = data.draw(values)
    return doc


def _encode(doc: dict, data) -> bytes:
    """The document as TOML, in one of the encodings a user's editor may produce."""
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):  # a value TOML cannot hold (e.g. a datetime key)
        text = 'extends = "baseline"\n'
    how = data.draw(st.sampled_from(["utf-8", "utf-8", "bom", "latin-1", "utf-16", "cut", "noise"]))
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if how == "latin-1":
        return text.encode("latin-1", errors="replace") + "\n# caf\xe9\n".encode("latin-1")
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "cut":
        raw = text.encode("utf-8")
        return raw[: data.draw(st.integers(0, len(raw)))]
    if how == "noise":
        raw = bytearray(text.encode("utf-8"))
        for _ in range(data.draw(st.integers(1, 3))):
            if raw:
                raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        return bytes(raw)
    return text.encode("utf-8")


def _write(tmp: Path, name: str, blob: bytes) -> Path:
    p = tmp / name
    p.write_bytes(blob)
    return p


@FUZZ
@given(data=st.data())
def test_fuzzed_scenario_files_fail_only_with_a_scenario_error(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("sc")
    base = {"extends": "baseline"} if data.draw(st.booleans()) else {}
    doc = _mutate({**base, **BASELINE}, SCENARIO_PATHS, data)
    path = _write(tmp, "fuzz.toml", _encode(doc, data))
    try:
        spec, _ = load_spec(path)
    except ScenarioError as e:
        assert "\n" not in str(e) and str(e)
    else:
        assert spec.meta.name and spec.simulation.steps >= 1


@FUZZ
@given(data=st.data())
def test_fuzzed_overrides_fail_only_with_a_scenario_error(data):
    path = data.draw(st.sampled_from(SCENARIO_PATHS))
    key = ".".join(path) if data.draw(st.booleans()) else data.draw(keys)
    try:
        load_spec("baseline", {key: data.draw(values)})
    except ScenarioError as e:
        assert "\n" not in str(e) and "Traceback" not in str(e)


@FUZZ
@given(data=st.data())
def test_fuzzed_experiment_files_fail_only_with_a_scenario_error(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("ex")
    doc = copy.deepcopy(EXPERIMENT)
    if data.draw(st.booleans()):
        doc = {**doc, "sensitivity": dict(SENSITIVITY), "levers": {}, "sampling": {}}
        doc["experiment"] = {**doc["experiment"], "scenarios": ["baseline"], "references": []}
        doc.pop("sampling")
    doc = _mutate(doc, EXPERIMENT_PATHS, data)
    path = _write(tmp, "exp.toml", _encode(doc, data))
    try:
        exp = load_experiment(path)
    except ScenarioError as e:
        assert "\n" not in str(e) and str(e)
    else:
        assert exp.name


@settings(
    max_examples=max(30, FUZZ_EXAMPLES // 10),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # capsys is read (and so emptied) every time
)
@given(data=st.data())
def test_validate_answers_0_or_2_on_fuzzed_files(tmp_path_factory, data, capsys):
    tmp = tmp_path_factory.mktemp("va")
    if data.draw(st.booleans()):
        doc = _mutate({"extends": "baseline", **BASELINE}, SCENARIO_PATHS, data)
    else:
        doc = _mutate(EXPERIMENT, EXPERIMENT_PATHS, data)
    path = _write(tmp, "any.toml", _encode(doc, data))
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err
    assert code == 0 or err.count("\n") == 1
