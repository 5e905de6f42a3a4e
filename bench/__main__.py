"""The benchmark suite, every part in one process so the ratios compare like with like.

  python -m bench [--quick] [--out DIR] [--profile] [--strict] [--parts floor,services,http,inbox]

1. engine floor: bare SpiffWorkflow on the shipped diagram (bench/suite/floor.py)
2. service layer on SQLite (and PostgreSQL): the same path through our services; the TIDAK loop
   (bench/suite/services.py)
3. HTTP: gunicorn + the JSON API; SQLite -w 1 one client; PostgreSQL -w 4 with 1 and 8 clients
   (bench/suite/http_path.py)
4. inbox with 1k / 10k / 100k instances, and 5. the worker's memory (bench/suite/inbox.py)
6. --profile: pyinstrument over the service layer's completions (bench/suite/profiling.py)

PostgreSQL is used when SIKANDA_BENCH_PG_URL or SIKANDA_TEST_DATABASE_URL is set, e.g.
  SIKANDA_PG_PORT=55481 .ci/with-postgres .venv/bin/python -m bench --quick
otherwise its rows say "skipped (no PostgreSQL)". Writes bench-results.json and bench-results.md into --out.
Exit status 1 when the benchmark itself failed (an exception, an HTTP error); a missed target is a FAIL in
the table and fails the exit status only with --strict. On 2 idle cores --quick takes about a minute, the
full run about 7 (1,000 paths through HTTP on SQLite, the inbox at 100,000 instances).
"""
import argparse
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import datetime

from bench.suite.common import ROOT, OtherWork, say, warn

PARTS = ('floor', 'services', 'http', 'inbox')
FULL = {'floor_runs': 50, 'service_runs': 50, 'loop_instances': 7, 'http_sqlite': 1000, 'pg_single': 25,
        'pg_clients': 8, 'pg_per_client': 12, 'inbox_sizes': (1_000, 10_000, 100_000), 'inbox_requests': 200,
        'profile_runs': 10}
QUICK = {'floor_runs': 20, 'service_runs': 10, 'loop_instances': 3, 'http_sqlite': 8, 'pg_single': 5,
         'pg_clients': 8, 'pg_per_client': 3, 'inbox_sizes': (1_000, 10_000), 'inbox_requests': 30,
         'profile_runs': 5}


def main(argv=None):
    args = _arguments(argv)
    sizes = QUICK if args.quick else FULL
    from bench.suite.databases import postgres_url
    from bench.suite.results import Results

    pg = postgres_url()
    results = Results(_meta(args, pg))
    started, other_work = time.perf_counter(), OtherWork()
    say(f'SIKANDA benchmark, {results.meta["mode"]}; {results.meta["databases"]}; results into {args.out}')
    try:
        _run_parts(results, args, sizes, pg)
    finally:
        results.meta['duration_s'] = time.perf_counter() - started
        results.meta['other_cpu_s'] = round(other_work.seconds(), 1)
        _describe(results, args, sizes)
        json_path, md_path = results.write(args.out)
        print('\n' + results.markdown())
        say(f'wrote {json_path} and {md_path}')
    if results.errors:
        warn(f'{len(results.errors)} benchmark error(s); see the table')
        return 1
    if args.strict and results.failed_targets:
        warn(f'{len(results.failed_targets)} target(s) missed (--strict)')
        return 1
    return 0


def _arguments(argv):
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='smaller runs and sizes (under 3 minutes)')
    parser.add_argument('--out', default=str(ROOT / 'test-artifacts' / 'bench'), help='where the results go')
    parser.add_argument('--profile', action='store_true', help='pyinstrument over the service-layer steps')
    parser.add_argument('--strict', action='store_true', help='exit 1 when a target is missed')
    parser.add_argument('--parts', default=','.join(PARTS),
                        help=f'comma-separated subset of {",".join(PARTS)} (the floor always runs)')
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(',') if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f'unknown parts: {", ".join(sorted(unknown))}')
    return args


def _run_parts(results, args, sizes, pg):
    from bench.suite import floor, http_path, inbox, services
    from bench.suite.databases import fresh_postgres, fresh_sqlite

    measured_floor = _part(results, 'engine floor', lambda: floor.run(results, sizes['floor_runs']))
    if measured_floor is None:
        return  # every other figure is read against the floor
    if 'services' in args.parts:
        profile = args.out if args.profile else None

        def on_sqlite():
            with fresh_sqlite() as (app, _workdir, _url):
                services.run(results, measured_floor, app, 'SQLite', sizes['service_runs'],
                             sizes['loop_instances'], profile, sizes['profile_runs'])

        def on_postgres():
            with fresh_postgres(pg, 'services') as (app, _workdir, _url):
                services.run(results, measured_floor, app, 'PostgreSQL', sizes['service_runs'],
                             sizes['loop_instances'])
        _part(results, 'service layer (SQLite)', on_sqlite)
        if pg:
            _part(results, 'service layer (PostgreSQL)', on_postgres)
        else:
            results.skip('service layer (PostgreSQL)', 'completion and TIDAK loop', 'skipped (no PostgreSQL)')
    if 'http' in args.parts:
        _part(results, 'HTTP (SQLite)', lambda: http_path.run_sqlite(results, measured_floor, sizes['http_sqlite']))
        _part(results, 'HTTP (PostgreSQL)', lambda: http_path.run_postgres(
            results, measured_floor, pg, sizes['pg_single'], sizes['pg_clients'], sizes['pg_per_client']))
    if 'inbox' in args.parts:
        _part(results, 'inbox and memory',
              lambda: inbox.run(results, list(sizes['inbox_sizes']), sizes['inbox_requests']))


def _part(results, name, call):
    """Run one part; an exception is recorded as a benchmark error and the next part still runs."""
    say(f'== {name}')
    started = time.perf_counter()
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001 - reported in the table and in the exit status
        traceback.print_exc()
        results.error(name, f'{type(exc).__name__}: {exc}')
        return None
    finally:
        results.details.setdefault('part_seconds', {})[name] = time.perf_counter() - started
    say(f'== {name} done in {time.perf_counter() - started:.1f} s')
    return value if value is not None else True


def _meta(args, pg):
    return {'mode': 'quick' if args.quick else 'full', 'started': datetime.now().astimezone().isoformat('T', 'seconds'),
            'machine': f'{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}',
            'databases': _databases(pg), 'commit': _commit(), 'argv': sys.argv[1:],
            'load_at_start': round(os.getloadavg()[0], 2)}


def _databases(pg):
    import sqlite3
    text = f'SQLite {sqlite3.sqlite_version} (WAL file)'
    if not pg:
        return text + '; no PostgreSQL'
    from sqlalchemy import create_engine
    from sqlalchemy import text as sql
    engine = create_engine(pg)
    try:
        with engine.connect() as conn:
            return text + f'; PostgreSQL {conn.execute(sql("SHOW server_version")).scalar()}'
    finally:
        engine.dispose()


def _commit():
    def git(*command):
        return subprocess.run(['git', *command], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    commit = git('rev-parse', '--short', 'HEAD') or 'unknown'
    return commit + (' + uncommitted changes' if git('status', '--porcelain', '--untracked-files=no') else '')


def _describe(results, args, sizes):
    """The definitions a reader of the table needs."""
    notes = [
        'Floor: bare SpiffWorkflow per step (load workflow, complete the READY user task, run to the next wait, '
        'store). "full" = serialize_json/deserialize_json with the spec (the targets use it); "state only" = '
        'to_dict/from_dict without the spec, as app/engine does.',
        'Service layer: `with unit_of_work(): workflow.complete_task(...)` per step (one commit), user reloaded '
        'after db.session.remove(); no step documents (outside complete_task).',
        'HTTP: time of POST …/complete seen by a stdlib client on 127.0.0.1 (gunicorn sync workers close the '
        'connection after each response, so a connect is included); SIKANDA_ENV=development, i.e. the app\'s '
        'default for documents after a step.',
        f'Inbox: clones of service-made template instances, bulk-inserted (see bench/suite/inbox.py); sizes '
        f'{", ".join(f"{s:,}" for s in sizes["inbox_sizes"])}.',
        'Memory: the single gunicorn worker\'s RSS after it has served the inbox (API + HTML) with that many '
        'instances in the database (the same worker throughout); and the SQLite HTTP worker\'s RSS after a tenth '
        'of its paths and after all of them (a target from 500 paths; the full run drives 1,000).',
    ]
    if args.quick:
        notes.append(f'--quick: {sizes["service_runs"]} service paths, {sizes["http_sqlite"]} HTTP paths on SQLite, '
                     f'{sizes["pg_single"]} + {sizes["pg_clients"]}×{sizes["pg_per_client"]} on PostgreSQL, '
                     f'TIDAK loop over {sizes["loop_instances"]} instances, inbox up to 10,000 (not 100,000): '
                     'the 100k targets are read at 10k, the memory target at 10k vs 1k as in the full run; the '
                     'path worker\'s memory is informational.')
    meta = results.meta
    available = meta['duration_s'] * (os.cpu_count() or 1)
    if meta['other_cpu_s'] > 0.1 * available:
        notes.insert(0, f'**The machine was busy**: other processes used at least {meta["other_cpu_s"]:.0f} CPU-s '
                        f'of the {available:.0f} the run had (load average {meta["load_at_start"]} at the start); '
                        'they skew these figures.')
    for note in notes:
        results.note(note)


if __name__ == '__main__':
    sys.exit(main())
