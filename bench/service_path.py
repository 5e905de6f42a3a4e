"""Time one full SOP path (report → verify YA → publish → decide YA → rakor) through the services.

Each step is its own unit of work (one commit), as in a web request, on a fresh SQLite file in WAL
mode (or SIKANDA_DATABASE_URL). Run: python -m bench.service_path [--runs N]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--runs', type=int, default=30)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix='sikanda-bench-'))
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import STEP_DATA, report_data
    from app.services import processes, queries, users, workflow
    from app.services.attachments import Upload
    from app.uow import unit_of_work
    from forms import FORM_CATALOG
    from tests.helpers import image_bytes

    app = create_app({'SIKANDA_ENV': 'test', 'DATABASE_URL': f'sqlite:///{workdir / "bench.db"}',
                      'UPLOAD_DIR': str(workdir / 'uploads'), 'SECRET_KEY': 'bench'})
    with app.app_context():
        upgrade()
        with unit_of_work():
            processes.install_shipped_diagrams(FORM_CATALOG)
            for name, role in [('agen', 'agen'), ('verif', 'verifikator'), ('admin', 'administrator'),
                               ('pimpinan', 'pimpinan')]:
                users.create_user(name, name, 'bench-password', [role])
        actors = {k: users.find_user(k) for k in ('agen', 'verif', 'admin', 'pimpinan')}
        photo = image_bytes()
        import random
        rng = random.Random(1)
        steps = [('verif', STEP_DATA['verifikasi_ya']), ('admin', STEP_DATA['publikasi']),
                 ('pimpinan', STEP_DATA['keputusan_ya']),
                 ('admin', STEP_DATA['rakor'] | {'waktu_kegiatan': '2026-12-01T09:00:00+08:00'})]
        timings = []
        for index in range(args.runs + 3):
            started = time.perf_counter()
            with unit_of_work():
                instance = workflow.start_report(actors['agen'])
            data = report_data(rng, index)
            with unit_of_work():
                task = queries.open_tasks(instance.id)[0]
                workflow.complete_task(task.id, actors['agen'], workflow.Submission(
                    data=data, photos=[Upload('b.jpg', photo)], photo_caption='x'))
            for actor, step_data in steps:
                with unit_of_work():
                    task = queries.open_tasks(instance.id)[0]
                    workflow.complete_task(task.id, actors[actor], workflow.Submission(data=step_data))
            if index >= 3:  # the first runs warm caches
                timings.append((time.perf_counter() - started) * 1000)
    print(f'full SOP path (6 transactions, 5 user tasks) over {args.runs} runs: '
          f'median {statistics.median(timings):.1f} ms, min {min(timings):.1f} ms, max {max(timings):.1f} ms')


if __name__ == '__main__':
    main()
