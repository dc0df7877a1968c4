"""The measure catalogue describes what the model computes, and its fields hold."""

from __future__ import annotations

import math

from sim.catalogue import HEADLINE, MEASURES

from .conftest import series


def test_the_catalogue_names_exactly_the_measures_computed():
    df = series("guangdong", seed=1, steps=12)
    assert set(df.columns) - {"step"} == set(MEASURES)


def test_every_value_lies_within_its_measure_bounds():
    for preset in ("baseline", "guangdong", "zhejiang"):
        df = series(preset, seed=1, steps=12)
        for name, m in MEASURES.items():
            lo, hi = m.bounds
            assert df[name].between(lo, hi).all(), (preset, name, df[name].min(), df[name].max())


def test_the_fields_agree_with_the_units_shown():
    for name, m in MEASURES.items():
        assert m.better in ("lower", "higher", ""), name
        lo, hi = m.bounds
        if m.unit.endswith(("0-1", "1-5")):  # the unit text states its range
            assert (lo, hi) == tuple(float(x) for x in m.unit.split()[-1].split("-")), name
        else:
            assert (lo, hi) == (0.0, math.inf), name
        if m.unit.startswith(("share", "Gini", "HHI", "stars", "months", "trips")):
            assert not m.scales_with_size, name


def test_headline_measures_are_one_ordered_list_read_by_cli_report_and_charts():
    from sim.cli import KEY_MEASURES as cli_key
    from sim.viz.charts import KEY_MEASURES as charted

    ranks = sorted(m.headline for m in MEASURES.values() if m.headline)
    assert ranks == list(range(1, len(ranks) + 1))  # no gaps, no ties
    assert [MEASURES[k].headline for k in HEADLINE] == ranks
    assert cli_key == HEADLINE and charted == HEADLINE[:5]
