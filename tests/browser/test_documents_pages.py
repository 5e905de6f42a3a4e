"""The document pages in a real browser at 360 px: the assignment letter with its rows of people, the
follow-up list of the leadership, and the superadmin's document settings; axe-core on each."""
from playwright.sync_api import expect

from app.services import documents, queries, users, workflow
from app.uow import unit_of_work
from tests import helpers
from tests.browser.support import check_page, screenshot


def advance(app, instance_id, steps):
    with app.app_context():
        for username, data in steps:
            with unit_of_work():
                [task] = queries.open_tasks(instance_id)
                workflow.complete_task(task.id, users.find_user(username), workflow.Submission(data=data))
                documents.produce_outputs(instance_id, users.find_user(username))
        return queries.open_tasks(instance_id)[0].id if queries.open_tasks(instance_id) else None


def test_assignment_letter_with_rows_of_people(app, live_server, logged_in, file_report_via_api):
    instance = file_report_via_api()
    task_id = advance(app, instance['id'], [('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH),
                                            ('pimpinan1', helpers.DECIDE_YES | {'bentuk_penanganan': 'penugasan'})])
    page = logged_in('administrator1')
    page.goto(f'{live_server}/tugas/{task_id}')
    page.get_by_role('link', name='Buat Surat Perintah Tugas').click()
    page.get_by_role('button', name='Buat Surat Perintah Tugas').click()   # empty: errors, said clearly
    expect(page.get_by_text('Isi minimal satu orang yang ditugaskan.')).to_be_visible()
    check_page(page, 'surat perintah tugas dengan kesalahan')
    page.locator('#dasar').fill(helpers.ASSIGNMENT['dasar'])
    for name in ('nama', 'pangkat', 'nip', 'jabatan'):
        page.locator(f'#petugas-0-{name}').fill(helpers.ASSIGNMENT[f'petugas-0-{name}'])
    page.get_by_role('button', name='Tambah baris').click()
    expect(page.locator('#petugas-2-nama')).to_be_focused()
    page.locator('#petugas-2-nama').fill('Siti Aminah')
    page.locator('#petugas-2-jabatan').fill('Staf Kesbangpol')
    for name in ('untuk', 'waktu_kegiatan', 'tempat'):
        page.locator(f'#{name}').fill(helpers.ASSIGNMENT[name])
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    check_page(page, 'surat perintah tugas')
    screenshot(page, 'surat-perintah-tugas-form.png')
    page.get_by_role('button', name='Buat Surat Perintah Tugas').click()
    expect(page.get_by_role('status').filter(has_text='sudah dibuat')).to_contain_text('Surat Perintah Tugas')
    with app.app_context():
        letter = documents.latest(instance['id'], 'surat_perintah_tugas')
        assert [p['nama'] for p in letter.data['petugas']] == ['Budi Santoso', 'Siti Aminah']


def test_follow_ups_for_the_leadership(app, live_server, logged_in, file_report_via_api):
    instance = file_report_via_api()
    advance(app, instance['id'], [('verifikator1', helpers.VERIFY_YES), ('administrator1', helpers.PUBLISH),
                                  ('pimpinan1', helpers.DECIDE_YES)])
    with app.app_context(), unit_of_work():
        documents.generate(instance['id'], 'surat_undangan', users.find_user('administrator1'),
                           data=helpers.INVITATION)
    rows = [{'tindakan': 'Memfasilitasi mediasi warga', 'penanggung_jawab': 'Camat Paringin',
             'batas_waktu': '2020-01-03'},
            {'tindakan': 'Patroli dialogis', 'penanggung_jawab': 'Polsek Paringin', 'batas_waktu': '2099-12-05'}]
    notulen = {k: v for k, v in helpers.RAKOR.items() if not k.startswith('rencana')}
    advance(app, instance['id'], [('administrator1', notulen | {'rencana_tindak_lanjut': rows})])
    page = logged_in('pimpinan1')
    page.goto(f'{live_server}/tindak-lanjut')
    late = page.get_by_role('listitem').filter(has_text='Memfasilitasi mediasi warga')
    expect(late.get_by_text('Terlambat')).to_be_visible()
    check_page(page, 'tindak lanjut')
    screenshot(page, 'tindak-lanjut.png')
    late.get_by_label('Catatan penyelesaian (opsional)').fill('Mediasi berhasil, kedua pihak sepakat.')
    late.get_by_role('button', name='Tandai selesai').click()
    expect(page.get_by_role('alert').or_(page.get_by_role('status')).first).to_contain_text('ditandai selesai')
    expect(page.get_by_role('listitem').filter(has_text='Memfasilitasi mediasi warga')).to_have_count(0)
    page.get_by_role('link', name='Terlambat').click()
    expect(page.get_by_text('Tidak ada tindak lanjut')).to_be_visible()
    check_page(page, 'tindak lanjut terlambat (kosong)')


def test_document_settings_page(live_server, logged_in):
    page = logged_in('superadmin1')
    page.goto(f'{live_server}/pengaturan/dokumen')
    expect(page.get_by_role('heading', level=1, name='Pengaturan dokumen resmi')).to_be_visible()
    undangan = page.get_by_role('group', name='Penomoran Surat Undangan')
    pattern = undangan.get_by_label('Pola nomor')
    pattern.fill('{kode}/{nomor:03}/{tahun}')
    page.get_by_role('group', name='Penandatangan Surat Undangan').get_by_label('Nama').fill('Drs. H. Rahmat')
    check_page(page, 'pengaturan dokumen')
    screenshot(page, 'pengaturan-dokumen.png')
    page.get_by_role('button', name='Simpan pengaturan').click()
    expect(page.get_by_text('Pengaturan dokumen disimpan')).to_be_visible()
    expect(page.get_by_role('group', name='Penomoran Surat Undangan').get_by_label('Pola nomor')).to_have_value(
        '{kode}/{nomor:03}/{tahun}')
    expect(page.get_by_role('group', name='Penomoran Surat Undangan')).to_contain_text(
        'Contoh nomor pertama hari ini: 005/001/')
