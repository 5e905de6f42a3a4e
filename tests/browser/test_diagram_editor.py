"""The SOP diagram editor in a real browser: edit, save, deploy and roll back versions of the diagram.

The headline check is the one the process owner cares about: a change made on the canvas reaches new reports
only after it is deployed, while reports already running finish on the version they started on.
"""
import re

import pytest
from playwright.sync_api import expect

from tests import helpers
from tests.browser.support import check_page, screenshot

DESKTOP = {'width': 1280, 'height': 900}
PROCESS = '/processes/sikanda'


def _api(app, username):
    return helpers.Api(app.test_client(), username)


def _versions(app):
    response = _api(app, 'pemilikproses1').get(f'{PROCESS}/versions')
    assert response.status_code == 200, response.get_json()
    return {v['version']: v for v in response.get_json()}


def _save_version_2_via_api(app):
    """Version 2 = version 1 with one step renamed, saved as a draft by the process owner."""
    owner = _api(app, 'pemilikproses1')
    xml = owner.get(f'{PROCESS}/versions/1/bpmn').get_data(as_text=True)
    assert 'name="Publikasi Laporan"' in xml
    changed = xml.replace('name="Publikasi Laporan"', 'name="Publikasi"')
    # the versions endpoint takes the BPMN itself as the body, not JSON
    response = owner.client.post(f'/api/v1{PROCESS}/versions', data=changed.encode('utf-8'),
                                 headers=owner.headers, content_type='application/xml')
    assert response.status_code == 201, response.get_json()
    assert response.get_json()['version'] == 2
    return owner


def _open_editor(page, live_server):
    """The editor with the diagram imported; page errors are collected in the returned list."""
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    response = page.goto(f'{live_server}/proses/sikanda/editor')
    assert response.status == 200
    expect(page.locator('#canvas')).to_have_attribute('data-ready', 'true')
    return errors


def _select_on_canvas(page, element_id):
    page.locator(f'#canvas .djs-element[data-element-id="{element_id}"]').click()
    expect(page.locator('#sikanda-panel-fields')).to_be_visible()


def _save(page, outcome):
    """Click "Simpan sebagai draf" and wait for the status of the given Bootstrap alert kind."""
    page.get_by_role('button', name='Simpan sebagai draf').click()
    status = page.locator('#editor-status')
    expect(status).to_have_class(re.compile(rf'\balert-{outcome}\b'))
    return status


def _settle(page):
    """No hover, focus or running transition, so axe measures the colours at rest."""
    page.mouse.move(0, 0)
    page.evaluate('() => document.activeElement && document.activeElement.blur()')
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def _model_sla(page, element_id):
    """The time standard stored in the modeler's model (not the input) for one user task."""
    return page.evaluate("""(id) => {
        const bo = window.sikandaModeler.get('elementRegistry').get(id).businessObject;
        const props = ((bo.extensionElements && bo.extensionElements.values) || [])
            .find((v) => v.$type === 'camunda:Properties');
        const sla = props && (props.values || []).find((p) => p.name === 'sla');
        return sla ? sla.value : null;
    }""", element_id)


def test_edit_save_deploy_reaches_new_reports_only(app, live_server, logged_in, file_report_via_api):
    old = file_report_via_api()
    assert old['process_version'] == 1
    assert [t['bpmn_id'] for t in old['tasks']] == ['Task_Verifikasi']

    page = logged_in('pemilikproses1')
    page.set_viewport_size(DESKTOP)
    errors = _open_editor(page, live_server)

    _select_on_canvas(page, 'Task_Verifikasi')
    expect(page.locator('#sp-name')).to_have_text('Verifikasi Laporan')
    expect(page.locator('#sp-lane')).to_have_text('Verifikator')
    expect(page.get_by_label('Standar waktu (durasi ISO-8601)')).to_have_value('PT2H')

    name = page.locator('#bio-properties-panel-name')
    expect(name).to_be_hidden()  # the "Umum" group starts collapsed
    page.locator('#properties .bio-properties-panel-group-header:has-text("Umum")').click()
    expect(name).to_be_visible()
    expect(name).to_have_value('Verifikasi Laporan')
    name.fill('Verifikasi Cepat')
    # the panel input is debounced; the step panel repaints from the model once the rename has landed
    expect(page.locator('#sp-name')).to_have_text('Verifikasi Cepat')

    sla = page.get_by_label('Standar waktu (durasi ISO-8601)')
    sla.fill('PT3H')
    expect(sla).not_to_have_class(re.compile(r'\bis-invalid\b'))
    expect(page.locator('#sp-sla-echo')).to_have_text('= 3 jam')
    assert _model_sla(page, 'Task_Verifikasi') == 'PT3H'
    page.get_by_label('Catatan perubahan (opsional)').fill('Standar waktu verifikasi menjadi 3 jam')
    screenshot(page, 'editor-diubah.png')

    status = _save(page, 'success')
    expect(status).to_contain_text('Tersimpan sebagai draf versi 2')
    screenshot(page, 'editor-tersimpan.png')
    # saved, not yet deployed: new reports still run version 1
    versions = _versions(app)
    assert (versions[1]['deployed'], versions[2]['deployed']) == (True, False)
    assert versions[2]['base_version'] == 1
    assert versions[2]['note'] == 'Standar waktu verifikasi menjadi 3 jam'

    confirmations = []
    page.once('dialog', lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    status.get_by_role('button', name='Deploy versi 2 sekarang').click()
    expect(page).to_have_url(f'{live_server}/proses/sikanda/versi')
    assert confirmations == ['Aktifkan versi 2? Laporan baru akan memakai versi ini.']
    expect(page.get_by_role('status').filter(has_text='Versi 2 sekarang aktif')).to_be_visible()
    screenshot(page, 'editor-deploy-versi-2.png')
    assert errors == []

    # a report filed after the deploy runs version 2: renamed step, 3-hour time standard
    new = file_report_via_api()
    assert new['process_version'] == 2
    verifikator = _api(app, 'verifikator1')
    inbox = verifikator.get('/tasks').get_json()
    new_task = next(t for t in inbox if t['instance_id'] == new['id'])
    assert (new_task['name'], new_task['bpmn_id']) == ('Verifikasi Cepat', 'Task_Verifikasi')
    assert helpers.hours_between(new_task['created_at'], new_task['due_at']) == 3

    # the report filed before it keeps version 1: old name, 2-hour time standard
    old_task = next(t for t in inbox if t['instance_id'] == old['id'])
    assert (old_task['name'], old_task['bpmn_id']) == ('Verifikasi Laporan', 'Task_Verifikasi')
    assert helpers.hours_between(old_task['created_at'], old_task['due_at']) == 2
    assert verifikator.get(f'/instances/{old["id"]}').get_json()['process_version'] == 1

    inbox_page = logged_in('verifikator1')
    inbox_page.goto(f'{live_server}/')
    expect(inbox_page.get_by_role('heading', level=2, name='Verifikasi Cepat:')).to_be_visible()
    expect(inbox_page.get_by_role('heading', level=2, name='Verifikasi Laporan:')).to_be_visible()
    screenshot(inbox_page, 'editor-inbox-verifikator.png')

    # the old report finishes on version 1
    assert verifikator.complete_only_task(old['id'], helpers.VERIFY_REJECT).status_code == 200
    finished = verifikator.get(f'/instances/{old["id"]}').get_json()
    assert (finished['status'], finished['process_version'], finished['tasks']) == ('selesai', 1, [])
    assert verifikator.get(f'/instances/{new["id"]}').get_json()['status'] == 'berjalan'


def test_invalid_edits_are_refused_and_marked_on_canvas(app, live_server, logged_in):
    page = logged_in('pemilikproses1')
    page.set_viewport_size(DESKTOP)
    errors = _open_editor(page, live_server)
    _select_on_canvas(page, 'Task_Verifikasi')

    # a duration that is not ISO-8601 is flagged and never reaches the model
    sla = page.get_by_label('Standar waktu (durasi ISO-8601)')
    sla.fill('3 jam')
    expect(sla).to_have_class(re.compile(r'\bis-invalid\b'))
    expect(sla).to_have_attribute('aria-invalid', 'true')
    expect(page.locator('#sp-sla-echo')).to_have_text('Belum valid.')
    assert _model_sla(page, 'Task_Verifikasi') == 'PT2H'
    sla.fill('PT90M')
    expect(sla).not_to_have_class(re.compile(r'\bis-invalid\b'))
    expect(sla).to_have_attribute('aria-invalid', 'false')
    assert _model_sla(page, 'Task_Verifikasi') == 'PT90M'

    page.get_by_label('Formulir', exact=True).select_option(label='— pilih formulir —')
    status = _save(page, 'danger')
    expect(status).to_contain_text('Belum disimpan')
    expect(page.locator('#editor-errors li[data-element-id="Task_Verifikasi"]')).to_have_count(1)
    expect(page.locator('#canvas .sikanda-error[data-element-id="Task_Verifikasi"]')).to_have_count(1)
    screenshot(page, 'editor-kesalahan.png')
    assert list(_versions(app)) == [1]

    # "Periksa" reports the same problem without saving anything
    page.get_by_role('button', name='Periksa').click()
    expect(status).to_contain_text('kesalahan ditemukan')
    expect(page.locator('#editor-errors li[data-element-id="Task_Verifikasi"]')).to_have_count(1)
    assert list(_versions(app)) == [1]
    assert errors == []


def test_save_after_someone_else_saved_is_refused(app, live_server, logged_in):
    page = logged_in('pemilikproses1')
    page.set_viewport_size(DESKTOP)
    errors = _open_editor(page, live_server)
    _select_on_canvas(page, 'Task_Verifikasi')
    page.get_by_label('Standar waktu (durasi ISO-8601)').fill('PT3H')
    assert _model_sla(page, 'Task_Verifikasi') == 'PT3H'

    _save_version_2_via_api(app)  # saved elsewhere after this editor was opened

    status = _save(page, 'warning')
    expect(status).to_contain_text('Muat ulang editor')
    screenshot(page, 'editor-basi.png')
    versions = _versions(app)
    assert sorted(versions) == [1, 2]
    # version 2 is still the one saved through the API, not the browser's edit
    xml = _api(app, 'pemilikproses1').get(f'{PROCESS}/versions/2/bpmn').get_data(as_text=True)
    assert 'name="Publikasi"' in xml
    assert 'value="PT3H"' not in xml
    assert errors == []


def test_diagram_pages_pass_axe_on_a_phone(app, live_server, logged_in):
    _save_version_2_via_api(app)
    page = logged_in('pemilikproses1')

    page.goto(f'{live_server}/proses/sikanda/versi')
    expect(page.get_by_role('heading', level=1, name='Versi diagram SOP')).to_be_visible()
    check_page(page, 'daftar versi diagram')

    page.goto(f'{live_server}/proses/sikanda/versi/1')
    expect(page.locator('#diagram')).to_have_attribute('data-rendered', 'ok')
    check_page(page, 'versi diagram')

    page.goto(f'{live_server}/proses/sikanda/bandingkan?dari=1&ke=2')
    expect(page.get_by_role('heading', level=1, name='Perbandingan versi 1 → 2')).to_be_visible()
    changed = page.locator('section').filter(has=page.get_by_role('heading', name='Diubah (1)'))
    expect(changed).to_contain_text('Publikasi')
    expect(changed).to_contain_text('Task_Publikasi')
    expect(page.get_by_role('heading', name='Ditambahkan (0)')).to_be_visible()
    expect(page.get_by_role('heading', name='Dihapus (0)')).to_be_visible()
    check_page(page, 'bandingkan versi diagram')

    errors = _open_editor(page, live_server)
    check_page(page, 'editor diagram')
    screenshot(page, 'editor-ponsel.png')
    _select_on_canvas(page, 'Task_Verifikasi')
    expect(page.locator('#sp-name')).to_have_text('Verifikasi Laporan')
    check_page(page, 'editor diagram dengan langkah dipilih')
    screenshot(page, 'editor-ponsel-langkah.png')
    assert errors == []


def test_upload_check_and_download(app, live_server, logged_in):
    owner = _api(app, 'pemilikproses1')
    xml = owner.get(f'{PROCESS}/versions/1/bpmn').get_data(as_text=True)
    page = logged_in('pemilikproses1')
    page.set_viewport_size(DESKTOP)
    errors = _open_editor(page, live_server)

    changed = xml.replace('name="Keputusan Pimpinan"', 'name="Keputusan Bupati"')
    page.locator('#upload').set_input_files(
        files=[{'name': 'sikanda-baru.bpmn', 'mimeType': 'application/xml', 'buffer': changed.encode('utf-8')}])
    status = page.locator('#editor-status')
    expect(status).to_contain_text('Berkas "sikanda-baru.bpmn" dimuat ke editor')
    expect(page.locator('#canvas .djs-element[data-element-id="Task_Keputusan"]')).to_contain_text('Keputusan Bupati')

    page.get_by_role('button', name='Periksa').click()
    expect(status).to_have_class(re.compile(r'\balert-success\b'))
    expect(status).to_contain_text('Diagram lolos pemeriksaan. Uji jalur:')

    with page.expect_download() as download_info:
        page.get_by_role('button', name='Unduh .bpmn').click()
    download = download_info.value
    assert download.suggested_filename == 'sikanda.bpmn'
    downloaded = download.path().read_text(encoding='utf-8')
    assert 'name="Keputusan Bupati"' in downloaded
    assert 'name="Keputusan Pimpinan"' not in downloaded
    assert list(_versions(app)) == [1]  # checking and downloading store nothing
    assert errors == []


@pytest.mark.parametrize('username', ['administrator1', 'auditor1', 'verifikator1'])
def test_editor_is_for_process_owners_only(live_server, logged_in, username):
    page = logged_in(username)
    response = page.goto(f'{live_server}/proses/sikanda/editor')
    assert response.status == 403
    expect(page.locator('#canvas')).to_have_count(0)


def test_version_list_without_editor_for_administrators(live_server, logged_in):
    page = logged_in('administrator1')
    page.goto(f'{live_server}/proses/sikanda/versi')
    expect(page.get_by_role('heading', level=1, name='Versi diagram SOP')).to_be_visible()
    expect(page.get_by_role('link', name='Buka editor diagram')).to_have_count(0)
    expect(page.get_by_role('button', name=re.compile(r'^(Deploy|Rollback ke) versi'))).to_have_count(0)


def test_rollback_from_version_list(app, live_server, logged_in):
    owner = _save_version_2_via_api(app)
    response = owner.post(f'{PROCESS}/versions/2/deploy')
    assert response.status_code == 200, response.get_json()
    assert response.get_json()['deployed'] is True

    page = logged_in('pemilikproses1')
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on('dialog', accept)
    page.goto(f'{live_server}/proses/sikanda/versi')
    page.get_by_role('button', name='Rollback ke versi 1').click()
    expect(page.get_by_role('status').filter(has_text='Versi 1 sekarang aktif')).to_be_visible()
    assert dialogs == ['Rollback ke versi 1? Laporan baru akan memakai versi ini.']
    screenshot(page, 'versi-rollback.png')

    versions = _versions(app)
    assert (versions[1]['deployed'], versions[2]['deployed']) == (True, False)
    # new reports start on version 1 again
    assert _api(app, 'agen1').file_report()['process_version'] == 1


def test_saving_an_untouched_diagram_makes_no_new_version(app, live_server, logged_in):
    """bpmn-js writes the XML in its own layout, so an untouched diagram must not reach the server."""
    page = logged_in('pemilikproses1')
    page.set_viewport_size(DESKTOP)
    errors = _open_editor(page, live_server)
    page.get_by_role('button', name='Simpan sebagai draf').click()
    expect(page.locator('#editor-status')).to_contain_text('Tidak ada perubahan sejak versi 1 dibuka')
    assert errors == []
    assert list(_versions(app)) == [1]


def test_error_list_passes_axe_on_a_phone(live_server, logged_in):
    page = logged_in('pemilikproses1')
    errors = _open_editor(page, live_server)
    _select_on_canvas(page, 'Task_Verifikasi')
    page.get_by_label('Formulir', exact=True).select_option(label='— pilih formulir —')
    page.get_by_role('button', name='Periksa').click()
    expect(page.locator('#editor-errors li[data-element-id="Task_Verifikasi"]')).to_have_count(1)
    expect(page.locator('#btn-check')).to_be_enabled()
    _settle(page)
    assert errors == []
    check_page(page, 'editor diagram dengan kesalahan')
