"""Time the official documents: rendering each type through documents.generate, and numbering under concurrency.

On a fresh SQLite file in WAL mode, or on PostgreSQL with SIKANDA_DATABASE_URL (or SIKANDA_TEST_DATABASE_URL,
as .ci/with-postgres exports it), which must point at an empty database. The demo users, the shipped diagram
and a signer for every signed type are set up first, as the superadmin would.

Measures:
1. Numbering: K reports verified YA, then K threads (each with its own app context and unit of work) generating
   their Laporan Informasi at the same instant: the wall time, and whether the numbers are exactly 1..K without
   duplicates. K is 20 on PostgreSQL (the counter row lock queues them) and 4 on SQLite (one writer at a time,
   the others wait up to the 5 s busy timeout).
2. Rendering: one report walked through the SOP by the services (file, verify YA, publish, decide YA for a
   rakor, rakor), and after each step the document it calls for (Laporan Informasi, Rumusan Kebijakan, Surat
   Undangan, Notulen) generated as version 1, which takes its number, then regenerated --runs times after one
   untimed call (documents.regenerate: a new version each, same number). Every generation is a unit of work
   with its commit, as in a web request. Median and 95th percentile, and the PDF's size and pages.

The first render in a process loads Pango and the fonts: a Rumusan Kebijakan on a report of its own takes that
cost before anything is timed. The whole run takes well under a minute with --quick.

Run: python -m bench.documents [--runs 20] [--threads K] [--quick]
PostgreSQL: SIKANDA_PG_PORT=55497 .ci/with-postgres .venv/bin/python -m bench.documents
"""
import argparse
import shutil
import sys
import threading
import time

from bench import empty_app
from bench.deadlines import timed

SIGNER = {'jabatan': 'Kepala Badan Kesatuan Bangsa dan Politik', 'nama': 'Drs. H. Rahmat Hidayat, M.Si',
          'pangkat': 'Pembina Utama Muda (IV/c)', 'nip': '197001011995031001'}
NOTULEN = {'waktu_kegiatan': '2026-11-30T09:00:00+08:00', 'tempat': 'Aula Kesbangpol', 'acara': 'Rakor sengketa',
           'pimpinan_rapat': 'Sekretaris Daerah', 'notulis': 'Rina Marlina', 'peserta': 'Kapolres\nDandim 1001',
           'pembahasan': 'Kronologi sengketa dipaparkan camat.', 'kesimpulan': 'Mediasi difasilitasi camat.',
           'rencana_tindak_lanjut': [
               {'tindakan': 'Memfasilitasi mediasi warga', 'penanggung_jawab': 'Camat Paringin',
                'batas_waktu': '2026-12-03'},
               {'tindakan': 'Patroli dialogis', 'penanggung_jawab': 'Polsek Paringin', 'batas_waktu': '2026-12-05'}]}


def user(name):
    from app.services import users
    return users.find_user(name)


def configure_signers():
    from app.services import document_settings
    from app.uow import unit_of_work

    settings = document_settings.current()
    settings['penandatangan'] = {kind: dict(SIGNER) for kind in document_settings.SIGNED_KINDS}
    with unit_of_work():
        document_settings.save(settings, user('superadmin1'), document_settings.version())


def file_report():
    from app.services import workflow
    from app.services.attachments import Upload
    from app.uow import unit_of_work
    from tests import helpers

    data = {k: v for k, v in helpers.REPORT.items() if k != 'kecamatan'}
    data |= {'jumlah_orang': 40, 'waktu_kejadian': '2026-11-27T14:30:00+08:00'}
    # a photo of camera-like size, so the Laporan Informasi scales and embeds a real image
    photo = Upload('bukti.jpg', helpers.image_bytes(size=(640, 400)))
    with unit_of_work():
        instance = workflow.file_report(user('agen1'), workflow.Submission(
            data=data, photos=[photo], photo_caption=data['keterangan_foto']))
        return instance.id


def complete(instance_id, username, data):
    """One SOP step without the document it calls for, which is generated (and timed) on its own."""
    from app.services import queries, workflow
    from app.uow import unit_of_work

    with unit_of_work():
        [task] = queries.open_tasks(instance_id)
        workflow.complete_task(task.id, user(username), workflow.Submission(data=data))


def generate(instance_id, kind, username, data=None):
    """(document id, ms) of one generation in its own unit of work."""
    from app.services import documents
    from app.uow import unit_of_work

    actor = user(username)
    started = time.perf_counter()
    with unit_of_work():
        document_id = documents.generate(instance_id, kind, actor, data=data).id
    return document_id, (time.perf_counter() - started) * 1000


def warm_up():
    from tests import helpers

    instance_id = file_report()
    complete(instance_id, 'verifikator1', helpers.VERIFY_YES)
    complete(instance_id, 'administrator1', helpers.PUBLISH)
    return generate(instance_id, 'rumusan_kebijakan', 'administrator1')[1]


def bench_numbering(app, count):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Document, DocumentCounter
    from app.services import documents
    from app.timeutil import to_wita, utcnow
    from app.uow import unit_of_work
    from tests import helpers

    with app.app_context():
        instance_ids = []
        for _ in range(count):
            instance_id = file_report()
            complete(instance_id, 'verifikator1', helpers.VERIFY_YES)
            instance_ids.append(instance_id)
        db.session.remove()
    barrier = threading.Barrier(count + 1)  # this thread too: the clock starts when all are released
    errors = []

    def one(instance_id):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                # the user is looked up after the barrier: a connection held while waiting would starve the pool
                with unit_of_work():
                    documents.generate(instance_id, 'laporan_informasi', user('verifikator1'))
            except Exception as exc:  # noqa: BLE001 - counted in the table
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(i,)) for i in instance_ids]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    wall = (time.perf_counter() - started) * 1000
    with app.app_context():
        rows = db.session.execute(select(Document.sequence, Document.nomor).where(
            Document.kind == 'laporan_informasi', Document.instance_id.in_(instance_ids))).all()
        counter = db.session.scalar(select(DocumentCounter.last).where(
            DocumentCounter.kind == 'laporan_informasi', DocumentCounter.year == to_wita(utcnow()).year))
        db.session.remove()
    sequences = sorted(seq for seq, _ in rows)
    result = {'threads': count, 'wall_ms': wall, 'made': len(rows), 'errors': [repr(e)[:200] for e in errors],
              'gap_free': sequences == list(range(1, count + 1)) and counter == count,
              'distinct_numbers': len({nomor for _, nomor in rows})}
    print(f'numbering: {count} threads, {len(rows)} documents in {wall:,.0f} ms, sequences {sequences}, '
          f'counter {counter}, {len(errors)} errors {result["errors"]}', file=sys.stderr)
    return result


def bench_rendering(runs):
    from app.extensions import db
    from app.models import Document
    from app.services import documents
    from app.uow import unit_of_work
    from tests import helpers

    admin = user('administrator1')
    instance_id = file_report()
    # (step's user, step's data, document kind, who generates it, the document's own data)
    walk = [('verifikator1', helpers.VERIFY_YES, 'laporan_informasi', 'verifikator1', None),
            ('administrator1', helpers.PUBLISH, 'rumusan_kebijakan', 'administrator1', None),
            ('pimpinan1', helpers.DECIDE_YES, 'surat_undangan', 'administrator1',
             helpers.INVITATION | {'waktu_kegiatan': '2026-11-30T09:00:00+08:00'}),
            ('administrator1', NOTULEN, 'notulen', 'administrator1', None)]
    rows = []
    for step_user, step_data, kind, generator, data in walk:
        # the rakor step (before the Notulen) needs the letter made in the previous round
        complete(instance_id, step_user, step_data)
        document_id, first_ms = generate(instance_id, kind, generator, data)
        nomor = db.session.get(Document, document_id).nomor

        def again(d=document_id):
            with unit_of_work():
                documents.regenerate(d, admin)
        median, p95, samples = timed(again, runs)
        newest = documents.latest(instance_id, kind)
        assert newest.nomor == nomor and newest.version == samples + 2, (newest.nomor, newest.version)
        rows.append({'kind': kind, 'nomor': nomor, 'first_ms': first_ms, 'median_ms': median, 'p95_ms': p95,
                     'runs': samples, 'bytes': newest.size, 'pages': newest.pages})
        print(f'  {kind} {nomor}: first {first_ms:,.1f} ms, median {median:,.1f} ms, p95 {p95:,.1f} ms '
              f'({samples} runs), {newest.size:,} bytes, {newest.pages} pages', file=sys.stderr)
        db.session.remove()
    return rows


def markdown(rendering, numbering, runs):
    lines = ['| document | version 1 (numbered) | median | p95 | runs | PDF size | pages |',
             '|---|---|---|---|---|---|---|']
    lines += [f'| {r["kind"]} | {r["first_ms"]:,.1f} ms | {r["median_ms"]:,.1f} ms | {r["p95_ms"]:,.1f} ms | '
              f'{r["runs"]}{"" if r["runs"] == runs else " (stopped early)"} | {r["bytes"]:,} B | {r["pages"]} |'
              for r in rendering]
    n = numbering
    lines += ['', '| concurrent Laporan Informasi | wall time | per document | documents | numbers 1..K | '
              'distinct numbers | errors |', '|---|---|---|---|---|---|---|',
              f'| K = {n["threads"]} threads | {n["wall_ms"]:,.0f} ms | {n["wall_ms"] / n["threads"]:,.0f} ms | '
              f'{n["made"]} | {"yes" if n["gap_free"] else "NO"} | {n["distinct_numbers"]} | {len(n["errors"])} |']
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=20, help='regenerations timed per document type')
    parser.add_argument('--threads', type=int, help='concurrent generations (default 20 on PostgreSQL, 4 on SQLite)')
    parser.add_argument('--quick', action='store_true', help='5 runs')
    args = parser.parse_args()
    if args.quick:
        args.runs = 5
    from app.extensions import db

    app, workdir = empty_app()
    began = time.perf_counter()
    with app.app_context():
        configure_signers()
        dialect = db.engine.dialect.name
        threads = args.threads or (20 if dialect == 'postgresql' else 4)
        print(f'{dialect} ({db.engine.url.render_as_string()}): first render in the process (Pango, fonts) '
              f'{warm_up():,.0f} ms', file=sys.stderr)
        db.session.remove()
    numbering = bench_numbering(app, threads)
    with app.app_context():
        rendering = bench_rendering(args.runs)
    print(f'\n{dialect}, documents.generate in a unit of work; median and 95th percentile of {args.runs} '
          f'regenerations:\n')
    print(markdown(rendering, numbering, args.runs))
    print(f'\nwhole run {time.perf_counter() - began:.1f} s')
    shutil.rmtree(workdir)
    if numbering['errors'] or not numbering['gap_free'] or numbering['distinct_numbers'] != threads:
        sys.exit('concurrent numbering failed')


if __name__ == '__main__':
    main()
