"""The scheduler's work, one item at a time: fire an instance's due BPMN timers, remind at half time,
mark a task overdue and escalate it. app/tick.py runs each item in its own short transaction.

Every mark is set with a conditional UPDATE (still open, not yet marked), so running the tick twice,
or twice at once, sends nothing twice. `now` is the scheduler's clock; the lease uses the real one.
"""
import os
import socket
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

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


# --- the lease: one tick at a time across every worker and host ------------------------------

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


def renew_lease(holder, seconds=LEASE_SECONDS):
    """Extend the lease while working; False when it was lost (then the work must stop)."""
    return db.session.execute(
        update(SchedulerLease).where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
        .values(expires_at=utcnow() + timedelta(seconds=seconds))).rowcount == 1


def release_lease(holder):
    db.session.execute(update(SchedulerLease).where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
                       .values(holder=None, expires_at=None))


# --- what is due ---------------------------------------------------------------------------

def instances_with_due_timers(now):
    return db.session.execute(select(ProcessInstance.id).where(
        ProcessInstance.status == INSTANCE_RUNNING, ProcessInstance.next_timer_at <= now)
        .order_by(ProcessInstance.next_timer_at).limit(BATCH)).scalars().all()


def tasks_due_for_reminder(now):
    return _open_task_ids(HumanTask.reminded_at, HumanTask.remind_at, now)


def tasks_past_deadline(now):
    return _open_task_ids(HumanTask.overdue_at, HumanTask.due_at, now)


def _open_task_ids(mark, due, now):
    """Open tasks not yet marked whose moment has come, earliest first: one range of an index
    (status, mark, due), however many tasks are open or were marked before."""
    return db.session.execute(select(HumanTask.id).where(HumanTask.status == TASK_OPEN, mark.is_(None), due <= now)
                              .order_by(due).limit(BATCH)).scalars().all()


# --- one item each -----------------------------------------------------------------------------

def fire_timers(instance_id, now):
    """The instance's due timers; returns how many fired."""
    return len(workflow.fire_timers(instance_id, now))


def timer_failed(instance_id, now, error):
    """Record a timer that could not run, and try again in an hour rather than every minute."""
    audit.record('timer.failed', None, instance_id=instance_id, detail={'error': str(error)[:300]})
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                       .values(next_timer_at=now + RETRY_AFTER))


def remind(task_id, now):
    """The half-time reminder of one task; returns the notifications made (None: nothing to do)."""
    task, report = _claim(task_id, HumanTask.reminded_at, now)
    if task is None:
        return None
    if task.due_at is not None and task.due_at <= now:
        return None  # already late: the overdue notice says more, and says it once
    return len(notifications.half_time(task, report))


def mark_overdue(task_id, now):
    """Mark one task overdue, tell its people and escalate; returns the notifications made."""
    task, report = _claim(task_id, HumanTask.overdue_at, now)
    if task is None:
        return None
    supervisor = SUPERVISOR_OF.get(role_for_lane(task.lane))
    audit.record('task.overdue', None, role=task.lane, instance_id=task.instance_id, human_task_id=task.id,
                 detail={'task': task.bpmn_id, 'task_name': task.name,
                         'due_at': task.due_at.isoformat(timespec='seconds'),
                         'escalated_to': lane_for_role(supervisor) if supervisor else None})
    return len(notifications.overdue(task, report))


def _claim(task_id, column, now):
    """Set a once-only mark on a task that is still open; (task, report), or (None, None) when the
    task was completed meanwhile or another tick set the mark first."""
    claimed = db.session.execute(update(HumanTask).where(
        HumanTask.id == task_id, HumanTask.status == TASK_OPEN, column.is_(None))
        .values({column.key: now})).rowcount
    if not claimed:
        return None, None
    # the notices need the report's number and title, not its workflow state or diagram
    return db.session.execute(select(HumanTask, Report).join(Report, Report.instance_id == HumanTask.instance_id)
                              .options(lazyload(Report.instance)).where(HumanTask.id == task_id)).one()
