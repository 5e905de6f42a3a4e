"""Official documents: the text of each generated PDF, numbering, versions, access with its audit trail,
the letter the rakor step requires, follow-up actions, the superadmin's settings and the API."""
import hashlib
import io
import threading
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db, file_store
from app.models import Attachment, AuditEvent, Document, DocumentCounter, FollowUpAction, Notification, Setting
from app.services import audit, document_settings, documents, follow_ups, queries, users, workflow
from app.services.attachments import Upload
from app.services.errors import ConflictError, ValidationFailed
from app.templating import tanggal
from app.timeutil import to_wita, utcnow
from app.uow import unit_of_work
from tests import helpers
from tests.helpers import Api, web_login, web_post
from tests.test_web import switch_user

SIGNER = {'jabatan': 'Kepala Badan Kesatuan Bangsa dan Politik', 'nama': 'Drs. H. Rahmat Hidayat, M.Si',
          'pangkat': 'Pembina Utama Muda (IV/c)', 'nip': '197001011995031001'}
ROMAN = document_settings.ROMAN_MONTHS


def user(name):
    return users.find_user(name)


def pdf_text(document):
    reader = PdfReader(file_store.path(document.storage_name))
    return '\n'.join(page.extract_text() for page in reader.pages), reader


def flat(text):
    return ' '.join(text.split())


def configure_signers(pattern=None):
    settings = document_settings.current()
    settings['penandatangan'] = {kind: dict(SIGNER) for kind in document_settings.SIGNED_KINDS}
    if pattern:
        for entry in settings['penomoran'].values():
            entry['pola'] = pattern
    with unit_of_work():
        document_settings.save(settings, user('superadmin1'), document_settings.version())


def file_report(agent='agen1', **changes):
    data = {k: v for k, v in helpers.REPORT.items() if k != 'kecamatan'}
    data |= {'jumlah_orang': 40, 'waktu_kejadian': '2026-11-27T14:30:00+08:00'} | changes
    with unit_of_work():
        instance = workflow.start_report(user(agent))
        task = queries.open_tasks(instance.id)[0]
        workflow.complete_task(task.id, user(agent), workflow.Submission(
            data=data, photos=[Upload('bukti.jpg', helpers.image_bytes(size=(320, 200)))],
            photo_caption=data['keterangan_foto']))
    return instance.id


def act(instance_id, username, data):
    with unit_of_work():
        [task] = queries.open_tasks(instance_id)
        workflow.complete_task(task.id, user(username), workflow.Submission(data=data))
        made = documents.produce_outputs(instance_id, user(username))
    return made


def notulen_data():
    return {'waktu_kegiatan': '2026-11-30T09:00:00+08:00', 'tempat': 'Aula Kesbangpol', 'acara': 'Rakor sengketa',
            'pimpinan_rapat': 'Sekretaris Daerah', 'notulis': 'Rina Marlina', 'peserta': 'Kapolres\nDandim 1001',
            'pembahasan': 'Kronologi sengketa dipaparkan camat.', 'kesimpulan': 'Mediasi difasilitasi camat.',
            'rencana_tindak_lanjut': [{'tindakan': 'Memfasilitasi mediasi warga', 'penanggung_jawab': 'Camat Paringin',
                                       'batas_waktu': helpers.DEADLINE.isoformat()},
                                      {'tindakan': 'Patroli dialogis', 'penanggung_jawab': 'Polsek Paringin',
                                       'batas_waktu': helpers.LATER_DEADLINE.isoformat()}]}


def walk_to_rakor(bentuk='rakor'):
    instance_id = file_report()
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    act(instance_id, 'administrator1', helpers.PUBLISH)
    act(instance_id, 'pimpinan1', helpers.DECIDE_YES | {'bentuk_penanganan': bentuk})
    return instance_id


def rakor_held(app):
    """A report through its rakor: the invitation made, the notulen with two follow-ups saved."""
    with app.app_context():
        instance_id = walk_to_rakor()
        with unit_of_work():
            documents.generate(instance_id, 'surat_undangan', user('administrator1'), data=helpers.INVITATION)
        act(instance_id, 'administrator1', notulen_data())
        first, second = (a.id for a in follow_ups.for_instance(instance_id))
    return instance_id, first, second


def this_month_number(kode, sequence, mark=''):
    today = to_wita(utcnow())
    return f'{kode}/{sequence}/{mark}KESBANGPOL/{ROMAN[today.month - 1]}/{today.year}'


@pytest.mark.usefixtures('ctx')
class TestDocumentText:
    def test_laporan_informasi_after_verification(self):
        configure_signers()
        instance_id = file_report(judul='Sengketa <b>batas</b> lahan', identitas_narasumber='Pak H (ketua RT)')
        [made] = act(instance_id, 'verifikator1', helpers.VERIFY_YES)
        text, reader = pdf_text(made)
        words = flat(text)
        assert made.kind == 'laporan_informasi' and made.nomor == this_month_number('300.1.4', 1, 'LI/')
        assert f'Nomor: {made.nomor}' in words
        assert 'PEMERINTAH KABUPATEN BALANGAN' in words and 'BADAN KESATUAN BANGSA DAN POLITIK' in words
        # the 5W1H facts, the grading, the decision and the signer
        for fact in ('Warga dua desa bersitegang soal batas kebun.', 'Warga Desa A dan Desa B', '40 orang',
                     '27 November 2026 pukul 14.30 WITA', 'Balang', 'Dekat balai desa', 'belum diketahui',
                     'Adu mulut lalu saling dorong.', 'Masyarakat', 'Tokoh masyarakat', 'B2', 'Ekonomi', 'Ancaman',
                     'YA — laporan valid', 'Cek lapangan', 'Terkonfirmasi.', 'Rudi Hartono',
                     SIGNER['nama'], SIGNER['pangkat'], f'NIP. {SIGNER["nip"]}', 'Kerumunan di batas kebun'):
            assert fact in words, fact
        assert 'Sengketa <b>batas</b> lahan' in words   # user text is text, never markup
        assert 'Pak H' not in words                     # the informant's identity stays out of documents
        # the secrecy marking in the header and the footer of every page, and page numbers
        assert len(reader.pages) == made.pages >= 1
        for number, page in enumerate(reader.pages, start=1):
            page_text = page.extract_text()
            assert page_text.count('TERBATAS') >= 2 and f'Halaman {number} dari {made.pages}' in page_text
        assert list(reader.pages[0].images) or any(list(p.images) for p in reader.pages)  # the photo
        stored = file_store.path(made.storage_name).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == made.sha256 and len(stored) == made.size
        assert stored.startswith(b'%PDF-')

    def test_rumusan_kebijakan_at_publication_refers_to_the_laporan(self):
        instance_id = file_report(klasifikasi='rahasia')
        [laporan] = act(instance_id, 'verifikator1', helpers.VERIFY_YES)
        [made] = act(instance_id, 'administrator1', helpers.PUBLISH)
        words = flat(pdf_text(made)[0])
        assert made.kind == 'rumusan_kebijakan' and f'Nomor: {made.nomor}' in words
        assert f'LaporanInformasinomor{laporan.nomor}' in words.replace(' ', '')   # a long number may wrap
        for fact in ('Situasi memanas.', 'Bisa meluas.', 'Mediasi.', 'Mediasi camat.', 'Kecamatan Paringin',
                     '7 hari', 'Bupati; Kapolres', 'Nurul Hidayah'):
            assert fact in words, fact
        assert words.count('RAHASIA') >= 2

    def test_invitation_then_notulen_with_follow_ups(self):
        configure_signers()
        instance_id = walk_to_rakor()
        [task] = queries.open_tasks(instance_id)
        with pytest.raises(ValidationFailed) as refused, unit_of_work():
            workflow.complete_task(task.id, user('administrator1'), workflow.Submission(data=notulen_data()))
        assert 'Surat Undangan belum dibuat' in refused.value.message
        with unit_of_work():
            letter = documents.generate(instance_id, 'surat_undangan', user('administrator1'),
                                        data=helpers.INVITATION | {'waktu_kegiatan': '2026-11-30T09:00:00+08:00'})
        words = flat(pdf_text(letter)[0])
        assert letter.nomor == this_month_number('005', 1) and letter.nomor in words
        for fact in ('Undangan Rapat Koordinasi', 'Kapolres Balangan', 'Dandim 1001', 'Senin, 30 November 2026',
                     '09.00 WITA', 'Aula Kesbangpol', 'Rakor penanganan sengketa batas lahan', 'Segera',
                     'Bupati Balangan', SIGNER['jabatan'], SIGNER['nama'], SIGNER['pangkat'], SIGNER['nip'],
                     'PEMERINTAH KABUPATEN BALANGAN'):
            assert fact in words, fact
        assert 'Rumusan Kebijakan nomor' in words
        [notulen] = act(instance_id, 'administrator1', notulen_data())
        words = flat(pdf_text(notulen)[0])
        assert notulen.kind == 'notulen' and notulen.nomor in words and letter.nomor in words
        for fact in ('NOTULEN RAPAT', 'Senin, 30 November 2026', 'Sekretaris Daerah', 'Rina Marlina', 'Kapolres',
                     'Kronologi sengketa dipaparkan camat.', 'Mediasi difasilitasi camat.',
                     'Memfasilitasi mediasi warga', 'Camat Paringin', tanggal(helpers.DEADLINE), 'Polsek Paringin'):
            assert fact in words, fact
        actions = follow_ups.for_instance(instance_id)
        assert [(a.tindakan, a.penanggung_jawab, a.batas_waktu.isoformat(), a.status) for a in actions] == [
            ('Memfasilitasi mediasi warga', 'Camat Paringin', helpers.DEADLINE.isoformat(), 'terbuka'),
            ('Patroli dialogis', 'Polsek Paringin', helpers.LATER_DEADLINE.isoformat(), 'terbuka')]

    def test_assignment_letter(self):
        configure_signers()
        instance_id = walk_to_rakor('penugasan')
        assert documents.letter_kind(instance_id) == 'surat_perintah_tugas'
        data = {'sifat': 'segera', 'hal': 'Perintah Tugas', 'dasar': 'Perbup Balangan 20/2022',
                'petugas': [{'nama': 'Budi Santoso', 'pangkat': 'Penata (III/c)', 'nip': '198001012005011001',
                             'jabatan': 'Analis Kewaspadaan Dini'}],
                'untuk': 'Memantau situasi di lokasi.', 'waktu_kegiatan': '2026-12-01T08:00:00+08:00',
                'tempat': 'Desa Balang', 'tembusan': ''}
        with pytest.raises(ValidationFailed), unit_of_work():   # the decision asked for an assignment
            documents.generate(instance_id, 'surat_undangan', user('administrator1'), data=data)
        with unit_of_work():
            letter = documents.generate(instance_id, 'surat_perintah_tugas', user('administrator1'), data=data)
        words = flat(pdf_text(letter)[0])
        assert letter.nomor == this_month_number('800.1.11.1', 1)
        for fact in ('SURAT PERINTAH TUGAS', 'MEMERINTAHKAN', 'Perbup Balangan 20/2022', 'Budi Santoso',
                     'Penata (III/c)', '198001012005011001', 'Analis Kewaspadaan Dini', 'Memantau situasi di lokasi.',
                     'Selasa, 1 Desember 2026', '08.00 WITA', 'Desa Balang', SIGNER['nama'], f'NIP. {SIGNER["nip"]}'):
            assert fact in words, fact


@pytest.mark.usefixtures('ctx')
class TestNumbering:
    def test_pattern_sequence_per_type_and_year(self, monkeypatch):
        configure_signers('{kode}/{nomor:03}/LI/{bulan_romawi}/{tahun}')
        first, second = file_report(), file_report()
        [one] = act(first, 'verifikator1', helpers.VERIFY_YES)
        [two] = act(second, 'verifikator1', helpers.VERIFY_YES)
        [rumusan] = act(first, 'administrator1', helpers.PUBLISH)
        today = to_wita(utcnow())
        assert one.nomor == f'300.1.4/001/LI/{ROMAN[today.month - 1]}/{today.year}'
        assert two.nomor == f'300.1.4/002/LI/{ROMAN[today.month - 1]}/{today.year}'
        assert rumusan.sequence == 1      # each type counts on its own
        # a new year starts again at 1
        monkeypatch.setattr(documents, 'utcnow', lambda: datetime(2030, 1, 2, 3, 0))
        [next_year] = act(file_report(), 'verifikator1', helpers.VERIFY_YES)
        assert (next_year.year, next_year.sequence, next_year.nomor) == (2030, 1, '300.1.4/001/LI/I/2030')

    def test_a_failed_generation_gives_its_number_back(self, monkeypatch):
        instance_id = file_report()
        with unit_of_work():
            [task] = queries.open_tasks(instance_id)
            workflow.complete_task(task.id, user('verifikator1'), workflow.Submission(data=helpers.VERIFY_YES))

        def broken(*args, **kwargs):
            raise RuntimeError('printer on fire')
        monkeypatch.setattr(file_store, 'save', broken)
        with pytest.raises(RuntimeError), unit_of_work():
            documents.produce_outputs(instance_id, user('verifikator1'))
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0
        assert db.session.scalar(select(func.coalesce(func.max(DocumentCounter.last), 0))) == 0
        monkeypatch.undo()
        with unit_of_work():
            [made] = documents.produce_outputs(instance_id, user('verifikator1'))
        assert made.sequence == 1

    def test_regenerating_keeps_the_number_and_the_old_version(self):
        configure_signers()
        instance_id = file_report()
        [first] = act(instance_id, 'verifikator1', helpers.VERIFY_YES)
        first_id, first_file, first_hash = first.id, first.storage_name, first.sha256
        settings = document_settings.current()
        settings['penandatangan']['laporan_informasi']['nama'] = 'Pejabat Pengganti'
        with unit_of_work():
            document_settings.save(settings, user('superadmin1'), document_settings.version())
            second = documents.regenerate(first_id, user('administrator1'))
        assert (second.nomor, second.version, second.sequence) == (first.nomor, 2, 1)
        assert second.storage_name != first_file and second.sha256 != first_hash
        assert 'Pejabat Pengganti' in flat(pdf_text(second)[0])
        old = db.session.get(Document, first_id)
        assert file_store.path(old.storage_name).exists() and SIGNER['nama'] in flat(pdf_text(old)[0])
        assert [d.version for d in documents.for_instance(instance_id)] == [2, 1]
        with pytest.raises(Exception) as refused, unit_of_work():
            documents.regenerate(first_id, user('verifikator1'))
        assert getattr(refused.value, 'status', None) == 403

    @pytest.mark.parametrize('pattern, accepted', [
        ('{kode}/{nomor}/KESBANGPOL/{bulan_romawi}/{tahun}', True),
        ('{nomor:03}/{bulan}/{tahun}', True),
        ('{nomor}/KESBANGPOL', False),               # numbers would repeat every year
        ('{kode}/{tahun}', False),
        ('{nomor.__class__}/{tahun}', False),        # no attribute access
        ('{nomor!r}/{tahun}', False),
        ('{nomor}/{tahun:>20}', False),
        ('{nomor}/{tahun}/{rahasia}', False),
        ('{nomor}/{tahun', False),
    ])
    def test_pattern_rules(self, pattern, accepted):
        assert (document_settings.pattern_problem(pattern) is None) is accepted


def test_twenty_concurrent_generations_are_gap_free(app, db_dialect):
    """20 on PostgreSQL (row lock on the counter); 4 on SQLite, whose single writer waits its turn."""
    count = 20 if db_dialect == 'postgresql' else 4
    with app.app_context():
        instance_ids = []
        for _ in range(count):
            instance_id = file_report()
            with unit_of_work():
                [task] = queries.open_tasks(instance_id)
                workflow.complete_task(task.id, user('verifikator1'), workflow.Submission(data=helpers.VERIFY_YES))
            instance_ids.append(instance_id)
        db.session.remove()
    barrier = threading.Barrier(count)
    errors = []

    def generate(instance_id):
        with app.app_context():
            try:
                barrier.wait()
                with unit_of_work():
                    documents.generate(instance_id, 'laporan_informasi', user('verifikator1'))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=generate, args=(i,)) for i in instance_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        rows = db.session.execute(select(Document.sequence, Document.nomor)).all()
        assert sorted(seq for seq, _ in rows) == list(range(1, count + 1))
        assert len({nomor for _, nomor in rows}) == count
        assert db.session.scalar(select(DocumentCounter.last)) == count


class TestAccess:
    def _verified(self, app):
        with app.app_context():
            instance_id = file_report()
            [made] = act(instance_id, 'verifikator1', helpers.VERIFY_YES)
            return instance_id, made.id

    def _events(self, app, action):
        with app.app_context():
            return db.session.execute(select(AuditEvent.actor_username, AuditEvent.detail)
                                      .where(AuditEvent.action == action).order_by(AuditEvent.id)).all()

    def test_download_by_role_and_its_audit(self, app, client):
        instance_id, document_id = self._verified(app)
        web_login(client, 'verifikator1')
        response = client.get(f'/dokumen/{document_id}')
        assert response.status_code == 200 and response.mimetype == 'application/pdf'
        assert response.data.startswith(b'%PDF-') and response.headers['Cache-Control'] == 'private, no-store'
        page = client.get(f'/laporan/{instance_id}').get_data(as_text=True)
        assert 'Laporan Informasi' in page and f'/dokumen/{document_id}' in page
        # the reporter, another agent, and the Pimpinan before publication may not download it
        for username in ('agen1', 'agen2', 'pimpinan1'):
            switch_user(client, username)
            assert client.get(f'/dokumen/{document_id}').status_code == 403, username
        assert [who for who, _ in self._events(app, 'document.downloaded')] == ['verifikator1']
        refused = self._events(app, 'document.download_refused')
        assert [who for who, _ in refused] == ['agen1', 'agen2', 'pimpinan1']
        assert all(detail['document_id'] == document_id for _, detail in refused)
        assert client.get('/dokumen/999999').status_code == 404

    def test_api_lists_and_serves_documents(self, app, client):
        instance_id, document_id = self._verified(app)
        api = Api(client, 'auditor1')
        listed = api.get(f'/instances/{instance_id}/documents').get_json()
        assert [(d['id'], d['kind'], d['version']) for d in listed] == [(document_id, 'laporan_informasi', 1)]
        response = api.get(f'/documents/{document_id}')
        assert response.status_code == 200 and response.mimetype == 'application/pdf'
        assert hashlib.sha256(response.data).hexdigest() == listed[0]['sha256'] == response.headers[
            'X-Document-SHA256']
        assert 'Nomor: ' + listed[0]['nomor'] in flat(''.join(p.extract_text() for p in PdfReader(
            io.BytesIO(response.data)).pages))
        agent = Api(client, 'agen1')
        assert agent.get(f'/instances/{instance_id}/documents').status_code == 403
        assert agent.get(f'/documents/{document_id}').status_code == 403
        assert [who for who, _ in self._events(app, 'document.download_refused')] == ['agen1']

    def test_letter_through_the_web_is_required_before_the_notulen(self, app, client):
        with app.app_context():
            instance_id = walk_to_rakor()
            [task] = queries.open_tasks(instance_id)
            task_id = task.id
        web_login(client, 'administrator1')
        page = client.get(f'/tugas/{task_id}').get_data(as_text=True)
        assert 'Tahap ini mensyaratkan' in page and f'/tugas/{task_id}/surat' in page
        response = web_post(client, f'/tugas/{task_id}', helpers.RAKOR)
        assert response.status_code == 422 and 'Buat Surat Undangan terlebih dahulu' in response.get_data(as_text=True)
        bad = web_post(client, f'/tugas/{task_id}/surat', helpers.INVITATION | {'kepada': ''})
        assert bad.status_code == 422
        assert web_post(client, f'/tugas/{task_id}/surat', helpers.INVITATION).status_code == 302
        page = client.get(f'/tugas/{task_id}').get_data(as_text=True)
        assert 'sudah dibuat' in page and 'value="Aula Kesbangpol"' in page   # the notulen starts from the letter
        incomplete = helpers.RAKOR | {'rencana_tindak_lanjut-0-batas_waktu': ''}
        response = web_post(client, f'/tugas/{task_id}', incomplete)
        assert response.status_code == 422 and 'perlu tindakan, penanggung jawab dan batas waktu' in \
            response.get_data(as_text=True)
        assert web_post(client, f'/tugas/{task_id}', helpers.RAKOR).status_code == 302
        with app.app_context():
            kinds = sorted(d.kind for d in documents.for_instance(instance_id))
            assert kinds == ['laporan_informasi', 'notulen', 'rumusan_kebijakan', 'surat_undangan']
            assert [a.penanggung_jawab for a in follow_ups.for_instance(instance_id)] == ['Camat Paringin']

    def test_letter_page_only_for_the_step_that_needs_it(self, app, client):
        with app.app_context():
            instance_id = file_report()
            [task] = queries.open_tasks(instance_id)
            task_id = task.id
        web_login(client, 'verifikator1')
        assert client.get(f'/tugas/{task_id}/surat').status_code == 404
        api = Api(client, 'verifikator1')
        assert api.post(f'/tasks/{task_id}/letter', json=helpers.INVITATION).status_code == 404


class TestFollowUpsAndSettings:
    def test_follow_up_list_and_closing(self, app, client):
        instance_id, first, second = rakor_held(app)
        web_login(client, 'pimpinan1')
        page = client.get('/tindak-lanjut').get_data(as_text=True)
        assert 'Memfasilitasi mediasi warga' in page and 'Patroli dialogis' in page
        assert 'Tindak lanjut rakor</a>: 2 terbuka.' in client.get('/dasbor').get_data(as_text=True)
        response = web_post(client, f'/tindak-lanjut/{first}/selesai', {'catatan': 'Mediasi berhasil.'},
                            form_url='/tindak-lanjut')
        assert response.status_code == 302
        still_open = client.get('/tindak-lanjut').get_data(as_text=True)
        assert '>Memfasilitasi mediasi warga</div>' not in still_open and '>Patroli dialogis</div>' in still_open
        done = client.get('/tindak-lanjut?status=selesai').get_data(as_text=True)
        assert 'Mediasi berhasil.' in done and 'H. Abdul Hadi' in done
        again = web_post(client, f'/tindak-lanjut/{first}/selesai', {}, form_url='/tindak-lanjut')
        assert again.status_code == 409
        with app.app_context():
            with pytest.raises(ConflictError), unit_of_work():
                follow_ups.mark_done(first, user('administrator1'), '')
            [(actor, detail)] = db.session.execute(select(AuditEvent.actor_username, AuditEvent.detail)
                                                   .where(AuditEvent.action == 'follow_up.done')).all()
            assert actor == 'pimpinan1' and detail['follow_up_id'] == first
            assert db.session.get(FollowUpAction, second).status == 'terbuka'
        switch_user(client, 'agen1')
        assert client.get('/tindak-lanjut').status_code == 403
        switch_user(client, 'auditor1')
        assert client.get('/tindak-lanjut?status=semua').status_code == 200
        assert web_post(client, f'/tindak-lanjut/{second}/selesai', {}, form_url='/tindak-lanjut').status_code == 403

    def test_settings_page(self, app, client):
        web_login(client, 'administrator1')
        assert client.get('/pengaturan/dokumen').status_code == 403
        switch_user(client, 'superadmin1')
        page = client.get('/pengaturan/dokumen').get_data(as_text=True)
        assert 'PEMERINTAH KABUPATEN BALANGAN' in page and 'value="0"' in page
        form = {'version': '0', 'kop-pemerintah': 'PEMERINTAH KABUPATEN BALANGAN',
                'kop-instansi': 'BADAN KESATUAN BANGSA DAN POLITIK', 'kop-alamat': 'Jl. Contoh No. 1, Paringin',
                'kop-kontak': 'Telp. (0526) 000000', 'kop-kota': 'Paringin'}
        for kind in document_settings.KINDS:
            form |= {f'penomoran_{kind}-kode': 'X', f'penomoran_{kind}-pola': '{kode}/{nomor:03}/{tahun}'}
        for kind in document_settings.SIGNED_KINDS:
            form |= {f'penandatangan_{kind}-{k}': v for k, v in SIGNER.items()}
        bad = web_post(client, '/pengaturan/dokumen', form | {'penomoran_notulen-pola': '{nomor}'})
        assert bad.status_code == 422 and 'wajib memuat {nomor} dan {tahun}' in bad.get_data(as_text=True)
        assert web_post(client, '/pengaturan/dokumen', form).status_code == 302
        stale = web_post(client, '/pengaturan/dokumen', form | {'kop-kota': 'Banjarmasin'})
        assert stale.status_code == 409
        with app.app_context():
            settings = document_settings.current()
            assert settings['kop']['alamat'] == 'Jl. Contoh No. 1, Paringin' and settings['kop']['kota'] == 'Paringin'
            assert settings['penandatangan']['surat_undangan']['nip'] == SIGNER['nip']
            [detail] = db.session.execute(select(AuditEvent.detail)
                                          .where(AuditEvent.action == 'settings.changed')).scalars().all()
            assert detail['after']['kop']['alamat'] == 'Jl. Contoh No. 1, Paringin'
            [made] = act(file_report(), 'verifikator1', helpers.VERIFY_YES)
            assert made.nomor == f'X/001/{to_wita(utcnow()).year}'
            assert 'Jl. Contoh No. 1, Paringin' in flat(pdf_text(made)[0])

    def test_the_tick_makes_documents_whose_rendering_failed(self, app):
        from app.tick import run_tick
        with app.app_context():
            instance_id = file_report()
            with unit_of_work():   # the step completed, its document not made (as after a failed render)
                [task] = queries.open_tasks(instance_id)
                workflow.complete_task(task.id, user('verifikator1'), workflow.Submission(data=helpers.VERIFY_YES))
            assert documents.instances_missing_outputs() == [instance_id]
            report = run_tick(utcnow())
            assert report.documents == 1 and report.problems == []
            assert [d.kind for d in documents.for_instance(instance_id)] == ['laporan_informasi']
            assert documents.instances_missing_outputs() == []
            assert run_tick(utcnow()).documents == 0


def test_by_default_a_steps_documents_are_left_to_the_tick(app, client, monkeypatch):
    """DOCUMENTS_AFTER_STEP = 'tick' (the default outside tests): completing a step renders nothing; the API
    and the page say which documents are on their way, and the next tick makes them, created by the system."""
    from app.tick import run_tick
    monkeypatch.setitem(app.config, 'DOCUMENTS_AFTER_STEP', 'tick')
    instance = Api(client, 'agen1').file_report()
    verifier = Api(client, 'verifikator1')
    done = verifier.complete_only_task(instance['id'], helpers.VERIFY_YES)
    assert done.status_code == 200
    assert done.get_json()['documents'] == [] and done.get_json()['documents_pending'] == ['laporan_informasi']
    assert verifier.get(f'/instances/{instance["id"]}/documents').get_json() == []
    admin = client.application.test_client()
    web_login(admin, 'administrator1')
    [task] = Api(admin, 'administrator1').get(f'/instances/{instance["id"]}').get_json()['tasks']
    page = web_post(admin, f'/tugas/{task["id"]}', helpers.PUBLISH)
    assert page.status_code == 302
    assert 'Rumusan Kebijakan sedang dibuat' in admin.get('/tugas').get_data(as_text=True)
    waiting = admin.get(f'/laporan/{instance["id"]}').get_data(as_text=True)
    assert 'Sedang dibuat oleh sistem' in waiting and '<strong>Rumusan Kebijakan</strong>' in waiting
    with app.app_context():
        assert run_tick(utcnow()).documents == 2
        made = documents.for_instance(instance['id'])
        assert sorted(d.kind for d in made) == ['laporan_informasi', 'rumusan_kebijakan']
        assert {d.created_by_id for d in made} == {None}
    assert 'Sedang dibuat oleh sistem' not in admin.get(f'/laporan/{instance["id"]}').get_data(as_text=True)
    rejected = Api(client, 'agen1').file_report()
    after_no = verifier.complete_only_task(rejected['id'], helpers.VERIFY_REJECT).get_json()
    assert after_no['documents_pending'] == []

def test_the_letter_and_the_notulen_through_the_api(app, client):
    with app.app_context():
        instance_id = walk_to_rakor()
    api = Api(client, 'administrator1')
    [task] = api.get(f'/instances/{instance_id}').get_json()['tasks']
    described = api.get(f'/tasks/{task["id"]}').get_json()
    assert described['letter']['kind'] == 'surat_undangan' and described['letter']['document'] is None
    assert {'kepada', 'waktu_kegiatan', 'tempat', 'acara'} <= {f['name'] for f in described['letter']['fields']}
    rows = next(f for f in described['fields'] if f['name'] == 'rencana_tindak_lanjut')
    assert rows['type'] == 'list' and [f['name'] for f in rows['fields']] == ['tindakan', 'penanggung_jawab',
                                                                              'batas_waktu']
    notulen = {k: v for k, v in helpers.RAKOR.items() if not k.startswith('rencana')} | {
        'rencana_tindak_lanjut': [{'tindakan': 'Mediasi', 'penanggung_jawab': 'Camat',
                                   'batas_waktu': helpers.DEADLINE.isoformat()}]}
    refused = api.post(f'/tasks/{task["id"]}/complete', json=notulen)
    assert refused.status_code == 422 and '_document' in refused.get_json()['errors']
    assert api.post(f'/tasks/{task["id"]}/letter', json={'tempat': 'Aula'}).status_code == 422
    letter = api.post(f'/tasks/{task["id"]}/letter', json=helpers.INVITATION)
    assert letter.status_code == 201 and letter.get_json()['kind'] == 'surat_undangan'
    assert api.get(f'/tasks/{task["id"]}').get_json()['letter']['document']['id'] == letter.get_json()['id']
    again = api.post(f'/tasks/{task["id"]}/letter', json=helpers.INVITATION | {'tempat': 'Pendopo Bupati'})
    assert (again.get_json()['nomor'], again.get_json()['version']) == (letter.get_json()['nomor'], 2)
    done = api.post(f'/tasks/{task["id"]}/complete', json=notulen)
    assert done.status_code == 200, done.get_json()
    assert [d['kind'] for d in done.get_json()['documents']] == ['notulen']
    with app.app_context():
        [action] = follow_ups.for_instance(instance_id)
        assert (action.tindakan, action.penanggung_jawab, action.batas_waktu.isoformat()) == (
            'Mediasi', 'Camat', helpers.DEADLINE.isoformat())
        notulen_pdf = flat(pdf_text(documents.latest(instance_id, 'notulen'))[0])
        assert again.get_json()['nomor'] in notulen_pdf.replace(' ', '')   # the notulen cites its letter


@pytest.mark.usefixtures('ctx')
class TestSafety:
    @pytest.mark.parametrize('pattern, kode', [
        ('{nomor}/{tahun}\\', '005'),                      # a backslash would end the footer's CSS string
        ('{nomor}/{tahun}\n}} .kop{{display:none}}', ''),  # a new CSS rule
        ('{nomor}/"{tahun}', ''),
        ('{nomor}/{tahun}', '005\n'),                     # a line break would also break the file name
        ('{kode}/{kode}/{kode}/{kode}/{nomor}/{tahun}', 'A' * 30),  # longer than the column
    ])
    def test_patterns_that_could_break_the_document_are_refused(self, pattern, kode):
        assert document_settings.pattern_problem(pattern, kode) is not None
        settings = document_settings.current()
        settings['penomoran']['surat_undangan'] = {'kode': kode, 'pola': pattern}
        with pytest.raises(ValidationFailed), unit_of_work():
            document_settings.save(settings, user('superadmin1'), document_settings.version())

    def test_steps_before_documents_began_are_not_backfilled(self):
        instance_id = file_report()
        with unit_of_work():
            [task] = queries.open_tasks(instance_id)
            workflow.complete_task(task.id, user('verifikator1'), workflow.Submission(data=helpers.VERIFY_YES))
        assert documents.missing_kinds(instance_id) == ['laporan_informasi']
        with unit_of_work():   # as if the upgrade that brought documents ran after this verification
            db.session.merge(Setting(key=documents.SINCE_KEY, value={'sejak': utcnow().isoformat()},
                                     updated_at=utcnow()))
        assert documents.missing_kinds(instance_id) == [] and documents.instances_missing_outputs() == []
        [made] = act(instance_id, 'administrator1', helpers.PUBLISH)   # a step after the upgrade: its own
        assert made.kind == 'rumusan_kebijakan'

    def test_a_document_that_keeps_failing_waits_then_is_given_up(self, monkeypatch):
        from app.tick import run_tick
        instance_id = file_report()
        with unit_of_work():
            [task] = queries.open_tasks(instance_id)
            workflow.complete_task(task.id, user('verifikator1'), workflow.Submission(data=helpers.VERIFY_YES))
        photo = db.session.execute(select(Attachment)).scalar_one()
        file_store.path(photo.storage_name).unlink()   # the render cannot read the photo any more
        start = utcnow()

        def failures():
            return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == 'document.failed'))
        for attempt in range(1, documents.MAX_ATTEMPTS + 1):
            later = start + documents.RETRY_AFTER * attempt * 1.1
            for clock in (documents, audit):   # the failure's time and the retry's clock move together
                monkeypatch.setattr(clock, 'utcnow', lambda at=later: at)
            assert run_tick(later).documents == 0
            assert failures() == attempt
            assert run_tick(later).documents == 0 and failures() == attempt   # no retry before its time
        monkeypatch.setattr(documents, 'utcnow', lambda: start + documents.RETRY_AFTER * 20)
        assert documents.instances_missing_outputs() == []                    # given up
        [notice] = db.session.execute(select(Notification).where(Notification.kind == 'dokumen_gagal')).scalars()
        assert notice.user_id == user('administrator1').id and 'Laporan Informasi' in notice.title
        # a document given up does not hold up the report's next one
        with unit_of_work():
            [task] = queries.open_tasks(instance_id)
            workflow.complete_task(task.id, user('administrator1'), workflow.Submission(data=helpers.PUBLISH))
        assert documents.outstanding(instance_id) == (['rumusan_kebijakan'], ['laporan_informasi'])
        assert documents.instances_missing_outputs() == [instance_id]
        assert run_tick(utcnow()).documents == 1
        assert [d.kind for d in documents.for_instance(instance_id)] == ['rumusan_kebijakan']
        assert documents.outstanding(instance_id) == ([], ['laporan_informasi'])

    def test_portrait_photos_stay_upright(self):
        from PIL import Image
        buffer = io.BytesIO()
        exif = Image.Exif()
        exif[0x0112] = 6                        # "rotate 90°": how phones store a portrait photo
        Image.new('RGB', (400, 200), (90, 90, 90)).save(buffer, 'JPEG', exif=exif)
        with unit_of_work():
            instance = workflow.start_report(user('agen1'))
            [task] = queries.open_tasks(instance.id)
            data = {k: v for k, v in helpers.REPORT.items() if k != 'kecamatan'}
            workflow.complete_task(task.id, user('agen1'), workflow.Submission(
                data=data | {'waktu_kejadian': '2026-11-27T14:30:00+08:00'},
                photos=[Upload('tegak.jpg', buffer.getvalue())], photo_caption='Foto tegak'))
        [made] = act(instance.id, 'verifikator1', helpers.VERIFY_YES)
        reader = pdf_text(made)[1]
        sizes = {image.image.size for page in reader.pages for image in page.images}
        assert sizes == {(200, 400)}


def test_two_letters_at_once_make_one_numbered_version_each(app, db_dialect):
    from tests.test_concurrency import race
    with app.app_context():
        instance_id = walk_to_rakor()
        [task] = queries.open_tasks(instance_id)
        task_id = task.id
    clients = [Api(app.test_client(), 'administrator1') for _ in range(2)]
    responses = race(app, [lambda c=c: c.post(f'/tasks/{task_id}/letter', json=helpers.INVITATION) for c in clients])
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([201, 201], [201, 409]), [r.get_json() for r in responses]
    with app.app_context():
        rows = db.session.execute(select(Document.version, Document.sequence, Document.nomor)
                                  .where(Document.kind == 'surat_undangan')).all()
        assert sorted(version for version, _, _ in rows) == list(range(1, statuses.count(201) + 1))
        assert {(sequence, nomor) for _, sequence, nomor in rows} == {(1, rows[0][2])}


def test_the_back_link_after_closing_a_follow_up_stays_on_this_site(app, client):
    instance_id, first, second = rakor_held(app)
    web_login(client, 'administrator1')
    response = web_post(client, f'/tindak-lanjut/{first}/selesai', {'kembali': '/\t/evil.example/x'},
                        form_url='/tindak-lanjut')
    assert response.headers['Location'] == '/tindak-lanjut'
    response = web_post(client, f'/tindak-lanjut/{second}/selesai', {'kembali': f'/laporan/{instance_id}'},
                        form_url='/tindak-lanjut')
    assert response.headers['Location'] == f'/laporan/{instance_id}'
