"""Set-up shortcuts (issue 15) give what the ordinary paths give."""

import os
import re
from types import SimpleNamespace

import numpy as np
import pytest

from sim import GovModel, government
from sim.agents import Agency, Vendor
from sim.agents.supplier import lock_in_picks
from sim.gov_scenario import GovScenario
from sim.scenario import ScenarioError, load_spec, validate


def test_bulk_agency_views_are_registered_as_mesa_registers_each_agent():
    m = GovModel("baseline", rng=1, **{"government.sizes": [1, 2, 3]})
    views = m.agency_agents
    assert [a.idx for a in views] == list(range(m.structure.n_agencies))
    first = views[0].unique_id
    assert [a.unique_id for a in views] == list(range(first, first + len(views)))  # ids in order, after the vendors
    assert m.agent_id_counter == views[-1].unique_id + 1
    assert list(m.agents_by_type[Agency]) == views and all(a in m.agents for a in views)
    assert views[3].model is m and views[3].pos is None and views[3].open == bool(m.state.open[3])
    views[0].remove()  # Mesa's own deregistration still works on them
    assert views[0] not in m.agents and len(m.agents_by_type[Agency]) == len(views) - 1


def test_an_agent_added_subscriber_sees_every_agency():
    class Watched(GovModel):
        def _init_vendors(self):
            self.seen = []
            self.observe("agents", "agent_added", self._saw)
            super()._init_vendors()

        def _saw(self, signal):
            self.seen.append(signal)

    m = Watched("baseline", rng=1, **{"government.sizes": [1, 2, 3]})
    assert len(m.seen) == len(m.vendors) + len(m.agency_agents)  # each agency made the ordinary way, signalled


def test_a_changed_scenario_file_is_read_again(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 7\n')
    assert load_spec(str(f))[0].simulation.steps == 7
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 9\n')
    os.utime(f, ns=(1, 1))  # a different modification time even on a coarse clock
    assert load_spec(str(f))[0].simulation.steps == 9
    spec = load_spec(str(f))[0]
    assert spec is not load_spec(str(f))[0]  # each load its own copy


def test_a_changed_file_anywhere_in_the_chain_is_read_again(tmp_path):
    """The kept merge of a file depends on its `extends` parent and its `reforms_from` package
    too: editing either (same size, same modification time) is seen on the next load."""
    package = tmp_path / "package.toml"
    parent = tmp_path / "parent.toml"
    child = tmp_path / "child.toml"
    package.write_text('extends = "baseline"\n[reforms.one_window]\nenabled = true\nstart_month = 5\n')
    parent.write_text('extends = "baseline"\n[simulation]\nsteps = 7\n')
    child.write_text('extends = "parent.toml"\nreforms_from = "package.toml"\n')
    spec = load_spec(str(child))[0]
    assert (spec.simulation.steps, spec.reforms.one_window.start_month) == (7, 5)
    stamp = package.stat()
    package.write_text(package.read_text().replace("= 5", "= 8"))
    os.utime(package, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # a clock too coarse to tell
    assert load_spec(str(child))[0].reforms.one_window.start_month == 8
    stamp = parent.stat()
    parent.write_text(parent.read_text().replace("= 7", "= 9"))
    os.utime(parent, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert load_spec(str(child))[0].simulation.steps == 9


def test_a_file_that_an_extends_now_names_instead_is_read(tmp_path, monkeypatch):
    """`extends = "sub/p.toml"` looks beside the file first, then in the working folder: the kept
    merge notices when the reference now names another file, though no file it read changed."""
    (tmp_path / "w" / "sub").mkdir(parents=True)
    (tmp_path / "a" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "w")
    child = tmp_path / "a" / "child.toml"
    child.write_text('extends = "sub/p.toml"\n')
    (tmp_path / "w" / "sub" / "p.toml").write_text('extends = "baseline"\n[simulation]\nsteps = 7\n')
    assert load_spec(str(child))[0].simulation.steps == 7
    (tmp_path / "a" / "sub" / "p.toml").write_text('extends = "baseline"\n[simulation]\nsteps = 9\n')
    assert load_spec(str(child))[0].simulation.steps == 9


# ---------------------------------------------------------------- set-up, session 5 (issue 15)
def test_models_share_a_validated_scenario_and_get_their_own_seed(tmp_path):
    """GovModel validates a scenario once per content and overrides: the spec it gets is what
    the uncached path validates, seed included, and an edited file is read again."""
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 7\n')
    overrides = {"agents.sharing_cost": 0.2, "government.sizes": [1, 2, 3]}
    for seed in (3, 4, 3):
        m = GovModel(str(f), rng=seed, **overrides)
        plain = load_spec(str(f), {**overrides, "simulation.seed": seed})[0]
        assert m.spec.model_dump() == plain.model_dump() and m.spec.simulation.seed == seed
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 9\n')
    os.utime(f, ns=(1, 1))
    assert GovModel(str(f), rng=3, **overrides).spec.simulation.steps == 9


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"agents.vendors": 3.0}, "agents.vendors = 3.0: expected an integer"),  # after 3 was kept
        ({"agents.vendors": True}, "agents.vendors = True: expected an integer"),
        ({"simulation.seed": -1}, "simulation.seed = -1: expected a value >= 0"),
        ({"simulation.seed": 2.0}, "simulation.seed = 2.0: expected an integer"),
    ],
)
def test_kept_scenarios_tell_apart_what_validation_tells_apart(overrides, message):
    GovScenario.coerce("baseline", rng=1, overrides={"agents.vendors": 3})  # 3 is kept
    with pytest.raises(ScenarioError, match=re.escape(message)):
        GovScenario.coerce("baseline", overrides=overrides)


def test_a_spec_given_with_overrides_is_validated_as_before():
    spec = load_spec("baseline")[0]
    for seed in (5, 6):
        got = GovScenario.coerce(spec, rng=seed, steps=12, overrides={"agents.vendors": 4}).spec
        raw = spec.model_dump(mode="python")
        raw["simulation"] |= {"seed": seed, "steps": 12}
        raw["agents"]["vendors"] = 4
        assert got.model_dump() == validate(raw, {}, "x").model_dump()
    with pytest.raises(ScenarioError, match=re.escape("simulation.steps = 0")):
        GovScenario.coerce(spec, rng=5, steps=0)


def test_needs_kernel_draws_what_generator_choice_draws():
    """draw_needs replaces a loop of rng.integers + rng.choice(replace=False): same needs, and the
    generator left in the same state, for counts from none to every other line."""
    for seed in range(60):
        for S, L, lo, hi in [(24, 12, 1, 4), (10, 2, 1, 1), (30, 30, 3, 29), (5, 5, 4, 4), (7, 40, 0, 5)]:
            a, b = np.random.default_rng(seed), np.random.default_rng(seed)
            handler = a.integers(0, L, size=S)
            b.integers(0, L, size=S)
            flat, count = government.draw_needs(b, handler, L, lo, hi)
            ref = [government._needs_of(a, lo, hi, L, h) for h in handler]
            assert count.tolist() == [len(x) for x in ref]
            assert np.array_equal(flat, np.concatenate(ref)) and a.random() == b.random()


def _tree_loops(sizes, rng):
    """The index-order numpy code the compiled tree, wealth and population replaced."""
    n_levels = len(sizes)
    level = np.concatenate([np.full(n, k, dtype=np.int16) for k, n in enumerate(sizes)])
    G = len(level)
    parent = np.full(G, -1, dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(sizes)])
    for k in range(1, n_levels):
        base = np.arange(min(sizes[k - 1], sizes[k]))
        rest = rng.integers(0, sizes[k - 1], size=max(0, sizes[k] - sizes[k - 1]))
        parent[first[k] : first[k + 1]] = np.sort(np.concatenate([base, rest])) + first[k - 1]
    ancestor = np.full((G, n_levels), -1, dtype=np.int64)
    for g in range(G):
        if parent[g] >= 0:
            ancestor[g, : level[g]] = ancestor[parent[g], : level[g]]
        ancestor[g, level[g]] = g
    shock = np.exp(0.5 * rng.standard_normal(G) - 0.5**2 / 2)
    wealth = np.ones(G)
    for g in range(1, G):
        wealth[g] = wealth[parent[g]] * shock[g]
    for k in range(n_levels):
        wealth[level == k] /= wealth[level == k].mean()
    own = 1000.0 * np.exp(0.4 * rng.standard_normal(G) - 0.4**2 / 2)
    has_child = np.zeros(G, dtype=bool)
    has_child[parent[parent >= 0]] = True
    population = np.where(has_child, 0.0, own)
    for g in range(G - 1, 0, -1):
        population[parent[g]] += population[g]
    return (level, parent, ancestor), (wealth, own, population, has_child), rng.random()


@pytest.mark.parametrize("sizes", [[1, 6, 30], [1, 21, 122], [3, 4, 9], [4], [2, 2], [1, 31, 333, 2844], [5, 3, 1]])
def test_tree_wealth_and_population_compiled_equal_the_numpy_loops(sizes):
    gov = SimpleNamespace(wealth_disparity=0.5, requests_per_month=1000.0, population_disparity=0.4)
    for seed in range(5):
        tree, sums, after = _tree_loops(sizes, np.random.default_rng(seed))
        rng = np.random.default_rng(seed)
        got_tree = government._tree(sizes, rng)
        got_sums = government._wealth_and_population(gov, got_tree[0], got_tree[1], len(sizes), rng)
        for got, want in zip((*got_tree, *got_sums), (*tree, *sums), strict=True):
            assert got.dtype == want.dtype and np.array_equal(got, want)
        assert rng.random() == after


@pytest.mark.parametrize(
    ("sizes", "lines", "needs"), [([1, 6, 30], 12, (1, 4)), ([1, 21, 122], 40, (2, 9)), ([2, 3], 3, (0, 5))]
)
def test_government_draws_in_one_call_are_the_draws_made_one_by_one(sizes, lines, needs):
    """`draw_government` against `_tree`, the normals `_wealth_and_population` draws and `_catalogue`, each
    in its turn: the same arrays, and the generator left where they leave it."""
    gov = SimpleNamespace(
        levels=[f"l{k}" for k in range(len(sizes))],
        sizes=sizes,
        service_types=17,
        needs_per_service=needs,
        service_frequency_spread=0.3,
    )
    share = np.linspace(1.0, 2.0, len(sizes)) / np.linspace(1.0, 2.0, len(sizes)).sum()
    for seed in range(5):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        tree = government._tree(sizes, a)
        z = a.standard_normal(2 * len(tree[0]))
        want = (tree, z, government._catalogue(gov, share, len(sizes), lines, a))
        got = government._draws(gov, share, lines, b)
        flat_want, flat_got = (
            [*want[0], want[1], *want[2][:2], *want[2][2], want[2][3]],
            [*got[0], got[1], *got[2][:2], *got[2][2], got[2][3]],
        )
        for g, w in zip(flat_got, flat_want, strict=True):
            assert g.dtype == w.dtype and np.array_equal(g, w)
        assert a.random() == b.random()


def test_lock_in_picks_draw_what_generator_choice_draws():
    for seed in range(100):
        for n, V, e in [(444, 30, 1.0), (5, 3, 2.5), (1000, 7, 0.3), (31, 30, 1.0), (64, 1, 1.0)]:
            a = np.random.default_rng(seed)
            clients, ref = np.zeros(V), np.empty(n, np.int64)
            for chunk in np.array_split(np.arange(n), max(1, n // 32)):
                w = (1.0 + clients) ** e
                ref[chunk] = a.choice(V, size=len(chunk), p=w / w.sum())
                clients += np.bincount(ref[chunk], minlength=V)
            b = np.random.default_rng(seed)
            assert np.array_equal(lock_in_picks(b, n, V, e), ref) and a.random() == b.random()
    with pytest.raises(ValueError, match=r"(?i)probabilities"):  # weights that overflow: rng.choice's refusal
        lock_in_picks(np.random.default_rng(1), 444, 30, 200.0)


def test_vendors_made_in_bulk_are_the_vendors_made_one_by_one():
    class Watched(GovModel):  # a subscriber: every agent is made the ordinary way
        def _init_vendors(self):
            self.observe("agents", "agent_added", self._saw)
            super()._init_vendors()

        def _saw(self, signal):
            pass

    def fields(m):
        return [(v.unique_id, v.market, v.quality, v.claim, v.markup, v.vidx, v.node) for v in m.vendors]

    bulk, single = (cls("baseline", rng=4, **{"government.sizes": [1, 3, 5]}) for cls in (GovModel, Watched))
    assert fields(bulk) == fields(single) and list(bulk.agents_by_type[Vendor]) == bulk.vendors
    assert [list(vars(v)) for v in bulk.vendors] == [list(vars(v)) for v in single.vendors]
    assert np.array_equal(bulk.state.vendor, single.state.vendor)
    for m in (bulk, single):  # the vendor arrays hold the vendors' attributes, in their dtypes
        for name, dtype in [("market", np.int64), ("quality", float), ("claim", float), ("markup", float)]:
            held = getattr(m, f"vendor_{name}")
            assert held.dtype == dtype and held.tolist() == [getattr(v, name) for v in m.vendors]


def test_agency_views_made_when_first_asked_for_are_where_making_them_at_once_puts_them():
    """The views are made on first use, after reforms added bodies, companies and vendors: ids,
    `model.agents`' order and `agent_types`' order are those of views made at set-up."""

    class Eager(GovModel):  # a subscriber: views made at set-up, the ordinary way
        def _init_vendors(self):
            self.observe("agents", "agent_added", self._saw)
            super()._init_vendors()

        def _saw(self, signal):
            pass

    from sim.reforms import REGISTRY

    kw = {"government.sizes": [1, 2, 4]} | {f"reforms.{key}.enabled": True for key in REGISTRY}
    lazy, eager = GovModel("baseline", rng=2, **kw), Eager("baseline", rng=2, **kw)
    lazy.run_for(30)
    eager.run_for(30)
    assert lazy._agency_views.views is None  # not made by the run
    assert [(type(a), a.unique_id) for a in lazy.agents] == [(type(a), a.unique_id) for a in eager.agents]
    assert lazy.agent_types == eager.agent_types and len(lazy.agent_types) > 2
    assert [a.unique_id for a in lazy.agents_by_type[Agency]] == [a.unique_id for a in eager.agency_agents]
    assert lazy.agency_agents is lazy.agency_agents and lazy.agency_agents[5].idx == 5


def _instances_numpy(svc_level, freq, share, gov_level, population, n_levels):
    inst_gov, inst_svc, inst_volume = [], [], []
    for k in range(n_levels):
        kinds = np.flatnonzero(svc_level == k)
        if len(kinds) == 0:
            continue
        govs = np.flatnonzero(gov_level == k)
        w = freq[kinds] / freq[kinds].sum()
        inst_gov.append(np.repeat(govs, len(kinds)))
        inst_svc.append(np.tile(kinds, len(govs)))
        inst_volume.append(np.outer(population[govs] * share[k], w).ravel())
    return np.concatenate(inst_gov), np.concatenate(inst_svc), np.concatenate(inst_volume)


def _links_numpy(needs, inst_svc, inst_handler, inst_volume, L):
    link_inst = np.repeat(np.arange(len(inst_svc)), [len(needs[s]) for s in inst_svc])
    link_key = inst_handler[link_inst] * L + np.concatenate([needs[s] for s in inst_svc])
    dyad_key, link_dyad = np.unique(link_key, return_inverse=True)
    d_weight = np.bincount(link_dyad, weights=inst_volume[link_inst], minlength=len(dyad_key))
    return link_inst, link_dyad, dyad_key, d_weight


@pytest.mark.parametrize(("sizes", "lines", "kinds"), [([1, 6, 30], 12, 24), ([1, 21, 122], 40, 60), ([2, 3], 5, 3)])
def test_service_instances_and_links_compiled_equal_the_numpy_code(sizes, lines, kinds):
    """Instances' volumes (a pairwise total per level) and the dyads' weights (links summed
    in order) as numpy made them, on catalogues from the model's own draws."""
    for seed in range(4):
        rng = np.random.default_rng(seed)
        level = np.repeat(np.arange(len(sizes)), sizes)
        population = rng.uniform(100, 5000, len(level))
        share = np.linspace(1.0, 2.0, len(sizes)) / np.linspace(1.0, 2.0, len(sizes)).sum()
        svc_level = np.sort(rng.integers(0, len(sizes), kinds))
        freq = rng.uniform(0.5, 1.5, kinds)
        handler = rng.integers(0, lines, kinds)
        needs_flat, n_need = government.draw_needs(rng, handler, lines, 1, 4)
        needs = np.split(needs_flat, np.cumsum(n_need)[:-1])
        args = (svc_level, freq, share, level, population, len(sizes))
        got, want = government.service_instances(*args), _instances_numpy(*args)
        assert all(g.dtype == w.dtype and np.array_equal(g, w) for g, w in zip(got, want, strict=True))
        inst_gov, inst_svc, inst_volume = want
        inst_handler = inst_gov * lines + handler[inst_svc]
        link_inst, link_dyad, n_links, dyad_key, d_weight = government.service_links(
            needs_flat, n_need, inst_svc, inst_handler, inst_volume, lines
        )
        assert np.array_equal(n_links, n_need[inst_svc])
        for g, w in zip(
            (link_inst, link_dyad, dyad_key, d_weight),
            _links_numpy(needs, inst_svc, inst_handler, inst_volume, lines),
            strict=True,
        ):
            assert np.array_equal(g, w)


def test_distinct_keys_by_table_are_numpys_unique_and_places():
    """`_distinct_by_table` (`service_links`' dyads) against np.unique and np.searchsorted, dense and sparse."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        n, top = int(rng.integers(1, 500)), int(rng.integers(1, 5000))
        keys = rng.integers(0, top, n)
        distinct, at = government._distinct_by_table(keys, keys.max() + 1)
        want = np.unique(keys)
        assert np.array_equal(distinct, want) and np.array_equal(at, np.searchsorted(want, keys))


# ---------------------------------------------------------------- set-up, session 8 (issue 15)
def _initial_by_numpy(rng, level, wealth, a):
    """The numpy code `draw_initial` replaced (sim/model.py `_init_agencies` until 0.2.5)."""
    from sim.state import MOBILE, MONTH, SKILL_FLOOR

    N, K = len(level), 5
    is_open = rng.random(N) < a.initial_open_share
    rate = np.asarray(a.budget_per_month)[level] * (wealth + a.equalisation_rate * np.maximum(0.0, 1.0 - wealth))
    budget = rate * rng.uniform(0, a.budget_horizon, N)
    has_unit = rng.random(N) < np.asarray(a.inhouse_unit_share)[level]
    staff = np.where(has_unit, np.maximum(1.0, np.round(rng.poisson(np.asarray(a.inhouse_staff)[level]))), 0.0)
    skill = np.where(has_unit, np.clip(rng.normal(a.inhouse_skill, a.skill_spread, N), SKILL_FLOOR, 1), 0.0)
    digital = np.clip(np.asarray(a.digital_skill)[level] + rng.normal(0, a.digital_skill_spread, N), SKILL_FLOOR, 1)
    wants = rng.random(N) < a.initial_coverage * np.minimum(1.0, wealth)
    own = rng.random((N, K)) < np.clip(a.initial_coverage * wealth, 0, 1)[:, None]
    own[:, MOBILE] &= wants
    age = rng.integers(0, a.system_lifetime, size=(N, K))
    built = (-age).astype(MONTH)
    expires = (a.system_lifetime - age + rng.integers(0, a.build_months + 1, size=(N, K))).astype(MONTH)
    built[~own] = 0
    expires[~own] = 0
    return is_open, rate, budget, staff, skill, digital, wants, own, built, expires


@pytest.mark.parametrize("scenario", ["baseline", "guangdong"])
def test_initial_agencies_compiled_draw_what_the_numpy_code_draws(scenario):
    """draw_initial: the same arrays (values and dtypes) and the generator left in the same
    state, for levels with and without IT units, staff means under and over Poisson's switch
    of method (10), and wealth on both sides of 1."""
    from sim.agents.agency import InitialDraws, draw_initial

    spec = load_spec(scenario)[0]
    cases = [(1, {}), (2, {"inhouse_staff": [0.0, 12.0, 30.0], "inhouse_unit_share": [1.0, 0.0, 0.5]})]
    for seed, changes in [*cases, (3, {"inhouse_staff": [9.99, 10.0, 2.5]})]:
        a = spec.agents.model_copy(update=changes)
        gen = np.random.default_rng(seed + 100)
        level = gen.integers(0, 3, 300).astype(np.int16)
        wealth = gen.lognormal(0.0, 0.8, 300)
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        got = draw_initial(r1, level, wealth, InitialDraws.of(a))
        want = _initial_by_numpy(r2, level, wealth, a)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype and np.array_equal(g, w)
        assert r1.bit_generator.state == r2.bit_generator.state
        assert want[7].any() and not want[7].all() and want[3].max() > 10  # the cases were reached


def test_agencies_and_ties_drawn_in_one_call_are_the_draws_made_one_by_one():
    """`draw_agencies_and_ties` against `draw_initial`, then numpy's draws of the rights and the ties in turn
    (`control.initial_terms`, `sharing.initial_ties`): the same arrays, the generator left in the same state."""
    from sim.agents.agency import InitialDraws, draw_agencies_and_ties, draw_initial
    from sim.processes import sharing

    a = load_spec("baseline")[0].agents
    for seed in range(4):
        gen = np.random.default_rng(seed + 100)
        level, wealth = gen.integers(0, 3, 300).astype(np.int16), gen.lognormal(0.0, 0.8, 300)
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        drawn, rights_u, ties = draw_agencies_and_ties(r1, level, wealth, InitialDraws.of(a), 777, 2 * a.trust_initial)
        want = draw_initial(r2, level, wealth, InitialDraws.of(a))
        assert all(g.dtype == w.dtype and np.array_equal(g, w) for g, w in zip(drawn, want, strict=True))
        assert np.array_equal(rights_u, r2.random((300, 5)))
        got_ties, want_ties = sharing.ties_of(a, ties), sharing.initial_ties(r2, a, 777)
        assert all(np.array_equal(g, w) for g, w in zip(got_ties, want_ties, strict=True))
        assert r1.bit_generator.state == r2.bit_generator.state


def test_initial_terms_compiled_are_the_numpy_codes():
    """`control.initial_terms` against the numpy code it replaced: specification, rights (drawn below the
    unit's skill) and contract ends, for agencies with and without IT units and systems."""
    from sim.control import initial_terms, project_terms
    from sim.state import MONTH

    for seed in range(5):
        gen = np.random.default_rng(seed)
        N, K = 200, 5
        st = SimpleNamespace(
            own=gen.random((N, K)) < 0.6,
            staff=np.where(gen.random(N) < 0.5, gen.integers(1, 9, N), 0).astype(float),
            skill=gen.random(N),
            specified=np.full((N, K), 7.0),
            rights=np.zeros((N, K), bool),
            contract_end=np.zeros(N, MONTH),
        )
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        initial_terms(st, 12, r1)
        none = np.zeros(N)
        specified, _ = project_terms(st.staff, st.skill, none, none, 0.0, np.ones(N))
        writer = np.where(st.staff > 0, st.skill, 0.0)
        assert np.array_equal(st.specified, np.where(st.own, specified[:, None], 0.0))
        assert np.array_equal(st.rights, st.own & (r2.random(st.own.shape) < writer[:, None]))
        assert np.array_equal(st.contract_end, np.arange(N) % 12) and st.contract_end.dtype == MONTH
        assert st.rights.any() and (st.own & ~st.rights).any() and r1.random() == r2.random()


def test_an_unchanged_scenario_file_is_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    """The kept merge trusts a file's status (device, inode, size, times) once its times are
    older than RACY_S: not read again while unchanged; an edit moves the status and is read.
    A file written within RACY_S is read again on every load (a write in the same clock tick
    as the reading may leave the status as it was)."""
    import pathlib

    from sim import scenario

    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 7\n')
    reads = []
    real = pathlib.Path.read_bytes
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: reads.append(str(self)) or real(self))
    assert load_spec(str(f))[0].simulation.steps == 7
    reads.clear()
    assert load_spec(str(f))[0].simulation.steps == 7
    assert str(f) in reads  # just written: read again
    clock = scenario.time.time_ns
    monkeypatch.setattr(scenario.time, "time_ns", lambda: clock() + 10**10)  # 10 s later
    load_spec(str(f))
    reads.clear()
    assert load_spec(str(f))[0].simulation.steps == 7 and str(f) not in reads
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 12\n')  # another size
    assert load_spec(str(f))[0].simulation.steps == 12
    stamp = f.stat()
    f.write_text('extends = "baseline"\n[simulation]\nsteps = 13\n')  # same size and times: the change time moved
    os.utime(f, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    if f.stat().st_ctime_ns != stamp.st_ctime_ns:  # else the clock did not tick: the racy case above
        assert load_spec(str(f))[0].simulation.steps == 13


def test_compatible_pairs_compiled_equal_the_numpy_code():
    """substitutes.pairs_compatible: `triu(u, 1) + transpose < chance`, vertical lines with no
    partner, a line with itself True (the numpy code it replaced), for chances 0 to 1."""
    from sim.state import SHAREABLE
    from sim.substitutes import draw, pairs_compatible

    for seed in range(20):
        gen = np.random.default_rng(seed)
        L = int(gen.integers(1, 15))
        vertical = gen.random(L) < 0.3
        chance = np.where(SHAREABLE, gen.choice([0.0, 0.3, 1.0], 5), 0.0)
        u = gen.random((5, L, L))
        t = np.triu(u, 1)
        want = (t + t.transpose(0, 2, 1)) < chance[:, None, None]
        want &= ~vertical[None, :, None] & ~vertical[None, None, :]
        want[:, np.arange(L), np.arange(L)] = True
        assert np.array_equal(pairs_compatible(u, chance, vertical), want)
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        got = draw(r1, tuple(chance), vertical)  # the child stream's uniforms, the same pairs
        assert np.array_equal(got, pairs_compatible(r2.spawn(1)[0].random((5, L, L)), chance, vertical))


def test_initial_quality_compiled_draws_what_the_numpy_code_draws():
    """draw_quality: `where(own, clip(q[:, None] + normal(0, spread, own.shape), 0, 1), 0)`,
    the generator left in the same state, for spreads that reach both clips."""
    from sim.agents.agency import draw_quality

    for seed, spread in [(1, 0.1), (2, 0.0), (3, 2.0)]:
        gen = np.random.default_rng(seed + 50)
        own, q = gen.random((200, 5)) < 0.6, gen.random(200)
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        want = np.where(own, np.clip(q[:, None] + r2.normal(0, spread, own.shape), 0, 1), 0)
        got = draw_quality(r1, own, q, spread)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        assert r1.bit_generator.state == r2.bit_generator.state


def test_setup_cpu_prints_the_set_up_times(capsys):
    from benchmarks.setup_cpu import main as setup_cpu

    setup_cpu(["baseline", "--sizes", "1", "2", "4", "--seeds", "3"])
    out = capsys.readouterr().out
    assert "set-up CPU min" in out and "(3 seeds)" in out


def test_projects_begun_before_month_0_compiled_are_the_numpy_codes():
    """`planning.begun_before` against the boolean-mask assignments it replaced (row by row, months as MONTH)."""
    from sim.processes.planning import begun_before
    from sim.state import MONTH

    gen = np.random.default_rng(2)
    for months in (1, 6, 18):
        building = gen.random((300, 5)) < 0.3
        left = gen.integers(0, months, size=int(building.sum()))
        done, proposed = np.full((300, 5), 7, MONTH), np.full((300, 5), 9, MONTH)
        want_done, want_proposed = done.copy(), proposed.copy()
        want_done[building] = left
        want_proposed[building] = want_done[building] - months
        begun_before(building, left, months, done, proposed)
        assert np.array_equal(done, want_done) and np.array_equal(proposed, want_proposed)
        assert done.dtype == proposed.dtype == MONTH
