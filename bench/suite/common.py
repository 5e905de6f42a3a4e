"""Small shared pieces: progress lines, percentiles, the five steps of the SOP path and their data."""
import math
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTED = time.perf_counter()

#: the full SOP path: report → verify YA → publish → decide YA (rakor) → rakor
STEPS = ('report', 'verify', 'publish', 'decide', 'rakor')
BPMN_IDS = {'report': 'Task_Pelaporan', 'verify': 'Task_Verifikasi', 'publish': 'Task_Publikasi',
            'decide': 'Task_Keputusan', 'rakor': 'Task_Rakor'}
#: who completes each step (separation of duties: the reporter never processes their own report)
ACTORS = {'report': 'agen1', 'verify': 'verifikator1', 'publish': 'administrator1', 'decide': 'pimpinan1',
          'rakor': 'administrator1'}


def say(message):
    """A progress line with the seconds since the suite started."""
    print(f'[{time.perf_counter() - STARTED:7.1f}s] {message}', flush=True)


def warn(message):
    print(f'[{time.perf_counter() - STARTED:7.1f}s] WARNING: {message}', file=sys.stderr, flush=True)


def percentile(samples, share):
    """Nearest-rank percentile (share 0..1) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def summary(samples):
    """median / p95 / min / max / n of samples in ms, for the JSON file."""
    if not samples:
        return {'n': 0}
    return {'n': len(samples), 'median': statistics.median(samples), 'p95': percentile(samples, 0.95),
            'min': min(samples), 'max': max(samples)}


class Stopwatch:
    """`with Stopwatch() as watch: ...`, then watch.ms."""

    def __enter__(self):
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self._started) * 1000
        return False


def path_data(index, seed=2026):
    """(step data by step, letter data) for path number `index`: app.demo's data, as app.demo._advance uses it.

    The meeting is two days ahead; the rakor's follow-up row gets its deadline (the notulen requires one)."""
    from app.demo import STEP_DATA, report_data
    from app.timeutil import to_wita, utcnow

    meeting = to_wita(utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    rakor = dict(STEP_DATA['rakor'], waktu_kegiatan=meeting.isoformat())
    rakor['rencana_tindak_lanjut'] = [{**row, 'batas_waktu': (meeting + timedelta(days=3)).date().isoformat()}
                                      for row in rakor['rencana_tindak_lanjut']]
    steps = {'report': report_data(random.Random(seed + index), index), 'verify': STEP_DATA['verifikasi_ya'],
             'publish': STEP_DATA['publikasi'], 'decide': STEP_DATA['keputusan_ya'], 'rakor': rakor}
    return steps, STEP_DATA['surat_undangan'] | {'waktu_kegiatan': meeting.isoformat()}


def photo_bytes():
    """The small photo the report step carries (tests.helpers.image_bytes: a 64x48 JPEG)."""
    from tests.helpers import image_bytes
    return image_bytes()


class OtherWork:
    """CPU seconds that processes other than ours (and PostgreSQL's) used while the suite ran: on 2 cores any
    of it skews the figures. A lower bound: processes that came and went in between are not seen."""

    def __init__(self):
        self.before = self._cpu()

    def seconds(self):
        return sum(cpu - self.before.get(key, 0.0) for key, cpu in self._cpu().items())

    @staticmethod
    def _cpu():
        import os

        import psutil
        ours = {os.getpid()} | {child.pid for child in psutil.Process().children(recursive=True)}
        used = {}
        for process in psutil.process_iter(['name', 'cpu_times', 'create_time']):
            times = process.info['cpu_times']
            if process.pid in ours or times is None or (process.info['name'] or '').startswith('postgres'):
                continue
            used[(process.pid, process.info['create_time'])] = times.user + times.system
        return used
