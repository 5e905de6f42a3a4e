"""HTTP: the SOP path through the JSON API v1 of a real gunicorn server, as API clients drive it.

Per instance: POST /api/v1/processes/sikanda/instances (agent) → POST /tasks/<id>/complete for report
(multipart with one photo in `foto`), verify, publish, decide (JSON), then POST /tasks/<id>/letter (the
invitation the rakor requires) and the rakor completion (JSON, follow-up rows as a list of objects). Each
response names the next open task, as a client would use it. Every POST …/complete is timed (median, p95,
per step); the letter and the start are timed on their own; instances/s counts whole paths over wall time.
Any non-2xx answer is an error: counted, reported with status and body excerpt, and the path is dropped.

Runs: SQLite with gunicorn -w 1 and one client (target: median completion ≤ 3 × engine floor and ≤ 5 ms,
per step too); PostgreSQL with gunicorn -w 4, one client, then 8 concurrent clients each driving its own
instances (targets: no errors; 8-client throughput ≥ 1.5 × 1-client). Untimed warm-up paths first, so
every worker has imported, connected and rendered once.
"""
import statistics
import threading
import time
from collections import Counter
from contextlib import suppress
from datetime import datetime

from bench import PASSWORD
from bench.suite.common import ACTORS, BPMN_IDS, STEPS, path_data, percentile, photo_bytes, say, summary
from bench.suite.databases import fresh_postgres, fresh_sqlite
from bench.suite.server import Client, HttpError, Server, multipart

PG_WORKERS = 4
SQLITE_TARGET_MS = 5.0
FLOOR_FACTOR = 3
THROUGHPUT_FACTOR = 1.5
MAX_ERRORS_KEPT = 50
MEMORY_PATHS, RSS_GROWTH = 500, 1.1


def run_sqlite(results, floor, instances):
    part = 'HTTP (SQLite, gunicorn -w 1, 1 client)'
    with fresh_sqlite() as (_app, workdir, url), Server(url, workdir, 1, 'sqlite') as server:
        warm = _run(server, clients=1, per_client=1, first_index=0)
        rss_before = sum(server.worker_rss().values())
        record = _run(server, clients=1, per_client=instances, first_index=100, label='sqlite', watch_rss=True)
    record.keep_warm_up_errors(warm)
    _completion_rows(results, part, floor, record, target=True)
    results.add(part, 'instances/s (whole path, one client)', f'{record.rate:.2f}/s ({record.done} instances)',
                per_second=record.rate)
    if record.rss:
        _path_memory_row(results, rss_before, record.rss)
    _error_row(results, part, record)
    results.details['http sqlite'] = record.details()


def _path_memory_row(results, rss_before, rss):
    """The worker's RSS after a tenth of the paths and after all of them; a target from MEMORY_PATHS on
    (fewer paths mostly show caches filling up)."""
    tenth = rss[max(len(rss) // 10, 1) - 1]
    ratio = rss[-1] / tenth
    measured = (f'{rss_before / 2**20:.1f} MiB after the warm-up path → {tenth / 2**20:.1f} MiB after '
                f'{max(len(rss) // 10, 1)} paths → {rss[-1] / 2**20:.1f} MiB after {len(rss)} ({ratio:.3f}×)')
    item = 'gunicorn worker RSS while serving the whole path (the letter rendered to PDF in the worker)'
    if len(rss) >= MEMORY_PATHS:
        results.add('memory (gunicorn worker RSS)', item, measured, f'≤ {RSS_GROWTH} × after a tenth of the paths',
                    ratio <= RSS_GROWTH, ratio=ratio, before=rss_before, tenth=tenth, after=rss[-1])
    else:
        results.add('memory (gunicorn worker RSS)', item + f' (informational below {MEMORY_PATHS} paths)', measured,
                    ratio=ratio, before=rss_before, tenth=tenth, after=rss[-1])


def run_postgres(results, floor, admin_url, single, clients, per_client):
    part = f'HTTP (PostgreSQL, gunicorn -w {PG_WORKERS})'
    if admin_url is None:
        for item in ('completion, 1 client and 8 clients', 'throughput, 8 clients vs 1 client', 'errors'):
            results.skip(part, item, 'skipped (no PostgreSQL)')
        return
    with fresh_postgres(admin_url, 'http') as (_app, workdir, url), \
            Server(url, workdir, PG_WORKERS, 'postgresql') as server:
        warm = _run(server, clients=clients, per_client=1, first_index=0)  # every worker takes requests
        one = _run(server, clients=1, per_client=single, first_index=100, label='postgresql, 1 client')
        many = _run(server, clients=clients, per_client=per_client, first_index=1000,
                    label=f'postgresql, {clients} clients')
    one.keep_warm_up_errors(warm)
    _concurrency_rows(results, part, floor, one, many, clients)
    results.details['http postgresql'] = {'1 client': one.details(), f'{clients} clients': many.details()}


class Record:
    """What one run measured: ms per step, errors, whole paths done, wall time."""

    def __init__(self):
        self.times = {key: [] for key in ('start', *STEPS, 'letter')}
        self.errors, self.done, self.seconds = [], 0, 0.0
        self.documents = Counter()  # 'made in the request' / 'left to the tick', over the completions
        self.lock = threading.Lock()
        self.rss, self.after_each = [], None

    def keep_warm_up_errors(self, warm):
        """Errors of the untimed warm-up count too."""
        self.errors[:0] = [dict(error, phase='warm-up') for error in warm.errors]

    @property
    def rate(self):
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def completions(self):
        return [ms for step in STEPS for ms in self.times[step]]

    def details(self):
        return {'timings_ms': {key: summary(values) for key, values in self.times.items()},
                'instances': self.done, 'seconds': self.seconds, 'instances_per_s': self.rate,
                'documents_after_step': dict(self.documents), 'worker_rss_after_each': self.rss,
                'errors': self.errors[:MAX_ERRORS_KEPT],
                'error_count': len(self.errors)}


def _run(server, clients, per_client, first_index, label=None, watch_rss=False):
    """`clients` threads, each with its own connection and tokens, each driving `per_client` instances;
    with `watch_rss`, the workers' RSS after each instance (outside the timed requests)."""
    record = Record()
    if watch_rss:
        record.after_each = lambda: record.rss.append(sum(server.worker_rss().values()))
    drivers = [PathDriver(server, ('agen1', 'agen2')[n % 2]) for n in range(clients)]
    threads = [threading.Thread(target=driver.drive, args=(first_index + n * per_client, per_client, record))
               for n, driver in enumerate(drivers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    _follow(threads, record, clients * per_client, label)
    record.seconds = time.perf_counter() - started
    for driver in drivers:
        driver.client.close()
    if label:
        say(f'http {label}: {record.done} instances in {record.seconds:.1f} s, {len(record.errors)} errors')
    return record


def _follow(threads, record, total, label, every=10):
    """Wait for the threads, with a progress line every `every` seconds."""
    last = time.monotonic()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if label and time.monotonic() - last >= every:
            last = time.monotonic()
            say(f'http {label}: {record.done}/{total} instances, {len(record.errors)} errors')


class PathDriver:
    """One API client: its own connection, a token per user (shared per server), and the path it drives."""

    def __init__(self, server, agent):
        self.client = Client(server.port)
        self.agent = agent
        users = {agent} | {ACTORS[step] for step in STEPS if step != 'report'}
        self.tokens = {user: server.token(user, PASSWORD) for user in users}
        self.photo = photo_bytes()

    def drive(self, first_index, count, record):
        for index in range(first_index, first_index + count):
            try:
                self._path(index, record)
            except HttpError as exc:
                with record.lock:
                    record.errors.append(exc.as_dict())
                continue
            with record.lock:
                record.done += 1
            if record.after_each:
                record.after_each()

    def _path(self, index, record):
        steps, letter = path_data(index)
        started = self.client.api('POST', '/processes/sikanda/instances', self.tokens[self.agent], {}, expect=(201,))
        record.times['start'].append(started.ms)
        task = started.json()['tasks'][0]
        for position, step in enumerate(STEPS):
            _expect_task(task, step)
            token = self.tokens[self.agent if step == 'report' else ACTORS[step]]
            if step == 'rakor':
                made = self.client.api('POST', f'/tasks/{task["id"]}/letter', token, form_json(letter), expect=(201,))
                record.times['letter'].append(made.ms)
            answer = self._complete(task['id'], step, steps[step], token)
            record.times[step].append(answer.ms)
            body = answer.json()
            _count_documents(record, body)
            instance = body['instance']
            if position + 1 < len(STEPS):
                task = (instance['tasks'] or [{}])[0]
            elif instance['status'] != 'selesai':
                raise HttpError('POST', f'/tasks/{task["id"]}/complete', 200, f'instance not done: {instance}')

    def _complete(self, task_id, step, data, token):
        path = f'/tasks/{task_id}/complete'
        if step != 'report':
            return self.client.api('POST', path, token, form_json(data))
        body, content_type = multipart(report_fields(data), [('foto', 'bukti.jpg', self.photo, 'image/jpeg')])
        return self.client.request('POST', f'/api/v1{path}', body,
                                   {'Authorization': f'Bearer {token}', 'Content-Type': content_type})


def _expect_task(task, step):
    if task.get('bpmn_id') != BPMN_IDS[step]:
        raise HttpError('POST', '/tasks/…/complete', 200, f'expected an open {BPMN_IDS[step]}, got {task}')


def _count_documents(record, body):
    with record.lock:
        if body.get('documents'):
            record.documents['made in the request'] += 1
        if body.get('documents_pending'):
            record.documents['left to the tick'] += 1


def form_json(data):
    """Step data as an API body: datetimes as the form's local 'YYYY-MM-DDTHH:MM' (WITA)."""
    return {key: _form_value(value) for key, value in data.items()}


def report_fields(data):
    """The report as multipart fields, as the web form sends it (kecamatan included, blanks left out)."""
    from app import wilayah
    fields = [('kecamatan', wilayah.kecamatan_of(data['desa']))]
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None or item is False:
                continue
            fields.append((key, 'y' if item is True else _form_value(item)))
    return fields


def _form_value(value):
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == 'T':
        with suppress(ValueError):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo:
                from app.timeutil import to_wita
                return to_wita(moment).strftime('%Y-%m-%dT%H:%M')
    return value


# --- rows --------------------------------------------------------------------------------------------------

def _completion_rows(results, part, floor, record, target):
    every = record.completions
    if not every:
        results.error(part, 'no completion was timed')
        return
    _step_row(results, part, f'POST …/complete, all steps ({len(every)} completions)', every, floor['full']['all'],
              floor['state']['all'], target)
    for step in STEPS:
        _step_row(results, part, f'POST …/complete, {step}', record.times[step], floor['full'][step],
                  floor['state'][step], target)
    for key, what in (('letter', 'POST …/letter (the invitation, rendered to PDF)'),
                      ('start', 'POST …/instances (start)')):
        if record.times[key]:
            values = record.times[key]
            results.add(part, what, f'median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms',
                        median_ms=statistics.median(values), p95_ms=percentile(values, 0.95))
    made = ', '.join(f'{what}: {n}' for what, n in record.documents.items()) or 'none reported'
    results.add(part, 'documents after a step (as the responses say)', made)


def _step_row(results, part, item, samples, floor_ms, state_floor_ms, target):
    if not samples:
        results.error(part, f'{item}: nothing timed')
        return
    median, p95 = statistics.median(samples), percentile(samples, 0.95)
    measured = (f'median {median:.1f} ms, p95 {p95:.1f} ms ({median / floor_ms:.1f}× floor, '
                f'{median / state_floor_ms:.1f}× state-only floor)')
    limit = min(FLOOR_FACTOR * floor_ms, SQLITE_TARGET_MS)
    goal = ''
    if target:
        goal = f'≤ {FLOOR_FACTOR} × floor ({FLOOR_FACTOR * floor_ms:.1f} ms) and ≤ {SQLITE_TARGET_MS:g} ms'
    results.add(part, item, measured, goal, (median <= limit) if target else None, median_ms=median, p95_ms=p95,
                floor_ratio=median / floor_ms, state_floor_ratio=median / state_floor_ms)


def _concurrency_rows(results, part, floor, one, many, clients):
    for step in (*STEPS, 'letter'):
        a, b = one.times[step], many.times[step]
        if not a or not b:
            continue
        results.add(part, f'POST …/{"letter" if step == "letter" else "complete, " + step}',
                    f'1 client: median {statistics.median(a):.1f} / p95 {percentile(a, 0.95):.1f} ms · '
                    f'{clients} clients: median {statistics.median(b):.1f} / p95 {percentile(b, 0.95):.1f} ms',
                    one_median_ms=statistics.median(a), many_median_ms=statistics.median(b))
    a, b = one.completions, many.completions
    if a and b:
        results.add(part, 'POST …/complete, all steps',
                    f'1 client: median {statistics.median(a):.1f} / p95 {percentile(a, 0.95):.1f} ms · '
                    f'{clients} clients: median {statistics.median(b):.1f} / p95 {percentile(b, 0.95):.1f} ms '
                    f'({statistics.median(a) / floor["full"]["all"]:.1f}× / '
                    f'{statistics.median(b) / floor["full"]["all"]:.1f}× floor)')
    ratio = many.rate / one.rate if one.rate else 0.0
    results.add(part, f'throughput, whole paths: {clients} clients vs 1 client',
                f'1 client: {one.rate:.2f}/s ({one.done}) · {clients} clients: {many.rate:.2f}/s ({many.done}) '
                f'({ratio:.2f}×)', f'{clients} clients ≥ {THROUGHPUT_FACTOR} × 1 client', ratio >= THROUGHPUT_FACTOR,
                one_per_s=one.rate, many_per_s=many.rate, ratio=ratio)
    made = ', '.join(f'{what}: {n}' for what, n in (one.documents + many.documents).items()) or 'none reported'
    results.add(part, 'documents after a step (as the responses say)', made)
    for label, record in (('1 client', one), (f'{clients} clients', many)):
        _error_row(results, part, record, label)


def _error_row(results, part, record, label=''):
    errors = record.errors
    first = errors[0] if errors else None
    shown = (f'{len(errors)} — first: {first["request"]} → {first["status"]}: {first["body"][:160]}'
             if first else '0')
    statuses = Counter(e['status'] for e in errors)
    results.add(part, f'HTTP errors (non-2xx){", " + label if label else ""}', shown, '0', not errors,
                count=len(errors), statuses=dict(statuses))
    if errors:
        results.error(part, f'{len(errors)} HTTP errors {label}: ' + '; '.join(
            f'{e["request"]} → {e["status"]}: {e["body"][:120]}' for e in errors[:3]))
