"""Time the auditors' global log on a large audit table: filtered first pages, a deep page, the HTML page.

Seeds N events (default 200,000) over 20,000 reports in bulk, with a valid hash chain computed by the
same digest the application uses, on a fresh SQLite file in WAL mode (or SIKANDA_DATABASE_URL).
Run: python -m bench.audit_log [--events N] [--runs R]
"""
import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ACTIONS = ['task.completed', 'task.claimed', 'task.released', 'decision.taken', 'attachment.uploaded',
           'attachment.viewed', 'auth.login', 'auth.logout', 'instance.started', 'instance.completed']
ROLES = ['agen', 'verifikator', 'administrator', 'pimpinan']
KECAMATAN = [f'63.11.0{i}' for i in range(1, 9)]


def seed(db, events, reports, rng):
    from sqlalchemy import insert, select, text

    from app.models import AuditChainHead, AuditEvent, ProcessDefinition, ProcessInstance, Report, User
    from app.services.audit import HEAD_ID, _digest
    from app.timeutil import utcnow
    definition_id = db.session.scalar(select(ProcessDefinition.id))
    users = db.session.scalars(select(User)).all()
    start = utcnow() - timedelta(days=365)
    now = utcnow()
    db.session.execute(insert(ProcessInstance), [
        {'id': i, 'definition_id': definition_id, 'state': '{}', 'status': 'selesai', 'started_by_id': users[0].id,
         'created_at': now, 'updated_at': now, 'lock_version': 1} for i in range(1, reports + 1)])
    db.session.execute(insert(Report), [
        {'instance_id': i, 'nomor': f'BENCH/{i}', 'reporter_id': users[0].id, 'kecamatan_kode': rng.choice(KECAMATAN),
         'klasifikasi': 'terbatas', 'tahap_sop': 'Selesai', 'status': 'selesai', 'created_at': now,
         'updated_at': now} for i in range(1, reports + 1)])
    previous, rows = db.session.get(AuditChainHead, HEAD_ID).last_hash, []  # continue the existing chain
    for n in range(events):
        user = rng.choice(users)
        row = SimpleNamespace(
            created_at=start + timedelta(seconds=n * 365 * 86400 // events), actor_id=user.id,
            actor_username=user.username, role=rng.choice(ROLES), action=rng.choice(ACTIONS),
            instance_id=rng.randint(1, reports), human_task_id=None, detail={'n': n}, prev_hash=previous)
        row.hash = _digest(row)
        previous = row.hash
        rows.append(vars(row))
        if len(rows) == 5000:
            db.session.execute(insert(AuditEvent), rows)
            rows = []
    if rows:
        db.session.execute(insert(AuditEvent), rows)
    db.session.execute(AuditChainHead.__table__.update().values(last_hash=previous))
    db.session.commit()
    with db.engine.connect() as conn:  # fresh planner statistics, as autovacuum / a long-lived database has
        conn.execute(text('ANALYZE'))
        conn.commit()


def timed(call, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--events', type=int, default=200_000)
    parser.add_argument('--runs', type=int, default=30)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import audit_log, processes, users
    from app.timeutil import utcnow
    from app.uow import unit_of_work
    from forms import FORM_CATALOG

    workdir = Path(tempfile.mkdtemp(prefix='sikanda-bench-'))
    url = os.environ.get('SIKANDA_DATABASE_URL') or f'sqlite:///{workdir / "bench.db"}'
    app = create_app({'SIKANDA_ENV': 'test', 'DATABASE_URL': url, 'SQLALCHEMY_DATABASE_URI': url,
                      'UPLOAD_DIR': str(workdir / 'uploads'), 'SECRET_KEY': 'bench', 'SESSION_COOKIE_SECURE': False})
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        with unit_of_work():
            processes.install_shipped_diagrams(FORM_CATALOG)
            for n in range(50):
                users.create_user(f'petugas{n}', f'Petugas {n}', 'bench-password-2026', [ROLES[n % 4]])
            users.create_user('auditor', 'Auditor', 'bench-password-2026', ['auditor'])
        started = time.perf_counter()
        seed(db, args.events, 20_000, rng)
        print(f'seeded {args.events} events in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})')
        A = audit_log.AuditFilter  # noqa: N806
        month_start = (utcnow() - timedelta(days=200)).date()
        cases = {
            'no filter': A(), 'action': A(action='decision.taken'), 'actor': A(actor='petugas7'),
            'role': A(role='pimpinan'), 'report': A(instance_id=1234), 'kecamatan': A(kecamatan='63.11.03'),
            'one month': A(start=month_start, end=month_start + timedelta(days=30)),
            'actor + action': A(actor='petugas7', action='task.completed'),
        }
        for name, criteria in cases.items():
            median, p95 = timed(lambda c=criteria: (audit_log.page(c), db.session.expunge_all()), args.runs)
            print(f'first page, {name:15s}: median {median:6.1f} ms, p95 {p95:6.1f} ms')
        middle = args.events // 2
        median, p95 = timed(lambda: (audit_log.page(A(), before_id=middle), db.session.expunge_all()), args.runs)
        print(f'page at event {middle}, no filter: median {median:6.1f} ms, p95 {p95:6.1f} ms')
        db.session.remove()
    client = app.test_client()
    form = client.get('/login').get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post('/login', data={'csrf_token': token, 'username': 'auditor', 'password': 'bench-password-2026'})
    pages = [('HTML, action filter', 'aksi=decision.taken'), ('HTML, kecamatan filter', 'kecamatan=63.11.03'),
             ('HTML, no filter', '')]
    for name, query in pages:
        median, p95 = timed(lambda q=query: client.get(f'/audit?{q}'), args.runs)
        print(f'{name:28s}: median {median:6.1f} ms, p95 {p95:6.1f} ms')


if __name__ == '__main__':
    main()
