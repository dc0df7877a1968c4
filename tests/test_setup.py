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
