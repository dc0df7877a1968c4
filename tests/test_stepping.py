"""The direct run loop (`sim.stepping.DirectSteps`) keeps Mesa's observable semantics: each
case runs the same model under Mesa's own `Model._advance_time` and under the mixin and
compares what a user can see (steps, time, the order of every event, the schedule's state)."""

import logging

import mesa
import pytest
from mesa.time import Priority, Schedule

from sim import GovModel
from sim.stepping import DirectSteps


class Mesas(mesa.Model):
    """A model recording what each step and each user event saw."""

    def __init__(self, **kwargs):
        super().__init__(rng=1, **kwargs)
        self.seen = []
        self.in_step = None

    def step(self):
        self.seen.append(("step", self.steps, self.time))
        if self.in_step:
            self.in_step(self)

    def note(self, label):
        def noted():
            self.seen.append((label, self.steps, self.time))

        return noted


class Direct(DirectSteps, Mesas):
    pass


def _state(m):
    gen = m._default_schedule
    nxt = gen._current_event
    events = sorted((e.time, e.priority) for e in m._event_list._events if not e.CANCELED)
    return (
        m.seen,
        m.steps,
        m.time,
        gen._execution_count,
        gen._active,
        None if nxt is None else (nxt.time, nxt.priority, nxt.CANCELED),
        events,
    )


def _both(drive):
    """`drive(model)` on Mesa's loop and on the direct one: the states seen."""
    out = []
    for cls in (Mesas, Direct):
        m = cls()
        keep = drive(m)  # the callbacks are weakly referenced: keep them alive
        out.append(_state(m))
        del keep
    return out


def test_plain_steps_and_run_for_match_mesa():
    def drive(m):
        m.run_for(5)
        m.step()
        m.run_for(2.5)
        m.run_until(10)
        m.step()

    mesa_, direct = _both(drive)
    assert mesa_ == direct
    assert direct[1] == 11 and direct[2] == 11.0


def test_user_events_fire_in_mesa_order():
    def drive(m):
        fns = [m.note("at 2.5"), m.note("at 3 high"), m.note("at 3 default"), m.note("after 4")]
        m.schedule_event(fns[0], at=2.5)
        m.schedule_event(fns[1], at=3, priority=Priority.HIGH)
        m.schedule_event(fns[2], at=3)
        m.run_for(2)
        m.schedule_event(fns[3], after=4)
        m.run_for(6)
        return fns

    mesa_, direct = _both(drive)
    assert mesa_ == direct
    labels = [s[0] for s in direct[0]]
    assert labels[:5] == ["step", "step", "at 2.5", "at 3 high", "step"]  # HIGH too, made before the step's event


def test_events_scheduled_from_a_step_and_a_recurring_one_match_mesa():
    def drive(m):
        fns = []

        def in_step(model):
            if model.steps == 2:
                fns.append(model.note("from step"))
                model.schedule_event(fns[-1], at=model.time + 1, priority=Priority.HIGH)

        m.in_step = in_step
        fns.append(m.note("every 2.5"))
        m.schedule_recurring(fns[-1], Schedule(interval=2.5, start=0.5))
        m.run_for(8)
        return fns

    mesa_, direct = _both(drive)
    assert mesa_ == direct
    assert ("from step", 2, 3.0) in direct[0]


def test_stopped_paused_and_counted_schedules_match_mesa():
    def stop(m):
        m.run_for(2)
        m._default_schedule.stop()
        m.run_for(3)

    def pause(m):
        m.run_for(2)
        m._default_schedule.pause()
        m.run_for(2)
        m._default_schedule.resume()
        m.run_for(2)

    def stop_inside(m):
        m.in_step = lambda model: model._default_schedule.stop() if model.steps == 3 else None
        m.run_for(6)

    for drive in (stop, pause, stop_inside):
        mesa_, direct = _both(drive)
        assert mesa_ == direct, drive.__name__


def test_going_back_in_time_warns_as_mesa_does():
    m = Direct()
    m.run_for(3)
    with pytest.warns(RuntimeWarning):
        m.run_until(2)
    assert m.time == 3.0 and m.steps == 3


def test_step_log_lines_match_mesa(caplog):
    lines = []
    for cls in (Mesas, Direct):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="MESA"):
            cls().run_for(3)
        lines.append([r.getMessage() for r in caplog.records if r.getMessage().startswith("Step")])
    assert lines[0] == lines[1] == ["Step 1 at time 1.0", "Step 2 at time 2.0", "Step 3 at time 3.0"]


def test_govmodel_runs_the_same_under_mesa_loop():
    """A short run: the same measures row by row, steps, time and `running` as Mesa's loop."""

    class MesaLoop(GovModel):
        _advance_time = mesa.Model._advance_time

    runs = []
    for cls in (GovModel, MesaLoop):
        m = cls("baseline", rng=3, steps=4, **{"government.sizes": [1, 2, 3]})
        m.run_for(2)
        while m.running:
            m.step()
        runs.append((m.steps, m.time, m.running, m.datacollector.get_model_vars_dataframe()))
    assert runs[0][:3] == runs[1][:3] == (4, 4.0, False)
    assert runs[0][3].equals(runs[1][3])


def test_a_copied_or_pickled_model_steps_as_the_original():
    import copy
    import pickle

    m = Direct()
    m.run_for(2)
    twin, thawed = copy.deepcopy(m), pickle.loads(pickle.dumps(m))
    for x in (m, twin, thawed):
        x.run_for(2)
    assert _state(m) == _state(twin) == _state(thawed)
    assert m.steps == 4 and twin._plain_refs.refs[0] is twin._default_schedule._current_event.fn


def test_an_unchecked_mesa_release_gets_mesas_own_loop(monkeypatch):
    """On a Mesa release the mixin was not checked against it never takes a step itself."""
    import sim.stepping as stepping

    monkeypatch.setattr(stepping, "DIRECT", False)
    m = Direct()
    monkeypatch.setattr(m, "_step_directly", lambda until: pytest.fail("stepped directly"))
    m.run_for(3)
    assert m.steps == 3 and m.time == 3.0


def test_the_checked_mesa_release_steps_directly():
    """On the installed (checked) release plain steps skip Mesa's machinery: a regression that
    silently falls back to Mesa's loop would keep results and lose the speed."""
    import sim.stepping as stepping

    if mesa.__version__ not in stepping.CHECKED_MESA:
        pytest.skip(f"Mesa {mesa.__version__} is not a checked release: the direct loop is off")
    assert stepping.DIRECT
    m = Direct()
    taken = []
    real = m._step_directly
    m._step_directly = lambda until: taken.append(real(until)) or taken[-1]
    m.run_for(3)
    assert taken.count(True) == 3 and m.steps == 3
