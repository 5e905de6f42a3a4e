"""The scheduler's tick: fire due BPMN timers, remind at half time, mark and escalate overdue tasks.

A tick runs under a lease row (one tick at a time across every worker and host) and each task's
reminder and overdue mark is set with a conditional UPDATE, so running the tick twice, or twice at
once, sends nothing twice. `now` is the scheduler's clock; the lease always uses the real one.
"""
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from app.engine import EngineError
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Report, SchedulerLease
from app.models.process import INSTANCE_RUNNING, TASK_OPEN
from app.roles import SUPERVISOR_OF, lane_for_role, role_for_lane
from app.services import audit, notifications, workflow
from app.timeutil import utcnow

LEASE = 'tick'
LEASE_SECONDS = 300
BATCH = 500
RETRY_AFTER = timedelta(hours=1)


@dataclass
class TickResult:
    timers_fired: int = 0
    timer_errors: int = 0
    reminded: int = 0
    overdue: int = 0
    notifications: int = 0


def lease_holder():
    return f'{socket.gethostname()}:{os.getpid()}'


def acquire_lease(holder, seconds=LEASE_SECONDS):
    """Take the lease unless another live tick holds it (an expired lease is taken over)."""
    now = utcnow()
    if db.session.get(SchedulerLease, LEASE) is None:
        db.session.add(SchedulerLease(name=LEASE))
        db.session.flush()
    taken = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE,
               (SchedulerLease.holder.is_(None)) | (SchedulerLease.expires_at < now))
        .values(holder=holder, acquired_at=now, expires_at=now + timedelta(seconds=seconds))).rowcount
    return taken == 1


def release_lease(holder):
    db.session.execute(update(SchedulerLease).where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
                       .values(holder=None, expires_at=None))


def run(now):
    """One tick's work at `now` (naive UTC), in the caller's transaction."""
    result = TickResult()
    _fire_due_timers(now, result)
    _remind_at_half_time(now, result)
    _mark_overdue(now, result)
    return result


def _fire_due_timers(now, result):
    due = db.session.execute(select(ProcessInstance.id).where(
        ProcessInstance.status == INSTANCE_RUNNING, ProcessInstance.next_timer_at <= now)
        .order_by(ProcessInstance.next_timer_at).limit(BATCH)).scalars().all()
    for instance_id in due:
        try:
            with db.session.begin_nested():  # one broken instance does not hold up the others
                result.timers_fired += len(workflow.fire_timers(instance_id, now))
        except EngineError as exc:
            result.timer_errors += 1
            audit.record('timer.failed', None, instance_id=instance_id, detail={'error': str(exc)[:300]})
            # try again in an hour rather than every minute
            db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                               .values(next_timer_at=now + RETRY_AFTER))


def _claim(task_id, column, now):
    """Set a once-only mark; False when another tick already set it."""
    return db.session.execute(update(HumanTask).where(HumanTask.id == task_id, column.is_(None))
                              .values({column.key: now})).rowcount == 1


def _open_tasks_where(*conditions):
    return db.session.execute(
        select(HumanTask, Report).join(Report, Report.instance_id == HumanTask.instance_id)
        .where(HumanTask.status == TASK_OPEN, *conditions).order_by(HumanTask.id).limit(BATCH)).all()


def _remind_at_half_time(now, result):
    for task, report in _open_tasks_where(HumanTask.remind_at <= now, HumanTask.reminded_at.is_(None)):
        if not _claim(task.id, HumanTask.reminded_at, now):
            continue
        if task.due_at is not None and task.due_at <= now:
            continue  # already late: the overdue notice says more, and says it once
        result.reminded += 1
        result.notifications += len(notifications.half_time(task, report))


def _mark_overdue(now, result):
    for task, report in _open_tasks_where(HumanTask.due_at <= now, HumanTask.overdue_at.is_(None)):
        if not _claim(task.id, HumanTask.overdue_at, now):
            continue
        result.overdue += 1
        result.notifications += len(notifications.overdue(task, report))
        supervisor = SUPERVISOR_OF.get(role_for_lane(task.lane))
        audit.record('task.overdue', None, role=task.lane, instance_id=task.instance_id, human_task_id=task.id,
                     detail={'task': task.bpmn_id, 'task_name': task.name,
                             'due_at': task.due_at.isoformat(timespec='seconds'),
                             'escalated_to': lane_for_role(supervisor) if supervisor else None})
