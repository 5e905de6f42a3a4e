"""The report page draws the SOP diagram of the report's version with bpmn-js, marking the path."""
from playwright.sync_api import expect

from tests import helpers
from tests.browser.support import check_page, screenshot


def test_report_page_marks_passed_and_waiting_steps(app, live_server, logged_in, file_report_via_api):
    instance = file_report_via_api()
    assert helpers.Api(app.test_client(), 'verifikator1').complete_only_task(
        instance['id'], helpers.VERIFY_YES).status_code == 200
    page = logged_in('verifikator1')
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.goto(f'{live_server}/laporan/{instance["id"]}')
    diagram = page.locator('#diagram')
    expect(diagram).to_have_attribute('data-rendered', 'ok')      # imported without warnings
    assert page.locator('#diagram [data-element-id]').count() > 20  # lanes, tasks, gateways, flows
    done = page.locator('#diagram .sikanda-done[data-element-id]')
    expect(done).to_have_count(2)
    assert sorted(done.evaluate_all('els => els.map(e => e.dataset.elementId)')) == [
        'Task_Pelaporan', 'Task_Verifikasi']
    expect(page.locator('#diagram .sikanda-active[data-element-id="Task_Publikasi"]')).to_have_count(1)
    expect(page.locator('#diagram-summary')).to_contain_text('Tahap saat ini: Publikasi Laporan')
    expect(page.get_by_text('Keputusan diambil: Verifikasi Laporan — YA')).to_be_visible()
    assert errors == []
    check_page(page, 'laporan dengan diagram')
    screenshot(page, 'laporan-diagram.png')


def test_finished_report_marks_its_end_event(app, logged_in, live_server, file_report_via_api):
    instance = file_report_via_api()
    helpers.Api(app.test_client(), 'verifikator1').complete_only_task(instance['id'], helpers.VERIFY_REJECT)
    page = logged_in('agen1')
    page.goto(f'{live_server}/laporan/{instance["id"]}')
    expect(page.locator('#diagram')).to_have_attribute('data-rendered', 'ok')
    expect(page.locator('#diagram .sikanda-done[data-element-id="End_Ditolak"]')).to_have_count(1)
    expect(page.locator('#diagram .sikanda-active')).to_have_count(0)
