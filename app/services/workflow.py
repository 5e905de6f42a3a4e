"""Start instances, claim / release / complete tasks. Every change is audited."""
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, undefer

from app.engine import NoPathError, TaskNotReadyError
from app.extensions import db, workflow_engine
from app.models import HumanTask, ProcessInstance, Report, TaskSubmission
from app.models.process import INSTANCE_DONE, TASK_CANCELLED, TASK_DONE, TASK_OPEN
from app.roles import AGEN, REPORTER_LANE, lane_label, role_for_lane
from app.services import attachments, audit, documents, follow_ups, notifications, queries, reports
from app.services.errors import ConflictError, NotFoundError, PermissionDenied, ValidationFailed
from app.services.processes import deployed_definition, model_for
from app.timeutil import format_wita, parse_duration, to_wita, utcnow

DECISION_FIELDS = ('keputusan', 'tindak_lanjut', 'bentuk_penanganan')


@dataclass
class Submission:
    """What a person submits for one task: form data plus uploaded photos."""
    data: dict
    photos: list = field(default_factory=list)
    photo_caption: str | None = None
    max_photo_bytes: int = 8 * 1024 * 1024
    max_photos: int = 6


def start_report(user, process_id='sikanda'):
    """A field agent opens a new report: the instance and its first task, assigned to them."""
    if not user.has_role(AGEN):
        raise PermissionDenied('Hanya Agen Lapangan yang dapat membuat laporan')
    definition = deployed_definition(process_id)
    model = model_for(definition)
    result = workflow_engine.start(model)
    now = utcnow()
    instance = ProcessInstance(definition_id=definition.id, state=result.state, started_by_id=user.id,
                               created_at=now, updated_at=now, next_timer_at=result.next_timer_at)
    db.session.add(instance)
    db.session.flush()
    db.session.add(Report(instance_id=instance.id, nomor=f'SKD/{to_wita(now).year}/{instance.id:06d}',
                          reporter_id=user.id, created_at=now, updated_at=now))
    _sync_tasks(instance, result.ready_tasks, now)
    audit.record('instance.started', user, role=REPORTER_LANE, instance_id=instance.id,
                 detail={'process_id': process_id, 'version': definition.version})
    return instance


def file_report(user, submission):
    """Start a report and submit its first step in one go (the web form's single request)."""
    instance = start_report(user)
    [first] = queries.open_tasks(instance.id)
    return complete_task(first.id, user, submission)


def claim_task(task_id, user):
    task, instance = _load_for_action(task_id, user)
    if task.claimed_by_id == user.id:
        return task
    now = utcnow()
    claimed = db.session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == TASK_OPEN,
                                HumanTask.claimed_by_id.is_(None))
        .values(claimed_by_id=user.id, claimed_at=now)).rowcount
    if not claimed:
        db.session.refresh(task)
        raise ConflictError(unavailable_message(task))
    db.session.refresh(task)
    _task_event('task.claimed', user, task)
    return task


def release_task(task_id, user):
    """The claimant releases a task; a colleague in the lane may release it only when the claimant
    can no longer work on it (account disabled or role withdrawn), so no task stays stuck."""
    task, instance = _load_for_action(task_id, user)
    claimant = task.claimed_by
    if claimant is None:
        raise ConflictError('Tugas ini tidak sedang diklaim')
    if claimant.id != user.id and _can_still_work(task, claimant):
        raise ConflictError(unavailable_message(task))
    task.claimed_by_id = None
    task.claimed_at = None
    _task_event('task.released', user, task, claimed_by=claimant.username)
    db.session.flush()
    return task


def complete_task(task_id, user, submission):
    """Complete one task with validated form data; returns the instance."""
    task, instance = _load_for_action(task_id, user, lock=True)
    if task.claimed_by_id not in (None, user.id):
        raise ConflictError(unavailable_message(task))
    checked = attachments.check_photos(submission.photos, submission.max_photo_bytes, submission.max_photos)
    documents.check_required(task)
    model = model_for(instance.definition)
    try:
        result = workflow_engine.complete(model, instance.state, task.task_uuid, submission.data)
    except TaskNotReadyError:
        raise ConflictError('Tugas ini sudah tidak aktif; muat ulang halaman') from None
    except NoPathError:
        raise ValidationFailed('Keputusan tidak dapat diproses',
                               {'keputusan': ['Tidak ada alur proses untuk pilihan ini']}) from None
    now = utcnow()
    task.status, task.completed_by_id, task.completed_at = TASK_DONE, user.id, now
    if task.claimed_by_id is None:
        task.claimed_by_id, task.claimed_at = user.id, now
    record = TaskSubmission(instance_id=instance.id, human_task_id=task.id, bpmn_id=task.bpmn_id,
                            task_name=task.name, form_key=task.form_key, user_id=user.id, role=task.lane,
                            data=submission.data, created_at=now)
    db.session.add(record)
    db.session.flush()
    follow_ups.record_from(record)
    photos = attachments.store_photos(submission.photos, checked, instance.id, record.id, user,
                                      submission.photo_caption)
    report = queries.report_by_instance(instance.id)
    if report.submitted_at is None:
        _start_clock_when_learned(task, submission.data)
    opened = _apply_result(instance, result, now)
    reports.apply_step(report, task, submission.data, result, opened, now)
    _audit_completion(user, task, instance, submission.data, list(zip(photos, checked, strict=True)), result)
    _announce(opened, report)
    db.session.flush()
    return instance


def fire_timers(instance_id, now):
    """Fire the instance's BPMN timers due at `now` (the scheduler's clock); returns the fired ids."""
    instance = db.session.execute(
        select(ProcessInstance).options(undefer(ProcessInstance.state)).where(ProcessInstance.id == instance_id)
        .with_for_update(of=ProcessInstance)
        .execution_options(populate_existing=True)).scalar_one()
    if instance.status == INSTANCE_DONE:
        instance.next_timer_at = None
        return ()
    result = workflow_engine.fire_timers(model_for(instance.definition), instance.state, now)
    if not result.fired:
        instance.next_timer_at = result.next_timer_at
        return ()
    report = queries.report_by_instance(instance.id)
    moved_at = utcnow()
    opened = _apply_result(instance, result, moved_at)
    reports.apply_progress(report, result, opened, moved_at)
    audit.record('timer.fired', None, instance_id=instance.id,
                 detail={'timers': list(result.fired), 'scheduled_for': now.isoformat(timespec='seconds')})
    if result.completed:
        audit.record('instance.completed', None, instance_id=instance.id,
                     detail={'end_event': result.end_event_id, 'result': result.end_event_name})
    _announce(opened, report)
    db.session.flush()
    return result.fired


def _apply_result(instance, result, now):
    """Store the engine's new state on the instance and its inbox rows; returns the new rows."""
    instance.state, instance.updated_at, instance.next_timer_at = result.state, now, result.next_timer_at
    if result.completed:
        instance.status, instance.completed_at = INSTANCE_DONE, now
        instance.end_event_id, instance.end_event_name = result.end_event_id, result.end_event_name
    return _sync_tasks(instance, result.ready_tasks, now)


def _announce(opened, report):
    for row in opened:
        notifications.task_opened(row, report)


def _start_clock_when_learned(task, data):
    """The first report's time standard counts from when the agent learned of the event."""
    learned = reports.parse_local_time(data.get('waktu_diketahui'))
    if learned is None or learned >= task.started_at:
        return
    _set_deadline(task, learned)


def _set_deadline(task, started_at):
    """The time standard counts from `started_at`; the reminder falls at half of it."""
    sla = parse_duration(task.sla)
    task.started_at = started_at
    task.due_at = started_at + sla if sla else None
    task.remind_at = started_at + sla / 2 if sla else None


def _task_event(action, user, task, **detail):
    """An audit event about one task, in that task's lane."""
    audit.record(action, user, role=task.lane, instance_id=task.instance_id, human_task_id=task.id,
                 detail={'task': task.bpmn_id, 'task_name': task.name, **detail})


def _audit_completion(user, task, instance, data, photos, result):
    """`photos`: (stored row, checked upload) pairs; the uploaded file's own hash is kept as evidence too."""
    _task_event('task.completed', user, task, data=data, attachments=[row.id for row, _ in photos])
    for row, checked in photos:
        _task_event('attachment.uploaded', user, task, attachment_id=row.id, sha256=row.sha256,
                    original_sha256=checked.original_sha256, taken_at=row.taken_at and row.taken_at.isoformat(),
                    gps=[row.gps_lat, row.gps_lon] if row.gps_lat is not None else None)
    decision = {k: data[k] for k in DECISION_FIELDS if data.get(k)}
    if decision:
        _task_event('decision.taken', user, task, **decision)
    if result.completed:
        audit.record('instance.completed', user, role=task.lane, instance_id=instance.id,
                     detail={'end_event': result.end_event_id, 'result': result.end_event_name})


def check_can_act(task, instance, user):
    """The lane's role, the assignee, and separation of duties. Raises PermissionDenied."""
    role = role_for_lane(task.lane)
    if role is None or not user.has_role(role):
        raise PermissionDenied('Tugas ini bukan untuk peran Anda')
    if task.assigned_to_id is not None and task.assigned_to_id != user.id:
        raise PermissionDenied('Tugas ini ditugaskan kepada pengguna lain')
    if task.lane != REPORTER_LANE and instance.started_by_id == user.id:
        raise PermissionDenied('Anda tidak dapat memproses laporan yang Anda buat sendiri')


def _can_still_work(task, user):
    return user.active and user.has_role(role_for_lane(task.lane))


def _load_for_action(task_id, user, lock=False):
    """The task and its instance, both read fresh after the instance row is locked (when `lock`)."""
    # the state and the diagram version come along: the step needs both (the version's XML stays unread)
    query = select(ProcessInstance).options(
        undefer(ProcessInstance.state), joinedload(ProcessInstance.definition, innerjoin=True)).where(
        ProcessInstance.id == select(HumanTask.instance_id).where(HumanTask.id == task_id).scalar_subquery())
    if lock:
        # on PostgreSQL a second request for the same instance waits here, then sees the result
        query = query.with_for_update(of=ProcessInstance)
    instance = db.session.execute(query.execution_options(populate_existing=True)).scalar()
    if instance is None:
        raise NotFoundError('Tugas tidak ditemukan')
    task = db.session.get(HumanTask, task_id, populate_existing=True)
    check_can_act(task, instance, user)
    if task.status != TASK_OPEN:
        raise ConflictError(unavailable_message(task))
    return task, instance


def unavailable_message(task):
    if task.status == TASK_DONE:
        who = task.completed_by.full_name if task.completed_by else 'pengguna lain'
        return f'Tugas sudah diselesaikan oleh {who} pada {format_wita(task.completed_at)}'
    if task.status == TASK_CANCELLED:
        return 'Tugas sudah dibatalkan oleh proses'
    who = task.claimed_by.full_name if task.claimed_by else 'pengguna lain'
    return f'Tugas sedang dikerjakan oleh {who}'


def _sync_tasks(instance, ready_tasks, now):
    """Make the instance's open inbox rows equal the engine's ready user tasks; returns new rows."""
    open_rows = {row.task_uuid: row for row in db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TASK_OPEN)).scalars()}
    ready_ids = {ready.task_id for ready in ready_tasks}
    for uuid, row in open_rows.items():
        if uuid not in ready_ids:
            row.status = TASK_CANCELLED
    created = []
    for ready in ready_tasks:
        if ready.task_id in open_rows:
            continue
        info = ready.info
        lane = lane_label(info.lane)  # 'verifikator' and 'Verifikator' name the same inbox
        row = HumanTask(instance_id=instance.id, task_uuid=ready.task_id, bpmn_id=info.bpmn_id, name=info.name,
                        lane=lane, form_key=info.form_key, sla=info.sla, created_at=now,
                        assigned_to_id=instance.started_by_id if lane == REPORTER_LANE else None)
        _set_deadline(row, now)
        db.session.add(row)
        created.append(row)
    db.session.flush()
    return created
