"""Crash consistency. A real server process (tests/crash_child.py) is killed with SIGKILL at a point inside
completing a task while it serves a real HTTP request; afterwards the step is either all there or not there
at all, the task (or the next one) can be completed, and the sweep leaves no file without its row and no
row without its file."""
import hashlib
import http.cookiejar
import io
import json
import os
import secrets
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, text, update
from sqlalchemy import select as query
from sqlalchemy.orm import undefer

from tests import helpers
from tests.conftest import PROCESS_TABLES

CHILD = helpers.ROOT / 'tests' / 'crash_child.py'
PHOTOS = [('bukti-1.jpg', helpers.image_bytes()), ('bukti-2.png', helpers.image_bytes('PNG'))]
SNAPSHOT_TABLES = [*PROCESS_TABLES, 'audit_chain_head', 'settings']
OLD = 2 * 3600  # seconds: older than the sweep's grace period


@dataclass(frozen=True)
class Case:
    point: str
    path: str              # 'web-new' (/laporan/baru), 'web' (the agent's task page), 'api' (a decision)
    committed: bool        # whether the step is there after the kill
    orphans: tuple = ()    # the suffixes of the files the kill leaves without a row
    decision: dict = None  # the verifier's, on the API path

    def __str__(self):
        return f'{self.point}-{self.path}'

    def step(self):
        """Who takes the crashed step, and what they send, through the API afterwards."""
        if self.path == 'api':
            return 'verifikator1', {'json': self.decision}
        return 'agen1', {'data': report_with_photo()}


CASES = [
    Case('photo_part', 'web-new', False, ('.jpg.part',)),
    Case('photos_written', 'web', False, ('.jpg', '.png')),
    Case('engine_done', 'api', False, decision=helpers.VERIFY_RETURN),
    Case('flushed', 'web', False, ('.jpg', '.png')),
    Case('flushed', 'api', False, decision=helpers.VERIFY_RETURN),
    Case('committed', 'web', True),
    Case('committed', 'api', True, decision=helpers.VERIFY_RETURN),
    Case('document_written', 'api', True, ('.pdf',), decision=helpers.VERIFY_YES),
]


@pytest.fixture(autouse=True)
def empty_store(app):
    """Each test starts with an empty upload directory: the rows of earlier tests are gone, their files in the way."""
    from app.services import files
    from app.uow import unit_of_work
    with app.app_context():
        with unit_of_work():
            files.sweep(timedelta(0), force=True)


class Child:
    """The server process for one injection point."""

    def __init__(self, app, case, log_dir):
        env = dict(os.environ, SIKANDA_ENV='test', CRASH_DATABASE_URL=app.config['DATABASE_URL'],
                   CRASH_UPLOAD_DIR=app.config['UPLOAD_DIR'])
        self.log_path = log_dir / f'{case}.log'
        with open(self.log_path, 'w') as log:
            self.process = subprocess.Popen([sys.executable, str(CHILD), case.point], cwd=helpers.ROOT, env=env,
                                            stdout=subprocess.PIPE, stderr=log, text=True)
        self._url = None

    @property
    def url(self):
        if self._url is None:
            ready, _, _ = select.select([self.process.stdout], [], [], 60)
            port = self.process.stdout.readline().strip() if ready else ''
            assert port.isdigit(), f'the server did not start: {self.log_path.read_text()}'
            self._url = f'http://127.0.0.1:{port}'
        return self._url

    def killed_by(self, send):
        """Send the request that reaches the point: the connection drops, the process died by SIGKILL, and
        the line it wrote just before says where; returns (point, note) from that line."""
        try:
            response = send()
        except urllib.error.HTTPError as exc:   # an answer, if an unhappy one
            pytest.fail(f'the server answered {exc.code}: {self.log_path.read_text()}')
        except (ConnectionError, urllib.error.URLError) as exc:
            assert isinstance(exc, ConnectionError) or isinstance(exc.reason, ConnectionError), exc
        else:
            pytest.fail(f'the server answered {response.status}')
        assert self.process.wait(timeout=30) == -signal.SIGKILL, self.log_path.read_text()
        [said] = [line for line in self.log_path.read_text().splitlines() if line.startswith('CRASH ')]
        point, _, note = said.removeprefix('CRASH ').partition(' ')
        return point, note

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture(scope='module')
def server_for(app, tmp_path_factory):
    """The server of a case, each started one case ahead, so that its start overlaps the case before."""
    log_dir, started = tmp_path_factory.mktemp('crash'), {}

    def take(case):
        for wanted in [case, *CASES[CASES.index(case) + 1:][:1]]:
            if str(wanted) not in started:
                started[str(wanted)] = Child(app, wanted, log_dir)
        return started[str(case)]

    yield take
    for child in started.values():
        child.stop()


class Browser:
    """A browser's requests over HTTP (standard library): session cookie, the CSRF token from the form page,
    multipart upload of the photos."""

    def __init__(self, base, username):
        self.base = base
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        token = self.form_token('/login')
        form = urllib.parse.urlencode({'csrf_token': token, 'username': username, 'password': helpers.PASSWORD})
        with self.http.open(base + '/login', data=form.encode(), timeout=30) as response:
            assert '/login' not in response.geturl(), response.read()[:500]

    def form_token(self, path):
        with self.http.open(self.base + path, timeout=30) as response:
            return helpers.csrf_from(response.read().decode())

    def submit(self, path, token, data, photos):
        boundary = secrets.token_hex(16)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in (data | {'csrf_token': token}).items()]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="foto"; filename="{name}"\r\n'
                  f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b'\r\n'
                  for name, content in photos]
        body = b''.join(parts) + f'--{boundary}--\r\n'.encode()
        return self.http.open(post(self.base + path, body, f'multipart/form-data; boundary={boundary}'), timeout=60)


def post(url, body, content_type, headers=None):
    """A POST request to the test's own server on 127.0.0.1."""
    return urllib.request.Request(url, data=body, method='POST',  # noqa: S310 - an http:// address made here
                                  headers={'Content-Type': content_type, **(headers or {})})


def api_post(url, body, headers=None):
    return urllib.request.urlopen(post(url, json.dumps(body).encode(), 'application/json', headers),  # noqa: S310
                                  timeout=60)


def api_headers(base, username):
    with api_post(base + '/api/v1/auth/token', {'username': username, 'password': helpers.PASSWORD}) as response:
        return {'Authorization': f'Bearer {json.loads(response.read())["token"]}'}


def report_with_photo(photos=PHOTOS[:1]):
    data = dict(helpers.REPORT)
    data['foto'] = [(io.BytesIO(content), name) for name, content in photos]
    return data


# --- what is in the database and on disk ---------------------------------------------------------

def snapshot(app):
    from app.extensions import db
    with app.app_context(), db.engine.connect() as conn:
        return {table: conn.execute(text(f'SELECT * FROM {table} ORDER BY 1')).all()  # noqa: S608 - fixed names
                for table in SNAPSHOT_TABLES}


def stored_names():
    from app.extensions import file_store
    return {item.name for item in file_store.listing()}


def unreferenced():
    from app.services import files
    return stored_names() - files.referenced_names()


def check_consistent():
    """The invariants of a step: the engine's ready tasks are the inbox's open rows, the report's status and
    stage follow them, each done task has its submission, attachments and audit events and nothing else has,
    the audit chain is intact, and every row's file is on disk with its hash."""
    from app.extensions import db, file_store, workflow_engine
    from app.models import (
        Attachment,
        AuditChainHead,
        AuditEvent,
        Document,
        HumanTask,
        ProcessInstance,
        Report,
        TaskSubmission,
    )
    from app.models.process import INSTANCE_DONE, TASK_DONE, TASK_OPEN
    from app.roles import REPORTER_LANE
    from app.services import audit
    from app.services.processes import model_for

    db.session.remove()
    for instance in db.session.execute(query(ProcessInstance).options(undefer(ProcessInstance.state))).scalars():
        ready = workflow_engine.ready_tasks(model_for(instance.definition), instance.state)
        open_rows = db.session.execute(query(HumanTask).where(HumanTask.instance_id == instance.id,
                                                              HumanTask.status == TASK_OPEN)).scalars().all()
        assert {r.task_id: (r.info.bpmn_id, r.info.form_key) for r in ready} == \
            {row.task_uuid: (row.bpmn_id, row.form_key) for row in open_rows}
        report = db.session.execute(query(Report).where(Report.instance_id == instance.id)).scalar_one()
        if instance.status == INSTANCE_DONE:
            assert (report.status, open_rows) == ('selesai', [])
        elif report.submitted_at is None:
            assert report.status == 'draf' and [row.lane for row in open_rows] == [REPORTER_LANE]
        elif any(row.lane == REPORTER_LANE for row in open_rows):
            assert report.status == 'dikembalikan'
        else:
            assert report.status == 'diproses'
            assert report.tahap_sop == ', '.join(sorted({row.name for row in open_rows}))

    tasks = {t.id: t for t in db.session.execute(query(HumanTask)).scalars()}
    submissions = {s.id: s for s in db.session.execute(query(TaskSubmission)).scalars()}
    attachments = db.session.execute(query(Attachment)).scalars().all()
    documents = db.session.execute(query(Document)).scalars().all()
    events = db.session.execute(query(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    by_task = {s.human_task_id: s for s in submissions.values()}
    done = {task_id for task_id, task in tasks.items() if task.status == TASK_DONE}
    assert set(by_task) == done
    assert all(by_task[task_id].user_id == tasks[task_id].completed_by_id for task_id in done)
    photos_of = {task_id: [] for task_id in done}
    for photo in attachments:
        submission = submissions[photo.submission_id]
        assert submission.instance_id == photo.instance_id
        photos_of[submission.human_task_id].append(photo.id)
    completed = [e for e in events if e.action == 'task.completed']
    assert Counter(e.human_task_id for e in completed) == Counter(done)
    for event in completed:
        assert sorted(event.detail['attachments']) == sorted(photos_of[event.human_task_id])
    assert sorted(e.detail['attachment_id'] for e in events if e.action == 'attachment.uploaded') == \
        sorted(photo.id for photo in attachments)
    assert all(e.human_task_id in done for e in events if e.action == 'decision.taken')
    assert sorted(e.detail['document_id'] for e in events if e.action == 'document.generated') == \
        sorted(document.id for document in documents)

    assert audit.verify_chain() is None
    head = db.session.get(AuditChainHead, audit.HEAD_ID)
    assert head.last_event_id == (events[-1].id if events else None)
    for row in [*attachments, *documents]:
        assert hashlib.sha256(file_store.path(row.storage_name).read_bytes()).hexdigest() == row.sha256
    db.session.remove()


def check_store():
    """No file without its row, no row without its file."""
    from app.services import files
    assert stored_names() == files.referenced_names()


def new_events(after_id):
    from app.extensions import db
    from app.models import AuditEvent
    return Counter(db.session.execute(query(AuditEvent.action).where(AuditEvent.id > after_id)).scalars())


def last_event_id(app):
    from app.extensions import db
    from app.models import AuditEvent
    with app.app_context():
        return db.session.execute(query(func.max(AuditEvent.id))).scalar() or 0


# --- the crashes ---------------------------------------------------------------------------------

def prepare(client, case):
    """The instance the fatal request works on, made in this process: (instance id, task id)."""
    if case.path == 'web-new':
        return None, None
    agent = helpers.Api(client, 'agen1')
    instance = agent.start() if case.path == 'web' else agent.file_report()
    [task] = instance['tasks']
    return instance['id'], task['id']


def fatal_request(child, case, task_id):
    """Everything up to the request is done over HTTP first (login, form page); returns the request."""
    if case.path == 'api':
        headers = api_headers(child.url, 'verifikator1')
        url = f'{child.url}/api/v1/tasks/{task_id}/complete'
        return lambda: api_post(url, case.decision, headers)
    browser = Browser(child.url, 'agen1')
    path = '/laporan/baru' if case.path == 'web-new' else f'/tugas/{task_id}'
    token = browser.form_token(path)
    assert token
    return lambda: browser.submit(path, token, helpers.REPORT, PHOTOS)


@pytest.mark.parametrize('case', CASES, ids=str)
def test_a_killed_step_is_all_there_or_not_at_all(app, client, server_for, case):
    from app.extensions import db
    from app.models import HumanTask, TaskSubmission
    from app.models.process import TASK_DONE
    from app.services import documents, files
    from app.tick import run_tick
    from app.timeutil import utcnow
    from app.uow import unit_of_work

    child = server_for(case)
    instance_id, task_id = prepare(client, case)
    send = fatal_request(child, case, task_id)
    before, files_before, events_before = snapshot(app), stored_names(), last_event_id(app)
    point, note = child.killed_by(send)
    assert point == case.point
    if case.point in ('flushed', 'committed'):
        assert note == 'unflushed=0'

    with app.app_context():
        orphans = unreferenced()
        assert orphans <= stored_names() - files_before   # the kill left these, and only these, without a row
        if case.point == 'photo_part':
            assert orphans == {note}
        assert sorted(name[32:] for name in orphans) == sorted(case.orphans)
        if not case.committed:
            assert snapshot(app) == before
        else:
            task = db.session.get(HumanTask, task_id)
            submission = db.session.execute(query(TaskSubmission).where(TaskSubmission.human_task_id == task_id)
                                            ).scalar_one()
            assert task.status == TASK_DONE and submission.data['keputusan' if case.path == 'api' else 'judul']
            expected = {'task.completed': 1, 'decision.taken': 1} if case.path == 'api' else \
                {'task.completed': 1, 'attachment.uploaded': len(PHOTOS)}
            if case.path == 'web':
                assert len(submission.attachments) == len(PHOTOS)
            assert new_events(events_before) == Counter(expected)
        check_consistent()

        # the recovery: the sweep removes what the kill left behind, and nothing else
        if case.point == 'photos_written':   # through the command, in its own process
            removed = sweep_command(app)
        else:
            with unit_of_work():
                removed = files.sweep(timedelta(0)).removed
        assert set(removed) == orphans
        check_store()
        check_consistent()

    # and the work goes on through the API
    if case.path == 'web-new':
        instance = helpers.Api(client, 'agen1').file_report()
        assert [t['name'] for t in instance['tasks']] == ['Verifikasi Laporan']
    elif not case.committed:
        # the step never happened: the same task is completed now
        actor, payload = case.step()
        response = helpers.Api(client, actor).post(f'/tasks/{task_id}/complete', **payload)
        assert response.status_code == 200, response.get_json()
    else:
        # the step happened although its answer never came: doing it again is refused, the next step goes on
        actor, payload = case.step()
        assert helpers.Api(client, actor).post(f'/tasks/{task_id}/complete', **payload).status_code == 409
        if case.point == 'document_written':
            with app.app_context():   # its document was never made: the scheduler's tick makes it
                assert documents.missing_kinds(instance_id) == ['laporan_informasi']
                assert run_tick(utcnow()).documents == 1
            response = helpers.Api(client, 'administrator1').complete_only_task(instance_id, helpers.PUBLISH)
        elif case.path == 'api':      # returned to the agent, who sends the report again
            [task] = helpers.Api(client, 'agen1').get(f'/instances/{instance_id}').get_json()['tasks']
            response = helpers.Api(client, 'agen1').post(f'/tasks/{task["id"]}/complete', data=report_with_photo())
        else:
            response = helpers.Api(client, 'verifikator1').complete_only_task(instance_id, helpers.VERIFY_RETURN)
        assert response.status_code == 200, response.get_json()
    with app.app_context():
        check_consistent()
        check_store()


def flask_command(app, *args):
    env = dict(os.environ, SIKANDA_ENV='test', SIKANDA_DATABASE_URL=app.config['DATABASE_URL'],
               SIKANDA_UPLOAD_DIR=app.config['UPLOAD_DIR'], SIKANDA_SECRET_KEY='x')
    return subprocess.run([sys.executable, '-m', 'flask', '--app', 'app', *args], cwd=helpers.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def sweep_command(app):
    """`flask files sweep` and `flask audit verify` as an operator runs them; returns the names removed."""
    swept = flask_command(app, 'files', 'sweep', '--grace-minutes', '0')
    assert swept.returncode == 0, swept.stderr
    removed = [line.removeprefix('dihapus: ') for line in swept.stdout.splitlines() if line.startswith('dihapus: ')]
    assert f'{len(removed)} berkas yatim dihapus' in swept.stdout
    verified = flask_command(app, 'audit', 'verify')
    assert verified.returncode == 0 and 'Rantai audit utuh.' in verified.stdout, verified.stderr
    return removed


# --- the sweep -----------------------------------------------------------------------------------

def age(name, seconds=OLD):
    from app.extensions import file_store
    path = file_store.path(name)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweep_takes_only_old_files_no_row_references(app, client):
    from app.extensions import db, file_store
    from app.models import Attachment, AuditEvent
    from app.services import audit, files
    from app.uow import unit_of_work

    helpers.Api(client, 'agen1').file_report()
    with app.app_context():
        [photo] = db.session.execute(query(Attachment.storage_name)).scalars().all()
        age(photo)                                   # referenced: kept however old
        young = file_store.save(b'baru', '.jpg')     # a transaction still running may own it
        orphan = file_store.save(b'yatim', '.png')
        age(orphan)
        part = file_store.save(b'sebagian', '.pdf')
        os.replace(file_store.path(part), file_store.path(part + '.part'))
        age(part + '.part')
        foreign = file_store.root / 'catatan-operator.txt'   # not a name the store makes: never touched
        foreign.write_text('jangan dihapus')
        os.utime(foreign, (time.time() - OLD, time.time() - OLD))

        with unit_of_work():
            swept = files.sweep()
        assert swept.removed == sorted([orphan, part + '.part'])
        assert (swept.bytes, swept.waiting, swept.missing, swept.refused) == (len(b'yatim') + len(b'sebagian'), 1,
                                                                              [], None)
        assert stored_names() == {photo, young} and foreign.exists()
        [event] = db.session.execute(query(AuditEvent).where(AuditEvent.action == 'files.swept')
                                     .order_by(AuditEvent.id.desc()).limit(1)).scalars()
        assert event.detail == {'count': 2, 'bytes': swept.bytes, 'grace_minutes': 60, 'removed': swept.removed}
        assert audit.verify_chain() is None

        file_store.delete(photo)                     # a row whose file is gone is reported, not hidden
        with unit_of_work():
            swept = files.sweep()
        assert (swept.removed, swept.missing) == ([], [photo])
        foreign.unlink()
        file_store.delete(young)


def test_the_sweep_refuses_when_most_files_have_no_row(app):
    """Most of the store unreferenced means the wrong database (or a restore under way): nothing goes."""
    from app.extensions import file_store
    from app.services import files
    from app.uow import unit_of_work

    with app.app_context():
        names = [file_store.save(b'x', '.jpg') for _ in range(files.REFUSE_FROM)]
        for name in names:
            age(name)
        with unit_of_work():
            swept = files.sweep()
        assert swept.removed == [] and 'SIKANDA_DATABASE_URL' in swept.refused
        assert stored_names() == set(names)
        with unit_of_work():
            assert sorted(files.sweep(force=True).removed) == sorted(names)


def test_the_tick_sweeps_at_most_once_an_hour(app):
    from app.extensions import db, file_store
    from app.models import Setting
    from app.services import files
    from app.tick import run_tick
    from app.timeutil import utcnow

    with app.app_context():
        db.session.execute(text('DELETE FROM settings WHERE key = :key'), {'key': files.SWEPT_KEY})
        db.session.commit()
        first = file_store.save(b'1', '.jpg')
        age(first)
        assert run_tick(utcnow()).files_removed == 1
        second = file_store.save(b'2', '.jpg')
        age(second)
        assert run_tick(utcnow()).files_removed == 0          # swept within the hour: the tick only looks
        assert stored_names() == {second}
        db.session.execute(update(Setting).where(Setting.key == files.SWEPT_KEY)
                           .values(updated_at=utcnow() - files.EVERY))
        db.session.commit()
        report = run_tick(utcnow())
        assert report.files_removed == 1 and report.problems == []
        assert stored_names() == set()


def test_a_failed_write_leaves_no_part_file(app):
    from app.extensions import file_store
    with app.app_context():
        with pytest.raises(TypeError):
            file_store.save('not bytes', '.jpg')
        assert stored_names() == set()
