"""The provincial diffusion layer (sim/diffusion, issue 17): mechanisms, coupling, data file,
CLI, report. Mechanism tests use a small stand-in for the within-province model (the layer
only reads `step()`, `reforms` and `measures`), so they run in seconds; the coupling tests
use real GovModels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from sim.cli import main
from sim.diffusion import mechanisms as mech
from sim.diffusion.coupling import ITEM_REFORMS, NEVER, candidate_reforms
from sim.diffusion.data import PROVINCES_CSV, load_provinces
from sim.diffusion.model import ChinaModel
from sim.diffusion.schema import ITEMS
from sim.scenario import ScenarioError

SEEDS = (1, 2, 3, 4, 5)
"""Paired seeds for the mechanism tests. Claim: switching a mechanism off moves adoption in
the stated direction in every one of the 5 pairs (one-sided sign test, p = 1/32 ≈ 0.03)."""
MONTHS = 84  # 2014-01 .. 2020-12


# --------------------------------------------------------------------------- stand-in model
class _P(BaseModel):
    start_month: int = NEVER
    mandate: str = "centre"
    it_attention: float = 1.0


class _Reform:
    def __init__(self, key: str) -> None:
        self.key, self.p, self.active = key, _P(), False

    def remandate(self, model, mandate: str, attention: float | None = None) -> None:  # the data bureau's
        split = {} if attention is None else {"it_attention": attention}
        self.p = self.p.model_copy(update={"mandate": mandate, **split})


class StubProvince:
    """Public surface of GovModel: `step()`, `reforms`, `measures`. Its watched measures fall
    by `effect` (x < 1 improves, x > 1 worsens) once a reform is active; small seeded noise."""

    def __init__(self, spec, provinces, i, seed, months, effect=0.6):
        self.rng = np.random.default_rng(seed)
        self.effect, self.month = effect, -1
        self.reforms = [_Reform(k) for k in candidate_reforms(list(spec.diffusion.reforms))]
        self.level = 1.0 + 0.2 * self.rng.random()
        self.measures = self._measures()

    def _measures(self) -> dict[str, float]:
        on = {r.key for r in self.reforms if r.active}
        noise = 1 + 0.02 * self.rng.standard_normal()
        f = self.effect ** len(on & {"data_bureau", "ops_separation", "shared_platform", "unified_approval"})
        return {
            "duplicated_share": 0.5 * self.level * f * noise,
            "trips_per_service": 2.0 * self.level * (self.effect if "one_window" in on else 1.0) * noise,
            "mobile_apps": 10.0 * self.level * (self.effect if "app_consolidation" in on else 1.0),
            "online_rate": 0.1 * noise + 0.02 * len(on),
        }

    def step(self) -> None:
        self.month += 1
        for r in self.reforms:
            if not r.active and r.p.start_month <= self.month:
                r.active = True
        self.measures = self._measures()


def stub(effect: float):
    return lambda spec, provinces, i, seed, months: StubProvince(spec, provinces, i, seed, months, effect)


def run_stub(seed: int, effect: float = 0.6, **overrides) -> ChinaModel:
    return ChinaModel("china", rng=seed, months=MONTHS, province_factory=stub(effect), **overrides).run()


def adoption_area(m: ChinaModel, items=ITEMS) -> int:
    """Province-months adopted, summed over the items (larger = more and earlier adoption)."""
    cols = {"body": "provinces_with_body", "unified": "provinces_unified_digital"}
    df = m.timeseries()
    return int(
        sum(df[cols.get(i, f"provinces_{'operating_company' if i == 'ops_separation' else i}")].sum() for i in items)
    )


# --------------------------------------------------------------------------- mechanisms
@pytest.mark.parametrize("mechanism", ["central_mandates", "emulation", "competition"])
def test_switching_a_pushing_mechanism_off_lowers_adoption(mechanism):
    """Mandates, emulation and competition only add to the log-odds: off => less adoption,
    in every paired seed (draws are common random numbers: the same count each month)."""
    for seed in SEEDS:
        on = adoption_area(run_stub(seed))
        off = adoption_area(run_stub(seed, **{f"diffusion.{mechanism}": False}))
        assert on > off, (mechanism, seed, on, off)


def test_learning_follows_the_sign_of_peers_results():
    """Where adopters' models improve, learning speeds adoption; where they worsen, it slows it."""
    items = ("ops_separation", "shared_platform", "one_window", "app_consolidation")
    for seed in SEEDS:
        good_on = adoption_area(run_stub(seed, effect=0.5), items)
        good_off = adoption_area(run_stub(seed, effect=0.5, **{"diffusion.learning": False}), items)
        bad_on = adoption_area(run_stub(seed, effect=1.5), items)
        bad_off = adoption_area(run_stub(seed, effect=1.5, **{"diffusion.learning": False}), items)
        assert good_on > good_off and bad_on < bad_off, (seed, good_on, good_off, bad_on, bad_off)


def test_capacity_makes_richer_provinces_adopt_earlier():
    """Capacity is zero-mean: it reorders adoption. Correlation between a province's capacity
    and its adopted months is higher with the term on, in every paired seed."""
    for seed in SEEDS:
        corr = []
        for flag in (True, False):
            m = run_stub(seed, **{"diffusion.capacity": flag, "diffusion.strength.capacity": 1.5})
            months_adopted = np.where(m.adopted >= 0, m.months - m.adopted, 0).sum(axis=1)
            corr.append(np.corrcoef(m.capacity, months_adopted)[0, 1])
        assert corr[0] > corr[1], (seed, corr)


def test_learning_term_compares_adopters_with_non_adopters_over_the_same_months():
    h = np.array([[1.0, 1.0, 0.5, 0.5], [1.0, 1.0, 1.0, 0.9], [1.0, 1.0, 1.0, 1.1]])
    adopted = np.array([1, -1, -1])  # province 0 adopted in month 1; value 1.0 then, 0.5 now
    # own gain (1 - 0.5) / 1 = 0.5; others' over the same months: 0.1 and -0.1, mean 0
    assert mech.learning_term(h, adopted, 3, lag=2) == pytest.approx(0.5)
    assert mech.learning_term(h, adopted, 3, lag=3) == 0.0  # not enough months of results yet
    assert mech.learning_term(h, np.array([-1, -1, -1]), 3, lag=1) == 0.0  # nobody to learn from


def test_emulation_and_competition_terms():
    adj = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], bool)
    assert mech.emulation_term(np.array([False, True, False]), adj).tolist() == [0.5, 0.0, 0.0]
    assert mech.competition_term(np.array([0.1, 0.5, 0.9]), True).tolist() == [1.0, 0.0, 0.0]
    assert mech.competition_term(np.array([0.1, 0.5, 0.9]), False).tolist() == [0.0, 0.0, 1.0]


def test_same_seed_same_run_and_pilots_are_imposed():
    a, b = run_stub(7), run_stub(7)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    assert a.events == b.events
    zj, gz = a.provinces.index("Zhejiang"), a.provinces.index("Guizhou")
    assert a.adopted[gz, ITEMS.index("shared_platform")] == 0  # 2014-01
    assert a.adopted[zj, ITEMS.index("body")] == 22  # 2015-11
    assert a.province_agents[zj].body == "industry"  # relabelled in the 2018 round


# --------------------------------------------------------------------------- coupling
@pytest.fixture(scope="module")
def coupled():
    """A real coupled run, 2014-01 .. 2018-12, with each reform's `active` flag per month."""
    m = ChinaModel("china", rng=3, months=60)
    active = []
    while m.running:
        m.step()
        active.append([{r.key: r.active for r in a.gov_model.reforms} for a in m.province_agents])
    return m, active


def test_adopted_reform_activates_in_that_province_at_its_month_and_not_before(coupled):
    m, active = coupled
    checked = 0
    for a in m.province_agents:
        for item in m.d.reforms:
            t = a.adopted(item)
            key = ITEM_REFORMS[item][-1]
            for month, flags in enumerate(active):
                assert flags[a.idx][key] == (0 <= t <= month), (a.pinyin, item, t, month)
            checked += t >= 0
    assert checked >= 5  # pilots at least (Guizhou 2014, Zhejiang 2015-16, Guangdong 2018)


def test_learning_and_evaluation_read_the_province_models_results(coupled):
    m, _ = coupled
    t = m.months - 1
    for name in ("duplicated_share", "trips_per_service", "online_rate"):
        assert m.history[name][:, t + 1].tolist() == [a.gov_model.measures[name] for a in m.province_agents]
    item = "ops_separation"  # Guizhou since 2014, few others by 2018: adopters and non-adopters to compare
    h = m.history[getattr(m.d.learning_outcome, item)][:, : t + 1]
    expected = m.d.strength.learning * mech.learning_term(h, m.adopters(item), t, m.d.learning_lag)
    off = ChinaModel("china", rng=3, months=1, province_factory=stub(1.0), **{"diffusion.learning": False})
    for state in ("history", "adopted", "body", "attention", "steps"):  # same state, learning switched off
        setattr(off, state, getattr(m, state))
    assert np.allclose(m.log_odds(item, t) - off.log_odds(item, t), expected)
    assert expected != 0.0  # adopters with a year of results exist by 2018 and their models moved


def test_candidate_reforms_do_nothing_until_adopted():
    """A province model with the candidates built in (start month NEVER) runs bit-identically
    to one without them."""
    from sim.diffusion.coupling import build_province_model
    from sim.model import GovModel
    from sim.scenario import GovScenario

    spec = GovScenario.coerce("china").spec
    p = load_provinces()
    i = p.index("Ningxia")
    with_candidates = build_province_model(spec, p, i, 11, 12)
    assert {r.key for r in with_candidates.reforms} == set(candidate_reforms(list(spec.diffusion.reforms)))
    from sim.diffusion.coupling import province_overrides

    plain = {k: v for k, v in province_overrides(spec, p, i, 12).items() if not k.startswith("reforms.")}
    without = GovModel(spec, rng=11, **plain)
    for _ in range(12):
        with_candidates.step()
        without.step()
        assert with_candidates.measures == without.measures


# --------------------------------------------------------------------------- data file
def test_provinces_csv_has_31_sourced_rows_and_symmetric_neighbours():
    p = load_provinces()
    assert p.n == 31 and len(set(p.pinyin)) == 31
    assert all(p.column_notes[c].strip() for c in p.column_notes) and len(p.column_notes) == 13
    assert all(s.strip() for s in p.source)
    assert (p.adjacency == p.adjacency.T).all() and not p.adjacency.diagonal().any()
    assert p.adjacency.sum(axis=1).min() >= 1
    assert len(set(zip(p.row, p.col, strict=True))) == 31
    # census 2020: 141,178 (10,000 persons) = the 31 provinces' 140,977 + about 200 in the armed forces
    assert abs(p.population.sum() - 140_977) < 50
    assert p.adjacency[p.index("Guangdong"), p.index("Guangxi")]
    # MCA code list, end-2020: 333 prefecture-level divisions (+ 4 municipalities counted as 1 each), 2,844 county-level
    assert p.cities.sum() == 333 + 4 and p.counties.sum() == 2844
    # CAICT 2020 ranking, top 15 in order; tiers of five ranks, the rest 1
    top15 = "Guangdong Beijing Shanghai Jiangsu Zhejiang Shandong Tianjin Fujian Sichuan Chongqing Hubei Anhui Henan"
    ranked = (top15 + " Shaanxi Hunan").split()
    tiers = {q: 4 - ranked.index(q) // 5 if q in ranked else 1 for q in p.pinyin}
    assert p.digital_economy.tolist() == [tiers[q] for q in p.pinyin]


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda s: s.replace("Tianjin;Hebei,1,4", "Hebei,1,4"), r"Beijing and Tianjin: one lists the other"),
        (lambda s: s.replace("Guangdong,7,4", "Atlantis,7,4"), r"row 21 \(Hainan\), neighbours: 'Atlantis'"),
        (lambda s: s.replace("#   population ", "#   populace "), r"column population: no source"),
        (lambda s: re.sub(r",2,0,.*$", ",2,0,", s, flags=re.M), r"row 31 \(Xinjiang\), source: empty"),
    ],
)
def test_bad_provinces_csv_is_one_line_naming_the_problem(tmp_path, edit, pattern):
    bad = tmp_path / "provinces.csv"
    bad.write_text(edit(PROVINCES_CSV.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ScenarioError, match=pattern):
        load_provinces(bad)


# --------------------------------------------------------------------------- CLI, report, fit
def test_run_china_writes_dated_series_and_report(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["run", "china", "--steps", "14", "--out", str(out), "-q"]) == 0
    df = pd.read_csv(out / "seed-1" / "timeseries.csv")
    assert df["date"].iloc[0] == "2014-01" and df["date"].iloc[-1] == "2015-02" and len(df) == 14
    bodies = [f"provinces_body_{b}" for b in ("centre", "industry", "services")]
    counts = ["provinces_with_body", *bodies, "provinces_unified_digital", "provinces_operating_company"]
    assert set(counts) | {"trips_per_service", "online_rate"} <= set(df.columns)
    assert json.loads((out / "china.json").read_text())["months"] == 14
    assert main(["china", "--seeds", "2", "--months", "14", "--out", str(out), "--report", "-q"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "seed 003" in html and "plotly" in html  # observed points carry their sources
    from sim.diffusion.figures import figures, load_run

    figs = figures(load_run(out))
    squares = sum(len(t.x) for t in figs["map"].data if t.xaxis == "x2")
    assert squares == 31  # every province once on the body-type map
    assert set(figs) == {"adoption", "map", "map_by_year", "national"}
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0 and (out / "report.html").is_file()  # `govsim report` knows a china folder


def test_viz_serves_the_national_view_for_a_diffusion_scenario():
    from sim.viz.cli import APP, CHINA_APP, server_command

    assert str(CHINA_APP) in server_command("china", port=8999)[0]
    assert str(APP) in server_command("baseline", port=8999)[0]


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["china", "--set", "diffusion.start=2014-13"], r"diffusion\.start = '2014-13'"),
        (["china", "baseline"], r"\[diffusion\]: missing"),
        (
            [
                "china",
                "--set",
                "diffusion.pilots=[{province='Atlantis', item='body', body='centre', date='2015-01', source='x'}]",
                "--months",
                "1",
            ],
            r"province = 'Atlantis'",
        ),
        (["china", "--seeds", "0"], r"--seeds 0: expected a positive integer"),
    ],
)
def test_bad_china_input_is_one_line_exit_2(tmp_path, capsys, argv, pattern):
    code = main([*argv, "--out", str(tmp_path / "x"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and re.search(pattern, err), err
    assert not (tmp_path / "x" / "china.json").exists()


def test_fit_file_and_distance(tmp_path):
    from sim.diffusion.fit import distance, load_fit
    from sim.diffusion.observed import fit_points, holdout_points

    spec = load_fit(Path(__file__).resolve().parent.parent / "experiments" / "diffusion_fit.toml")
    assert all(k.startswith("diffusion.") for k in spec.priors)
    assert not [p for p in fit_points() if p.date > spec.until]  # the fit never reaches the hold-out
    assert all(p.date > spec.until for p in holdout_points())
    exact = {f"{p.column}@{p.date}": p.value for p in fit_points()}
    assert distance(exact, fit_points()) == 0.0
    more = {**exact, "provinces_with_body@2020-12": 25.0}  # "at least 19": exceeding it costs nothing
    assert distance(more, fit_points()) == 0.0
    assert distance({**exact, "provinces_body_centre@2019-03": 4.0}, fit_points()) == pytest.approx(2.0)
    short = tmp_path / "short.toml"
    text = (Path(__file__).resolve().parent.parent / "experiments" / "diffusion_fit.toml").read_text(encoding="utf-8")
    short.write_text(text.replace('until = "2020-12"', 'until = "2019-01"'), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fit\.until = '2019-01': expected 2020-12 or later"):
        load_fit(short)


@pytest.mark.slow
def test_fit_runs_and_writes_its_files(tmp_path):
    from sim.diffusion.fit import load_fit, run_fit

    spec = load_fit(Path(__file__).resolve().parent.parent / "experiments" / "diffusion_fit.toml")
    result = run_fit(spec, tmp_path, draws=2, quiet=True)
    draws = pd.read_csv(tmp_path / "draws.csv")
    assert len(draws) == 2 and draws["accepted"].sum() == result["accepted"] == 1
    for key, (lo, hi) in spec.priors.items():
        assert draws[key].between(lo, hi).all()
    assert json.loads((tmp_path / "fit.json").read_text())["draws"] == 2


# --------------------------------------------------------------------------- the unified-department question
FULL = 132  # 2014-01 .. 2024-12


def run_stub_full(seed: int, **overrides) -> ChinaModel:
    return ChinaModel("china", rng=seed, months=FULL, province_factory=stub(0.6), **overrides).run()


def test_unify_log_odds_fall_without_a_body_and_rise_with_capacity():
    m = ChinaModel("china", rng=1, months=1, province_factory=stub(0.6))
    c = m.d.choice
    m.body[:] = 0  # nobody has a dedicated body
    none = m.unify_log_odds(0)
    m.body[:] = 3  # everyone has an industry bureau
    some = m.unify_log_odds(0)
    assert np.allclose(some - none, -c.unify_without_body) and c.unify_without_body < 0
    assert np.allclose(some, c.unify + c.unify_capacity * m.capacity)
    m.d = m.d.model_copy(update={"capacity": False})
    assert np.allclose(m.unify_log_odds(0), c.unify)


def test_a_province_s_own_results_move_its_unify_choice_when_learning_is_on():
    """Review M3: the unify-or-keep choice read nothing of the province's own model. With
    `unify_learning` set, a province whose duplicated share fell since it set up its body
    (improvement 0.5) unifies with log-odds higher by 0.5 x the coefficient, one whose share rose
    lower; a province without a body, or with the coefficient 0 (the default), is not moved."""
    m = ChinaModel("china", rng=1, months=1, province_factory=stub(0.6))
    assert m.d.choice.unify_learning == 0.0
    watched = m.d.learning_outcome.unified
    n = m.provinces.n
    m.history[watched] = np.column_stack([np.full(n, 0.4), np.full(n, 0.4), np.full(n, 0.4)])
    m.history[watched][0, 2], m.history[watched][1, 2] = 0.2, 0.6  # better, worse since month 1
    m.adopted[:, ITEMS.index("body")] = -1
    m.adopted[[0, 1], ITEMS.index("body")] = 1
    m.body[:] = 3
    m.body[2] = 0  # no dedicated body: nothing of its own to read
    before = m.unify_log_odds(2)
    m.d = m.d.model_copy(update={"choice": m.d.choice.model_copy(update={"unify_learning": 2.0})})
    moved = m.unify_log_odds(2) - before
    assert np.isclose(moved[0], 2.0 * 0.5) and np.isclose(moved[1], 2.0 * -0.5)
    assert np.allclose(moved[2:], 0.0)


def test_a_body_that_cut_duplication_is_extended_more_often_when_learning_is_on():
    """Paired seeds: in the stub a body cuts its province's duplicated share (effect 0.6), so a
    positive `unify_learning` leaves more provinces unified in 2024 than a negative one, in every
    pair (one-sided sign test over 5 pairs, p = 1/32)."""
    for seed in SEEDS:
        extend = run_stub_full(seed, **{"diffusion.choice.unify_learning": 4.0}).counts()
        keep = run_stub_full(seed, **{"diffusion.choice.unify_learning": -4.0}).counts()
        assert extend["provinces_unified_digital"] > keep["provinces_unified_digital"], (seed, extend, keep)


def test_a_province_may_keep_the_split_and_then_waits_the_cooldown():
    """With unification made unattractive, provinces take the question up (the 2023 round) but
    keep the split; none unifies by hazard, and none takes it up twice within the cooldown."""
    m = run_stub_full(2, **{"diffusion.choice.unify": -50.0})
    kept = [e for e in m.events if e["item"] == "split_kept"]
    assert len({e["province"] for e in kept}) >= 25  # the 2023 round puts the question to almost all
    assert not [e for e in m.events if e["item"] == "unified" and e["why"] == "hazard"]
    assert m.counts()["provinces_unified_digital"] == 0
    by_province: dict[str, list[int]] = {}
    for e in kept:
        by_province.setdefault(e["province"], []).append(e["month"])
    assert all(np.all(np.diff(ms) >= m.d.reorganise_cooldown) for ms in by_province.values()), by_province
    assert min(e["month"] for e in kept) >= m.month_of(m.d.unify_after)


def test_no_body_to_extend_lowers_unification():
    """Paired seeds: a larger cost of building a department from nothing leaves fewer provinces
    unified in 2024, in every pair (one-sided sign test over 5 pairs, p = 1/32). Bodies are made
    rare (only the three pilots' remain), so most provinces face the question without one."""
    rare = {"diffusion.base.body": -50.0}
    for seed in SEEDS:
        cheap = run_stub_full(seed, **rare, **{"diffusion.choice.unify_without_body": 0.0}).counts()
        dear = run_stub_full(seed, **rare, **{"diffusion.choice.unify_without_body": -4.0}).counts()
        assert dear["provinces_unified_digital"] < cheap["provinces_unified_digital"], (seed, cheap, dear)


class _SpendingProvince(StubProvince):
    """A stub that also reports spending, a flow (summed nationally) and a ratio (averaged)."""

    def _measures(self) -> dict[str, float]:
        return super()._measures() | {"total_it_spending": 100.0 * self.level, "spending_per_request": 0.3 * self.level}


def test_national_row_sums_spending_but_averages_spending_per_request():
    """Review 0.2.3: `spending_per_request` (万元 per request) was summed over the 31 provinces
    because its unit starts with 万元 (about 31 times a province's value)."""
    factory = lambda spec, provinces, i, seed, months: _SpendingProvince(spec, provinces, i, seed, months)  # noqa: E731
    m = ChinaModel("china", rng=1, months=2, province_factory=factory).run()
    row = m.rows[-1]
    per_request = np.array([a.gov_model.measures["spending_per_request"] for a in m.province_agents])
    spending = np.array([a.gov_model.measures["total_it_spending"] for a in m.province_agents])
    assert row["total_it_spending"] == pytest.approx(spending.sum())
    assert row["spending_per_request"] == pytest.approx(np.average(per_request, weights=m.weights))
    assert per_request.min() <= row["spending_per_request"] <= per_request.max()


def test_a_relabelled_body_takes_its_new_mandate_in_the_province_model(coupled):
    """Zhejiang's centre (2015-11) becomes an industry body in the 2018 round: the label and
    the province model's bureaus agree."""
    m, _ = coupled
    zj = m.provinces.index("Zhejiang")
    assert m.province_agents[zj].body == "industry"
    bureau = next(r for r in m.province_agents[zj].gov_model.reforms if r.key == "data_bureau")
    assert bureau.active and bureau.p.mandate == "industry"
    assert {b.mandate for b in bureau.bureaus} == {"industry"}
    # the effort split comes with the mandate (not the template's it_attention 1.0)
    assert {b.attention for b in bureau.bureaus} == {m.d.mandate_attention.industry} == {0.7}
    assert bureau.p.it_attention == 0.7


def test_a_services_body_s_province_model_opens_halls_staffed_by_the_effort_its_mandate_leaves():
    """A province that chooses a services body (or whose unified department takes government
    services) gets bureaus at the services attention, whose halls have window capacity."""
    from sim.diffusion.coupling import adopt, build_province_model
    from sim.scenario import GovScenario

    spec = GovScenario.coerce("china").spec
    p = load_provinces()
    model = build_province_model(spec, p, p.index("Ningxia"), 11, 12)
    adopt(model, "body", 0, mandate="services", attention=spec.diffusion.mandate_attention.services)
    model.step()
    bureau = next(r for r in model.reforms if r.key == "data_bureau")
    assert bureau.active and {b.attention for b in bureau.bureaus} == {0.6}
    halls = model.rules.hall
    assert halls.any() and np.allclose(
        model.rules.window_capacity[halls], bureau.p.window_capacity * (1 - 0.6)
    )  # 0 at the template's it_attention 1.0


def test_a_province_without_a_control_figure_is_left_out_of_the_national_mean():
    """Review 0.2.4: one NaN province (no running system, ODD §7.7) made the national row NaN."""

    class Province(StubProvince):
        def __init__(self, spec, provinces, i, seed, months):
            self.i = i
            super().__init__(spec, provinces, i, seed, months)

        def _measures(self) -> dict[str, float]:
            return super()._measures() | {"government_control": float("nan") if self.i == 0 else 0.5}

    factory = lambda spec, provinces, i, seed, months: Province(spec, provinces, i, seed, months)  # noqa: E731
    m = ChinaModel("china", rng=1, months=2, province_factory=factory).run()
    assert m.rows[-1]["government_control"] == pytest.approx(0.5)


def test_the_counts_a_screen_can_read_are_the_national_rows_counts():
    """`schema.COUNTS` (what `govsim sensitivity` accepts as a china run's measure) names exactly
    the counts of the national row, in order."""
    from sim.diffusion.schema import COUNTS

    model = ChinaModel("china", rng=1, months=2, province_factory=stub(0.6))
    model.run()
    assert tuple(model.counts()) == COUNTS
    assert [c for c in model.timeseries().columns if c.startswith("provinces_")] == list(COUNTS)
