"""Accessibility of the pages the SOP walkthrough does not reach, on a 360 px wide screen.

check_page runs axe-core (nothing serious or critical allowed) and checks that nothing scrolls sideways.
The walkthrough (test_sop_walkthrough.py) covers every task page, the inboxes with tasks and the report pages
along the way; this module covers login and keyboard use, the empty states of every role, the new-report form
with validation errors, overdue and claimed tasks, report lists and detail, and error pages.
"""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import helpers
from tests.browser.support import axe_violations, check_page, screenshot


def test_axe_check_reports_real_problems(page, live_server):
    """Guards the checker itself: a page with known faults must produce violations."""
    page.goto(f'{live_server}/login')  # same origin, so the app can serve axe-core
    page.set_content('<html><body><img src="data:,"><input type="text"></body></html>')
    ids = {v['id'] for v in axe_violations(page)}
    assert {'image-alt', 'label', 'html-has-lang'} <= ids


def test_login_page_and_failed_login(page, live_server):
    page.goto(f'{live_server}/login')
    expect(page.get_by_role('heading', level=1, name='Masuk ke SIKANDA')).to_be_visible()
    check_page(page, 'masuk')
    screenshot(page, 'login.png')

    page.get_by_role('button', name='Masuk').click()
    username = page.get_by_label('Nama pengguna')
    expect(username).to_have_attribute('aria-invalid', 'true')
    expect(username).to_have_accessible_description('Wajib diisi.')
    check_page(page, 'masuk tanpa isian')

    username.fill('agen1')
    page.get_by_label('Kata sandi').fill('salah-sandi')
    page.get_by_role('button', name='Masuk').click()
    expect(page.get_by_role('alert')).to_have_text('Nama pengguna atau kata sandi salah.')
    check_page(page, 'masuk gagal')


def test_login_with_keyboard_only(page, live_server):
    page.goto(f'{live_server}/login')
    page.keyboard.press('Tab')
    skip = page.get_by_role('link', name='Lewati ke konten utama')
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    for _ in range(5):
        if page.evaluate('document.activeElement.id') == 'username':
            break
        page.keyboard.press('Tab')
    username = page.get_by_label('Nama pengguna')
    expect(username).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).boxShadow") != 'none', 'no visible focus ring'
    page.keyboard.type('agen1')
    page.keyboard.press('Tab')
    expect(page.get_by_label('Kata sandi')).to_be_focused()
    page.keyboard.type(helpers.PASSWORD)
    page.keyboard.press('Enter')
    expect(page.get_by_role('heading', level=1, name='Kotak tugas')).to_be_visible()

    # the skip link moves the keyboard focus to the main content
    page.keyboard.press('Tab')
    expect(skip).to_be_focused()
    page.keyboard.press('Enter')
    expect(page.get_by_role('main')).to_be_focused()
    page.keyboard.press('Tab')
    expect(page.get_by_role('link', name='+ Laporan baru')).to_be_focused()


@pytest.mark.parametrize(('username', 'shot', 'message'), [
    ('pimpinan1', 'inbox-pimpinan-kosong.png', 'Semua tugas di lajur Anda sudah selesai'),
    ('pemilikproses1', 'inbox-pemilik-proses.png', 'tidak memiliki lajur tugas'),
    ('auditor1', 'inbox-auditor.png', 'tidak memiliki lajur tugas'),
    ('superadmin1', 'inbox-superadmin.png', 'tidak memiliki lajur tugas'),
])
def test_empty_inbox(logged_in, live_server, username, shot, message):
    page = logged_in(username)
    page.goto(f'{live_server}/tugas')
    expect(page.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()
    expect(page.get_by_text(message)).to_be_visible()
    check_page(page, f'kotak tugas kosong {username}')
    screenshot(page, shot)


def test_new_report_form_and_validation_errors(logged_in, live_server):
    page = logged_in('agen1')
    page.goto(f'{live_server}/laporan/baru')
    check_page(page, 'formulir laporan baru (kosong)')
    page.get_by_label('Judul singkat laporan').fill('Hanya judul')
    with page.expect_response(lambda r: r.request.method == 'POST') as posted:
        page.get_by_role('button', name='Kirim laporan').click()
    assert posted.value.status == 422
    expect(page.get_by_role('alert').first).to_contain_text('Periksa kembali isian')
    expect(page.get_by_label('Judul singkat laporan')).to_have_value('Hanya judul')
    # every marked field says what is wrong, through its accessible description
    expect(page.get_by_label('Apa yang terjadi (What)')).to_have_accessible_description('Wajib diisi.')
    expect(page.get_by_label('Foto bukti (JPEG, PNG atau WebP)')).to_have_accessible_description(
        'Lampirkan minimal satu foto.')
    invalid = page.locator('[aria-invalid="true"]')
    assert invalid.count() >= 5
    for i in range(invalid.count()):
        described = invalid.nth(i).get_attribute('aria-describedby')
        assert described and page.locator(f'#{described}').inner_text().strip()
    check_page(page, 'formulir laporan baru dengan galat')
    screenshot(page, 'laporan-baru-galat.png')


def test_report_lists_and_detail(logged_in, live_server, file_report_via_api):
    auditor = logged_in('auditor1')
    auditor.goto(f'{live_server}/laporan')
    expect(auditor.get_by_role('heading', name='Belum ada laporan')).to_be_visible()
    check_page(auditor, 'semua laporan (kosong)')
    agen2 = logged_in('agen2')
    agen2.goto(f'{live_server}/laporan-saya')
    expect(agen2.get_by_role('heading', name='Belum ada laporan')).to_be_visible()
    check_page(agen2, 'laporan saya (kosong)')

    instance = file_report_via_api('agen1')
    auditor.goto(f'{live_server}/laporan')
    auditor.get_by_role('link', name=helpers.REPORT['judul']).click()
    expect(auditor.get_by_role('heading', level=1, name=helpers.REPORT['judul'])).to_be_visible()
    expect(auditor.get_by_text('Menunggu:')).to_contain_text('Verifikasi Laporan')
    check_page(auditor, 'detail laporan (auditor)')

    # the pimpinan reads published reports only
    pimpinan = logged_in('pimpinan1')
    pimpinan.goto(f'{live_server}/laporan')
    expect(pimpinan.get_by_role('heading', name='Belum ada laporan')).to_be_visible()
    check_page(pimpinan, 'semua laporan pimpinan (belum ada yang dipublikasikan)')
    response = pimpinan.goto(f'{live_server}/laporan/{instance["id"]}')
    assert response.status in (403, 404)
    check_page(pimpinan, 'laporan belum dipublikasikan (pimpinan)')


def test_error_pages(logged_in, page, live_server):
    agen = logged_in('agen1')
    for path, status in (('/tidak-ada', 404), ('/laporan/999999', 404), ('/tugas/999999', 404), ('/laporan', 403)):
        response = agen.goto(f'{live_server}{path}')
        assert response.status == status, path
        expect(agen.get_by_role('heading', level=1, name='Maaf, permintaan tidak dapat diproses')).to_be_visible()
        expect(agen.get_by_role('link', name='Kembali ke kotak tugas')).to_be_visible()
        check_page(agen, f'galat {status} {path}')
    screenshot(agen, 'galat-403.png')

    # not signed in: the login page, with the reason
    page.goto(f'{live_server}/laporan-saya')
    expect(page.get_by_role('heading', level=1, name='Masuk ke SIKANDA')).to_be_visible()
    check_page(page, 'masuk setelah dialihkan')


def test_overdue_and_claimed_tasks_in_inbox(app, logged_in, live_server, file_report_via_api):
    from sqlalchemy import update

    from app.extensions import db
    from app.models import HumanTask
    from app.timeutil import utcnow

    file_report_via_api('agen1')
    file_report_via_api('agen2', dict(helpers.REPORT, judul='Pemblokiran jalan desa'))
    with app.app_context():
        db.session.execute(update(HumanTask).values(due_at=utcnow() - timedelta(hours=3)))
        db.session.commit()
        db.session.remove()

    page = logged_in('verifikator1')
    page.goto(f'{live_server}/tugas')
    overdue = page.locator('.inbox-list > li.list-group-item-danger')
    expect(overdue).to_have_count(2)
    expect(overdue.first).to_contain_text('terlambat')
    overdue.first.get_by_role('button', name='Klaim').click()
    expect(page.get_by_role('status')).to_contain_text('Tugas diklaim')
    claimed = page.locator('.inbox-list > li').filter(has_text='dikerjakan oleh Rudi Hartono')
    expect(claimed).to_have_count(1)
    expect(claimed.get_by_role('button', name='Lepas')).to_be_visible()
    check_page(page, 'kotak tugas: tugas terlambat dan diklaim')
    screenshot(page, 'inbox-verifikator-terlambat.png')
