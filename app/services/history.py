"""One report's history for auditors: each step with its duration against the time standard, what
changed between passes of a returned step, and the path the instance took through its diagram."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db, workflow_engine
from app.models import HumanTask, TaskSubmission
from app.models.process import TASK_OPEN
from app.services import processes
from app.timeutil import parse_duration, utcnow


@dataclass
class Step:
    task: HumanTask
    number: int                      # the n-th pass through this step
    submission: TaskSubmission | None
    duration: timedelta | None       # from when the standard started to count to completion, or so far
    standard: timedelta | None
    changes: list = field(default_factory=list)  # [(field, old, new)] against the previous pass

    @property
    def waiting(self):
        return self.task.status == TASK_OPEN

    @property
    def within_standard(self):
        return None if self.standard is None or self.duration is None else self.duration <= self.standard


@dataclass
class History:
    steps: list
    visits: dict
    flows: list  # [(from bpmn id, to bpmn id, times)]

    @property
    def waiting_at(self):
        return [step.task.bpmn_id for step in self.steps if step.waiting]


def instance_history(instance):
    tasks = db.session.execute(select(HumanTask).where(HumanTask.instance_id == instance.id)
                               .order_by(HumanTask.id)).scalars().all()
    by_task = {s.human_task_id: s for s in db.session.execute(
        select(TaskSubmission).where(TaskSubmission.instance_id == instance.id)).scalars()}
    steps, passes, last_data = [], {}, {}
    for task in tasks:
        passes[task.bpmn_id] = passes.get(task.bpmn_id, 0) + 1
        submission = by_task.get(task.id)
        end = task.completed_at or (utcnow() if task.status == TASK_OPEN else None)
        step = Step(task=task, number=passes[task.bpmn_id], submission=submission,
                    duration=(end - (task.started_at or task.created_at)) if end else None,
                    standard=parse_duration(task.sla))
        if submission is not None:
            previous = last_data.get(task.bpmn_id)
            if previous is not None:
                step.changes = _changes(previous, submission.data)
            last_data[task.bpmn_id] = submission.data
        steps.append(step)
    trail = workflow_engine.trail(processes.model_for(instance.definition), instance.state)
    return History(steps=steps, visits=trail.visits, flows=trail.steps)


def _changes(old, new):
    return [(name, old.get(name), new.get(name)) for name in sorted(set(old) | set(new))
            if old.get(name) != new.get(name)]
