"""Realistic sample reports spread over the kecamatan and the SOP stages, made through the services."""
import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw

from app import wilayah
from app.services import documents, queries, users, workflow
from app.services.attachments import Upload
from app.timeutil import to_wita, utcnow
from app.uow import unit_of_work

EVENTS = [  # judul, apa, aspek, jenis ATHG, tahap konflik
    ('Sengketa lahan kebun sawit', 'Warga dua desa bersitegang soal batas lahan kebun.',
     'ekonomi', 'ancaman', 'potensi'),
    ('Penolakan aktivitas tambang', 'Sekelompok warga menghadang kendaraan perusahaan tambang.',
     'ekonomi', 'gangguan', 'peristiwa'),
    ('Perkelahian antarpemuda', 'Perkelahian pemuda usai acara hiburan malam.',
     'keamanan', 'gangguan', 'peristiwa'),
    ('Isu hoaks pilkades di media sosial', 'Beredar unggahan provokatif menjelang pemilihan kepala desa.',
     'politik', 'tantangan', 'potensi'),
    ('Penyebaran paham intoleran', 'Selebaran intoleran ditemukan di sekitar rumah ibadah.',
     'ideologi', 'ancaman', 'potensi'),
    ('Keluhan distribusi pupuk bersubsidi', 'Kelompok tani memprotes keterlambatan pupuk.',
     'sosial', 'hambatan', 'potensi'),
    ('Pascabentrok ormas', 'Situasi berangsur kondusif setelah bentrok ormas pekan lalu.',
     'sosial', 'gangguan', 'pascakonflik'),
]
STAGES = ['verifikasi', 'publikasi', 'keputusan', 'rakor', 'ditindaklanjuti', 'dipantau', 'ditolak', 'dikembalikan']


def _photo(seed):
    image = Image.new('RGB', (320, 240), (40 + seed * 13 % 200, 90, 120))
    ImageDraw.Draw(image).text((10, 10), f'Foto bukti {seed}', fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=80)
    return buffer.getvalue()


def report_data(rng, index):
    judul, apa, aspek, jenis, tahap = EVENTS[index % len(EVENTS)]
    kecamatan = rng.choice(wilayah.kecamatan())
    desa = rng.choice(wilayah.desa_of(kecamatan.kode))
    when = to_wita(utcnow() - timedelta(hours=rng.randint(1, 96))).replace(microsecond=0)
    # agents learn of most events within hours; some reports are filed later than the 6 h standard
    learned = min(when + timedelta(minutes=rng.randint(5, 240)), to_wita(utcnow()).replace(microsecond=0))
    return {
        'judul': f'{judul} di {desa.nama}', 'apa': apa, 'siapa': 'Warga setempat dan tokoh masyarakat',
        'jumlah_orang': rng.randint(5, 200), 'waktu_kejadian': when.replace(tzinfo=None).isoformat(),
        'waktu_perkiraan': False, 'waktu_diketahui': learned.replace(tzinfo=None).isoformat(),
        'desa': desa.kode, 'alamat': f'Desa {desa.nama}',
        'latitude': None, 'longitude': None, 'akurasi_gps': None, 'mengapa': 'belum diketahui',
        'bagaimana': 'Informasi diperoleh dari pengamatan dan keterangan warga.', 'aspek': aspek,
        'jenis_athg': jenis, 'tahap_konflik': tahap, 'sumber': rng.choice(['media', 'masyarakat', 'intelijen_daerah']),
        'sumber_detail': 'Tokoh masyarakat setempat', 'identitas_narasumber': None, 'keandalan_sumber': 'B',
        'kebenaran_informasi': '2', 'eskalasi': rng.choice(['rendah', 'sedang', 'tinggi', 'sangat_tinggi']),
        'korban': None, 'kerugian': None, 'pendapat_pelapor': None, 'langkah_diambil': 'Koordinasi dengan Babinsa',
        'klasifikasi': 'terbatas', 'keterangan_foto': 'Situasi di lokasi',
    }


STEP_DATA = {
    'verifikasi_ya': {'keputusan': 'ya', 'tindak_lanjut': None, 'metode': ['cek_lapangan'], 'keandalan_sumber': 'B',
                      'kebenaran_informasi': '2', 'catatan': 'Terkonfirmasi Polsek setempat.'},
    'verifikasi_kembalikan': {'keputusan': 'tidak', 'tindak_lanjut': 'kembalikan', 'metode': ['cek_media'],
                              'keandalan_sumber': 'C', 'kebenaran_informasi': '3',
                              'catatan': 'Lengkapi jumlah orang dan lokasi persis.'},
    'verifikasi_tolak': {'keputusan': 'tidak', 'tindak_lanjut': 'tolak', 'metode': ['cek_media'],
                         'keandalan_sumber': 'E', 'kebenaran_informasi': '5', 'catatan': 'Informasi hoaks.'},
    'publikasi': {'ringkasan_situasi': 'Situasi perlu diwaspadai.', 'analisis': 'Potensi meluas bila dibiarkan.',
                  'opsi_kebijakan': 'Mediasi; patroli bersama.', 'rekomendasi': 'Mediasi oleh camat.',
                  'instansi_pelaksana': 'Kecamatan bersama Polsek', 'jangka_waktu': '1 minggu',
                  'usulan_rakor': 'ya', 'distribusi': 'Bupati; Kapolres; Dandim'},
    'keputusan_ya': {'keputusan': 'ya', 'bentuk_penanganan': 'rakor', 'arahan': 'Segera rakor Forkopimda.'},
    'keputusan_tidak': {'keputusan': 'tidak', 'bentuk_penanganan': None, 'arahan': 'Pantau perkembangan.'},
    'rakor': {'tempat': 'Aula Kesbangpol', 'acara': 'Rakor penanganan', 'pimpinan_rapat': 'Kepala Badan Kesbangpol',
              'notulis': 'Staf Bidang Kewaspadaan Dini', 'peserta': 'Kapolres Balangan\nDandim 1001\nCamat',
              'pembahasan': 'Kronologi dan langkah.', 'kesimpulan': 'Mediasi dilaksanakan.',
              'rencana_tindak_lanjut': [{'tindakan': 'Memfasilitasi mediasi warga', 'penanggung_jawab': 'Camat',
                                         'batas_waktu': None}]},
    'surat_undangan': {'sifat': 'segera', 'lampiran': '-', 'hal': 'Undangan Rapat Koordinasi',
                       'kepada': 'Kapolres Balangan\nDandim 1001\nCamat', 'tempat': 'Aula Kesbangpol',
                       'acara': 'Rakor penanganan', 'tembusan': 'Bupati Balangan'},
}

PATHS = {
    'verifikasi': [], 'dikembalikan': ['verifikasi_kembalikan'], 'ditolak': ['verifikasi_tolak'],
    'publikasi': ['verifikasi_ya'], 'keputusan': ['verifikasi_ya', 'publikasi'],
    'rakor': ['verifikasi_ya', 'publikasi', 'keputusan_ya'],
    'dipantau': ['verifikasi_ya', 'publikasi', 'keputusan_tidak'],
    'ditindaklanjuti': ['verifikasi_ya', 'publikasi', 'keputusan_ya', 'rakor'],
}
ACTORS = {'verifikasi': 'verifikator1', 'publikasi': 'administrator1', 'keputusan': 'pimpinan1',
          'rakor': 'administrator1'}


def _advance(instance_id, step, actor, config):
    data = dict(STEP_DATA[step])
    if step == 'rakor':
        # the rakor step requires its invitation; the notulen follows it
        meeting = to_wita(utcnow() + timedelta(days=2)).replace(microsecond=0)
        letter = STEP_DATA['surat_undangan'] | {'waktu_kegiatan': meeting.isoformat()}
        documents.generate(instance_id, 'surat_undangan', actor, data=letter)
        data['waktu_kegiatan'] = meeting.isoformat()
        data['rencana_tindak_lanjut'] = [{**row, 'batas_waktu': (meeting + timedelta(days=3)).date().isoformat()}
                                         for row in data['rencana_tindak_lanjut']]
    task = queries.open_tasks(instance_id)[0]
    workflow.complete_task(task.id, actor, workflow.Submission(data=data))
    documents.produce_outputs(instance_id, actor)


def create_samples(count, config, progress=lambda n: None, seed=2026):
    rng = random.Random(seed)
    agents = [users.find_user('agen1'), users.find_user('agen2')]
    for index in range(count):
        stage = STAGES[index % len(STAGES)]
        with unit_of_work():
            agent = agents[index % 2]
            data = report_data(rng, index)
            instance = workflow.file_report(agent, workflow.Submission(
                data=data, photos=[Upload(f'foto-{index}.jpg', _photo(index))], photo_caption=data['keterangan_foto']))
            for step in PATHS[stage]:
                _advance(instance.id, step, users.find_user(ACTORS[step.split('_')[0]]), config)
        progress(1)
