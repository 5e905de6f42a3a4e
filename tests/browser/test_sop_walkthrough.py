"""The SOP walked through in a real browser on a 360 px phone screen, one browser context per person.

Agen files a 5W1H report with a photo -> verifikator confirms it -> administrator publishes ->
pimpinan decides on a rakor -> administrator records the rakor -> the agent sees "Ditindaklanjuti".
Every page reached is also checked with axe-core and for sideways scrolling (support.check_page).
"""
import re

from playwright.sync_api import expect

from app import wilayah
from tests import helpers
from tests.browser.support import check_page, inbox_item, open_inbox, screenshot

R = helpers.REPORT
JUDUL = R['judul']


def fill_report_form(page):
    page.get_by_label('Judul singkat laporan').fill(JUDUL)
    for name in ('apa', 'siapa', 'jumlah_orang', 'waktu_kejadian', 'alamat', 'bagaimana', 'sumber_detail',
                 'identitas_narasumber', 'keterangan_foto'):
        page.locator(f'#{name}').fill(R[name])
    page.locator('#mengapa').fill(R['mengapa'])
    # where: the kecamatan narrows the desa list (app.js), then the desa is chosen
    page.get_by_label('Kecamatan').select_option(helpers.KECAMATAN)
    other = next(k.kode for k in wilayah.kecamatan() if k.kode != helpers.KECAMATAN)
    expect(page.locator(f'#desa option[value^="{other}."]').first).to_be_disabled()
    expect(page.locator(f'#desa option[value="{helpers.DESA}"]')).to_be_enabled()
    page.get_by_label('Desa / kelurahan (Where)').select_option(helpers.DESA)
    for name in ('aspek', 'jenis_athg', 'tahap_konflik', 'sumber', 'keandalan_sumber', 'kebenaran_informasi',
                 'eskalasi', 'klasifikasi'):
        page.locator(f'#{name}').select_option(R[name])
    page.get_by_label('Foto bukti (JPEG, PNG atau WebP)').set_input_files(
        files=[{'name': 'bukti.jpg', 'mimeType': 'image/jpeg', 'buffer': helpers.image_bytes()}])


def open_task(page, base_url, task_name, shot=None):
    """From the inbox, open the task named task_name for the test report."""
    open_inbox(page, base_url)
    item = inbox_item(page, f'{task_name}: {JUDUL}')
    expect(item).to_have_count(1)
    check_page(page, f'kotak tugas berisi ({task_name})')
    if shot:
        screenshot(page, shot)
    item.get_by_role('link', name=re.compile('^Kerjakan')).click()
    expect(page.get_by_role('heading', level=1, name=task_name)).to_be_visible()
    expect(page.get_by_role('heading', level=2, name='Laporan sejauh ini')).to_be_visible()
    check_page(page, f'halaman tugas {task_name}')


def submit_task(page, base_url, button, task_name):
    """Submit the task form; the user lands on an inbox without that task."""
    page.get_by_role('button', name=button).click()
    expect(page.get_by_role('status').filter(has_text=f'"{task_name}" selesai')).to_be_visible()
    expect(page).to_have_url(f'{base_url}/tugas')
    expect(inbox_item(page, f'{task_name}: {JUDUL}')).to_have_count(0)


def test_full_sop_on_a_phone(open_as, live_server):
    base = live_server

    # -- Agen Lapangan: empty inbox, new report, report page ----------------------------------------
    agen = open_as('agen1')
    expect(agen.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()
    check_page(agen, 'kotak tugas agen (kosong)')
    screenshot(agen, 'inbox-agen.png')
    agen.get_by_role('link', name='+ Laporan baru').click()
    expect(agen.get_by_role('heading', level=1, name='Pelaporan Informasi (5W1H)')).to_be_visible()
    fill_report_form(agen)
    check_page(agen, 'formulir laporan baru (terisi)')
    agen.get_by_role('button', name='Kirim laporan').click()

    expect(agen.get_by_role('status')).to_contain_text('Laporan terkirim ke verifikator')
    expect(agen.get_by_role('heading', level=1, name=JUDUL)).to_be_visible()
    status = agen.locator('dt', has_text='Status').locator('xpath=following-sibling::dd[1]')
    expect(status).to_have_text('Verifikasi Laporan')
    nomor = agen.locator('dt', has_text='Nomor registrasi').locator('xpath=following-sibling::dd[1]').inner_text()
    assert nomor.strip()
    expect(agen.locator('dd', has_text=f'{wilayah.name(helpers.DESA)}, Kec. {wilayah.name(helpers.KECAMATAN)}')
           .first).to_be_visible()
    photo = agen.get_by_role('img', name=re.compile('^Foto bukti 1'))
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()
    agen.wait_for_function('(img) => img.complete && img.naturalWidth === 64', arg=photo.element_handle())
    check_page(agen, 'detail laporan (agen)')
    # the next step belongs to the verifikator: nothing new in the agent's inbox
    open_inbox(agen, base)
    expect(agen.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()

    # -- Verifikator: YA ------------------------------------------------------------------------------
    verifikator = open_as('verifikator1')
    open_task(verifikator, base, 'Verifikasi Laporan', shot='inbox-verifikator.png')
    expect(verifikator.get_by_text(R['apa'])).to_be_visible()
    screenshot(verifikator, 'tugas-verifikasi.png')
    verifikator.get_by_label('YA', exact=True).check()
    # a checkbox group needs one box, not every box: the group says so, the boxes are not `required`
    methods = verifikator.get_by_role('group', name='Metode verifikasi (wajib, pilih minimal satu)')
    expect(methods.get_by_role('checkbox')).to_have_count(4)
    assert methods.get_by_role('checkbox').evaluate_all('boxes => boxes.some(b => b.required)') is False
    methods.get_by_label('Cek lapangan').check()
    verifikator.get_by_label('Keandalan sumber (dikonfirmasi)').select_option('B')
    verifikator.get_by_label('Kebenaran informasi (dikonfirmasi)').select_option('2')
    submit_task(verifikator, base, 'Simpan verifikasi', 'Verifikasi Laporan')
    expect(verifikator.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()
    check_page(verifikator, 'kotak tugas verifikator (kosong)')
    verifikator.goto(f'{base}/laporan')
    expect(verifikator.get_by_role('link', name=JUDUL)).to_be_visible()
    check_page(verifikator, 'semua laporan (verifikator)')

    # -- Administrator: publikasi ---------------------------------------------------------------------
    admin = open_as('administrator1')
    open_task(admin, base, 'Publikasi Laporan', shot='inbox-administrator.png')
    verification = admin.get_by_role('region', name='Verifikasi Laporan')
    expect(verification).to_contain_text('Cek lapangan')
    expect(verification).to_contain_text('Rudi Hartono')
    for name in ('ringkasan_situasi', 'analisis', 'opsi_kebijakan', 'rekomendasi', 'instansi_pelaksana',
                 'jangka_waktu', 'distribusi'):
        admin.locator(f'#{name}').fill(helpers.PUBLISH[name])
    admin.get_by_role('group', name='Diusulkan rapat koordinasi?').get_by_label('YA', exact=True).check()
    submit_task(admin, base, 'Publikasikan laporan', 'Publikasi Laporan')
    expect(admin.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()

    # -- Pimpinan: YA, rakor --------------------------------------------------------------------------
    pimpinan = open_as('pimpinan1')
    open_task(pimpinan, base, 'Keputusan Pimpinan', shot='inbox-pimpinan.png')
    pimpinan.get_by_role('group', name='Perlu penanganan / rakor lanjutan?').get_by_label('YA', exact=True).check()
    pimpinan.get_by_label('Rapat koordinasi (Surat Undangan)').check()
    pimpinan.get_by_label('Arahan pimpinan').fill(helpers.DECIDE_YES['arahan'])
    submit_task(pimpinan, base, 'Simpan keputusan', 'Keputusan Pimpinan')
    expect(pimpinan.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()
    pimpinan.goto(f'{base}/laporan')
    expect(pimpinan.get_by_role('link', name=JUDUL)).to_be_visible()
    check_page(pimpinan, 'semua laporan (pimpinan)')

    # -- Administrator: rakor -------------------------------------------------------------------------
    open_task(admin, base, 'Rakor / Penanganan Lanjutan', shot='inbox-administrator-rakor.png')
    expect(admin.get_by_role('status')).to_contain_text('Tahap ini mensyaratkan Surat Undangan')
    admin.get_by_role('link', name='Buat Surat Undangan').click()
    expect(admin.get_by_role('heading', level=1)).to_contain_text('Surat Undangan')
    admin.get_by_label('Sifat').select_option('segera')
    for name in ('kepada', 'waktu_kegiatan', 'tempat', 'acara', 'tembusan'):
        admin.locator(f'#{name}').fill(helpers.INVITATION[name])
    check_page(admin, 'buat surat undangan')
    screenshot(admin, 'surat-undangan-form.png')
    admin.get_by_role('button', name='Buat Surat Undangan').click()
    expect(admin.get_by_role('status').filter(has_text='sudah dibuat')).to_contain_text('Buka PDF')
    expect(admin.locator('#tempat')).to_have_value('Aula Kesbangpol')   # the notulen starts from the letter
    for name in ('pimpinan_rapat', 'notulis', 'peserta', 'pembahasan', 'kesimpulan'):
        admin.locator(f'#{name}').fill(helpers.RAKOR[name])
    for name in ('tindakan', 'penanggung_jawab', 'batas_waktu'):
        admin.locator(f'#rencana_tindak_lanjut-0-{name}').fill(helpers.RAKOR[f'rencana_tindak_lanjut-0-{name}'])
    admin.get_by_role('button', name='Tambah baris').click()   # a third row, empty and focused
    expect(admin.locator('#rencana_tindak_lanjut-2-tindakan')).to_be_focused()
    admin.locator('#rencana_tindak_lanjut-2-tindakan').fill('Patroli dialogis')
    admin.locator('#rencana_tindak_lanjut-2-penanggung_jawab').fill('Polsek Paringin')
    admin.locator('#rencana_tindak_lanjut-2-batas_waktu').fill(helpers.LATER_DEADLINE.isoformat())
    admin.mouse.move(0, 0)   # no hover colour half-way through its transition while axe measures contrast
    admin.wait_for_timeout(300)
    check_page(admin, 'rakor dengan surat dan notulen')
    submit_task(admin, base, 'Simpan notulen dan selesaikan', 'Rakor / Penanganan Lanjutan')
    expect(admin.get_by_role('heading', name='Tidak ada tugas terbuka')).to_be_visible()
    check_page(admin, 'kotak tugas administrator (kosong)')
    admin.goto(f'{base}/laporan')
    admin.get_by_role('link', name=JUDUL).click()
    documents = admin.get_by_role('region', name='Dokumen resmi')
    for title in ('Laporan Informasi', 'Rumusan Kebijakan', 'Surat Undangan', 'Notulen Rapat'):
        expect(documents.get_by_role('link', name=f'Buka PDF {title}')).to_be_visible()
    expect(admin.get_by_role('region', name='Rencana tindak lanjut')).to_contain_text('Polsek Paringin')
    check_page(admin, 'detail laporan dengan dokumen')
    screenshot(admin, 'laporan-dokumen.png')
    pdf = admin.request.get(base + documents.get_by_role('link', name='Buka PDF Notulen Rapat').get_attribute('href'))
    assert pdf.status == 200 and pdf.headers['content-type'] == 'application/pdf' and pdf.body()[:5] == b'%PDF-'

    # -- Agen: "Laporan saya" through the phone menu --------------------------------------------------
    open_inbox(agen, base)
    menu = agen.get_by_role('button', name='Buka menu')
    expect(menu).to_have_attribute('aria-expanded', 'false')
    menu.click()
    expect(menu).to_have_attribute('aria-expanded', 'true')
    agen.get_by_role('link', name='Laporan saya').click()
    expect(agen.get_by_role('heading', level=1, name='Laporan saya')).to_be_visible()
    mine = agen.get_by_role('listitem').filter(has=agen.get_by_role('link', name=JUDUL))
    expect(mine).to_contain_text(nomor.strip())
    expect(mine.locator('.badge')).to_have_text('Ditindaklanjuti')
    check_page(agen, 'laporan saya')
    screenshot(agen, 'laporan-saya-agen.png')
    mine.get_by_role('link', name=JUDUL).click()
    expect(status).to_have_text('Ditindaklanjuti')
    history = agen.locator('section.card')
    expect(history).to_have_count(5)
    expect(agen.get_by_text('Menunggu:')).to_have_count(0)
    check_page(agen, 'detail laporan selesai')
    screenshot(agen, 'laporan-detail-agen.png')


def test_verifier_returns_report_and_agent_sees_note(open_as, live_server, file_report_via_api):
    base = live_server
    file_report_via_api('agen1')
    note = 'Lengkapi jumlah orang dan sebutkan nama desa kedua.'

    verifikator = open_as('verifikator1')
    open_task(verifikator, base, 'Verifikasi Laporan')
    form = verifikator.get_by_role('group', name='Apakah laporan valid?')
    form.get_by_label('TIDAK', exact=True).check()
    verifikator.get_by_label('Kembalikan ke agen untuk revisi').check()
    verifikator.get_by_label('Cek media').check()
    verifikator.get_by_label('Keandalan sumber (dikonfirmasi)').select_option('C')
    verifikator.get_by_label('Kebenaran informasi (dikonfirmasi)').select_option('3')
    # TIDAK without a note is refused, with the error tied to the field
    verifikator.get_by_role('button', name='Simpan verifikasi').click()
    catatan = verifikator.get_by_label('Catatan verifikator (wajib jika TIDAK)')
    expect(verifikator.get_by_role('alert').first).to_contain_text('Periksa kembali isian')
    expect(catatan).to_have_attribute('aria-invalid', 'true')
    expect(catatan).to_have_accessible_description(re.compile('.+'))
    expect(verifikator.get_by_label('TIDAK', exact=True)).to_be_checked()
    check_page(verifikator, 'halaman tugas verifikasi dengan galat')
    catatan.fill(note)
    submit_task(verifikator, base, 'Simpan verifikasi', 'Verifikasi Laporan')

    agen = open_as('agen1')
    item = inbox_item(agen, f'Pelaporan Informasi: {JUDUL}')
    expect(item).to_have_count(1)
    check_page(agen, 'kotak tugas agen (revisi)')
    screenshot(agen, 'inbox-agen-revisi.png')
    item.get_by_role('link', name=re.compile('^Kerjakan')).click()
    alert = agen.get_by_role('alert').filter(has_text='Dikembalikan oleh verifikator')
    expect(alert).to_contain_text(note)
    # the earlier submission fills the form; the photo already sent counts
    expect(agen.get_by_label('Judul singkat laporan')).to_have_value(JUDUL)
    expect(agen.get_by_label('Desa / kelurahan (Where)')).to_have_value(helpers.DESA)
    expect(agen.get_by_text('Sudah ada 1 foto')).to_be_visible()
    check_page(agen, 'halaman tugas revisi agen')
    screenshot(agen, 'tugas-revisi-agen.png')
    agen.get_by_label('Perkiraan jumlah orang').fill('45')
    submit_task(agen, base, 'Kirim laporan', 'Pelaporan Informasi')

    open_inbox(verifikator, base)
    expect(inbox_item(verifikator, f'Verifikasi Laporan: {JUDUL}')).to_have_count(1)
