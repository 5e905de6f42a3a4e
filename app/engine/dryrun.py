"""Dry run: drive a candidate diagram through every path that generated form data opens.

Each ready user task is completed once per data variant its form can produce for the fields
the diagram's conditions read; the search branches on each variant. A loop is followed at most
`max_visits` times per task, so the search always ends.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from .errors import EngineError, NoPathError

#: a moment after every timer's deadline: the dry run fires what is pending
END_OF_TIME = datetime(9999, 1, 1)


@dataclass(frozen=True)
class DryRunPath:
    steps: tuple  # ((bpmn_id, variant label), ...)
    outcome: str  # 'end' | 'loop' | 'error'
    element_id: str | None = None
    message: str | None = None


@dataclass
class DryRunReport:
    paths: list = field(default_factory=list)
    reached: set = field(default_factory=set)
    unreached: list = field(default_factory=list)
    truncated: bool = False

    @property
    def failures(self):
        return [path for path in self.paths if path.outcome == 'error']

    @property
    def ok(self):
        return not self.failures


def explore(engine, model, variants_for, max_visits=2, max_paths=256, max_steps=3000):
    report = DryRunReport()
    budget = [max_steps]  # completions left; the search stops (truncated) when it runs out
    try:
        first = engine.start(model)
    except EngineError as exc:
        report.paths.append(DryRunPath((), 'error', getattr(exc, 'element_id', None), str(exc)))
        return report
    stack = [(first, (), Counter())]
    while stack:
        if len(report.paths) >= max_paths or budget[0] <= 0:
            report.truncated = True
            break
        result, steps, visits = stack.pop()
        _follow(engine, model, variants_for, max_visits, report, stack, result, steps, visits, budget)
    targets = set(model.user_tasks) | set(model.end_events)
    report.unreached = sorted(targets - report.reached)
    return report


def _follow(engine, model, variants_for, max_visits, report, stack, result, steps, visits, budget):
    if result.completed and result.end_event_id:
        report.reached.add(result.end_event_id)
        report.paths.append(DryRunPath(steps, 'end', result.end_event_id, result.end_event_name))
        return
    if result.completed:
        report.paths.append(DryRunPath(steps, 'error', None, 'Proses berhenti tanpa mencapai end event'))
        return
    if not result.ready_tasks:
        # nothing fires on its own in SIKANDA: an instance without a task for a person is stuck
        stuck = result.waiting[0] if result.waiting else None
        report.paths.append(DryRunPath(steps, 'error', stuck, 'Proses macet: tidak ada tugas yang dapat '
                                                              'dikerjakan (mis. gabungan paralel yang tidak lengkap)'))
        return
    if result.next_timer_at is not None:
        _fire_timers(engine, model, max_visits, report, stack, result, steps, visits)
    ready = result.ready_tasks[0]  # parallel branches are completed in one fixed order
    bpmn_id = ready.info.bpmn_id
    if visits[bpmn_id] >= max_visits:
        report.paths.append(DryRunPath(steps, 'loop', bpmn_id, 'Putaran dibatasi'))
        return
    report.reached.add(bpmn_id)
    for label, data in variants_for(ready.info):
        budget[0] -= 1
        step = (*steps, (bpmn_id, label))
        try:
            following = engine.complete(model, result.state, ready.task_id, data)
        except NoPathError as exc:
            report.paths.append(DryRunPath(step, 'error', exc.element_id or bpmn_id, str(exc)))
            continue
        except EngineError as exc:
            report.paths.append(DryRunPath(step, 'error', bpmn_id, str(exc)))
            continue
        stack.append((following, step, visits + Counter({bpmn_id: 1})))


def _fire_timers(engine, model, max_visits, report, stack, result, steps, visits):
    """Branch: nobody acts in time and the pending timers fire."""
    try:
        following = engine.fire_timers(model, result.state, END_OF_TIME)
    except EngineError as exc:
        report.paths.append(DryRunPath(steps, 'error', getattr(exc, 'element_id', None), str(exc)))
        return
    if not following.fired or any(visits[bpmn_id] >= max_visits for bpmn_id in following.fired):
        return
    report.reached.update(following.fired)
    # a non-interrupting branch may end while the report goes on: count the end events it reached
    visited = engine.trail(model, following.state).visits
    report.reached.update(end for end in model.end_events if visited.get(end))
    step = (*steps, *((bpmn_id, 'timer') for bpmn_id in following.fired))
    stack.append((following, step, visits + Counter(following.fired)))
