"""Time standards through time: deadlines on task rows, `flask tick --now`, reminders, escalation,
BPMN timers, and two ticks at once doing the work once."""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, HumanTask, Notification, ProcessInstance, User
from app.models.process import TASK_OPEN
from app.timeutil import to_wita, utcnow
from tests import helpers
from tests.engine.test_timers import with_timer
from tests.test_diagram_versions import upload

VERIFIERS = {'verifikator1', 'verifikator2', 'agenverif'}


def tick(app, at):
    """`flask tick --now` at a naive-UTC moment, written as WITA like an operator would."""
    result = app.test_cli_runner().invoke(args=['tick', '--now', to_wita(at).replace(tzinfo=None).isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def open_task(app, instance_id, lane):
    with app.app_context():
        return db.session.execute(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.lane == lane, HumanTask.status == TASK_OPEN)).scalar_one()


def received(app, kind):
    """{username: count} of notifications of one kind."""
    with app.app_context():
        rows = db.session.execute(select(User.username, func.count()).join(Notification)
                                  .where(Notification.kind == kind).group_by(User.username)).all()
    return dict(rows)


def test_deadlines_follow_the_diagram_and_the_report_clock_starts_when_the_agent_learned(app, client):
    learned = utcnow() - timedelta(hours=4)
    report = dict(helpers.REPORT, waktu_diketahui=to_wita(learned).strftime('%Y-%m-%dT%H:%M'))
    instance = helpers.Api(client, 'agen1').file_report(report)
    verification = open_task(app, instance['id'], 'Verifikator')
    assert verification.due_at - verification.started_at == timedelta(hours=2)
    assert verification.remind_at - verification.started_at == timedelta(hours=1)
    with app.app_context():
        reporting = db.session.execute(select(HumanTask).where(HumanTask.instance_id == instance['id'],
                                                               HumanTask.bpmn_id == 'Task_Pelaporan')).scalar_one()
    # the form takes minutes, so the 6 h standard counts from 4 h ago, to the minute
    assert abs(reporting.started_at - learned) < timedelta(minutes=1)
    assert reporting.due_at - reporting.started_at == timedelta(hours=6)


def test_a_report_through_time_reminds_at_half_time_then_escalates_once(app, client):
    instance = helpers.Api(client, 'agen1').file_report()
    task = open_task(app, instance['id'], 'Verifikator')
    assert received(app, 'tugas_baru') == dict.fromkeys(VERIFIERS, 1)  # the reporter agen1 is not told

    assert 'pengingat 50%: 0; terlambat: 0' in tick(app, task.started_at + timedelta(minutes=30))
    assert 'pengingat 50%: 1; terlambat: 0' in tick(app, task.started_at + timedelta(hours=1, minutes=5))
    assert 'pengingat 50%: 0; terlambat: 0' in tick(app, task.started_at + timedelta(hours=1, minutes=10))
    assert received(app, 'tenggat_50') == dict.fromkeys(VERIFIERS, 1)
    assert received(app, 'tenggat_100') == {}

    assert 'terlambat: 1' in tick(app, task.started_at + timedelta(hours=2, minutes=1))
    assert 'terlambat: 0' in tick(app, task.started_at + timedelta(hours=2, minutes=2))
    assert received(app, 'tenggat_100') == dict.fromkeys(VERIFIERS, 1)
    assert received(app, 'eskalasi') == {'administrator1': 1}   # the role above the verifier
    assert received(app, 'tenggat_50') == dict.fromkeys(VERIFIERS, 1)
    assert open_task(app, instance['id'], 'Verifikator').overdue_at is not None
    with app.app_context():
        [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == 'task.overdue')).scalars()
        assert event.role == 'verifikator' and event.detail['escalated_to'] == 'Administrator'


def test_a_claimed_task_reminds_only_its_claimant(app, client):
    instance = helpers.Api(client, 'agen1').file_report()
    task = open_task(app, instance['id'], 'Verifikator')
    assert helpers.Api(client, 'verifikator2').post(f'/tasks/{task.id}/claim').status_code == 200
    tick(app, task.due_at + timedelta(minutes=1))
    assert received(app, 'tenggat_100') == {'verifikator2': 1}
    assert received(app, 'tenggat_50') == {}   # late already: the half-time notice would say less, later


def test_returned_report_is_announced_to_its_reporter(app, client):
    instance = helpers.Api(client, 'agen1').file_report()
    helpers.Api(client, 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_RETURN)
    assert received(app, 'dikembalikan') == {'agen1': 1}
    with app.app_context():
        notice = db.session.execute(select(Notification).where(Notification.kind == 'dikembalikan')).scalar_one()
        assert 'Lengkapi jumlah orang' in notice.body and notice.link.startswith('/tugas/')


def test_a_boundary_timer_in_a_deployed_diagram_fires_once(app, client):
    owner = helpers.Api(client, 'pemilikproses1')
    assert upload(owner, with_timer()).status_code == 201
    assert owner.post('/processes/sikanda/versions/2/deploy').status_code == 200
    instance = helpers.Api(client, 'agen1').file_report()
    with app.app_context():
        due = db.session.get(ProcessInstance, instance['id']).next_timer_at
    assert due is not None
    assert 'Timer dijalankan: 0' in tick(app, due - timedelta(minutes=1))
    assert 'Timer dijalankan: 1' in tick(app, due + timedelta(minutes=1))
    assert 'Timer dijalankan: 0' in tick(app, due + timedelta(minutes=2))
    with app.app_context():
        assert db.session.get(ProcessInstance, instance['id']).next_timer_at is None
        [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == 'timer.fired')).scalars()
        assert event.detail['timers'] == ['Timer_Verifikasi'] and event.instance_id == instance['id']
    # non-interrupting: the verifier's task is still there and the report goes on
    assert helpers.Api(client, 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_YES).status_code == 200


def test_tick_refuses_a_time_that_is_not_iso(app):
    result = app.test_cli_runner().invoke(args=['tick', '--now', 'besok pagi'])
    assert result.exit_code != 0 and 'ISO-8601' in result.output


@pytest.mark.parametrize('reports', [12])
def test_two_ticks_started_together_do_the_work_once(app, client, reports):
    """Two scheduler processes against the same database (PostgreSQL in CI's second run)."""
    agent = helpers.Api(client, 'agen1')
    instances = [agent.file_report()['id'] for _ in range(reports)]
    due = open_task(app, instances[-1], 'Verifikator').due_at
    env = dict(os.environ, SIKANDA_ENV='test', SIKANDA_DATABASE_URL=app.config['DATABASE_URL'],
               SIKANDA_UPLOAD_DIR=app.config['UPLOAD_DIR'], SIKANDA_SECRET_KEY='x')
    at = to_wita(due + timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    command = [sys.executable, '-m', 'flask', '--app', 'app', 'tick', '--now', at]
    runs = [subprocess.Popen(command, env=env, cwd=helpers.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    late = [int(out.split('terlambat: ')[1].split(';')[0]) for out, _ in outputs if 'terlambat: ' in out]
    assert sum(late) == reports, outputs
    assert received(app, 'tenggat_100') == dict.fromkeys(VERIFIERS, reports)
    assert received(app, 'eskalasi') == {'administrator1': reports}
    with app.app_context():
        overdue_events = db.session.scalar(select(func.count()).where(AuditEvent.action == 'task.overdue'))
    assert overdue_events == reports


def test_a_learning_time_in_the_future_is_refused(app, client):
    agent = helpers.Api(client, 'agen1')
    task_id = agent.start()['tasks'][0]['id']
    tomorrow = to_wita(utcnow() + timedelta(days=1)).strftime('%Y-%m-%dT%H:%M')
    response = agent.post(f'/tasks/{task_id}/complete', json=dict(helpers.REPORT, waktu_diketahui=tomorrow))
    assert response.status_code == 422
    assert 'masa depan' in response.get_json()['errors']['waktu_diketahui'][0]


def test_a_late_publication_reaches_the_pimpinan_without_the_unpublished_report(app, client):
    instance = helpers.Api(client, 'agen1').file_report()
    helpers.Api(client, 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_YES)
    task = open_task(app, instance['id'], 'Administrator')
    tick(app, task.due_at + timedelta(minutes=1))
    with app.app_context():
        [notice] = db.session.execute(select(Notification).where(Notification.kind == 'eskalasi')).scalars()
        assert notice.user.username == 'pimpinan1'
        assert notice.link == '/kepatuhan'   # the report is not published yet: not theirs to read
        assert 'Sengketa' not in notice.title + notice.body


def test_an_unfiled_draft_is_late_for_its_agent_only(app, client):
    draft = helpers.Api(client, 'agen1').start()
    task = open_task(app, draft['id'], 'Agen Lapangan')
    assert 'terlambat: 1' in tick(app, task.due_at + timedelta(minutes=1))
    assert received(app, 'tenggat_100') == {'agen1': 1}
    assert received(app, 'eskalasi') == {}   # verifiers may not read drafts


def test_a_task_completed_meanwhile_is_not_marked_late(app, client):
    from app.services import scheduler
    from app.uow import unit_of_work
    instance = helpers.Api(client, 'agen1').file_report()
    task = open_task(app, instance['id'], 'Verifikator')
    helpers.Api(client, 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_YES)
    with app.app_context(), unit_of_work():   # the tick had listed it before the verifier finished
        assert scheduler.mark_overdue(task.id, task.due_at + timedelta(minutes=1)) is None
        assert scheduler.remind(task.id, task.due_at) is None
    assert received(app, 'tenggat_100') == {} and received(app, 'eskalasi') == {}
