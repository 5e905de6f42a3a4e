"""The audit log page in a real browser at 360 px: readable, filterable with the keyboard-usable form."""
from playwright.sync_api import expect

from tests.browser.support import check_page, screenshot


def test_auditor_filters_the_log_on_a_phone(live_server, logged_in, file_report_via_api):
    instance = file_report_via_api()
    page = logged_in('auditor1')
    page.goto(f'{live_server}/audit')
    expect(page.get_by_role('heading', level=1, name='Jejak audit')).to_be_visible()
    expect(page.get_by_role('cell', name='Laporan dibuat')).to_be_visible()
    check_page(page, 'jejak audit')
    page.get_by_label('Aksi').select_option(label='Foto diunggah')
    page.get_by_role('button', name='Terapkan filter').click()
    rows = page.locator('tbody tr')
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f'Instans {instance["id"]}')
    rows.first.get_by_text('Detail').click()
    expect(rows.first.locator('pre')).to_contain_text('sha256')
    check_page(page, 'jejak audit tersaring')
    screenshot(page, 'jejak-audit.png')
    page.get_by_label('Kecamatan').select_option(label='Awayan')
    page.get_by_role('button', name='Terapkan filter').click()
    expect(page.get_by_text('Tidak ada kejadian yang cocok dengan filter ini')).to_be_visible()
