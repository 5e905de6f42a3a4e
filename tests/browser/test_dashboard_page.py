"""The dashboard and the compliance report in a real browser at 360 px: charts drawn, no sideways scrolling,
nothing serious for axe-core, and the figures also readable as tables."""
from playwright.sync_api import expect

from tests import helpers
from tests.browser.support import check_page, screenshot

DASHBOARD_CHARTS = ('minggu', 'eskalasi', 'aspek', 'kecamatan', 'jenis', 'tahap')
COMPLIANCE_CHARTS = ('sesuai', 'durasi')


def script_errors(page):
    """Uncaught script errors on the page from now on (the list fills while the test runs)."""
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    return errors


def charts_missing(page, names):
    """The ids of the canvases without a Chart.js chart (empty when every chart was drawn)."""
    return page.evaluate("""(ids) => ids.filter(id => Chart.getChart(document.getElementById(id)) === undefined)""",
                         [f'grafik-{name}' for name in names])


def test_administrator_reads_the_dashboard_on_a_phone(live_server, logged_in, file_report_via_api):
    file_report_via_api()
    page = logged_in('administrator1')
    errors = script_errors(page)
    page.goto(f'{live_server}/dasbor')
    expect(page.get_by_role('heading', level=1, name='Dasbor kewaspadaan dini')).to_be_visible()
    expect(page.locator('.stat-value').first).to_have_text('1')
    assert charts_missing(page, DASHBOARD_CHARTS) == []
    expect(page.get_by_role('img', name='Aspek IPOLEKSOSBUDHANKAM. Ideologi: 0; Politik: 0; Ekonomi: 1',
                            exact=False)).to_be_visible()
    paringin = page.get_by_role('row', name='Paringin', exact=False).filter(has_text='Sedang')
    expect(paringin).to_have_count(1)
    check_page(page, 'dasbor')
    screenshot(page, 'dasbor.png')
    assert errors == []


def test_compliance_report_with_a_drill_down_on_a_phone(app, live_server, logged_in, file_report_via_api):
    instance = file_report_via_api()
    verifier = helpers.Api(app.test_client(), 'verifikator1')
    assert verifier.complete_only_task(instance['id'], helpers.VERIFY_YES).status_code == 200
    page = logged_in('auditor1')
    errors = script_errors(page)
    page.goto(f'{live_server}/kepatuhan')
    expect(page.get_by_role('heading', level=1, name='Kepatuhan SOP')).to_be_visible()
    assert charts_missing(page, COMPLIANCE_CHARTS) == []
    chart = page.locator('figure').filter(has_text='Persentase sesuai standar per langkah')
    chart.get_by_text('Tampilkan data sebagai tabel').click()
    expect(chart.get_by_role('row', name='Verifikasi Laporan 100%')).to_be_visible()
    check_page(page, 'kepatuhan sop')
    screenshot(page, 'kepatuhan.png')
    page.get_by_role('link', name='Verifikasi Laporan').click()
    expect(page.get_by_role('heading', level=1, name='Kepatuhan: Verifikasi Laporan')).to_be_visible()
    expect(page.get_by_role('link', name=instance['report']['nomor'])).to_be_visible()
    expect(page.get_by_text('sesuai standar', exact=True)).to_be_visible()
    check_page(page, 'kepatuhan langkah')
    assert errors == []
