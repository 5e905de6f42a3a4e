"""Render one example of each official document and the first page of each as PNG into docs/dokumen/.

    .venv/bin/python docs/make_examples.py      (needs pdftoppm from poppler-utils)

Runs the real services on a throwaway SQLite database: a report goes through the SOP twice (a rakor with its
invitation and notulen, and a field assignment), with example signer settings.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.cli import DEMO_USERS  # noqa: E402
from app.extensions import file_store  # noqa: E402
from app.services import document_settings, documents, processes, queries, users, workflow  # noqa: E402
from app.services.attachments import Upload  # noqa: E402
from app.uow import unit_of_work  # noqa: E402
from forms import FORM_CATALOG  # noqa: E402
from tests import helpers  # noqa: E402

OUT = ROOT / 'docs' / 'dokumen'
PDFTOPPM = shutil.which('pdftoppm')
SIGNER = {'jabatan': 'Kepala Badan Kesatuan Bangsa dan Politik', 'nama': 'NAMA KEPALA BADAN (contoh)',
          'pangkat': 'Pembina Utama Muda (IV/c)', 'nip': '19700101 199503 1 001'}
NOTULEN = {'waktu_kegiatan': '2026-11-30T09:00:00+08:00', 'tempat': 'Aula Kesbangpol Kabupaten Balangan',
           'acara': 'Rapat koordinasi penanganan sengketa batas lahan Desa Balang',
           'pimpinan_rapat': 'Kepala Badan Kesbangpol', 'notulis': 'Staf Bidang Kewaspadaan Dini',
           'peserta': 'Kapolres Balangan\nDandim 1001/Amuntai\nCamat Paringin\nKepala Desa Balang',
           'pembahasan': 'Camat memaparkan kronologi. Kapolres melaporkan situasi kondusif setelah patroli.',
           'kesimpulan': 'Mediasi kedua pihak difasilitasi camat; patroli dialogis diteruskan.',
           'rencana_tindak_lanjut': [
               {'tindakan': 'Memfasilitasi mediasi warga kedua desa', 'penanggung_jawab': 'Camat Paringin',
                'batas_waktu': '2026-12-03'},
               {'tindakan': 'Patroli dialogis di lokasi', 'penanggung_jawab': 'Polsek Paringin',
                'batas_waktu': '2026-12-05'}]}
ASSIGNMENT = {'sifat': 'segera', 'lampiran': '-', 'hal': 'Perintah Tugas', 'dasar': 'Perbup Balangan 20/2022',
              'petugas': [{'nama': 'Budi Santoso', 'pangkat': 'Penata (III/c)', 'nip': '19800101 200501 1 001',
                           'jabatan': 'Analis Kewaspadaan Dini'}],
              'untuk': 'Memantau situasi dan mengumpulkan keterangan di lokasi.',
              'waktu_kegiatan': '2026-12-01T08:00:00+08:00', 'tempat': 'Desa Balang', 'tembusan': 'Bupati Balangan'}


def act(instance_id, username, data):
    with unit_of_work():
        [task] = queries.open_tasks(instance_id)
        workflow.complete_task(task.id, users.find_user(username), workflow.Submission(data=data))
        documents.produce_outputs(instance_id, users.find_user(username))


def walk(bentuk, letter):
    report = {k: v for k, v in helpers.REPORT.items() if k != 'kecamatan'}
    report |= {'waktu_kejadian': '2026-11-27T14:30:00+08:00', 'jumlah_orang': 40}
    agent = users.find_user('agen1')
    with unit_of_work():
        photo = Upload('bukti.jpg', helpers.image_bytes(size=(640, 400)))
        instance = workflow.file_report(agent, workflow.Submission(data=report, photos=[photo],
                                                                   photo_caption=report['keterangan_foto']))
        instance_id = instance.id
    act(instance_id, 'verifikator1', helpers.VERIFY_YES)
    act(instance_id, 'administrator1', helpers.PUBLISH)
    act(instance_id, 'pimpinan1', helpers.DECIDE_YES | {'bentuk_penanganan': bentuk})
    kind = documents.letter_kind(instance_id)
    with unit_of_work():
        documents.generate(instance_id, kind, users.find_user('administrator1'), data=letter)
    act(instance_id, 'administrator1', NOTULEN)
    return instance_id


def main():
    if PDFTOPPM is None:
        sys.exit('pdftoppm not found: apt-get install poppler-utils')
    workdir = Path(tempfile.mkdtemp())
    url = f'sqlite:///{workdir / "contoh.db"}'
    app = create_app({'SIKANDA_ENV': 'development', 'DATABASE_URL': url, 'SQLALCHEMY_DATABASE_URI': url,
                      'UPLOAD_DIR': str(workdir / 'uploads'), 'SECRET_KEY': 'contoh'})
    OUT.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        upgrade(directory=str(ROOT / 'migrations'))
        with unit_of_work():
            processes.install_shipped_diagrams(FORM_CATALOG)
            for username, name, roles in DEMO_USERS:
                users.create_user(username, name, helpers.PASSWORD, roles)
            settings = document_settings.current()
            settings['penandatangan'] = {kind: dict(SIGNER) for kind in document_settings.SIGNED_KINDS}
            document_settings.save(settings, users.find_user('superadmin1'), 0)
        made = documents.for_instance(walk('rakor', helpers.INVITATION | {
            'waktu_kegiatan': '2026-11-30T09:00:00+08:00'}))
        made += [d for d in documents.for_instance(walk('penugasan', ASSIGNMENT)) if d.kind == 'surat_perintah_tugas']
        for document in made:
            target = OUT / f'{document.kind}.pdf'
            shutil.copy(file_store.path(document.storage_name), target)
            # fixed arguments: our own file names only
            subprocess.run([PDFTOPPM, '-r', '60', '-png', '-f', '1', '-l', '1', '-singlefile', str(target),  # noqa: S603
                            str(OUT / document.kind)], check=True)
            target.unlink()
            print(f'{document.kind}: {document.nomor}, {document.pages} halaman -> docs/dokumen/{document.kind}.png')
    shutil.rmtree(workdir)


if __name__ == '__main__':
    main()
