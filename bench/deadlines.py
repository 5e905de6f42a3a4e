"""Time the scheduler's tick, the early-warning dashboard and the SOP compliance report on a large database.

Seeds in bulk with insert(), in the shape the services write (steps, lanes and standards read from the
deployed diagram; the demo users made by users.create_user):
- R historic reports (--reports, default 100,000) submitted over the past year, each with its 4 completed
  tasks (Pelaporan, Verifikasi, Publikasi, Keputusan) and ended at 'Dipantau'. Every task took a known
  fraction 0.2, 0.4, ... 1.6 of its step's standard (in turn), so 5 of 8 are within it and the median is
  0.8 to 1.0 x the standard: the benchmark checks the compliance figures against that.
- N reports waiting for verification (--open, default 10,000; status 'diproses', one open 'Verifikator'
  task with standard PT2H), of which K (--due, default 1,000) are past half time and K more past their due
  time (already reminded, as an earlier tick would have done); the others started less than 55 minutes ago.
On a fresh SQLite file in WAL mode, or on PostgreSQL with SIKANDA_DATABASE_URL (or SIKANDA_TEST_DATABASE_URL,
as .ci/with-postgres exports it), which must point at an empty database.

Measures:
1. The tick (app.tick.run_tick, what `flask tick` runs: lease, one transaction per timer, reminder, overdue
   mark and e-mail) on the backlog of 2K due tasks, repeated at the same `now` until it does nothing (a tick
   takes at most scheduler.BATCH reminders and BATCH overdue tasks), with the notifications it created; then
   the every-minute tick with nothing due, in this process and as a new `flask --app app tick` process.
2. dashboard.summary for administrator1 and pimpinan1 over the default 90 days, and the /dasbor page.
3. compliance.summary over 30 and 365 days, step_detail of the verification step, and the /kepatuhan page.

Each figure is the median and 95th percentile of --runs calls after one warm-up call; an item whose calls
add up to more than BUDGET (60) seconds stops after MIN_RUNS (5) calls, and the table says so. At the default
sizes the seeding takes ~1.5 min on SQLite and ~4 min on PostgreSQL, the whole run 9-11 min.

Run: python -m bench.deadlines [--reports R] [--open N] [--due K] [--runs 20] [--quick] [--no-analyze]
PostgreSQL: SIKANDA_PG_PORT=55498 .ci/with-postgres .venv/bin/python -m bench.deadlines
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bench import PASSWORD, empty_app

ROOT = Path(__file__).resolve().parents[1]

CHUNK = 2000  # reports per bulk insert (x up to 5 task rows)
BUDGET, MIN_RUNS = 60, 5  # seconds per measured item before a slow one stops early
HISTORIC_STEPS = ('Task_Pelaporan', 'Task_Verifikasi', 'Task_Publikasi', 'Task_Keputusan')
COMPLETED_BY = {'Task_Verifikasi': 'verifikator1', 'Task_Publikasi': 'administrator1',
                'Task_Keputusan': 'pimpinan1'}  # the report step is completed by its reporter
REPORTERS = ('agen1', 'agen2')
VERIFY = 'Task_Verifikasi'
END = 'End_Dipantau'
RATIOS = [n / 5 for n in range(1, 9)]  # of the standard: 0.2 .. 1.6; 5 of 8 within it, median 0.8 .. 1.0


class Seeder:
    """Rows for one report at a time, as the services would have left them."""

    def __init__(self, db, now, rng):
        from sqlalchemy import select

        from app import wilayah
        from app.demo import EVENTS
        from app.models import User
        from app.roles import lane_label
        from app.services import processes
        from app.timeutil import parse_duration, to_wita

        self.db, self.now, self.rng, self.to_wita, self.events = db, now, rng, to_wita, EVENTS
        definition = processes.deployed_definition('sikanda')
        model = processes.model_for(definition)
        self.definition_id, self.end_name = definition.id, model.end_events[END]
        self.steps = {}
        for bpmn_id in HISTORIC_STEPS:
            info = model.user_tasks[bpmn_id]
            self.steps[bpmn_id] = (info, lane_label(info.lane), parse_duration(info.sla))
        self.user_ids = dict(db.session.execute(select(User.username, User.id)).all())
        self.places = [(kec.kode, desa) for kec in wilayah.kecamatan() for desa in wilayah.desa_of(kec.kode)]
        self.instances, self.reports, self.tasks = [], [], []
        self.next_task_id = 1

    def _task(self, instance_id, bpmn_id, started, created, completed=None, completed_by=None, reminded=None):
        info, lane, sla = self.steps[bpmn_id]
        due, remind = started + sla, started + sla / 2
        row = {'id': self.next_task_id, 'instance_id': instance_id,
               'task_uuid': str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), 'bpmn_id': bpmn_id,
               'name': info.name, 'lane': lane, 'form_key': info.form_key, 'sla': info.sla, 'status': 'terbuka',
               'assigned_to_id': None, 'claimed_by_id': None, 'claimed_at': None, 'created_at': created,
               'started_at': started, 'due_at': due, 'remind_at': remind, 'reminded_at': reminded,
               'overdue_at': None, 'completed_by_id': None, 'completed_at': None}
        if bpmn_id == 'Task_Pelaporan':
            row['assigned_to_id'] = completed_by  # the reporter's own task
        if completed is not None:
            # completed without a claim; a tick ran at half time and at the due time while it was open
            row.update(status='selesai', completed_by_id=completed_by, completed_at=completed,
                       claimed_by_id=completed_by, claimed_at=completed,
                       reminded_at=remind if completed > remind else None,
                       overdue_at=due if completed > due else None)
        self.next_task_id += 1
        self.tasks.append(row)
        return row

    def _done(self, instance_id, bpmn_id, started, ratio, user_id, created=None):
        """A completed task that took `ratio` of its standard; returns its completion time."""
        completed = started + self.steps[bpmn_id][2] * ratio
        self._task(instance_id, bpmn_id, started, created or started, completed, user_id)
        return completed

    def report(self, instance_id, learned, open_verify=None):
        """One report: filed at `learned` + its step's time; then either the whole path up to the
        decision, or (`open_verify` = (started, reminded_at)) an open verification task."""
        rng, index = self.rng, instance_id
        reporter = self.user_ids[REPORTERS[index % 2]]
        ratio = RATIOS[index % len(RATIOS)]
        # the agent learned of the event before opening the report: the clock counts from then
        pelaporan_time = self.steps['Task_Pelaporan'][2] * ratio
        created = learned + pelaporan_time / 2
        if open_verify:
            # the report was submitted exactly when the open verification task started
            submitted = open_verify[0]
            learned = submitted - pelaporan_time
            created = learned + pelaporan_time / 2
        submitted = self._done(instance_id, 'Task_Pelaporan', learned, ratio, reporter, created=created)
        row = {'id': instance_id, 'instance_id': instance_id,
               'nomor': f'SKD/{self.to_wita(created).year}/{instance_id:06d}', 'reporter_id': reporter,
               'created_at': created, 'submitted_at': submitted, 'verified_at': None, 'published_at': None,
               'klasifikasi': 'terbatas', 'catatan_pengembalian': None}
        judul, _apa, row['aspek'], row['jenis_athg'], row['tahap_konflik'] = self.events[index % len(self.events)]
        row['kecamatan_kode'], desa = rng.choice(self.places)
        row.update(judul=f'{judul} di {desa.nama}', desa_kode=desa.kode,
                   eskalasi=rng.choice(['rendah', 'sedang', 'tinggi', 'sangat_tinggi']),
                   sumber=rng.choice(['media', 'masyarakat', 'intelijen_daerah']),
                   waktu_kejadian=learned - timedelta(minutes=rng.randint(5, 240)))
        if open_verify:
            self._task(instance_id, VERIFY, open_verify[0], open_verify[0], reminded=open_verify[1])
            row.update(status='diproses', tahap_sop=self.steps[VERIFY][0].name, updated_at=submitted)
            instance = {'status': 'berjalan', 'completed_at': None, 'end_event_id': None, 'end_event_name': None,
                        'updated_at': submitted}
        else:
            at = submitted
            for offset, bpmn_id in enumerate(HISTORIC_STEPS[1:], start=1):
                at = self._done(instance_id, bpmn_id, at, RATIOS[(index + offset) % len(RATIOS)],
                                self.user_ids[COMPLETED_BY[bpmn_id]])
                if bpmn_id == VERIFY:
                    row['verified_at'] = at
                elif bpmn_id == 'Task_Publikasi':
                    row['published_at'] = at
            row.update(status='selesai', tahap_sop=self.end_name, updated_at=at)
            instance = {'status': 'selesai', 'completed_at': at, 'end_event_id': END, 'end_event_name': self.end_name,
                        'updated_at': at}
        self.reports.append(row)
        self.instances.append({'id': instance_id, 'definition_id': self.definition_id, 'state': '{}',
                               'started_by_id': reporter, 'created_at': created, 'next_timer_at': None,
                               'lock_version': 1, **instance})
        if len(self.reports) >= CHUNK:
            self.flush()

    def flush(self):
        from sqlalchemy import insert

        from app.models import HumanTask, ProcessInstance, Report
        for model, rows in ((ProcessInstance, self.instances), (Report, self.reports), (HumanTask, self.tasks)):
            if rows:
                self.db.session.execute(insert(model), rows)
        self.instances, self.reports, self.tasks = [], [], []


def seed(db, now, historic, open_tasks, due, rng, analyze=True):
    """Historic reports first (ids follow time), then the reports waiting for verification."""
    from sqlalchemy import text
    seeder = Seeder(db, now, rng)
    first = now - timedelta(days=365)
    span = timedelta(days=363)  # the last historic report ends (at most 29 h later) before the open ones
    for n in range(historic):
        seeder.report(n + 1, first + span * n / historic + timedelta(minutes=rng.randint(0, 59)))
    kinds = ['half'] * due + ['late'] * due + ['fresh'] * (open_tasks - 2 * due)
    rng.shuffle(kinds)
    for n, kind in enumerate(kinds, start=historic + 1):
        if kind == 'half':    # past half of PT2H, not yet due
            started, reminded = now - timedelta(minutes=rng.uniform(61, 119)), None
        elif kind == 'late':  # past due; reminded at half time by an earlier tick
            started = now - timedelta(minutes=rng.uniform(121, 240))
            reminded = started + timedelta(hours=1)
        else:                 # reminder due in 5 to 60 minutes
            started, reminded = now - timedelta(minutes=rng.uniform(0, 55)), None
        seeder.report(n, started, open_verify=(started, reminded))
    seeder.flush()
    db.session.commit()
    with db.engine.connect() as conn:
        if db.engine.dialect.name == 'postgresql':  # explicit ids: move the sequences past them
            for table in ('process_instances', 'reports', 'human_tasks'):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                  f'(SELECT max(id) FROM {table}))'))
        if analyze:  # fresh planner statistics, as autovacuum gives PostgreSQL (SQLite only with ANALYZE)
            conn.execute(text('ANALYZE'))
        conn.commit()
    return seeder.next_task_id - 1


# --- timing ------------------------------------------------------------------------------------------

def timed(call, runs):
    """(median, p95, samples) in ms over up to `runs` calls, after one untimed call that warms caches.
    A slow item stops after BUDGET seconds once it has MIN_RUNS samples."""
    call()
    samples, spent = [], 0.0
    while len(samples) < runs and (len(samples) < MIN_RUNS or spent < BUDGET):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
        spent += samples[-1]
    samples = sorted(s * 1000 for s in samples)
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)], len(samples)


class Table:
    def __init__(self, runs):
        self.rows, self.runs = [], runs

    def add(self, what, size, median, p95=None, samples=None):
        if samples is not None and samples < self.runs:
            what = f'{what} ({samples} runs)'
        self.rows.append((what, size, f'{median:,.1f} ms', '—' if p95 is None else f'{p95:,.1f} ms'))
        print(f'  {what} [{size}]: median {median:,.1f} ms' + ('' if p95 is None else f', p95 {p95:,.1f} ms'),
              file=sys.stderr)

    def markdown(self):
        lines = ['| what | size | median | p95 |', '|---|---|---|---|']
        return '\n'.join(lines + [f'| {" | ".join(row)} |' for row in self.rows])


def tick(now):
    """One tick at `now` as `flask tick` runs it: lease, one transaction per item, e-mail outbox."""
    from app.tick import run_tick
    report = run_tick(now)
    assert report.acquired and not report.problems, report
    return report


def bench_tick(db, now, args, table, url, upload_dir):
    from sqlalchemy import func, select

    from app.models import AuditEvent, Notification
    from app.services import scheduler
    from app.timeutil import to_wita

    size = f'{args.open:,} open tasks, {args.due:,} at half time + {args.due:,} overdue'
    totals, count = {'reminded': 0, 'overdue': 0, 'notifications': 0}, 0
    while True:
        count += 1
        started = time.perf_counter()
        result = tick(now)
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
        for key in totals:
            totals[key] += getattr(result, key)
        if result.reminded + result.overdue + result.timers_fired + result.timer_errors:
            table.add(f'tick {count} at `now`: {result.reminded:,} reminders, {result.overdue:,} overdue, '
                      f'{result.notifications:,} notifications', size, elapsed)
            assert count <= 2 + 2 * args.due // scheduler.BATCH, 'the backlog does not shrink'
            continue
        assert (result.reminded, result.overdue, result.notifications) == (0, 0, 0), result
        table.add(f'tick {count} at the same `now`: nothing left (0 reminders, 0 overdue, 0 notifications)',
                  size, elapsed)
        break
    stored = db.session.scalar(select(func.count()).select_from(Notification))
    overdue_events = db.session.scalar(select(func.count()).where(AuditEvent.action == 'task.overdue'))
    assert (totals['reminded'], totals['overdue']) == (args.due, args.due), totals
    assert stored == totals['notifications'] and overdue_events == args.due, (stored, overdue_events)
    print(f'tick backlog: {totals["reminded"]:,} reminders + {totals["overdue"]:,} overdue in {count - 1} tick(s) '
          f'(BATCH {scheduler.BATCH}), {stored:,} notifications stored, {overdue_events:,} task.overdue events')
    db.session.remove()

    later = now + timedelta(minutes=1)

    def steady():
        result = tick(later)
        db.session.remove()
        assert (result.reminded, result.overdue, result.timers_fired) == (0, 0, 0), result
    table.add('tick a minute later, nothing due (in this process)', size, *timed(steady, args.runs))

    # what cron / the systemd timer pays every minute: a new process that imports and creates the app
    when = to_wita(later).replace(tzinfo=None).isoformat(timespec='seconds')
    env = dict(os.environ, SIKANDA_ENV='test', SIKANDA_DATABASE_URL=url, SIKANDA_UPLOAD_DIR=upload_dir)

    def process():
        outcome = subprocess.run([sys.executable, '-m', 'flask', '--app', 'app', 'tick', '--now', when], env=env,
                                 cwd=ROOT, capture_output=True, text=True, check=False)
        assert outcome.returncode == 0 and 'pengingat 50%: 0; terlambat: 0' in outcome.stdout, \
            outcome.stdout + outcome.stderr
    table.add('`flask --app app tick` as a new process, nothing due', size, *timed(process, min(args.runs, 10)))
    return stored


def bench_dashboard(db, args, table):
    from app.dashboard.routes import CODE_LISTS
    from app.services import dashboard, users
    from app.services.compliance import Period

    sizes = {}
    for username in ('administrator1', 'pimpinan1'):
        viewer = users.find_user(username)
        period = Period.last_days(dashboard.DEFAULT_DAYS)
        figures = dashboard.summary(viewer, period, CODE_LISTS)
        sizes[username] = (f'{args.reports + args.open:,} submitted reports; {figures.total:,} counted in '
                           f'{dashboard.DEFAULT_DAYS} days, {figures.overdue_tasks:,} overdue tasks')
        print(f'dashboard {username}: total {figures.total:,}, verified {figures.verified:,}, '
              f'overdue tasks {figures.overdue_tasks:,}, weeks {len(figures.weeks)}, '
              f'high eskalasi {figures.count_of("eskalasi", ("tinggi", "sangat_tinggi")):,}')
        assert figures.total and figures.newest_verified, 'the dashboard counts nothing'

        def call(v=viewer, p=period):
            dashboard.summary(v, p, CODE_LISTS)
            db.session.expunge_all()
        table.add(f'dashboard.summary, {username}', sizes[username], *timed(call, args.runs))
        db.session.remove()
    return sizes


def bench_compliance(db, args, table, total_tasks):
    from app.services import compliance, users

    sizes = {}
    for days in (30, 365):
        period = compliance.Period.last_days(days)
        figures = compliance.summary(period)
        sizes[days] = f'{total_tasks:,} task rows; {figures.handled:,} handled in {days} days'
        for step in figures.steps:
            if step.handled >= 400:  # the seeded durations: 5 of 8 within, median 0.8 .. 1.0 x the standard
                assert abs(step.share - 62.5) < 3, (step.key, step.share)
                assert 0.79 < step.median / step.standard_hours < 1.01, (step.key, step.median)
        print(f'compliance {days} days: ' + '; '.join(
            f'{s.key} handled {s.handled:,}, median {s.median or 0:.2f} h, within {s.share or 0:.1f}%, '
            f'overdue {s.overdue:,}' for s in figures.steps))

        def call(p=period):
            compliance.summary(p)
            db.session.expunge_all()
        table.add(f'compliance.summary, {days} days', sizes[days], *timed(call, args.runs))
    viewer = users.find_user('administrator1')
    period = compliance.Period.last_days(365)
    detail = compliance.step_detail(VERIFY, period, viewer)

    def drill():
        compliance.step_detail(VERIFY, period, viewer)
        db.session.expunge_all()
    table.add(f'compliance.step_detail({VERIFY}), 365 days, administrator1',
              f'{detail.shown:,} handled, {len(detail.tasks)} listed', *timed(drill, args.runs))
    db.session.remove()
    return sizes


def bench_pages(app, args, table, dashboard_sizes, compliance_sizes):
    from app.services.compliance import Period
    from tests.helpers import web_login

    for username in ('administrator1', 'pimpinan1'):
        client = app.test_client()
        assert web_login(client, username, PASSWORD).status_code == 302

        def page(c=client):
            response = c.get('/dasbor')
            assert response.status_code == 200 and b'Mg ' in response.data, response.status_code
        table.add(f'GET /dasbor (HTML), {username}', dashboard_sizes[username], *timed(page, args.runs))
    client = app.test_client()
    assert web_login(client, 'administrator1', PASSWORD).status_code == 302
    year = Period.last_days(365)
    for days, query in ((30, ''), (365, f'?dari={year.start.isoformat()}&sampai={year.end.isoformat()}')):
        def page(q=query):
            response = client.get(f'/kepatuhan{q}')
            assert response.status_code == 200 and b'Verifikasi Laporan' in response.data, response.status_code
        table.add(f'GET /kepatuhan (HTML), {days} days, administrator1', compliance_sizes[days],
                  *timed(page, args.runs))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--reports', type=int, default=100_000, help='historic reports, 4 completed tasks each')
    parser.add_argument('--open', type=int, default=10_000, help='reports with an open verification task')
    parser.add_argument('--due', type=int, default=1_000, help='open tasks at half time, and as many overdue')
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--quick', action='store_true', help='2,000 reports, 1,000 open, 100 due, 5 runs')
    parser.add_argument('--no-analyze', dest='analyze', action='store_false',
                        help='no ANALYZE after seeding (SQLite plans without statistics, as the app never analyses)')
    args = parser.parse_args()
    if args.quick:
        args.reports, args.open, args.due, args.runs = 2_000, 1_000, 100, 5
    if args.open < 2 * args.due:
        parser.error('--open must be at least 2 x --due')
    from app.extensions import db
    from app.timeutil import utcnow

    app, workdir = empty_app()
    url = str(app.config['DATABASE_URL'])
    table = Table(args.runs)
    with app.app_context():
        now = utcnow()
        started = time.perf_counter()
        total_tasks = seed(db, now, args.reports, args.open, args.due, random.Random(7), args.analyze)
        dialect = db.engine.dialect.name
        print(f'seeded {args.reports:,} historic + {args.open:,} open reports, {total_tasks:,} tasks in '
              f'{time.perf_counter() - started:.1f} s ({dialect}, {db.engine.url.render_as_string()}, '
              f'{"ANALYZE" if args.analyze else "no ANALYZE"})')
        db.session.remove()
    with app.app_context():
        bench_tick(db, now, args, table, url, str(workdir / 'uploads'))
    with app.app_context():
        dashboard_sizes = bench_dashboard(db, args, table)
        compliance_sizes = bench_compliance(db, args, table, total_tasks)
    bench_pages(app, args, table, dashboard_sizes, compliance_sizes)
    print(f'\n{dialect} ({"" if args.analyze else "no "}ANALYZE), {args.runs} runs each unless noted '
          f'(median, 95th percentile):\n')
    print(table.markdown())


if __name__ == '__main__':
    main()
