"""Regression: a short pinned run per preset matches tests/baselines.json."""

from __future__ import annotations

import json

from . import baselines


def test_presets_match_the_stored_baselines():
    stored = {k: v for k, v in json.loads(baselines.PATH.read_text()).items() if not k.startswith("_")}
    diffs = baselines.differences(stored, baselines.summarise())
    report = "\n".join(f"  {p}.{k}: stored {x} now {y}" for p, k, x, y in diffs[:40])
    assert not diffs, (
        f"{len(diffs)} measure(s) differ from tests/baselines.json:\n{report}\n"
        "If the model change is intended, run `make baselines` and commit the new file."
    )


def test_a_measure_turning_undefined_is_a_difference():
    """Review 0.2.4: `abs(x - y) > tol` is False when either side is NaN, so a measure that
    turned NaN (0.2.4 made NaN a legitimate output, ODD §7.7) passed the regression guard."""
    assert baselines.differences({"p": {"a": 0.5}}, {"p": {"a": float("nan")}})
    assert baselines.differences({"p": {"a": float("nan")}}, {"p": {"a": 0.5}})
    assert not baselines.differences({"p": {"a": float("nan")}}, {"p": {"a": float("nan")}})
    assert not baselines.differences({"p": {"a": 0.5}}, {"p": {"a": 0.5 * (1 + 1e-9)}})
