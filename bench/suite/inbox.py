"""Inbox: verifikator1's open tasks as GET /api/v1/tasks and as the HTML page /tugas, on a growing database.

SQLite (a fresh WAL file), gunicorn -w 1, sizes 1,000 / 10,000 / 100,000 instances (--quick: 1,000 and
10,000); p50 and p95 per size. No ANALYZE is run: the app never runs it on SQLite.

Seeding, the fast path: real rows copied in bulk. Eight template instances are made through the services
(start_report + complete_task), one per stage and reporter (agen1, agen2): waiting for verification, for
publication, for the decision, and done (decided TIDAK, ended at Dipantau). Clones copy their rows —
process_instances (the state JSON with every task UUID replaced by a fresh uuid4, consistently in the state
and in human_tasks.task_uuid), reports (a fresh nomor from the new instance id), human_tasks and
task_submissions — with new ids, all their times moved back 13 s per clone (so due dates differ), by
executemany insert() in chunks of 2,000 instances. Not copied: audit events, notifications and attachments
(the templates carry no photo); nothing the inbox reads. 7 clones in 10 wait for verification, so the
verifier's inbox is large. At each size one clone's verification task is completed through
workflow.complete_task, which proves a clone is a working instance.

Memory: the RSS of the gunicorn worker (psutil, the master's child) after it has served the inbox requests
at a size: "after 1,000 / 10,000 instances" means with that many instances in the database, the same worker
having served every inbox request so far (warm-up and measured, API and HTML). The process serves pages of
at most one page (queries.INBOX_PAGE_SIZE rows), so its memory should not follow the table sizes.
"""
import random
import re
import statistics
import time
import uuid
from datetime import datetime, timedelta

from app.services import queries
from bench import PASSWORD
from bench.suite.common import percentile, say
from bench.suite.databases import fresh_sqlite
from bench.suite.server import Client, Server

PART = 'inbox (SQLite, gunicorn -w 1, verifikator1)'
MEMORY = 'memory (gunicorn worker RSS)'
PATTERN = ('verify',) * 7 + ('publish', 'decide', 'done')  # the stages of every 10 clones
REPORTERS = ('agen1', 'agen2')
CHUNK = 2000
SPREAD = timedelta(seconds=13)
WARM_UP = 5
BUDGET_S, MIN_SAMPLES = 60, 10
API_P95_MS, P95_GROWTH, RSS_GROWTH = 15.0, 1.3, 1.1
UUID = re.compile(r'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})')  # split() keeps them


def run(results, sizes, requests):
    measured = {}
    with fresh_sqlite() as (app, workdir, url):
        with app.app_context():
            cloner = Cloner(_templates())
        server = Server(url, workdir, 1, 'inbox')
        try:
            for size in sizes:
                with app.app_context():
                    cloner.grow_to(size, results)
                if server.process is None:
                    server.start()
                measured[size] = _measure(server, requests, cloner.open_verify)
                measured[size]['rss'] = server.worker_rss()
                with app.app_context():
                    _check_clone_completes(results, cloner, size)
        finally:
            server.stop()
    _rows(results, measured, sizes)


# --- templates and clones ----------------------------------------------------------------------------------

def _templates():
    """{(stage, reporter): instance id}, each made through the services."""
    from app.demo import STEP_DATA, report_data
    from app.services import queries, users, workflow
    from app.uow import unit_of_work

    later = {'verify': [], 'publish': [('verifikator1', STEP_DATA['verifikasi_ya'])],
             'decide': [('verifikator1', STEP_DATA['verifikasi_ya']), ('administrator1', STEP_DATA['publikasi'])],
             'done': [('verifikator1', STEP_DATA['verifikasi_ya']), ('administrator1', STEP_DATA['publikasi']),
                      ('pimpinan1', STEP_DATA['keputusan_tidak'])]}
    made = {}
    for number, (stage, reporter) in enumerate((s, r) for s in later for r in REPORTERS):
        with unit_of_work():
            instance_id = workflow.start_report(users.find_user(reporter)).id
        for actor, data in [(reporter, report_data(random.Random(number), number)), *later[stage]]:
            with unit_of_work():
                [task] = queries.open_tasks(instance_id)
                workflow.complete_task(task.id, users.find_user(actor), workflow.Submission(data=data))
        made[(stage, reporter)] = instance_id
    return made


class Template:
    """One template instance's rows, and its state cut at every task UUID."""

    def __init__(self, instance_id):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import HumanTask, ProcessInstance, Report, TaskSubmission

        def rows(table, column):
            return [dict(r) for r in db.session.execute(select(table).where(column == instance_id)).mappings()]

        [self.instance] = rows(ProcessInstance.__table__, ProcessInstance.__table__.c.id)
        [self.report] = rows(Report.__table__, Report.__table__.c.instance_id)
        self.tasks = rows(HumanTask.__table__, HumanTask.__table__.c.instance_id)
        self.submissions = rows(TaskSubmission.__table__, TaskSubmission.__table__.c.instance_id)
        self.pieces = UUID.split(self.instance['state'])          # text, uuid, text, uuid, … text
        self.uuids = sorted(set(UUID.findall(self.instance['state'])) | {t['task_uuid'] for t in self.tasks})
        self.opens_verify = any(t['status'] == 'terbuka' and t['bpmn_id'] == 'Task_Verifikasi' for t in self.tasks)

    def clone(self, ids, shift):
        """(instance, report, tasks, submissions) rows of one clone; `ids` hands out the next id per table."""
        from app.timeutil import to_wita

        fresh = {old: str(uuid.uuid4()) for old in self.uuids}
        pieces = list(self.pieces)
        pieces[1::2] = [fresh[u] for u in pieces[1::2]]
        instance_id = ids.next('instance')
        instance = _moved(self.instance, shift, id=instance_id, state=''.join(pieces))
        report = _moved(self.report, shift, id=ids.next('report'), instance_id=instance_id)
        report['nomor'] = f'SKD/{to_wita(report["created_at"]).year}/{instance_id:06d}'
        task_ids = {t['id']: ids.next('task') for t in self.tasks}
        tasks = [_moved(t, shift, id=task_ids[t['id']], instance_id=instance_id, task_uuid=fresh[t['task_uuid']])
                 for t in self.tasks]
        submissions = [_moved(s, shift, id=ids.next('submission'), instance_id=instance_id,
                              human_task_id=task_ids[s['human_task_id']]) for s in self.submissions]
        return instance, report, tasks, submissions


def _moved(row, shift, **changes):
    """A copy of the row with its times moved by `shift` and `changes` applied."""
    return {key: (value + shift if isinstance(value, datetime) else value) for key, value in row.items()} | changes


class _Ids:
    def __init__(self):
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import HumanTask, ProcessInstance, Report, TaskSubmission
        self.last = {name: db.session.scalar(select(func.coalesce(func.max(model.id), 0))) for name, model in
                     (('instance', ProcessInstance), ('report', Report), ('task', HumanTask),
                      ('submission', TaskSubmission))}

    def next(self, name):
        self.last[name] += 1
        return self.last[name]


class Cloner:
    """Grows the database to a number of instances with clones of the templates."""

    def __init__(self, template_ids):
        self.templates = {key: Template(instance_id) for key, instance_id in template_ids.items()}
        self.instances = len(template_ids)
        self.clones = 0
        self.open_verify = sum(t.opens_verify for t in self.templates.values())
        self.last_verify_clone = None

    def grow_to(self, size, results):
        from sqlalchemy import insert, text

        from app.extensions import db
        from app.models import HumanTask, ProcessInstance, Report, TaskSubmission

        wanted, started = size - self.instances, time.perf_counter()
        ids = _Ids()
        tables = (ProcessInstance.__table__, Report.__table__, HumanTask.__table__, TaskSubmission.__table__)
        while self.instances < size:
            batch = [[], [], [], []]
            for _ in range(min(CHUNK, size - self.instances)):
                template = self._next_template()
                instance, report, tasks, submissions = template.clone(ids, -SPREAD * self.clones)
                batch[0].append(instance)
                batch[1].append(report)
                batch[2].extend(tasks)
                batch[3].extend(submissions)
                self.open_verify += template.opens_verify
                if template.opens_verify:
                    self.last_verify_clone = instance['id']
            with db.engine.begin() as conn:
                for table, rows in zip(tables, batch, strict=True):
                    conn.execute(insert(table), rows)
            if self.instances % 20_000 < CHUNK or self.instances >= size:
                say(f'inbox: {self.instances:,}/{size:,} instances')
        with db.engine.connect() as conn:
            conn.execute(text('PRAGMA wal_checkpoint(TRUNCATE)'))
        seconds = time.perf_counter() - started
        results.add(PART, f'seeding to {size:,} instances (fast path, see inbox.py)',
                    f'{wanted:,} clones in {seconds:.1f} s ({wanted / seconds if seconds else 0:,.0f}/s); '
                    f'{self.open_verify:,} open verification tasks', clones=wanted, seconds=seconds)

    def _next_template(self):
        stage, reporter = PATTERN[self.clones % len(PATTERN)], REPORTERS[(self.clones // len(PATTERN)) % 2]
        self.clones += 1
        self.instances += 1
        return self.templates[(stage, reporter)]


def _check_clone_completes(results, cloner, size):
    """The newest clone waiting for verification is verified YA through the services."""
    from app.demo import STEP_DATA
    from app.extensions import db
    from app.services import queries, users, workflow
    from app.uow import unit_of_work

    instance_id = cloner.last_verify_clone
    db.session.remove()
    with unit_of_work():
        [task] = queries.open_tasks(instance_id)
        done = task.bpmn_id
        workflow.complete_task(task.id, users.find_user('verifikator1'),
                               workflow.Submission(data=STEP_DATA['verifikasi_ya']))
    next_steps = [t.bpmn_id for t in queries.open_tasks(instance_id)]
    db.session.remove()
    cloner.open_verify -= 1
    ok = done == 'Task_Verifikasi' and next_steps == ['Task_Publikasi']
    results.add(PART, f'a clone completes through workflow.complete_task ({size:,} instances)',
                f'instance {instance_id}: {done} → {", ".join(next_steps) or "nothing"}',
                'verified, then waits for Task_Publikasi', ok)
    if not ok:
        results.error(PART, f'clone {instance_id} did not move on as expected: {next_steps}')


# --- measuring ---------------------------------------------------------------------------------------------

def _measure(server, requests, open_verify):
    """p50/p95 of the API list and of the HTML page for verifikator1, each after WARM_UP calls."""
    token = server.token('verifikator1', PASSWORD)
    api, page = Client(server.port), Client(server.port)
    page.web_login('verifikator1', PASSWORD)
    shown = len(api.api('GET', '/tasks', token).json())
    expected = min(open_verify, queries.INBOX_PAGE_SIZE)  # the first page
    assert shown == expected, f'the API lists {shown} tasks, expected {expected}'
    assert b'Verifikasi Laporan' in page.request('GET', '/tugas').body, 'the inbox page shows no verification task'
    figures = {'api': _timed(lambda: api.api('GET', '/tasks', token).ms, requests),
               'html': _timed(lambda: page.request('GET', '/tugas').ms, requests), 'open': open_verify}
    api.close()
    page.close()
    return figures


def _timed(call, requests):
    for _ in range(WARM_UP):
        call()
    samples, spent = [], 0.0
    while len(samples) < requests and (len(samples) < MIN_SAMPLES or spent < BUDGET_S * 1000):
        samples.append(call())
        spent += samples[-1]
    return samples


def _rows(results, measured, sizes):
    for size in sizes:
        figures = measured[size]
        for key, what in (('api', 'GET /api/v1/tasks'), ('html', 'GET /tugas (HTML)')):
            samples = figures[key]
            results.add(PART, f'{what}, {size:,} instances ({figures["open"]:,} open for the verifier)',
                        f'p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms '
                        f'({len(samples)} requests)', p50_ms=statistics.median(samples),
                        p95_ms=percentile(samples, 0.95), n=len(samples))
    small, large = sizes[0], sizes[-1]
    p95 = {size: percentile(measured[size]['api'], 0.95) for size in sizes}
    note = '' if large == 100_000 else f' (quick run: {large:,} instead of 100,000)'
    results.add(PART, f'API p95 at {large:,} vs at {small:,} instances{note}',
                f'{p95[large]:.1f} ms vs {p95[small]:.1f} ms ({p95[large] / p95[small]:.2f}×)',
                f'≤ {P95_GROWTH} × p95 at {small:,}', p95[large] <= P95_GROWTH * p95[small],
                ratio=p95[large] / p95[small])
    results.add(PART, f'API p95 at {large:,} instances{note}', f'{p95[large]:.1f} ms', f'≤ {API_P95_MS:g} ms',
                p95[large] <= API_P95_MS, p95_ms=p95[large])
    _memory_rows(results, measured, sizes)


def _memory_rows(results, measured, sizes):
    rss = {size: measured[size]['rss'] for size in sizes}
    workers = {pid for sizes_rss in rss.values() for pid in sizes_rss}
    for size in sizes:
        results.add(MEMORY, f'after serving the inbox with {size:,} instances in the database',
                    f'{sum(rss[size].values()) / 2**20:.1f} MiB', rss_bytes=sum(rss[size].values()))
    if len(workers) != 1:
        results.error(MEMORY, f'the worker changed during the run (pids {sorted(workers)}): RSS not comparable')
        return
    base, compared = sizes[0], 10_000 if 10_000 in sizes else sizes[-1]
    before, after = sum(rss[base].values()), sum(rss[compared].values())
    results.add(MEMORY, f'RSS at {compared:,} vs at {base:,} instances', f'{after / before:.3f}×',
                f'≤ {RSS_GROWTH} × RSS at {base:,}', after <= RSS_GROWTH * before, ratio=after / before)
