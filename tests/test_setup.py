"""Set-up shortcuts (issue 15) give what the ordinary paths give."""

import os

from sim import GovModel
from sim.agents import Agency
from sim.scenario import load_spec


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
