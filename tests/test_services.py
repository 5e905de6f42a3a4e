"""The SOP through the service layer, on the real database: every path, inbox rows, report row, audit."""
import os
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditChainHead, AuditEvent, HumanTask, Report, TaskSubmission
from app.services import audit, documents, queries, users, workflow
from app.services.attachments import Upload
from app.services.errors import ConflictError, PermissionDenied, ValidationFailed
from app.uow import unit_of_work
from tests import helpers

pytestmark = pytest.mark.usefixtures('ctx')


def user(name):
    return users.find_user(name)


def report_data():
    data = {k: v for k, v in helpers.REPORT.items() if k != 'kecamatan'}
    return data | {'jumlah_orang': 40, 'waktu_kejadian': '2026-11-27T14:30:00+08:00'}


def file_report(agent='agen1'):
    with unit_of_work():
        instance = workflow.start_report(user(agent))
        task = queries.open_tasks(instance.id)[0]
        workflow.complete_task(task.id, user(agent), workflow.Submission(
            data=report_data(), photos=[Upload('bukti.jpg', helpers.image_bytes())], photo_caption='Kerumunan'))
    return instance.id


def act(instance_id, username, data):
    with unit_of_work():
        [task] = queries.open_tasks(instance_id)
        workflow.complete_task(task.id, user(username), workflow.Submission(data=data))
    return task


def open_task_names(instance_id):
    return [t.bpmn_id for t in queries.open_tasks(instance_id)]


def report_of(instance_id):
    return queries.report_by_instance(instance_id)


def test_full_path_ya_ya(app):
    started = time.perf_counter()
    instance_id = file_report()
    assert open_task_names(instance_id) == ['Task_Verifikasi']
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    assert open_task_names(instance_id) == ['Task_Publikasi']
    act(instance_id, 'administrator1', helpers.PUBLISH)
    assert open_task_names(instance_id) == ['Task_Keputusan']
    act(instance_id, 'pimpinan1', helpers.DECIDE_YES)
    assert open_task_names(instance_id) == ['Task_Rakor']
    with unit_of_work():
        documents.generate(instance_id, 'surat_undangan', user('administrator1'), data=helpers.INVITATION)
    act(instance_id, 'administrator1', helpers.RAKOR | {'waktu_kegiatan': '2026-11-30T09:00:00+08:00'})
    elapsed = time.perf_counter() - started
    print(f'full SOP path through the services: {elapsed * 1000:.1f} ms')
    report = report_of(instance_id)
    assert (report.status, report.tahap_sop) == ('selesai', 'Ditindaklanjuti')
    assert report.instance.status == 'selesai' and report.instance.end_event_id == 'End_Ditindaklanjuti'
    assert report.kecamatan_kode == helpers.KECAMATAN and report.desa_kode == helpers.DESA
    assert report.aspek == 'ekonomi' and report.eskalasi == 'sedang'
    assert report.waktu_kejadian.isoformat() == '2026-11-27T06:30:00'  # stored as UTC
    assert report.verified_at and report.published_at and report.nomor.startswith('SKD/')
    steps = [s.bpmn_id for s in queries.submissions(instance_id)]
    assert steps == ['Task_Pelaporan', 'Task_Verifikasi', 'Task_Publikasi', 'Task_Keputusan', 'Task_Rakor']
    assert audit.verify_chain() is None
    # the head names the newest event, whose hash it holds (written once per transaction)
    head = db.session.get(AuditChainHead, audit.HEAD_ID)
    newest = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert (head.last_event_id, head.last_hash) == (newest.id, newest.hash)


def test_no_audit_event_inside_a_savepoint():
    """A savepoint rolled back would leave the chain's end pointing at a lost event: refused outright."""
    with pytest.raises(RuntimeError, match='savepoint'), unit_of_work(), db.session.begin_nested():
        audit.record('test.nested')
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == 'test.nested')) == 0


def test_path_ya_tidak_ends_dipantau():
    instance_id = file_report()
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    act(instance_id, 'administrator1', helpers.PUBLISH)
    act(instance_id, 'pimpinan1', helpers.DECIDE_NO | {'bentuk_penanganan': None})
    assert open_task_names(instance_id) == []
    assert report_of(instance_id).tahap_sop == 'Dipantau'


def test_return_then_ya_goes_back_to_the_same_agent_with_the_note():
    instance_id = file_report('agen2')
    act(instance_id, 'verifikator1', helpers.VERIFY_RETURN)
    [task] = queries.open_tasks(instance_id)
    assert task.bpmn_id == 'Task_Pelaporan' and task.assigned_to_id == user('agen2').id
    report = report_of(instance_id)
    assert report.status == 'dikembalikan' and report.catatan_pengembalian == 'Lengkapi jumlah orang.'
    assert [t for t, _ in queries.inbox(user('agen1'))] == []       # not another agent's task
    with pytest.raises(PermissionDenied):
        act(instance_id, 'agen1', report_data())
    act(instance_id, 'agen2', report_data() | {'jumlah_orang': 45})
    assert report_of(instance_id).catatan_pengembalian is None
    act(instance_id, 'verifikator1', helpers.VERIFY_YES | {'tindak_lanjut': None})
    assert open_task_names(instance_id) == ['Task_Publikasi']


def test_reject_ends_ditolak():
    instance_id = file_report()
    act(instance_id, 'verifikator1', helpers.VERIFY_REJECT)
    report = report_of(instance_id)
    assert (report.status, report.tahap_sop) == ('selesai', 'Ditolak')
    assert db.session.scalar(select(func.count()).select_from(HumanTask)
                             .where(HumanTask.instance_id == instance_id, HumanTask.status == 'terbuka')) == 0


def test_inbox_shows_only_the_users_lanes():
    instance_id = file_report()
    assert [t.bpmn_id for t, _ in queries.inbox(user('verifikator1'))] == ['Task_Verifikasi']
    for other in ('administrator1', 'pimpinan1', 'auditor1', 'pemilikproses1', 'agen1'):
        assert queries.inbox(user(other)) == []
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    assert queries.inbox(user('verifikator1')) == []
    [(task, report)] = queries.inbox(user('administrator1'))
    assert task.bpmn_id == 'Task_Publikasi' and report.instance_id == instance_id
    assert (task.due_at - task.created_at).total_seconds() == 6 * 3600


@pytest.mark.parametrize('username', ['administrator1', 'pimpinan1', 'agen2', 'auditor1'])
def test_other_lanes_cannot_complete_the_verification(username):
    instance_id = file_report()
    with pytest.raises(PermissionDenied):
        act(instance_id, username, helpers.VERIFY_YES)
    assert open_task_names(instance_id) == ['Task_Verifikasi']


def test_a_reporter_never_verifies_their_own_report():
    instance_id = file_report('agenverif')
    with pytest.raises(PermissionDenied, match='sendiri'):
        act(instance_id, 'agenverif', helpers.VERIFY_YES)
    assert queries.inbox(user('agenverif')) == []
    assert [t.bpmn_id for t, _ in queries.inbox(user('verifikator1'))] == ['Task_Verifikasi']
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)


def test_completing_twice_is_a_conflict_naming_who_did_it():
    instance_id = file_report()
    task = act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    with pytest.raises(ConflictError, match='Rudi Hartono'), unit_of_work():
        workflow.complete_task(task.id, user('verifikator2'), workflow.Submission(data=helpers.VERIFY_YES))
    assert db.session.scalar(select(func.count()).select_from(TaskSubmission)
                             .where(TaskSubmission.human_task_id == task.id)) == 1


def test_claimed_task_is_reserved_and_can_be_released():
    instance_id = file_report()
    [task] = queries.open_tasks(instance_id)
    with unit_of_work():
        workflow.claim_task(task.id, user('verifikator1'))
    with pytest.raises(ConflictError, match='Rudi Hartono'), unit_of_work():
        workflow.claim_task(task.id, user('verifikator2'))
    with pytest.raises(ConflictError), unit_of_work():
        workflow.complete_task(task.id, user('verifikator2'), workflow.Submission(data=helpers.VERIFY_YES))
    with unit_of_work():
        workflow.release_task(task.id, user('verifikator1'))
    act(instance_id, 'verifikator2', helpers.VERIFY_YES)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance_id)
                                 .order_by(AuditEvent.id)).all()
    assert actions.count('task.claimed') == 1 and actions.count('task.released') == 1


def test_a_failed_step_leaves_everything_as_it_was(app, tmp_path):
    """A non-image photo fails validation: no state change, no rows, no file on disk."""
    with unit_of_work():
        instance = workflow.start_report(user('agen1'))
    instance_id = instance.id
    [task] = queries.open_tasks(instance_id)
    state_before = instance.state
    uploads_before = set(os.listdir(app.config['UPLOAD_DIR']))
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(ValidationFailed), unit_of_work():
        workflow.complete_task(task.id, user('agen1'), workflow.Submission(
            data=report_data(), photos=[Upload('a.jpg', helpers.image_bytes()), Upload('b.jpg', b'MZ not an image')]))
    db.session.expire_all()
    assert queries.open_tasks(instance_id)[0].id == task.id
    assert report_of(instance_id).instance.state == state_before
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert set(os.listdir(app.config['UPLOAD_DIR'])) == uploads_before


def test_every_action_is_audited_once_with_actor_and_role():
    instance_id = file_report()
    act(instance_id, 'verifikator1', helpers.VERIFY_REJECT)
    events = db.session.execute(select(AuditEvent.action, AuditEvent.actor_username, AuditEvent.role)
                                .where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)).all()
    assert events == [
        ('instance.started', 'agen1', 'agen'),
        ('task.completed', 'agen1', 'agen'),
        ('attachment.uploaded', 'agen1', 'agen'),
        ('task.completed', 'verifikator1', 'verifikator'),
        ('decision.taken', 'verifikator1', 'verifikator'),
        ('instance.completed', 'verifikator1', 'verifikator'),
    ]


def test_audit_chain_detects_an_edited_row():
    instance_id = file_report()
    assert audit.verify_chain() is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                               .order_by(AuditEvent.id)).first()
    with unit_of_work():
        event.actor_username = 'orang_lain'
    assert audit.verify_chain() == event.id


def test_audit_chain_detects_deleted_newest_events():
    instance_id = file_report()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.id)).all()
    with unit_of_work():
        db.session.delete(events[-1])
    assert audit.verify_chain() == events[-2].id


def test_report_visibility():
    instance_id = file_report('agen1')
    report = report_of(instance_id)
    from app.services.reports import can_view
    assert can_view(user('agen1'), report) and not can_view(user('agen2'), report)
    assert can_view(user('verifikator1'), report) and can_view(user('auditor1'), report)
    assert not can_view(user('pimpinan1'), report)           # not published yet
    assert not can_view(user('pemilikproses1'), report)
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    act(instance_id, 'administrator1', helpers.PUBLISH)
    assert can_view(user('pimpinan1'), report_of(instance_id))


def test_only_agents_start_reports():
    with pytest.raises(PermissionDenied), unit_of_work():
        workflow.start_report(user('verifikator1'))
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
