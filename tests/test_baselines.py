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
