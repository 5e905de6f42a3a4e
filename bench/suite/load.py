"""Concurrency and load: many API clients drive reports through the SOP while clients of one lane race for
the same task; afterwards the database is checked, instance by instance, against what the clients were told.

  python -m bench.load [--quick] [--clients N] [--seconds S] [--databases postgresql,sqlite] [--out DIR]

Each client is a thread with its own connection (bench/suite/server.py's http.client Client). It files
reports as its agent and drives each one to its end through the JSON API v1: the report with a photo,
the verification (YA; TIDAK + kembalikan, after which the agent revises; or TIDAK + tolak), the
publication, the leadership's decision (YA: rakor; TIDAK: monitored), the invitation letter and the
rakor. A plain step is done by one member of the lane. At about a third of the steps the client stages
a race instead: one thread per racer opens its connection, all wait at a barrier and send at once.

- complete: the three members of the lane complete the same task; where the step decides (verification,
  decision) they decide differently. One 200, two 409; the path goes on as the winner decided.
- claim: the three claim the task at once (one 200, two 409), then all three complete it: the
  claimant's 200, two 409.
- double: the agent sends the same report (or revision) twice at once while another agent tries too:
  one 200, one 409, and 403 for the other agent (the task is assigned to the reporter).
- letter: two administrators make the rakor's invitation at once: both 201, versions 1 and 2 of one number.

Where the reporter is also a verifier (agenverif1/2), they join the verification's race and must get 403
(separation of duties). A 409 that names who completed or claimed the task must name the winner.

Afterwards, every request answered and the server idle, per instance: the open `human_tasks` rows equal
the ready user tasks of the stored workflow state (read through the app's engine facade); the report's
status and SOP stage agree with the instance; both equal what the last 200 a client received said; every
completed task has one task_submissions row by the person the client was told had won, one task.completed
event and at most one decision.taken (exactly one when the step decides); no completion is missing and
none is unknown to the clients; a raced claim has one task.claimed event; report and document numbers
are unique, a document's versions share one number, the counters have no gaps; the audit hash chain
verifies; the upload directory holds exactly the stored photos and documents (a losing racer's photo was
removed with its rollback). After the stop: no traceback in the server log, no deadlock counted by
PostgreSQL. Any 5xx, unexpected status, failed race or failed check is an error: the exit status is 1.

Results: load-results.json and load-results.md in --out (test-artifacts/bench/ by default).
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import PASSWORD
from bench.suite.common import ROOT, OtherWork, path_data, percentile, photo_bytes, say, summary, warn
from bench.suite.databases import fresh_postgres, fresh_sqlite, postgres_url
from bench.suite.http_path import form_json, report_fields
from bench.suite.results import Results
from bench.suite.server import Client, HttpError, Server, multipart

FULL = {'clients': 50, 'seconds': {'postgresql': 60, 'sqlite': 60}, 'databases': ('postgresql',), 'warm_up': True}
# the CI form: under ~40 s on two cores, fixed costs (migrations, users, workers booting) included
QUICK = {'clients': 10, 'seconds': {'postgresql': 8, 'sqlite': 6}, 'databases': ('postgresql', 'sqlite'),
         'warm_up': False}
WORKERS = {'postgresql': 4, 'sqlite': 2}
RACE_SHARE = 0.35          # share of the steps that are raced
LETTER_RACE_SHARE = 0.3    # share of the rakor letters made by two administrators at once
MAX_RETURNS = 2            # a report is returned at most this often (then the verifiers say YA)
BARRIER_TIMEOUT = 60
TOKEN_HOURS = 2
ANY_STATUS = range(0, 1000)
KEEP = 40                  # problems kept in the JSON file per kind

# the users: agen1, agen2, verifikator1, administrator1 and pimpinan1 come with the demo users
EXTRA_USERS = [
    ('agen3', 'Agen Tiga', ['agen']), ('agen4', 'Agen Empat', ['agen']),
    ('agenverif1', 'Agen Verifikator Satu', ['agen', 'verifikator']),
    ('agenverif2', 'Agen Verifikator Dua', ['agen', 'verifikator']),
    ('verifikator2', 'Verifikator Dua', ['verifikator']), ('verifikator3', 'Verifikator Tiga', ['verifikator']),
    ('administrator2', 'Administrator Dua', ['administrator']),
    ('administrator3', 'Administrator Tiga', ['administrator']),
    ('pimpinan2', 'Pimpinan Dua', ['pimpinan']), ('pimpinan3', 'Pimpinan Tiga', ['pimpinan']),
]
AGENTS = ('agen1', 'agen2', 'agen3', 'agen4')
DUAL_AGENTS = ('agenverif1', 'agenverif2')   # agents who are verifiers too: never of their own report
ADMINISTRATORS = ('administrator1', 'administrator2', 'administrator3')
LANE_USERS = {'verify': ('verifikator1', 'verifikator2', 'verifikator3'), 'publish': ADMINISTRATORS,
              'decide': ('pimpinan1', 'pimpinan2', 'pimpinan3'), 'rakor': ADMINISTRATORS}
STEP_OF = {'Task_Pelaporan': 'report', 'Task_Verifikasi': 'verify', 'Task_Publikasi': 'publish',
           'Task_Keputusan': 'decide', 'Task_Rakor': 'rakor'}
# what a 200 for (step, decision) must lead to: the next open task, or the end's name
NEXT = {('report', None): 'Task_Verifikasi', ('verify', 'ya'): 'Task_Publikasi',
        ('verify', 'kembalikan'): 'Task_Pelaporan', ('verify', 'tolak'): 'Ditolak',
        ('publish', None): 'Task_Keputusan', ('decide', 'ya'): 'Task_Rakor', ('decide', 'tidak'): 'Dipantau',
        ('rakor', None): 'Ditindaklanjuti'}
PLANS, PLAN_WEIGHTS = ('ya', 'return', 'monitor', 'reject'), (60, 25, 10, 5)
DECISION_DATA = {('verify', 'ya'): 'verifikasi_ya', ('verify', 'kembalikan'): 'verifikasi_kembalikan',
                 ('verify', 'tolak'): 'verifikasi_tolak', ('decide', 'ya'): 'keputusan_ya',
                 ('decide', 'tidak'): 'keputusan_tidak'}
DECISION_FIELDS = ('keputusan', 'tindak_lanjut', 'bentuk_penanganan')
# (keputusan, tindak_lanjut) a task's submission holds for the decision its winner sent
STORED_DECISION = {'ya': ('ya', None), 'tidak': ('tidak', None), 'kembalikan': ('tidak', 'kembalikan'),
                   'tolak': ('tidak', 'tolak')}


def main(argv=None):
    args = _arguments(argv)
    pg = postgres_url()
    results = Results(_meta(args, pg), title='SIKANDA concurrency and load', stem='load-results')
    started, other_work = time.perf_counter(), OtherWork()
    say(f'SIKANDA load, {results.meta["mode"]}: {args.clients} clients on '
        f'{", ".join(f"{d} for {args.seconds[d]:g} s" for d in args.databases)}; results into {args.out}')
    try:
        for database in args.databases:
            part = f'load ({_label(database)}, gunicorn -w {WORKERS[database]}, {args.clients} clients, '\
                   f'{args.seconds[database]:g} s)'
            if database == 'postgresql' and pg is None:
                results.skip(part, 'the whole part', 'skipped (no PostgreSQL: SIKANDA_TEST_DATABASE_URL unset)')
                continue
            say(f'== {part}')
            try:
                run_database(results, part, database, pg, args)
            except Exception as exc:  # noqa: BLE001 - reported in the table and the exit status
                import traceback
                traceback.print_exc()
                results.error(part, f'{type(exc).__name__}: {exc}')
    finally:
        results.meta['duration_s'] = time.perf_counter() - started
        results.meta['other_cpu_s'] = round(other_work.seconds(), 1)
        _notes(results, args)
        json_path, md_path = results.write(args.out)
        print('\n' + results.markdown())
        say(f'wrote {json_path} and {md_path}')
    if results.errors:
        warn(f'{len(results.errors)} error(s): 5xx, unexpected statuses, failed races or checks; see the table')
        return 1
    return 0


def _arguments(argv):
    parser = argparse.ArgumentParser(prog='python -m bench.load', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true',
                        help=f'{QUICK["clients"]} clients for {QUICK["seconds"]["postgresql"]} s on PostgreSQL and '
                             f'{QUICK["seconds"]["sqlite"]} s on SQLite, no warm-up')
    parser.add_argument('--clients', type=int, help=f'concurrent clients (default {FULL["clients"]})')
    parser.add_argument('--seconds', type=float,
                        help=f'length of the load per database (default {FULL["seconds"]["postgresql"]} s)')
    parser.add_argument('--databases', help='comma-separated: postgresql, sqlite (default: postgresql; '
                                            '--quick: both)')
    parser.add_argument('--seed', type=int, default=2026, help='seed of the clients\' choices')
    parser.add_argument('--no-warm-up', dest='warm_up', action='store_false', default=None,
                        help='no untimed path per worker before the load (--quick leaves it out)')
    parser.add_argument('--out', default=str(ROOT / 'test-artifacts' / 'bench'), help='where the results go')
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    args.clients = args.clients or sizes['clients']
    args.seconds = {d: args.seconds for d in WORKERS} if args.seconds else dict(sizes['seconds'])
    args.warm_up = sizes['warm_up'] if args.warm_up is None else args.warm_up
    args.databases = ([d.strip() for d in args.databases.split(',') if d.strip()] if args.databases
                      else list(sizes['databases']))
    unknown = set(args.databases) - set(WORKERS)
    if unknown:
        parser.error(f'unknown databases: {", ".join(sorted(unknown))}')
    if args.clients < 1 or min(args.seconds.values()) <= 0:
        parser.error('--clients and --seconds must be positive')
    return args


def _label(database):
    return 'PostgreSQL' if database == 'postgresql' else 'SQLite'


# --- one database -----------------------------------------------------------------------------------------

def run_database(results, part, database, pg, args):
    fresh = (lambda: fresh_postgres(pg, 'load')) if database == 'postgresql' else fresh_sqlite
    phases, mark = {}, time.perf_counter()

    def phase(name):
        nonlocal mark
        phases[name] = round(time.perf_counter() - mark, 1)
        mark = time.perf_counter()
        say(f'  {name}: {phases[name]} s')

    with fresh() as (app, workdir, url):
        full_names, tokens = _add_users(app)
        phase('database, users and tokens')
        with Server(url, workdir, WORKERS[database], f'load-{database}') as server:
            phase('server started')
            run = Run(full_names)
            if args.warm_up:
                # untimed: one path per worker, so every worker has parsed the diagram and rendered a letter
                run.phase = 'warm-up'
                _drive(run, server, tokens, WORKERS[database], args.seed + 7, deadline=None, paths_each=1)
                phase('warm-up')
            run.phase = 'load'
            meter = CpuMeter(server, _port_of(url) if database == 'postgresql' else None)
            started = time.perf_counter()
            _drive(run, server, tokens, args.clients, args.seed, label=_label(database),
                   deadline=time.monotonic() + args.seconds[database])
            run.seconds = time.perf_counter() - started
            run.cpu = meter.seconds()
            phase('load')
            # every request has been answered: the server is idle while the database is checked
            checks = verify(app, run, Path(workdir) / 'uploads')
            phase('checks')
            _quick_stop(server)
        phase('server stopped')
        log_problems = _log_problems(server.log)
        if database == 'postgresql':
            checks.append(_check_postgres_counters(app))
    _rows(results, part, run, checks, log_problems)
    results.details[part] = run.details(checks, log_problems) | {'phase_seconds': phases}


def _quick_stop(server):
    """gunicorn's quick shutdown (SIGQUIT to the master, which passes it to its workers): nothing is left to
    finish, and a graceful stop waits seconds for idle workers. Server.stop() is the fallback."""
    import signal
    import subprocess
    server.process.send_signal(signal.SIGQUIT)
    with suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=20)


def _add_users(app):
    """The extra lane members; ({username: full name} of every user, {username: bearer token}). The tokens are
    issued by the service the login endpoint uses: a login over HTTP costs an argon2 check each."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.services import users
    from app.uow import unit_of_work
    wanted = sorted({*AGENTS, *DUAL_AGENTS, *(u for lane in LANE_USERS.values() for u in lane)})
    with app.app_context():
        with unit_of_work():
            for username, name, roles in EXTRA_USERS:
                users.create_user(username, name, PASSWORD, roles)
            tokens = {username: users.issue_token(users.find_user(username), TOKEN_HOURS) for username in wanted}
        names = dict(db.session.execute(select(User.username, User.full_name)).all())
        db.session.remove()
    return names, tokens


def _drive(run, server, tokens, clients, seed, deadline, paths_each=None, label=None):
    """`clients` threads, each driving paths until the deadline (or `paths_each` paths)."""
    drivers = [Driver(run, server.port, tokens, n, seed) for n in range(clients)]
    threads = [threading.Thread(target=driver.drive, args=(deadline, paths_each), name=f'client-{n}')
               for n, driver in enumerate(drivers)]
    for thread in threads:
        thread.start()
    last = time.monotonic()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if label and time.monotonic() - last >= 10:
            last = time.monotonic()
            with run.lock:
                say(f'  {label}: {run.completions} completions, {run.paths_ended} paths ended, '
                    f'{len(run.races)} races, {run.problem_count} problems')
    for driver in drivers:
        driver.client.close()


# --- what a run saw ---------------------------------------------------------------------------------------

class Run:
    """Everything the clients of one run were told, shared by their threads (under `lock`)."""

    def __init__(self, full_names):
        self.full_names = full_names
        self.lock = threading.Lock()
        self.phase = 'load'
        self.requests = []        # (phase, op, step, status, ms, raced)
        self.problems = Counter()  # kind -> count
        self.examples = {}        # kind -> [details]
        self.acked = {}           # task id -> what the winner's 200 said (user, step, decision, instance)
        self.claims = {}          # task id -> the claim race's winner
        self.last = {}            # instance id -> the last instance JSON a client received, summarised
        self.letters = []         # (instance id, nomor, version) of every 201 letter
        self.races = []
        self.paths_ended, self.completions = 0, 0
        self.ends = Counter()
        self.photos = 0           # photos sent with a report the server accepted (200)
        self.seconds, self.cpu = 0.0, {}

    @property
    def problem_count(self):
        return sum(self.problems.values())

    def problem(self, kind, **detail):
        with self.lock:
            self.problems[kind] += 1
            kept = self.examples.setdefault(kind, [])
            if len(kept) < KEEP:
                kept.append(detail)

    def request(self, op, step, status, ms, raced):
        with self.lock:
            self.requests.append((self.phase, op, step, status, ms, raced))
            if op == 'complete' and status == 200 and self.phase == 'load':
                self.completions += 1

    def remember(self, instance):
        tasks = instance.get('tasks') or []
        summary_ = {'status': instance['status'], 'result': instance.get('result'),
                    'open': sorted(t['bpmn_id'] for t in tasks), 'report_status': instance['report']['status'],
                    'tahap_sop': instance['report']['tahap_sop']}
        with self.lock:
            self.last[instance['id']] = summary_
            if instance['status'] == 'selesai' and self.phase == 'load':
                self.paths_ended += 1
                self.ends[instance.get('result')] += 1

    def load_requests(self):
        return [r for r in self.requests if r[0] == 'load']

    def details(self, checks, log_problems):
        requests = self.load_requests()
        completions = [r[4] for r in requests if r[1] == 'complete' and r[3] == 200]
        return {
            'seconds': self.seconds, 'cpu_seconds': self.cpu, 'completions': len(completions),
            'paths_ended': self.paths_ended, 'ends': dict(self.ends),
            'statuses': {f'{op} {status}': n for (op, status), n in
                         sorted(Counter((r[1], r[3]) for r in requests).items())},
            'timings_ms': {
                'completion (200)': summary(completions),
                'completion, plain': summary([r[4] for r in requests if r[1] == 'complete' and r[3] == 200
                                              and not r[5]]),
                'completion, race winner': summary([r[4] for r in requests if r[1] == 'complete'
                                                    and r[3] == 200 and r[5]]),
                'race loser (409)': summary([r[4] for r in requests if r[3] == 409]),
                **{f'complete {step}': summary([r[4] for r in requests if r[1] == 'complete' and r[3] == 200
                                                and r[2] == step]) for step in NEXT_STEPS},
                'letter (201)': summary([r[4] for r in requests if r[1] == 'letter' and r[3] == 201]),
                'start (201)': summary([r[4] for r in requests if r[1] == 'start' and r[3] == 201]),
            },
            'races': {'count': len(self.races), 'by_kind': dict(Counter(r['kind'] for r in self.races)),
                      'failed': [r for r in self.races if r['problems']][:KEEP],
                      'overlapped': sum(r['overlapped'] for r in self.races),
                      'messages_409': dict(sum((Counter(r['messages']) for r in self.races), Counter()))},
            'problems': dict(self.problems), 'problem_examples': self.examples,
            'checks': checks, 'server_log_problems': log_problems[:KEEP],
            'instances': len(self.last),
        }


NEXT_STEPS = ('report', 'verify', 'publish', 'decide', 'rakor')


@dataclass
class Racer:
    user: str
    request: tuple
    op: str
    forbidden: bool = False
    decision: str | None = None
    photo: bool = False
    status: int = 0
    body: bytes = b''
    ms: float = 0.0
    sent: float = 0.0
    received: float = 0.0

    def json(self):
        with suppress(ValueError):
            return json.loads(self.body)
        return {}


@dataclass
class PathState:
    index: int
    plan: str
    steps: dict
    letter: dict
    agent: str
    returns: int = 0
    reported: bool = False
    instance_id: int | None = None


class Driver:
    """One client: its own connection, its agent, and a seeded choice of plans, actors and races."""

    def __init__(self, run, port, tokens, number, seed):
        self.run, self.port, self.tokens, self.number = run, port, tokens, number
        self.client = Client(port)
        self.rng = random.Random(seed * 1000 + number)
        # every fifth client reports as an agent who is a verifier too
        self.agent = (DUAL_AGENTS[self.number // 5 % 2] if self.number % 5 == 4
                      else AGENTS[self.number % len(AGENTS)])
        self.photo = photo_bytes()
        self.deadline = None

    def drive(self, deadline, paths_each=None):
        self.deadline = deadline
        done = 0
        while (deadline is None or time.monotonic() < deadline) and (paths_each is None or done < paths_each):
            try:
                self._path(self.number * 100_000 + done + (50_000 if deadline is None else 0), deadline)
            except Exception as exc:  # noqa: BLE001 - a client's own failure is a problem of the run, not a hang
                self.run.problem('client exception', error=f'{type(exc).__name__}: {exc}')
            done += 1

    # -- one path --

    def _path(self, index, deadline):
        steps, letter = path_data(index)
        state = PathState(index, self.rng.choices(PLANS, PLAN_WEIGHTS)[0], steps, letter, self.agent)
        answer = self._send('start', None, self._json_request('/processes/sikanda/instances', {}, self.agent), 201)
        if answer is None:
            return
        instance = answer.json()
        state.instance_id = instance['id']
        self.run.remember(instance)
        while instance['status'] != 'selesai' and (deadline is None or time.monotonic() < deadline):
            tasks = instance.get('tasks') or []
            step = STEP_OF.get(tasks[0]['bpmn_id']) if len(tasks) == 1 else None
            if step is None:
                self.run.problem('unexpected open tasks', instance=instance['id'], tasks=tasks)
                return
            instance = self._step(state, tasks[0], step)
            if instance is None:
                return
            self.run.remember(instance)

    def _step(self, state, task, step):
        if step == 'rakor' and not self._letter(state, task):
            return None
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return None  # the load is over: the rakor stays open, its letter made
        if self.rng.random() >= RACE_SHARE:
            decision, data = self._intended(state, step)
            user = state.agent if step == 'report' else self.rng.choice(LANE_USERS[step])
            photo = step == 'report' and not state.reported
            answer = self._send('complete', step, self._complete_request(task['id'], step, data, user, photo), 200)
            return None if answer is None else self._accept(state, task, step, decision, user, answer.json(), photo)
        if step == 'report':
            return self._double_race(state, task)
        if self.rng.random() < 2 / 3:
            return self._complete_race(state, task, step)
        return self._claim_race(state, task, step)

    def _intended(self, state, step):
        """(decision, step data) that this path's plan calls for at `step`."""
        from app.demo import STEP_DATA
        decision = None
        if step == 'verify':
            decision = ('kembalikan' if state.plan == 'return' and state.returns == 0
                        else 'tolak' if state.plan == 'reject' else 'ya')
        elif step == 'decide':
            decision = 'tidak' if state.plan == 'monitor' else 'ya'
        if step == 'report':
            data = state.steps['report']
            if state.reported:  # a revision: the agent completes what the verifier asked for
                data = dict(data, jumlah_orang=int(data['jumlah_orang']) + state.returns,
                            apa=data['apa'] + f' (revisi {state.returns})')
            return None, data
        if decision is not None:
            return decision, STEP_DATA[DECISION_DATA[step, decision]]
        return None, state.steps[step]

    def _alternative(self, state, step, decision):
        """A different decision for a competing racer (None when the step has none to make)."""
        if step == 'verify':
            if decision == 'ya':
                return 'kembalikan' if state.returns < MAX_RETURNS else 'ya'
            return 'ya'
        if step == 'decide':
            return 'tidak' if decision == 'ya' else 'ya'
        return decision

    def _data_for(self, state, step, decision):
        from app.demo import STEP_DATA
        if decision is None:
            return self._intended(state, step)[1]
        return STEP_DATA[DECISION_DATA[step, decision]]

    def _accept(self, state, task, step, decision, user, body, photo):
        """The 200 of a completion: its reply must show where the winner's decision leads."""
        instance = body.get('instance') or {}
        expected = NEXT[step, decision]
        open_ids = [t['bpmn_id'] for t in instance.get('tasks') or []]
        if expected.startswith('Task_'):
            agrees = instance.get('status') == 'berjalan' and open_ids == [expected]
        else:
            agrees = instance.get('status') == 'selesai' and instance.get('result') == expected and not open_ids
        if not agrees:
            self.run.problem('reply disagrees with the decision', instance=instance.get('id'), step=step,
                             decision=decision, expected=expected, got={'status': instance.get('status'),
                                                                       'result': instance.get('result'),
                                                                       'open': open_ids})
        with self.run.lock:
            if task['id'] in self.run.acked:
                self.run.problems['task acknowledged twice'] += 1
            self.run.acked[task['id']] = {'user': user, 'step': step, 'decision': decision,
                                          'instance': state.instance_id}
            self.run.photos += bool(photo)
        if step == 'report':
            state.reported = True
        if step == 'verify' and decision == 'kembalikan':
            state.returns += 1
        return instance if agrees else None

    # -- races --

    def _complete_race(self, state, task, step):
        decision = self._intended(state, step)[0]
        other = self._alternative(state, step, decision)
        decisions = [decision, other, decision]
        self.rng.shuffle(decisions)
        racers = [Racer(user, self._complete_request(task['id'], step, self._data_for(state, step, d), user),
                        'complete', decision=d) for user, d in zip(LANE_USERS[step], decisions, strict=True)]
        racers += self._forbidden_verifier(state, task, step, decision)
        winner = self._race('complete', step, task, racers, 200)
        return None if winner is None else self._accept(state, task, step, winner.decision, winner.user,
                                                        winner.json(), False)

    def _claim_race(self, state, task, step):
        claims = [Racer(user, ('POST', f'/api/v1/tasks/{task["id"]}/claim', None, self._auth(user)), 'claim')
                  for user in LANE_USERS[step]]
        claims += [Racer(r.user, ('POST', f'/api/v1/tasks/{task["id"]}/claim', None, self._auth(r.user)), 'claim',
                         forbidden=True) for r in self._forbidden_verifier(state, task, step, None)]
        claimant = self._race('claim', step, task, claims, 200)
        if claimant is None:
            return None
        with self.run.lock:
            self.run.claims[task['id']] = claimant.user
        decision = self._intended(state, step)[0]
        other = self._alternative(state, step, decision)
        racers = []
        for user in LANE_USERS[step]:
            mine = decision if user == claimant.user else other
            racers.append(Racer(user, self._complete_request(task['id'], step, self._data_for(state, step, mine),
                                                             user), 'complete', decision=mine))
        racers += self._forbidden_verifier(state, task, step, decision)
        winner = self._race('claim', step, task, racers, 200, phase='complete', must_win=claimant.user)
        return None if winner is None else self._accept(state, task, step, winner.decision, winner.user,
                                                        winner.json(), False)

    def _double_race(self, state, task):
        """The agent's report (or revision) sent twice at once, and another agent trying the same task."""
        _none, data = self._intended(state, 'report')
        photo = not state.reported
        other = self.rng.choice([a for a in (*AGENTS, *DUAL_AGENTS) if a != state.agent])
        racers = [Racer(state.agent, self._complete_request(task['id'], 'report', data, state.agent, photo),
                        'complete', photo=photo) for _ in range(2)]
        racers.append(Racer(other, self._complete_request(task['id'], 'report', data, other, photo), 'complete',
                            forbidden=True))
        winner = self._race('double', 'report', task, racers, 200)
        return None if winner is None else self._accept(state, task, 'report', None, winner.user, winner.json(),
                                                        photo)

    def _forbidden_verifier(self, state, task, step, decision):
        """The reporter, when they are a verifier too, racing for the verification of their own report."""
        if step != 'verify' or state.agent not in DUAL_AGENTS:
            return []
        data = self._data_for(state, step, decision or 'ya')
        return [Racer(state.agent, self._complete_request(task['id'], step, data, state.agent), 'complete',
                      forbidden=True, decision=decision or 'ya')]

    def _letter(self, state, task):
        """The rakor's invitation: made by one administrator, or by two at once (both get a version)."""
        path = f'/tasks/{task["id"]}/letter'
        if self.rng.random() >= LETTER_RACE_SHARE:
            user = self.rng.choice(ADMINISTRATORS)
            answer = self._send('letter', 'rakor', self._json_request(path, state.letter, user), 201)
            if answer is None:
                return False
            document = answer.json()
            with self.run.lock:
                self.run.letters.append((state.instance_id, document['nomor'], document['version']))
            return True
        users = self.rng.sample(ADMINISTRATORS, 2)
        racers = [Racer(user, self._json_request(path, state.letter, user), 'letter') for user in users]
        made = self._race('letter', 'rakor', task, racers, 201, all_succeed=True)
        if made is None:
            return False
        documents = [r.json() for r in racers if r.status == 201]
        with self.run.lock:
            self.run.letters += [(state.instance_id, d['nomor'], d['version']) for d in documents]
        if len({d['nomor'] for d in documents}) != 1 or sorted(d['version'] for d in documents) != [1, 2]:
            self.run.problem('letter race: not two versions of one number', instance=state.instance_id,
                             documents=[(d['nomor'], d['version']) for d in documents])
        return True

    def _race(self, kind, step, task, racers, success, phase=None, must_win=None, all_succeed=False):
        """Fire the racers at once; judge the outcome. Returns the winner (the first one for all_succeed), or
        None when the race failed (recorded as a problem)."""
        barrier = threading.Barrier(len(racers))
        threads = [threading.Thread(target=_race_one, args=(self.port, racer, barrier)) for racer in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for racer in racers:
            self.run.request(racer.op, step, racer.status, racer.ms, True)
        eligible = [r for r in racers if not r.forbidden]
        winners = [r for r in eligible if r.status == success]
        problems = []
        if all_succeed:
            if len(winners) != len(eligible):
                problems.append(f'{len(winners)} of {len(eligible)} got {success}')
        elif len(winners) != 1:
            problems.append(f'{len(winners)} winners')
        winner = winners[0] if winners else None
        if must_win and winner is not None and winner.user != must_win:
            problems.append(f'{winner.user} won, not the claimant {must_win}')
        messages = Counter()
        for racer in racers:
            if racer.status >= 500 or racer.status <= 0:
                problems.append(f'{racer.user}: {racer.status}')
            elif racer.forbidden:
                if racer.status != 403:
                    problems.append(f'{racer.user} (not allowed) got {racer.status}')
            elif racer is not winner and not all_succeed and racer.status != 409:
                problems.append(f'{racer.user} got {racer.status}')
            if racer.status == 409:
                said = self._conflict_message(racer, winner)
                messages[said] += 1
                if said == 'names someone else':
                    problems.append(f'{racer.user}: 409 names someone else: {racer.json().get("error")}')
        overlapped = winner is not None and all(r.sent < winner.received and winner.sent < r.received
                                                for r in racers if r.status > 0)
        record = {'kind': kind, 'phase': phase or kind, 'step': step, 'task': task['id'],
                  'instance': task['instance_id'], 'winner': winner.user if winner else None,
                  'statuses': [(r.user, 'not allowed' if r.forbidden else 'lane', r.status) for r in racers],
                  'overlapped': overlapped, 'messages': dict(messages), 'problems': problems,
                  'phase_of_run': self.run.phase}
        if problems:
            record['bodies'] = [r.body[:200].decode('utf-8', 'replace') for r in racers if r.status != success]
        with self.run.lock:
            self.run.races.append(record)
        if problems:
            self.run.problem(f'race failed ({kind})', **record)
            if len(winners) != 1 and not all_succeed:
                return None
        return winner

    def _conflict_message(self, racer, winner):
        """What a 409 says: who completed or claimed the task (must be the winner), or the generic conflict of
        the optimistic check."""
        message = racer.json().get('error') or ''
        for prefix in ('Tugas sudah diselesaikan oleh ', 'Tugas sedang dikerjakan oleh '):
            if message.startswith(prefix):
                named = message[len(prefix):].split(' pada ')[0]
                expected = self.run.full_names.get(winner.user) if winner else None
                return 'names the winner' if named == expected else 'names someone else'
        if message.startswith('Data telah diubah oleh pengguna lain'):
            return 'generic conflict'
        return f'other: {message[:80]}'

    # -- requests --

    def _auth(self, user):
        return {'Authorization': f'Bearer {self.tokens[user]}'}

    def _json_request(self, path, payload, user):
        headers = self._auth(user) | {'Content-Type': 'application/json'}
        return 'POST', f'/api/v1{path}', json.dumps(form_json(payload)).encode(), headers

    def _complete_request(self, task_id, step, data, user, photo=False):
        if step != 'report':
            return self._json_request(f'/tasks/{task_id}/complete', data, user)
        files = [('foto', 'bukti.jpg', self.photo, 'image/jpeg')] if photo else []
        body, content_type = multipart(report_fields(data), files)
        return 'POST', f'/api/v1/tasks/{task_id}/complete', body, self._auth(user) | {'Content-Type': content_type}

    def _send(self, op, step, request, expect):
        """One plain request; None (and a problem recorded) unless it answers `expect`."""
        try:
            response = self.client.request(*request, expect=ANY_STATUS)
        except HttpError as exc:
            self.run.request(op, step, 0, 0.0, False)
            self.run.problem('connection error', request=f'{request[0]} {request[1]}', error=exc.excerpt)
            return None
        self.run.request(op, step, response.status, response.ms, False)
        if response.status != expect:
            kind = '5xx' if response.status >= 500 else f'unexpected {response.status}'
            self.run.problem(kind, request=f'{request[0]} {request[1]}', status=response.status,
                             body=response.body[:300].decode('utf-8', 'replace'))
            return None
        return response


def _race_one(port, racer, barrier):
    """One racer: connected before the barrier, so only the request is left to send."""
    client = Client(port)
    try:
        with suppress(OSError):
            client.connection.connect()
        barrier.wait(timeout=BARRIER_TIMEOUT)
        racer.sent = time.perf_counter()
        response = client.request(*racer.request, expect=ANY_STATUS)
        racer.received = time.perf_counter()
        racer.status, racer.body, racer.ms = response.status, response.body, response.ms
    except HttpError as exc:
        racer.status, racer.body = 0, exc.excerpt.encode()
    except threading.BrokenBarrierError:
        racer.status, racer.body = -1, b'barrier broken'
    finally:
        client.close()


class CpuMeter:
    """CPU seconds of this process (the clients), the gunicorn master and workers, and our PostgreSQL
    cluster (the server listening on `pg_port` and its backends), counted per process: one that ended in
    between is not counted (a lower bound)."""

    def __init__(self, server, pg_port=None):
        self.server, self.pg_port = server, pg_port
        self.before = self._now()

    def seconds(self):
        now = self._now()
        return {group: round(sum(cpu - self.before[group].get(pid, 0.0) for pid, cpu in used.items()), 1)
                for group, used in now.items()}

    def _now(self):
        import psutil
        times = os.times()
        used = {'clients': {os.getpid(): times.user + times.system}, 'gunicorn': {}, 'postgresql': {}}
        for group, processes in (('gunicorn', self._family(self.server.process.pid)),
                                 ('postgresql', self._postgres())):
            for process in processes:
                with suppress(psutil.NoSuchProcess):
                    cpu = process.cpu_times()
                    used[group][process.pid] = cpu.user + cpu.system
        return used

    @staticmethod
    def _family(pid):
        import psutil
        with suppress(psutil.NoSuchProcess):
            parent = psutil.Process(pid)
            return [parent, *parent.children()]
        return []

    def _postgres(self):
        import psutil
        if self.pg_port is None:
            return []
        for process in psutil.process_iter(['name', 'cmdline']):
            command = process.info['cmdline'] or []
            if (process.info['name'] or '').startswith('postgres') and '-p' in command \
                    and command[command.index('-p') + 1:][:1] == [str(self.pg_port)]:
                return self._family(process.pid)
        return []


def _port_of(url):
    from sqlalchemy.engine import make_url
    return make_url(url).port or 5432


def _log_problems(log):
    """Lines of the server's log that show an unhandled error, a worker killed or a deadlock."""
    marks = ('Traceback', 'WORKER TIMEOUT', 'unhandled error', 'database error', 'deadlock', 'CRITICAL',
             'Worker exited', 'was sent SIGKILL')
    with suppress(OSError):
        return [line for line in log.read_text(errors='replace').splitlines() if any(m in line for m in marks)]
    return []


# --- the database afterwards ------------------------------------------------------------------------------

def verify(app, run, upload_dir):
    """Each check: {name, ok, checked, detail (what failed, a few examples)}."""
    from app.extensions import db
    with app.app_context():
        try:
            return [_check_instances(run), _check_completions(run), _check_claims(run), _check_numbers(run),
                    _check_chain(), _check_files(run, upload_dir)]
        finally:
            db.session.remove()


def _result(name, checked, failures, note=''):
    return {'name': name, 'ok': not failures, 'checked': checked, 'failures': len(failures),
            'examples': failures[:10], 'note': note}


def _check_instances(run):
    """Inbox rows = ready tasks of the stored state; report = instance; both = the clients' last reply."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload, undefer

    from app.extensions import db, workflow_engine
    from app.models import HumanTask, ProcessInstance, Report
    from app.models.process import INSTANCE_DONE, TASK_OPEN
    from app.roles import REPORTER_LANE
    from app.services.processes import model_for

    failures = []
    open_rows = {}
    for row in db.session.execute(select(HumanTask).where(HumanTask.status == TASK_OPEN)).scalars():
        open_rows.setdefault(row.instance_id, []).append(row)
    reports = {r.instance_id: r for r in db.session.execute(select(Report)).scalars()}
    instances = db.session.execute(select(ProcessInstance).options(
        undefer(ProcessInstance.state), joinedload(ProcessInstance.definition))).scalars().all()
    for instance in instances:
        rows = open_rows.get(instance.id, [])
        ready = workflow_engine.ready_tasks(model_for(instance.definition), instance.state)
        stored = sorted((r.task_uuid, r.bpmn_id) for r in rows)
        if stored != sorted((t.task_id, t.info.bpmn_id) for t in ready):
            failures.append(f'instance {instance.id}: open rows {stored} ≠ ready tasks '
                            f'{sorted((t.task_id, t.info.bpmn_id) for t in ready)}')
        report = reports.get(instance.id)
        if report is None:
            failures.append(f'instance {instance.id}: no report row')
            continue
        if instance.status == INSTANCE_DONE:
            expected_status, expected_stage = 'selesai', instance.end_event_name
        elif report.submitted_at is None:  # started, the first report not sent yet
            expected_status, expected_stage = 'draf', 'Draf'
        elif any(r.lane == REPORTER_LANE for r in rows):
            expected_status, expected_stage = 'dikembalikan', 'Dikembalikan untuk revisi'
        else:
            expected_status, expected_stage = 'diproses', ', '.join(sorted({t.info.name for t in ready}))
        if (report.status, report.tahap_sop) != (expected_status, expected_stage):
            failures.append(f'instance {instance.id} ({instance.status}, {instance.end_event_name}, open '
                            f'{[r.bpmn_id for r in rows]}): report says {report.status} / {report.tahap_sop}')
        told = run.last.get(instance.id)
        found = {'status': instance.status, 'result': instance.end_event_name,
                 'open': sorted(r.bpmn_id for r in rows), 'report_status': report.status,
                 'tahap_sop': report.tahap_sop}
        if told is None:
            failures.append(f'instance {instance.id}: no client was told of it')
        elif told != found:
            failures.append(f'instance {instance.id}: stored {found}, the last reply said {told}')
    unknown = set(run.last) - {i.id for i in instances}
    failures += [f'instance {i}: a client was told of it, it is not stored' for i in sorted(unknown)]
    return _result('open inbox rows = ready tasks of the stored state; report status = instance = last reply',
                   len(instances), failures)


def _check_completions(run):
    """Each completed task: one submission by the acknowledged winner, one task.completed, ≤ 1 decision.taken."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditEvent, HumanTask, TaskSubmission, User
    from app.models.process import TASK_DONE

    def counts(action):
        return dict(db.session.execute(select(AuditEvent.human_task_id, func.count()).where(
            AuditEvent.action == action).group_by(AuditEvent.human_task_id)).all())

    completed, decisions = counts('task.completed'), counts('decision.taken')
    submissions = {}
    for sub, username in db.session.execute(select(TaskSubmission, User.username).join(
            User, User.id == TaskSubmission.user_id)):
        submissions.setdefault(sub.human_task_id, []).append((sub, username))
    done = {row.id: row for row in db.session.execute(select(HumanTask).where(HumanTask.status == TASK_DONE))
            .scalars()}
    failures = []
    for task_id, task in done.items():
        subs = submissions.get(task_id, [])
        if len(subs) != 1:
            failures.append(f'task {task_id}: {len(subs)} submissions')
            continue
        sub, username = subs[0]
        if completed.get(task_id, 0) != 1:
            failures.append(f'task {task_id}: {completed.get(task_id, 0)} task.completed events')
        decides = any(sub.data.get(k) for k in DECISION_FIELDS)
        if decisions.get(task_id, 0) != (1 if decides else 0):
            failures.append(f'task {task_id}: {decisions.get(task_id, 0)} decision.taken events')
        if sub.user_id != task.completed_by_id:
            failures.append(f'task {task_id}: completed_by {task.completed_by_id} ≠ submission by {sub.user_id}')
        told = run.acked.get(task_id)
        if told is None:
            failures.append(f'task {task_id}: completed by {username}, no client was told so')
            continue
        if told['user'] != username:
            failures.append(f'task {task_id}: stored as completed by {username}, {told["user"]} was told it won')
        stored_decision = (sub.data.get('keputusan'), sub.data.get('tindak_lanjut') or None)
        if told['decision'] is not None and stored_decision != STORED_DECISION[told['decision']]:
            failures.append(f'task {task_id}: stored decision {stored_decision}, the winner decided '
                            f'{told["decision"]}')
    failures += [f'task {t}: a client got 200, the task is not completed' for t in sorted(set(run.acked) - set(done))]
    failures += [f'task {t}: submission of a task that is not completed' for t in sorted(set(submissions) - set(done))]
    extra = {t for t in set(completed) | set(decisions) if t is not None} - set(done)
    failures += [f'task {t}: completion or decision event of a task that is not completed' for t in sorted(extra)]
    return _result('each completed task: one submission by the acknowledged winner, one task.completed, '
                   '≤ 1 decision.taken; no acknowledged completion lost', len(done), failures,
                   f'{len(run.acked)} completions acknowledged to clients, {len(done)} stored')


def _check_claims(run):
    """A raced claim: one task.claimed event, and its claimant is the one who completed the task."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditEvent, HumanTask, User

    claimed = dict(db.session.execute(select(AuditEvent.human_task_id, func.count()).where(
        AuditEvent.action == 'task.claimed').group_by(AuditEvent.human_task_id)).all())
    failures = []
    for task_id, claimant in run.claims.items():
        if claimed.get(task_id, 0) != 1:
            failures.append(f'task {task_id}: {claimed.get(task_id, 0)} task.claimed events')
        row = db.session.execute(select(HumanTask.status, User.username).join(
            User, User.id == HumanTask.claimed_by_id, isouter=True).where(HumanTask.id == task_id)).one()
        if row.username != claimant:
            failures.append(f'task {task_id}: claimed by {row.username}, the claim race was won by {claimant}')
    failures += [f'task {t}: claimed, but no claim race was won' for t in sorted(set(claimed) - set(run.claims))]
    return _result('each raced claim: one task.claimed event, held by the race\'s winner', len(run.claims), failures)


def _check_numbers(run):
    """Report numbers unique; a document's versions share one number; numbers unique per type; no gaps."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Document, DocumentCounter, ProcessInstance, Report

    failures = []
    reports, distinct = db.session.execute(select(func.count(Report.id), func.count(Report.nomor.distinct()))).one()
    if reports != distinct:
        failures.append(f'{reports} reports, {distinct} distinct numbers')
    documents = db.session.execute(select(Document.instance_id, Document.kind, Document.year, Document.sequence,
                                          Document.nomor, Document.version)).all()
    by_number, by_instance = {}, {}
    for d in documents:
        by_number.setdefault((d.kind, d.year, d.sequence), set()).add(d.instance_id)
        by_number.setdefault((d.kind, d.nomor), set()).add(d.instance_id)
        by_instance.setdefault((d.instance_id, d.kind), []).append(d)
    failures += [f'{key}: used by instances {sorted(ids)}' for key, ids in by_number.items() if len(ids) > 1]
    for (instance_id, kind), versions in by_instance.items():
        if len({v.nomor for v in versions}) != 1 or sorted(v.version for v in versions) != list(
                range(1, len(versions) + 1)):
            failures.append(f'instance {instance_id} {kind}: versions {sorted((v.version, v.nomor) for v in versions)}')
    for counter in db.session.execute(select(DocumentCounter)).scalars():
        used = sorted({d.sequence for d in documents if (d.kind, d.year) == (counter.kind, counter.year)})
        if used != list(range(1, counter.last + 1)):
            failures.append(f'{counter.kind} {counter.year}: counter at {counter.last}, sequences '
                            f'{used[:5]}…{used[-5:]} ({len(used)})')
    letters = Counter((i, nomor, v) for i, nomor, v in run.letters)
    stored = Counter((d.instance_id, d.nomor, d.version) for d in documents if d.kind == 'surat_undangan')
    if letters != stored:
        failures.append(f'letters: {sum(letters.values())} acknowledged, {sum(stored.values())} stored; '
                        f'differ in {sorted((letters - stored) + (stored - letters))[:5]}')
    handled = db.session.execute(select(ProcessInstance.id).where(
        ProcessInstance.end_event_name == 'Ditindaklanjuti')).scalars().all()
    with_letter = {d.instance_id for d in documents if d.kind == 'surat_undangan'}
    failures += [f'instance {i}: ended Ditindaklanjuti without a letter' for i in handled if i not in with_letter]
    return _result('report and document numbers unique; one number per document; counters without gaps',
                   reports + len(documents), failures, f'{reports} reports, {len(documents)} documents')


def _check_chain():
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditEvent
    from app.services import audit
    broken = audit.verify_chain()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return _result('the audit hash chain verifies', events,
                   [] if broken is None else [f'the chain breaks at event {broken}'])


def _check_postgres_counters(app):
    """PostgreSQL's own view of the run (pg_stat_database of the run's database, read after the workers have
    exited, so their counts are flushed): no deadlock was detected; commits and rollbacks for the record."""
    from sqlalchemy import text

    from app.extensions import db
    with app.app_context():
        row = db.session.execute(text('SELECT deadlocks, xact_commit, xact_rollback FROM pg_stat_database '
                                      'WHERE datname = current_database()')).one()
        db.session.remove()
    return _result('PostgreSQL detected no deadlock (pg_stat_database)', row.xact_commit + row.xact_rollback,
                   [f'{row.deadlocks} deadlocks detected'] if row.deadlocks else [],
                   f'{row.deadlocks} deadlocks; {row.xact_commit} transactions committed, {row.xact_rollback} '
                   'rolled back, the setup included')


def _check_files(run, upload_dir):
    """Exactly the stored photos and documents are on disk: a losing racer's photo went with its rollback."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Attachment, Document
    stored = set(db.session.execute(select(Attachment.storage_name)).scalars())
    photos = len(stored)
    stored |= set(db.session.execute(select(Document.storage_name)).scalars())
    on_disk = {p.name for p in upload_dir.iterdir()} if upload_dir.exists() else set()
    failures = [f'file without a row: {name}' for name in sorted(on_disk - stored)]
    failures += [f'row without a file: {name}' for name in sorted(stored - on_disk)]
    if photos != run.photos:
        failures.append(f'{photos} photos stored, {run.photos} sent with an accepted report')
    return _result('upload directory = stored photos and documents; one photo per accepted report',
                   len(on_disk), failures, f'{photos} photos, {len(stored) - photos} documents')


# --- rows --------------------------------------------------------------------------------------------------

def _rows(results, part, run, checks, log_problems):
    requests = run.load_requests()
    seconds = run.seconds or 1.0
    completions = [r[4] for r in requests if r[1] == 'complete' and r[3] == 200]
    results.add(part, 'completions per second (200s of POST …/complete)',
                f'{len(completions) / seconds:.1f}/s ({len(completions)} in {run.seconds:.1f} s)',
                per_second=len(completions) / seconds, count=len(completions), seconds=run.seconds)
    ends = ', '.join(f'{name} {n}' for name, n in run.ends.most_common())
    results.add(part, 'paths per second (reports that reached an end)',
                f'{run.paths_ended / seconds:.2f}/s ({run.paths_ended}: {ends or "none"}); '
                f'{len(run.last)} instances in all', per_second=run.paths_ended / seconds, count=run.paths_ended)
    if completions:
        plain = [r[4] for r in requests if r[1] == 'complete' and r[3] == 200 and not r[5]]
        raced = [r[4] for r in requests if r[1] == 'complete' and r[3] == 200 and r[5]]
        results.add(part, 'completion latency (200s)',
                    f'p50 {statistics.median(completions):.0f} ms, p95 {percentile(completions, 0.95):.0f} ms'
                    + (f' · plain p50 {statistics.median(plain):.0f} / p95 {percentile(plain, 0.95):.0f} ms'
                       if plain else '')
                    + (f' · race winners p50 {statistics.median(raced):.0f} / p95 {percentile(raced, 0.95):.0f} ms'
                       if raced else ''),
                    p50_ms=statistics.median(completions), p95_ms=percentile(completions, 0.95))
    losers = [r[4] for r in requests if r[3] == 409]
    letters = [r[4] for r in requests if r[1] == 'letter' and r[3] == 201]
    if letters or losers:
        results.add(part, 'other latencies',
                    (f'letter (PDF in the request) p50 {statistics.median(letters):.0f} / p95 '
                     f'{percentile(letters, 0.95):.0f} ms' if letters else 'no letter')
                    + (f' · 409 to a racer p50 {statistics.median(losers):.0f} / p95 '
                       f'{percentile(losers, 0.95):.0f} ms' if losers else ''))
    _race_rows(results, part, run)
    statuses = Counter(r[3] for r in requests)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    results.add(part, 'HTTP 5xx responses', str(server_errors), '0', server_errors == 0, count=server_errors)
    shown = ', '.join(f'{status}×{n}' for status, n in sorted(statuses.items()))
    results.add(part, 'responses by status (load phase)', f'{len(requests)} requests: {shown}',
                statuses={str(k): v for k, v in statuses.items()})
    problems = sum(n for kind, n in run.problems.items())
    listed = ', '.join(f'{kind} ×{n}' for kind, n in run.problems.most_common())
    results.add(part, 'unexpected statuses, failed races, wrong replies (all phases)', listed or '0', '0',
                problems == 0, count=problems)
    if problems:
        results.error(part, f'{problems} problems: {listed}')
    for check in checks:
        measured = f'{check["checked"]} checked, {check["failures"]} failed' + (
            f' ({check["note"]})' if check['note'] else '')
        if check['examples']:
            measured += ' — ' + '; '.join(check['examples'][:3])
        results.add(part, check['name'], measured, 'no failure', check['ok'], failures=check['failures'])
        if not check['ok']:
            results.error(part, f'{check["name"]}: ' + '; '.join(check['examples'][:3]))
    results.add(part, 'server log: tracebacks, worker timeouts, deadlocks', str(len(log_problems)), '0',
                not log_problems, lines=log_problems[:KEEP])
    if log_problems:
        results.error(part, f'{len(log_problems)} problem lines in the server log: {log_problems[0][:200]}')
    cpu = run.cpu
    if cpu:
        results.add(part, 'CPU seconds during the load (2 cores = 2 CPU-s per second)',
                    f'gunicorn {cpu.get("gunicorn", 0):.0f}, PostgreSQL {cpu.get("postgresql", 0):.0f}, '
                    f'the clients {cpu.get("clients", 0):.0f} of {run.seconds * (os.cpu_count() or 1):.0f} available',
                    **cpu)


def _race_rows(results, part, run):
    races = [r for r in run.races if r['phase_of_run'] == 'load']
    everything = run.races
    failed = [r for r in everything if r['problems']]
    by_kind = Counter(r['phase'] for r in races)
    statuses = Counter(s for r in races for _user, _role, s in r['statuses'])
    shown = ', '.join(f'{kind} {n}' for kind, n in sorted(by_kind.items()))
    outcome = ', '.join(f'{status}×{n}' for status, n in sorted(statuses.items()))
    results.add(part, 'races (several clients, the same task, the same moment)',
                f'{len(races)} races in the load ({shown}); racers answered {outcome}',
                count=len(races), by_kind=dict(by_kind), statuses={str(k): v for k, v in statuses.items()})
    one_winner = [r for r in races if r['kind'] != 'letter']
    lane_losers = sum(1 for r in one_winner for _u, role, s in r['statuses'] if role == 'lane' and s == 409)
    forbidden = sum(1 for r in races for _u, role, s in r['statuses'] if role == 'not allowed')
    forbidden_403 = sum(1 for r in races for _u, role, s in r['statuses'] if role == 'not allowed' and s == 403)
    results.add(part, 'race outcomes: exactly one 200, the other lane members 409, the not-allowed 403',
                f'{len(one_winner) - sum(1 for r in failed if r["kind"] != "letter")} of {len(one_winner)} with one '
                f'winner; {lane_losers} lane losers got 409; {forbidden_403} of {forbidden} not-allowed racers got '
                f'403; letter races {sum(1 for r in races if r["kind"] == "letter")} (two versions, one number)',
                'every race', not failed, failed=len(failed))
    messages = sum((Counter(r['messages']) for r in races), Counter())
    overlapped = sum(r['overlapped'] for r in races)
    results.add(part, 'races that overlapped in time; what the 409s said',
                f'{overlapped} of {len(races)} races: every racer\'s request was open while the winner\'s was; '
                + ', '.join(f'{what} {n}' for what, n in messages.most_common()),
                overlapped=overlapped, messages=dict(messages))


# --- meta and notes ---------------------------------------------------------------------------------------

def _meta(args, pg):
    from bench.__main__ import _commit, _databases
    return {'mode': 'quick' if args.quick else 'full',
            'started': datetime.now().astimezone().isoformat('T', 'seconds'),
            'machine': f'{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}',
            'databases': _databases(pg), 'commit': _commit(), 'argv': sys.argv[1:],
            'load_at_start': round(os.getloadavg()[0], 2), 'clients': args.clients, 'seconds': args.seconds,
            'race_share': RACE_SHARE, 'workers': {d: WORKERS[d] for d in args.databases}}


def _notes(results, args):
    notes = [
        f'Clients: {args.clients} threads (http.client; gunicorn\'s sync workers close the connection after each '
        'response, so each request connects anew), each filing reports as its agent and driving them through the '
        f'JSON API; about {RACE_SHARE:.0%} of the steps raced by 2–4 extra short-lived threads that connect, wait '
        'at a barrier and send together. Plans: 60 % YA, 25 % returned once (then revised), 10 % monitored, 5 % '
        'rejected; a race with differing decisions lets the winner decide the path.',
        'Latency: the time of POST …/complete seen by the client, queueing for one of the sync workers included '
        '(with more clients than workers, most of it). Documents after a step are left to the scheduler (the '
        'app\'s default); the letter is rendered to PDF in its request, holding its type\'s number counter.',
        ('A warm-up of one path per worker comes first: untimed, but checked with the rest.' if args.warm_up else
         'No warm-up (--quick): the first requests of each worker (the diagram parsed, the first PDF) are timed.'),
        'Bearer tokens are issued through the service the login endpoint uses (no argon2 check per client).',
        'Checked afterwards, every request answered: see the rows (bench/suite/load.py says how each is read); '
        'PostgreSQL\'s deadlock count and the server log after the stop.',
    ]
    meta = results.meta
    available = meta['duration_s'] * (os.cpu_count() or 1)
    if meta['other_cpu_s'] > 0.1 * available:
        notes.insert(0, f'**The machine was busy**: other processes used at least {meta["other_cpu_s"]:.0f} CPU-s '
                        f'of the {available:.0f} the run had (load average {meta["load_at_start"]} at the start); '
                        'they lower the throughput figures.')
    for note in notes:
        results.note(note)
