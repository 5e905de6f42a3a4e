"""The early-warning dashboard: counts of a seeded set of reports, what a pimpinan sees, the period, access."""
import re
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from tests import helpers

PARINGIN, JUAI, AWAYAN = '63.11.06', '63.11.01', '63.11.03'
MARCH = '?dari=2026-03-01&sampai=2026-03-31'


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute)


def add_report(session, nomor, submitted, aspek, jenis, tahap, eskalasi, kecamatan, verified=False, published=False):
    """One report row (with its instance) as the services would have left it."""
    from app.models import ProcessDefinition, ProcessInstance, Report
    from app.services import users
    agent = users.find_user('agen1')
    definition_id = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.deployed))
    instance = ProcessInstance(definition_id=definition_id, state='{}', started_by_id=agent.id)
    session.add(instance)
    session.flush()
    after = (submitted or utc(3, 1, 0)) + timedelta(hours=2)
    session.add(Report(instance_id=instance.id, nomor=nomor, judul=f'Judul {nomor}', reporter_id=agent.id,
                       status='draf' if submitted is None else 'diproses', submitted_at=submitted, aspek=aspek,
                       jenis_athg=jenis, tahap_konflik=tahap, eskalasi=eskalasi, kecamatan_kode=kecamatan,
                       verified_at=after if verified else None,
                       published_at=after + timedelta(hours=1) if published else None))
    return instance.id


def add_overdue_task(session, instance_id):
    from app.models import HumanTask
    from app.timeutil import utcnow
    now = utcnow()
    session.add(HumanTask(instance_id=instance_id, task_uuid=str(uuid4()), bpmn_id='Task_Keputusan',
                          name='Keputusan Pimpinan', lane='Pimpinan', sla='PT4H', status='terbuka',
                          created_at=now - timedelta(hours=6), started_at=now - timedelta(hours=6),
                          due_at=now - timedelta(hours=2)))


@pytest.fixture
def reports(app):
    """March 2026 WITA (UTC+8). Week numbers are ISO weeks of the WITA day."""
    from app.extensions import db
    from app.uow import unit_of_work
    with app.app_context(), unit_of_work():
        s = db.session
        # 28 Feb 16:30 UTC = Sunday 1 Mar 00:30 WITA: inside, week 9
        add_report(s, 'R7', utc(2, 28, 16, 30), 'keamanan', 'tantangan', 'potensi', 'rendah', PARINGIN)
        r1 = add_report(s, 'R1', utc(3, 2, 2), 'ekonomi', 'ancaman', 'potensi', 'sedang', PARINGIN,
                        verified=True, published=True)                                   # week 10
        r2 = add_report(s, 'R2', utc(3, 3, 2), 'politik', 'gangguan', 'peristiwa', 'tinggi', PARINGIN,
                        verified=True)                                                   # week 10
        # Sunday 8 Mar 16:30 UTC = Monday 9 Mar 00:30 WITA: week 11, not 10
        add_report(s, 'R4', utc(3, 8, 16, 30), 'sosial', 'hambatan', 'pascakonflik', 'rendah', AWAYAN)
        add_report(s, 'R3', utc(3, 16, 2), 'ekonomi', 'ancaman', 'peristiwa', 'sangat_tinggi', JUAI,
                   verified=True, published=True)                                        # week 12
        # outside: 28 Feb 23:59 WITA, 1 Apr 00:00 WITA, and a draft never submitted
        add_report(s, 'R6', utc(2, 28, 15, 59), 'politik', 'ancaman', 'potensi', 'tinggi', JUAI, verified=True,
                   published=True)
        add_report(s, 'R8', utc(3, 31, 16), 'politik', 'ancaman', 'potensi', 'tinggi', JUAI, verified=True,
                   published=True)
        add_report(s, 'R5', None, 'politik', 'ancaman', 'potensi', 'tinggi', JUAI)
        add_overdue_task(s, r1)
        add_overdue_task(s, r2)


def figures_for(app, username, start=date(2026, 3, 1), end=date(2026, 3, 31)):
    from app.extensions import db
    from app.services import dashboard, users
    from app.services.compliance import Period
    from forms import choices
    code_lists = {'aspek': choices.ASPEK, 'jenis_athg': choices.JENIS_ATHG,
                  'tahap_konflik': choices.TAHAP_KONFLIK, 'eskalasi': choices.ESKALASI}
    with app.app_context():
        result = dashboard.summary(users.find_user(username), Period(start, end), code_lists)
        counts = {column: [(label, n) for _value, label, n in rows] for column, rows in result.counts.items()}
        kecamatan = {row.nama: (row.count, row.highest) for row in result.kecamatan}
        newest = [r.nomor for r in result.newest_verified]
        summary = (result.total, result.verified, result.overdue_tasks)
        weeks = result.weeks
        db.session.remove()
    return summary, counts, weeks, kecamatan, newest


def test_counts_of_the_seeded_reports_for_an_administrator(app, reports):
    summary, counts, weeks, kecamatan, newest = figures_for(app, 'administrator1')
    assert summary == (5, 3, 2)   # R7 R1 R2 R4 R3; verified R1 R2 R3; both overdue tasks
    assert counts['aspek'] == [('Ideologi', 0), ('Politik', 1), ('Ekonomi', 2), ('Sosial', 1), ('Budaya', 0),
                               ('Pertahanan', 0), ('Keamanan', 1)]
    assert counts['jenis_athg'] == [('Ancaman', 2), ('Tantangan', 1), ('Hambatan', 1), ('Gangguan', 1)]
    assert counts['tahap_konflik'] == [('Potensi konflik', 2), ('Peristiwa konflik', 2), ('Pascakonflik', 1)]
    assert counts['eskalasi'] == [('Rendah', 2), ('Sedang', 1), ('Tinggi', 1), ('Sangat tinggi', 1)]
    assert weeks == [('Mg 9/2026', 1), ('Mg 10/2026', 2), ('Mg 11/2026', 1), ('Mg 12/2026', 1),
                     ('Mg 13/2026', 0), ('Mg 14/2026', 0)]
    assert kecamatan == {'Juai': (1, 'sangat_tinggi'), 'Halong': (0, None), 'Awayan': (1, 'rendah'),
                         'Batu Mandi': (0, None), 'Lampihong': (0, None), 'Paringin': (3, 'tinggi'),
                         'Paringin Selatan': (0, None), 'Tebing Tinggi': (0, None)}
    assert newest == ['R3', 'R2', 'R1']   # newest verification first


def test_a_pimpinan_counts_published_reports_only(app, reports):
    summary, counts, weeks, kecamatan, newest = figures_for(app, 'pimpinan1')
    assert summary == (2, 2, 1)   # R1 and R3; the overdue task of the unpublished R2 is not theirs to see
    assert counts['aspek'][2] == ('Ekonomi', 2) and sum(n for _label, n in counts['aspek']) == 2
    assert counts['eskalasi'] == [('Rendah', 0), ('Sedang', 1), ('Tinggi', 0), ('Sangat tinggi', 1)]
    assert kecamatan['Paringin'] == (1, 'sedang') and kecamatan['Awayan'] == (0, None)
    assert [n for _label, n in weeks] == [0, 1, 0, 1, 0, 0]
    assert newest == ['R3', 'R1']


def test_period_filter_uses_wita_days(app, reports):
    summary, _counts, weeks, kecamatan, _newest = figures_for(app, 'administrator1', date(2026, 3, 9),
                                                              date(2026, 3, 15))
    assert summary[0] == 1 and kecamatan['Awayan'] == (1, 'rendah')   # R4, 9 Mar WITA (8 Mar in UTC)
    assert weeks == [('Mg 11/2026', 1)]
    summary, *_rest = figures_for(app, 'administrator1', date(2026, 3, 31), date(2026, 4, 1))
    assert summary[0] == 1   # R8 at 1 Apr 00:00 WITA


def stat_values(page):
    return [int(n) for n in re.findall(r'class="stat-value mb-0">(\d+)<', page)]


def test_page_shows_cards_charts_table_and_newest_reports(app, reports):
    client = app.test_client()
    helpers.web_login(client, 'administrator1')
    response = client.get(f'/dasbor{MARCH}')
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert stat_values(page) == [5, 3, 2, 2]   # total, verified, tinggi or sangat tinggi, overdue tasks
    for name in ('minggu', 'eskalasi', 'aspek', 'kecamatan', 'jenis', 'tahap'):
        assert f'<canvas id="grafik-{name}" data-chart="data-{name}" role="img"' in page
        assert f'<script type="application/json" id="data-{name}">' in page
    assert 'chart.umd.min.js' in page and 'js/charts.js' in page
    assert '"labels": ["Mg 9/2026", "Mg 10/2026"' in page
    assert 'eskalasi-sangat_tinggi">Sangat tinggi</td>' in page and 'eskalasi-tinggi">Tinggi</td>' in page
    assert page.count('<th scope="row" class="fw-normal">Tebing Tinggi</th>') == 2  # chart data and table
    newest = page[page.index('Laporan terverifikasi terbaru'):]
    assert newest.index('R3') < newest.index('R2') < newest.index('R1')
    assert re.search(r'href="/laporan/\d+">Judul R3</a>', newest)
    filtered = client.get('/dasbor?dari=2026-03-09&sampai=2026-03-15').get_data(as_text=True)
    assert stat_values(filtered) == [1, 0, 0, 2]


def test_pimpinan_page_excludes_unpublished_reports(app, reports):
    client = app.test_client()
    helpers.web_login(client, 'pimpinan1')
    page = client.get(f'/dasbor{MARCH}').get_data(as_text=True)
    assert stat_values(page) == [2, 2, 1, 1]
    assert 'Judul R2' not in page and 'Judul R3' in page
    assert 'Sebagai pimpinan, Anda melihat laporan yang sudah dipublikasikan' in page


def test_default_period_is_the_last_90_days_and_empty_state(app):
    client = app.test_client()
    helpers.web_login(client, 'administrator1')
    page = client.get('/dasbor').get_data(as_text=True)
    today = helpers.wita_today()
    assert f'value="{today - timedelta(days=89)}"' in page and f'value="{today}"' in page
    assert 'Tidak ada laporan dalam periode ini' in page and 'Perpanjang periode' in page
    assert 'data-chart=' not in page and 'chart.umd.min.js' not in page
    helpers.Api(app.test_client(), 'agen1').file_report()
    page = client.get('/dasbor').get_data(as_text=True)
    assert stat_values(page)[0] == 1 and 'data-chart="data-aspek"' in page
    invalid = client.get('/dasbor?dari=2026-03-31&sampai=2026-03-01').get_data(as_text=True)
    assert 'Tanggal akhir tidak boleh sebelum tanggal awal' in invalid
    assert 'Tanggal tidak valid' in client.get('/dasbor?dari=kemarin').get_data(as_text=True)


@pytest.mark.parametrize(('username', 'status'), [('agen1', 403), ('verifikator1', 403), ('auditor1', 403),
                                                   ('administrator1', 200), ('pimpinan1', 200)])
def test_only_the_leadership_and_administrators_open_the_dashboard(app, username, status):
    client = app.test_client()
    helpers.web_login(client, username)
    assert client.get('/dasbor').status_code == status
