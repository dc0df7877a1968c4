"""Mesa's run loop, with the model's own monthly steps taken directly.

Mesa 3.5 runs every `model.step()` and `run_for` through its event list: a month pops the
default schedule's event, runs it through two weak references and an event generator,
formats a log line and makes the next event (about 20 µs a month inside a baseline run, 5%
of the month). While that event is the only one in the list and the schedule is plain (a
fixed interval, no count or end, active and not paused), `DirectSteps` does the same work
without the machinery: it takes the event off the list, sets `model.time` to its time
(through Mesa's `Observable`, as Mesa does), counts the step (`model.steps`, the generator's
execution count), logs it if Mesa's logger would, runs the model's step and puts the next
event in the list (a fresh `Event` with the next id, as Mesa's generator makes). Anything
else — a user's event in the list (it then runs in Mesa's order), a paused, stopped or
counted schedule, a DEVS simulator's — goes through Mesa's own loop, event by event. It reads
Mesa's private attributes, so it runs only on the Mesa release it was checked against
(`CHECKED_MESA`, held by tests/test_stepping.py); any other release gets Mesa's loop whole.
"""

from __future__ import annotations

import logging

import mesa
from mesa import Model
from mesa.model import _mesa_logger
from mesa.time.events import Event, EventGenerator

CHECKED_MESA = ("3.5.1",)  # the releases whose event list and schedule this loop mirrors
DIRECT = mesa.__version__ in CHECKED_MESA  # else Mesa's own loop, unchanged
_RESCHEDULE = EventGenerator._execute_and_reschedule  # what the default schedule's events run
_DO_STEP = Model._do_step  # what it runs: count the step, log it, call the model's step


class DirectSteps:
    """Mixin for the model (before mesa.Model): `_advance_time` taking plain steps directly."""

    _plain_refs: _Refs  # the weak references last found to call Mesa's own step (`_plain`)

    def _advance_time(self, until: float) -> None:
        """Mesa's `Model._advance_time`: every event due by `until` in order, then time = `until`."""
        if until <= self.time or not DIRECT:
            super()._advance_time(until)  # Mesa's warning, or an unchecked Mesa
            return
        event_list = self._event_list
        while True:
            if self._step_directly(until):
                continue
            events = event_list._events
            if len(events) == 1 and not events[0]._canceled and events[0].time > until:
                break  # Mesa would pop the next step and push it back: the list stays as it is
            try:
                event = event_list.pop_event()
            except IndexError:
                break
            if event.time <= until:
                self.time = event.time
                event.execute()
            else:
                event_list.add_event(event)
                break
        self.time = until

    def _step_directly(self, until: float) -> bool:
        """Take the next step without Mesa's machinery if it is the only event due and a plain one."""
        events = self._event_list._events
        if len(events) != 1:
            return False
        event, schedule = events[0], self._default_schedule
        if event is not schedule._current_event or event._canceled or event.time > until:
            return False
        rule = schedule.schedule
        if not schedule._active or schedule._paused or rule.count is not None or rule.end is not None:
            return False
        if callable(rule.interval) or event.function_args or event.function_kwargs:
            return False
        seen = self.__dict__.get("_plain_refs")
        if (seen is None or (event.fn, schedule.function) != seen.refs) and not self._plain(event, schedule):
            return False
        events.pop()  # Mesa pops the event before running it
        fields = dict(event.__dict__)  # before the step: a step may cancel it (stopping the schedule)
        self.time = event.time
        self.steps += 1  # Model._do_step
        if _mesa_logger.isEnabledFor(logging.INFO):
            _mesa_logger.info(f"Step {self.steps} at time {self.time}")
        self._user_step()
        schedule._execution_count += 1  # EventGenerator._execute_and_reschedule
        schedule._current_event = nxt = _next_event(fields, self.time + rule.interval)
        self._event_list.add_event(nxt)
        return True

    def _plain(self, event: Event, schedule: EventGenerator) -> bool:
        """The event runs the schedule's `_execute_and_reschedule` and that runs Mesa's `_do_step`
        of this model; if so the references are kept, and while the same they are not called again
        (their targets, this model and its schedule, live as long as the model)."""
        runs, step = event.fn(), schedule.function()
        if getattr(runs, "__func__", None) is not _RESCHEDULE or runs.__self__ is not schedule:
            return False
        if getattr(step, "__func__", None) is not _DO_STEP or step.__self__ is not self:
            return False
        self._plain_refs = _Refs((event.fn, schedule.function))
        return True


class _Refs:
    """Weak references kept by `DirectSteps._plain`: a copied or pickled model starts without them (a weak
    reference neither copies nor pickles; the copy checks its own again)."""

    __slots__ = ("refs",)

    def __init__(self, refs: tuple) -> None:
        self.refs = refs

    def __deepcopy__(self, memo: dict) -> _Refs:
        return _Refs((None, None))

    def __reduce__(self) -> tuple:
        return _Refs, ((None, None),)


def _next_event(fields: dict, time: float) -> Event:
    """The generator's next event (`EventGenerator._schedule_next`): the callback and priority of
    the event whose `fields` are given, at `time`, with the next event id, not cancelled."""
    nxt = object.__new__(Event)
    nxt.__dict__.update(fields)
    nxt.time, nxt.unique_id, nxt._canceled, nxt.function_args, nxt.function_kwargs = (
        time,
        next(Event._ids),
        False,
        [],
        {},
    )
    return nxt
