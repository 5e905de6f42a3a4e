"""The account pages in Chromium at 360 px, with axe-core: the superadmin's user list, a user's page, disabling
and enabling with the keyboard, a new user with a weak password refused, one's own password, and the 429 of a
locked login."""
from playwright.sync_api import expect

from tests import helpers
from tests.browser.support import check_page, screenshot


def test_the_superadmin_manages_an_account(logged_in, live_server):
    page = logged_in('superadmin1')
    page.goto(f'{live_server}/admin/pengguna')
    expect(page.get_by_role('heading', level=1, name='Pengguna')).to_be_visible()
    check_page(page, 'daftar pengguna')
    screenshot(page, 'pengguna.png')

    page.get_by_role('link', name='Tambah pengguna').click()
    page.get_by_label('Nama pengguna').fill('agen8')
    page.get_by_label('Nama lengkap').fill('Agen Delapan')
    page.get_by_label('Agen Lapangan').check()
    page.get_by_label('Kata sandi awal').fill('agen8agen8')
    page.get_by_role('button', name='Buat pengguna').click()
    expect(page.get_by_text('Kata sandi tidak boleh memuat nama pengguna')).to_be_visible()
    check_page(page, 'pengguna baru, kata sandi lemah')

    page.goto(f'{live_server}/admin/pengguna')
    page.get_by_role('link', name='Siti Rahmah').click()
    expect(page.get_by_role('heading', level=1, name='Siti Rahmah (agen2)')).to_be_visible()
    check_page(page, 'halaman pengguna')
    reason = page.get_by_label('Alasan penonaktifan')
    reason.fill('Cuti panjang')
    reason.press('Enter')                                           # the keyboard is enough
    expect(page.get_by_role('status')).to_contain_text('dinonaktifkan')
    expect(page.get_by_text('Nonaktif', exact=True)).to_be_visible()
    check_page(page, 'pengguna nonaktif')
    page.get_by_role('button', name='Aktifkan akun').click()
    expect(page.get_by_role('status')).to_contain_text('diaktifkan kembali')


def test_changing_ones_own_password(logged_in, live_server):
    page = logged_in('pimpinan1')
    page.goto(f'{live_server}/tugas')
    page.get_by_role('button', name='Buka menu').click()
    page.get_by_role('link', name='Ganti kata sandi').click()
    expect(page.get_by_role('heading', level=1, name='Ganti kata sandi')).to_be_visible()
    check_page(page, 'ganti kata sandi')
    page.get_by_label('Kata sandi saat ini').fill(helpers.PASSWORD)
    page.get_by_role('textbox', name='Kata sandi baru', exact=True).fill('pendek')
    page.get_by_label('Ulangi kata sandi baru').fill('pendek')
    page.get_by_role('button', name='Ganti kata sandi').click()
    expect(page.get_by_role('textbox', name='Kata sandi baru', exact=True)).to_have_attribute('aria-invalid', 'true')
    check_page(page, 'ganti kata sandi, ditolak')


def test_a_locked_login_says_why(page, live_server):
    for _ in range(5):
        page.goto(f'{live_server}/login')
        page.get_by_label('Nama pengguna').fill('auditor1')
        page.get_by_label('Kata sandi').fill('bukan-sandinya-1')
        page.get_by_role('button', name='Masuk').click()
    page.goto(f'{live_server}/login')
    page.get_by_label('Nama pengguna').fill('auditor1')
    page.get_by_label('Kata sandi').fill(helpers.PASSWORD)
    page.get_by_role('button', name='Masuk').click()
    expect(page.get_by_text('Terlalu banyak percobaan masuk yang gagal')).to_be_visible()
    check_page(page, 'masuk dikunci (429)')
