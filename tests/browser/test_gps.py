"""Field agents can fill the report's coordinates from the phone's GPS."""
from playwright.sync_api import expect

from tests.browser.support import check_page, login
from tests.helpers import PASSWORD

GPS_BUTTON = 'Isi koordinat dari lokasi saya (GPS)'


def open_report_form(context, live_server):
    page = context.new_page()
    login(page, live_server, 'agen1', PASSWORD)
    page.goto(f'{live_server}/laporan/baru')
    return page


def test_gps_button_fills_coordinates(new_context, live_server):
    context = new_context(geolocation={'latitude': -2.3312, 'longitude': 115.4597, 'accuracy': 12},
                          permissions=['geolocation'])
    page = open_report_form(context, live_server)
    page.get_by_role('button', name=GPS_BUTTON).click()
    expect(page.locator('#gps-status')).to_have_text('Koordinat terisi (akurasi ± 12 m).')
    expect(page.locator('#latitude')).to_have_value('-2.331200')
    expect(page.locator('#longitude')).to_have_value('115.459700')
    expect(page.locator('#akurasi_gps')).to_have_value('12')
    check_page(page, 'laporan baru dengan GPS')


def test_denied_location_says_what_to_do(new_context, live_server):
    page = open_report_form(new_context(), live_server)   # no geolocation permission granted
    page.get_by_role('button', name=GPS_BUTTON).click()
    expect(page.locator('#gps-status')).to_contain_text('isi koordinat secara manual', timeout=25000)
    expect(page.locator('#latitude')).to_have_value('')
