"""SOP compliance: figures of a seeded history with known durations, checked against arithmetic done by hand."""
import csv
import io
import re
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from tests import helpers

MARCH = '?dari=2026-03-01&sampai=2026-03-31'
STEPS = {  # bpmn id: (name, lane, time standard)
    'Task_Pelaporan': ('Pelaporan Informasi', 'Agen Lapangan', 'PT6H'),
    'Task_Verifikasi': ('Verifikasi Laporan', 'Verifikator', 'PT2H'),
    'Task_Publikasi': ('Publikasi Laporan', 'Administrator', 'PT6H'),
    'Task_Keputusan': ('Keputusan Pimpinan', 'Pimpinan', 'PT4H'),
}


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute)


class History:
    """Reports and task rows written directly, so every duration is known to the minute."""

    def __init__(self, session):
        from app.models import ProcessDefinition
        from app.services import users
        self.session = session
        self.user = users.find_user
        self.definition_id = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.deployed))
        self.numbers = iter(range(1, 1000))

    def report(self, published=False):
        from app.models import ProcessInstance, Report
        agent = self.user('agen1')
        instance = ProcessInstance(definition_id=self.definition_id, state='{}', started_by_id=agent.id)
        self.session.add(instance)
        self.session.flush()
        number = next(self.numbers)
        self.session.add(Report(instance_id=instance.id, nomor=f'SKD/2026/{number:06d}', judul=f'Laporan {number}',
                                reporter_id=agent.id, status='diproses', submitted_at=utc(3, 1, 0),
                                published_at=utc(3, 1, 0) if published else None))
        return instance.id

    def task(self, instance_id, bpmn_id, status, *, start, due=None, completed=None, by=None, claimed=None,
             created=None):
        from app.models import HumanTask
        name, lane, sla = STEPS[bpmn_id]
        self.session.add(HumanTask(
            instance_id=instance_id, task_uuid=str(uuid4()), bpmn_id=bpmn_id, name=name, lane=lane,
            sla=sla if due else None, status=status, created_at=created or start, started_at=start, due_at=due,
            completed_at=completed, completed_by_id=self.user(by).id if by else None,
            claimed_by_id=self.user(claimed).id if claimed else None))
        self.session.flush()

    def handled(self, instance_id, bpmn_id, by, start, duration_hours, standard_hours=None, **kwargs):
        self.task(instance_id, bpmn_id, 'selesai', start=start, by=by,
                  due=start + timedelta(hours=standard_hours) if standard_hours else None,
                  completed=start + timedelta(hours=duration_hours), **kwargs)


@pytest.fixture
def history(app):
    """March 2026 (WITA = UTC+8), tasks inserted in SOP order so the steps list in that order."""
    from app.extensions import db
    from app.timeutil import utcnow
    from app.uow import unit_of_work
    with app.app_context(), unit_of_work():
        h = History(db.session)
        published, *unpublished = [h.report(published=(n == 0)) for n in range(5)]
        # Pelaporan, standard 6 h. Inside: completed 28 Feb 16:30 UTC = 1 Mar 00:30 WITA (1.5 h), and
        # 31 Mar 15:30 UTC = 23:30 WITA (0.5 h: counted from started_at, the moment the agent learned of it,
        # not from created_at 20 minutes later). Outside: 28 Feb 23:30 WITA and 1 Apr 00:30 WITA.
        h.handled(published, 'Task_Pelaporan', 'agen1', utc(2, 28, 15), 1.5, 6)
        h.handled(unpublished[0], 'Task_Pelaporan', 'agen1', utc(3, 31, 15), 0.5, 6, created=utc(3, 31, 15, 20))
        h.handled(unpublished[1], 'Task_Pelaporan', 'agen1', utc(2, 28, 14), 1.5, 6)
        h.handled(unpublished[2], 'Task_Pelaporan', 'agen1', utc(3, 31, 15), 1.5, 6)
        # Verifikasi, standard 2 h: 1 h, 2 h (exactly at the deadline: within), 3 h and 5 h
        h.handled(published, 'Task_Verifikasi', 'verifikator1', utc(3, 10, 1), 1, 2)
        h.handled(unpublished[0], 'Task_Verifikasi', 'verifikator2', utc(3, 11, 1), 2, 2)
        h.handled(unpublished[1], 'Task_Verifikasi', 'verifikator1', utc(3, 12, 1), 3, 2)
        h.handled(unpublished[2], 'Task_Verifikasi', 'verifikator1', utc(3, 13, 1), 5, 2)
        # Publikasi: 4 h against 6 h, and 8 h with no deadline and no started_at (falls back to created_at)
        h.handled(published, 'Task_Publikasi', 'administrator1', utc(3, 10, 5), 4, 6)
        h.task(unpublished[3], 'Task_Publikasi', 'selesai', start=None, created=utc(3, 14, 5),
               completed=utc(3, 14, 13), by='administrator1')
        # open and cancelled tasks; only open ones past their deadline are overdue
        now = utcnow()
        h.task(unpublished[0], 'Task_Verifikasi', 'terbuka', start=now - timedelta(days=2),
               due=now - timedelta(days=1), claimed='verifikator1')
        h.task(unpublished[1], 'Task_Verifikasi', 'terbuka', start=now - timedelta(hours=4),
               due=now - timedelta(hours=2))
        h.task(unpublished[2], 'Task_Verifikasi', 'dibatalkan', start=now - timedelta(days=3),
               due=now - timedelta(days=2), claimed='verifikator1')
        h.task(unpublished[3], 'Task_Publikasi', 'terbuka', start=now, due=now + timedelta(hours=3))
        h.task(published, 'Task_Keputusan', 'terbuka', start=now - timedelta(hours=6),
               due=now - timedelta(hours=2), claimed='pimpinan1')
    with app.app_context():
        from app.models import Report
        numbers = dict(db.session.execute(select(Report.instance_id, Report.nomor)).all())
        db.session.remove()
    return {'published': numbers[published], 'unpublished': [numbers[i] for i in unpublished]}


# Expected figures, by hand:
# Pelaporan: 1.5, 0.5 h -> median (0.5 + 1.5) / 2 = 1.0; p90 at rank (2 - 1) * 0.9 = 0.9 -> 0.5 + 0.9 * 1 = 1.4;
#   both within 6 h -> 100 %
# Verifikasi: 1, 2, 3, 5 h -> median 2.5; p90 at rank 3 * 0.9 = 2.7 -> 3 + 0.7 * (5 - 3) = 4.4; 1 and 2 h within
#   2 h -> 2/4 = 50 %; overdue: 2 open past their deadline (the cancelled one does not count)
# Publikasi: 4, 8 h -> median 6; p90 = 4 + 0.9 * 4 = 7.6; only the 4 h task has a deadline -> 1/1 = 100 %
# Keputusan: nothing handled, 1 overdue
# verifikator1: 1, 3, 5 h -> median 3; p90 at rank 2 * 0.9 = 1.8 -> 3 + 0.8 * 2 = 4.6; 1/3 = 33.33 %; 1 overdue
#   (claimed); verifikator2: 2 h -> median = p90 = 2, 100 %
EXPECTED_STEPS = [
    # key, handled, median, p90, within, with deadline, share, overdue, standard hours
    ('Task_Pelaporan', 2, 1.0, 1.4, 2, 2, 100.0, 0, 6.0),
    ('Task_Verifikasi', 4, 2.5, 4.4, 2, 4, 50.0, 2, 2.0),
    ('Task_Publikasi', 2, 6.0, 7.6, 1, 1, 100.0, 0, 6.0),
    ('Task_Keputusan', 0, None, None, 0, 0, None, 1, 4.0),
]
EXPECTED_ROLES = [
    ('Agen Lapangan', 2, 1.0, 1.4, 2, 2, 100.0, 0),
    ('Verifikator', 4, 2.5, 4.4, 2, 4, 50.0, 2),
    ('Administrator', 2, 6.0, 7.6, 1, 1, 100.0, 0),
    ('Pimpinan', 0, None, None, 0, 0, None, 1),
]
EXPECTED_USERS = [  # by full name
    ('agen1', 2, 1.0, 1.4, 2, 2, 100.0, 0),            # Ahmad Fauzi
    ('pimpinan1', 0, None, None, 0, 0, None, 1),       # H. Abdul Hadi
    ('administrator1', 2, 6.0, 7.6, 1, 1, 100.0, 0),   # Nurul Hidayah
    ('verifikator1', 3, 3.0, 4.6, 1, 3, 33.33, 1),     # Rudi Hartono
    ('verifikator2', 1, 2.0, 2.0, 1, 1, 100.0, 0),     # Verifikator Dua
]
FIELDS = ('key', 'handled', 'median_hours', 'p90_hours', 'within_standard', 'with_deadline',
          'share_within_standard', 'overdue_open', 'standard_hours')


def as_rows(items):
    return [tuple(item[name] for name in FIELDS if name in item) for item in items]


def march_figures(app):
    from app.services import compliance
    with app.app_context():
        figures = compliance.summary(compliance.Period(date(2026, 3, 1), date(2026, 3, 31))).as_dict()
        from app.extensions import db
        db.session.remove()
    return figures


def test_figures_per_step_role_and_user_match_the_hand_arithmetic(app, history):
    figures = march_figures(app)
    assert (figures['from'], figures['to']) == ('2026-03-01', '2026-03-31')
    assert as_rows(figures['steps']) == EXPECTED_STEPS
    assert as_rows(figures['roles']) == EXPECTED_ROLES
    assert as_rows(figures['users']) == EXPECTED_USERS
    assert [s['label'] for s in figures['steps']] == [STEPS[key][0] for key in STEPS]
    assert figures['users'][3]['label'] == 'Rudi Hartono'


def test_figures_per_month_follow_the_wita_month_of_completion(app, history):
    from app.services import compliance
    with app.app_context():
        figures = compliance.summary(compliance.Period(date(2026, 2, 1), date(2026, 4, 30))).as_dict()
    # February: the report completed 28 Feb 23:30 WITA (1.5 h); April: 1 Apr 00:30 WITA (1.5 h).
    # March: 0.5, 1, 1.5, 2, 3, 4, 5, 8 h -> median (2 + 3) / 2 = 2.5; p90 at rank 7 * 0.9 = 6.3
    #   -> 5 + 0.3 * (8 - 5) = 5.9; within 2 + 2 + 1 = 5 of the 7 with a deadline -> 71.43 %
    assert as_rows(figures['months']) == [
        ('2026-02', 1, 1.5, 1.5, 1, 1, 100.0, 0),
        ('2026-03', 8, 2.5, 5.9, 5, 7, 71.43, 0),
        ('2026-04', 1, 1.5, 1.5, 1, 1, 100.0, 0),
    ]
    assert [m['label'] for m in figures['months']] == ['Februari 2026', 'Maret 2026', 'April 2026']


def test_median_and_p90_interpolate_between_closest_ranks():
    from app.services.compliance import median, p90
    assert (median([]), p90([])) == (None, None)
    assert (median([7.0]), p90([7.0])) == (7.0, 7.0)
    assert median([1, 2, 3, 5]) == 2.5
    assert p90([5, 1, 3, 2]) == pytest.approx(4.4)   # 3 + 0.7 * (5 - 3), unsorted input
    assert p90(list(range(1, 12))) == pytest.approx(10.0)  # 1..11: rank 10 * 0.9 = 9 -> the 10th value


@pytest.mark.parametrize('username', ['administrator1', 'pimpinan1', 'auditor1'])
def test_page_shows_the_figures_to_the_three_reader_roles(app, history, username):
    client = app.test_client()
    helpers.web_login(client, username)
    response = client.get(f'/kepatuhan{MARCH}')
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'Verifikasi Laporan' in page and '2 jam' in page        # the standard, in hours
    assert '2,5 jam' in page and '4,4 jam' in page and '50%' in page and '(2 dari 4)' in page
    assert '33,3%' in page and 'Rudi Hartono' in page and 'interpolasi linear' in page
    assert 'href="/kepatuhan/ekspor.csv?dari=2026-03-01&amp;sampai=2026-03-31"' in page
    assert 'href="/kepatuhan/langkah/Task_Verifikasi?dari=2026-03-01&amp;sampai=2026-03-31"' in page
    assert 'id="data-sesuai"' in page and 'id="data-durasi"' in page and 'js/charts.js' in page


@pytest.mark.parametrize('username', ['agen1', 'verifikator1'])
def test_agents_and_verifiers_get_403(app, username):
    client = app.test_client()
    helpers.web_login(client, username)
    for url in ('/kepatuhan', '/kepatuhan/ekspor.csv', '/kepatuhan/langkah/Task_Verifikasi'):
        assert client.get(url).status_code == 403, url


def test_csv_has_one_row_per_group(app, history):
    client = app.test_client()
    helpers.web_login(client, 'auditor1')
    response = client.get(f'/kepatuhan/ekspor.csv{MARCH}')
    assert response.status_code == 200 and response.mimetype == 'text/csv'
    assert 'kepatuhan-sop-2026-03-01-2026-03-31.csv' in response.headers['Content-Disposition']
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row['kelompok'] for row in rows] == ['langkah'] * 4 + ['peran'] * 4 + ['pengguna'] * 5 + ['bulan']
    verification = next(row for row in rows if row['kode'] == 'Task_Verifikasi')
    assert verification == {'kelompok': 'langkah', 'kode': 'Task_Verifikasi', 'nama': 'Verifikasi Laporan',
                            'standar_jam': '2.0', 'ditangani': '4', 'median_jam': '2.5', 'p90_jam': '4.4',
                            'sesuai_standar': '2', 'bertenggat': '4', 'sesuai_standar_persen': '50.0',
                            'terlambat_terbuka': '2'}
    with app.app_context():
        from app.extensions import db
        from app.models import AuditEvent
        [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == 'compliance.exported')).scalars()
        assert event.actor_username == 'auditor1' and event.detail == {'from': '2026-03-01', 'to': '2026-03-31'}
    person = next(row for row in rows if row['kode'] == 'verifikator1')
    assert (person['kelompok'], person['nama'], person['sesuai_standar_persen'], person['standar_jam']) == (
        'pengguna', 'Rudi Hartono', '33.33', '')
    decision = next(row for row in rows if row['kode'] == 'Task_Keputusan')
    assert (decision['median_jam'], decision['sesuai_standar_persen'], decision['terlambat_terbuka']) == ('', '', '1')


def test_api_returns_the_same_figures(app, client, history):
    api = helpers.Api(client, 'pimpinan1')
    response = api.get('/reports/compliance?from=2026-03-01&to=2026-03-31')
    assert response.status_code == 200
    body = response.get_json()
    assert body == march_figures(app)
    assert as_rows(body['steps']) == EXPECTED_STEPS and as_rows(body['users']) == EXPECTED_USERS
    assert set(body) == {'from', 'to', 'steps', 'roles', 'users', 'months'}


def test_api_refuses_other_roles_and_invalid_dates(client):
    assert helpers.Api(client, 'verifikator1').get('/reports/compliance').status_code == 403
    assert helpers.Api(client, 'agen1').get('/reports/compliance').status_code == 403
    auditor = helpers.Api(client, 'auditor1')
    invalid = auditor.get('/reports/compliance?from=kemarin')
    assert invalid.status_code == 422 and 'from' in invalid.get_json()['errors']
    assert auditor.get('/reports/compliance?from=2026-03-31&to=2026-03-01').status_code == 422
    too_long = auditor.get('/reports/compliance?from=2025-01-01&to=2026-03-01')
    assert too_long.status_code == 422 and too_long.get_json()['errors'] == {'to': ['Periode paling panjang 366 hari.']}
    assert auditor.get('/reports/compliance?from=0001-01-01&to=0001-01-02').status_code == 422
    default = auditor.get('/reports/compliance').get_json()
    assert (date.fromisoformat(default['to']) - date.fromisoformat(default['from'])).days == 29
    assert default['to'] == helpers.wita_today().isoformat()
    assert client.get('/api/v1/reports/compliance').status_code == 401


def test_drill_down_lists_only_reports_the_viewer_may_read(app, history):
    url = f'/kepatuhan/langkah/Task_Verifikasi{MARCH}'
    leader = app.test_client()
    helpers.web_login(leader, 'pimpinan1')
    page = leader.get(url).get_data(as_text=True)
    assert history['published'] in page and not any(nomor in page for nomor in history['unpublished'][:3])
    assert '3 tugas lain pada laporan yang tidak boleh Anda lihat' in page
    assert 'Standar waktu langkah ini: 2 jam' in page and 'Rudi Hartono' in page and '1 jam' in page
    admin = app.test_client()
    helpers.web_login(admin, 'administrator1')
    page = admin.get(url).get_data(as_text=True)
    assert all(nomor in page for nomor in [history['published'], *history['unpublished'][:3]])
    assert 'tidak boleh Anda lihat' not in page
    assert page.count('sesuai standar</span>') == 2 and page.count('terlambat</span>') == 2
    assert re.search(r'href="/laporan/\d+/riwayat">SKD/2026/', page)
    publication = admin.get(f'/kepatuhan/langkah/Task_Publikasi{MARCH}').get_data(as_text=True)
    assert 'tanpa tenggat' in publication and '8 jam' in publication
    assert admin.get('/kepatuhan/langkah/Task_Tidak_Ada').status_code == 404


def test_default_period_is_the_last_30_days_and_empty_states_say_what_next(app):
    client = app.test_client()
    helpers.web_login(client, 'administrator1')
    page = client.get('/kepatuhan').get_data(as_text=True)
    today = helpers.wita_today()
    assert f'value="{today - timedelta(days=29)}"' in page and f'value="{today}"' in page
    assert 'Belum ada tugas yang diselesaikan dalam periode ini' in page and 'Perpanjang periode' in page
    helpers.Api(app.test_client(), 'agen1').file_report()  # the report step is handled now
    page = client.get('/kepatuhan').get_data(as_text=True)
    assert 'Pelaporan Informasi' in page and 'Ahmad Fauzi' in page
    assert '&lt; 0,1 jam' in page   # filed within seconds: not shown as "0 jam"
    invalid = client.get('/kepatuhan?dari=2026-03-31&sampai=2026-03-01').get_data(as_text=True)
    assert 'Tanggal akhir tidak boleh sebelum tanggal awal' in invalid
