"""`flask tick`: the scheduler's work in short transactions under the lease.

Each item (an instance's timers, a reminder, an overdue mark, an e-mail, a missing document, the hourly sweep of
stored files no row references) is its own unit of work:
locks are held for one item only and taken in the same order as a person completing a task
(instance, task, audit chain), a failing item is rolled back alone and retried on the next tick,
and a sent e-mail is marked sent at once, so a crash never sends it again.
"""
import logging
import smtplib
from dataclasses import dataclass, field

from app.engine import EngineError
from app.extensions import file_store, mailer
from app.services import documents, files, notifications, scheduler
from app.uow import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    acquired: bool = True
    timers_fired: int = 0
    timer_errors: int = 0
    reminded: int = 0
    overdue: int = 0
    notifications: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    documents: int = 0
    files_removed: int = 0
    problems: list = field(default_factory=list)


class LeaseLost(Exception):
    """Another tick took the lease over (this one ran past it): stop before doing work twice."""


# errors that end the tick's run (or its e-mail batch) rather than one item
STOP = (LeaseLost, smtplib.SMTPServerDisconnected, ConnectionError)


def run_tick(now, holder=None):
    holder = holder or scheduler.lease_holder()
    with unit_of_work():
        if not scheduler.acquire_lease(holder):
            return TickReport(acquired=False)
    report = TickReport()
    try:
        _fire_timers(now, holder, report)
        _work_off_tasks(now, holder, report, scheduler.tasks_due_for_reminder, scheduler.remind, 'reminded')
        _work_off_tasks(now, holder, report, scheduler.tasks_past_deadline, scheduler.mark_overdue, 'overdue')
        _deliver_emails(holder, report)
        _produce_missing_documents(holder, report)
        _sweep_files(holder, report)
    except LeaseLost:
        report.problems.append('lease diambil alih tick lain; sisa pekerjaan dilanjutkan tick berikutnya')
    finally:
        with unit_of_work():
            scheduler.release_lease(holder)
    return report


def _item(holder, report, action, *args):
    """Run one item in its own transaction, extending the lease; None when it failed (retried later)."""
    try:
        with unit_of_work():
            if not scheduler.renew_lease(holder):
                raise LeaseLost()
            return action(*args)
    except STOP:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad item must not stop the others; logged and retried
        log.exception('tick: %s%r gagal', action.__name__, args)
        report.problems.append(f'{action.__name__}{args}: {exc}')
        return None


def _fire_timers(now, holder, report):
    with unit_of_work():
        due = scheduler.instances_with_due_timers(now)
    for instance_id in due:
        try:
            with unit_of_work():
                fired = scheduler.fire_timers(instance_id, now)
        except EngineError as exc:
            report.timer_errors += 1
            _item(holder, report, scheduler.timer_failed, instance_id, now, exc)
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. the instance changed meanwhile: next tick
            report.problems.append(f'timer laporan {instance_id}: {exc}')
            continue
        report.timers_fired += fired


def _work_off_tasks(now, holder, report, find_due, action, counter):
    """Apply `action` to each task `find_due` lists; `counter` names the report field it adds to."""
    with unit_of_work():
        due = find_due(now)
    for task_id in due:
        made = _item(holder, report, action, task_id, now)
        if made is not None:
            setattr(report, counter, getattr(report, counter) + 1)
            report.notifications += made


def _produce_missing_documents(holder, report):
    """Documents whose rendering failed after their step (the step itself stands): tried again here, one
    per transaction; each failure is recorded, so a broken one waits and is given up after a few tries."""
    with unit_of_work():
        missing = {instance_id: documents.due_kinds(instance_id)
                   for instance_id in documents.instances_missing_outputs()}
    for instance_id, kinds in missing.items():
        for kind in kinds:
            try:
                with unit_of_work():
                    if not scheduler.renew_lease(holder):
                        raise LeaseLost()
                    made = documents.make_missing(instance_id, kind, None)
            except STOP:
                raise
            except Exception as exc:  # noqa: BLE001 - recorded; the next tick decides whether to retry
                log.exception('tick: dokumen %s laporan %s gagal', kind, instance_id)
                report.problems.append(f'dokumen {kind} laporan {instance_id}: {exc}')
                _item(holder, report, documents.record_failure, instance_id, kind, exc)
                continue
            report.documents += made is not None


def _sweep_files(holder, report):
    """Files left by a process killed before its transaction committed: at most once an hour, as one item
    (an idle tick reads one settings row)."""
    with unit_of_work():
        if not files.sweep_due():
            return
    swept = _item(holder, report, files.sweep)
    if swept is None:
        return
    report.files_removed += len(swept.removed)
    if swept.refused:
        report.problems.append(f'berkas yatim tidak dihapus: {swept.refused}')
    if swept.missing:
        report.problems.append(f'{len(swept.missing)} berkas yang dirujuk basis data tidak ada di {file_store.root}')


def _deliver_emails(holder, report):
    if not mailer.enabled:
        return
    with unit_of_work():
        pending = notifications.pending_email_ids()
    if not pending:
        return
    try:
        with mailer.connect() as smtp:
            for notification_id in pending:
                outcome = _item(holder, report, notifications.deliver, smtp, notification_id)
                report.emails_sent += outcome is True
                report.emails_failed += outcome is False
    except (OSError, smtplib.SMTPException) as exc:
        # the server is unreachable or dropped us: what was not sent stays pending for the next tick
        report.problems.append(f'server e-mail tidak dapat dihubungi: {exc}')
