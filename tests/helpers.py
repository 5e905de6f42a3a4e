"""Shared test data and small clients for the web and API."""
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

PASSWORD = 'rahasia-uji-123'
EXTRA_USERS = [
    ('agenverif', 'Agen Sekaligus Verifikator', ['agen', 'verifikator']),
    ('verifikator2', 'Verifikator Dua', ['verifikator']),
]
DESA = '63.11.06.2005'          # Desa Balang, Kecamatan Paringin
KECAMATAN = '63.11.06'


def image_bytes(fmt='JPEG', size=(64, 48)):
    buffer = io.BytesIO()
    Image.new('RGB', size, (120, 60, 30)).save(buffer, fmt)
    return buffer.getvalue()


REPORT = {
    'judul': 'Sengketa batas lahan', 'apa': 'Warga dua desa bersitegang soal batas kebun.',
    'siapa': 'Warga Desa A dan Desa B', 'jumlah_orang': '40', 'waktu_kejadian': '2026-11-27T14:30',
    'kecamatan': KECAMATAN, 'desa': DESA, 'alamat': 'Dekat balai desa', 'mengapa': 'belum diketahui',
    'bagaimana': 'Adu mulut lalu saling dorong.', 'aspek': 'ekonomi', 'jenis_athg': 'ancaman',
    'tahap_konflik': 'potensi', 'sumber': 'masyarakat', 'sumber_detail': 'Tokoh masyarakat',
    'identitas_narasumber': 'Pak H (ketua RT)', 'keandalan_sumber': 'B', 'kebenaran_informasi': '2',
    'eskalasi': 'sedang', 'klasifikasi': 'terbatas', 'keterangan_foto': 'Kerumunan di batas kebun',
}
VERIFY_YES = {'keputusan': 'ya', 'metode': ['cek_lapangan'], 'keandalan_sumber': 'B',
              'kebenaran_informasi': '2', 'catatan': 'Terkonfirmasi.'}
VERIFY_RETURN = {'keputusan': 'tidak', 'tindak_lanjut': 'kembalikan', 'metode': ['cek_media'],
                 'keandalan_sumber': 'C', 'kebenaran_informasi': '3', 'catatan': 'Lengkapi jumlah orang.'}
VERIFY_REJECT = {'keputusan': 'tidak', 'tindak_lanjut': 'tolak', 'metode': ['cek_media'],
                 'keandalan_sumber': 'E', 'kebenaran_informasi': '5', 'catatan': 'Hoaks.'}
PUBLISH = {'ringkasan_situasi': 'Situasi memanas.', 'analisis': 'Bisa meluas.', 'opsi_kebijakan': 'Mediasi.',
           'rekomendasi': 'Mediasi camat.', 'instansi_pelaksana': 'Kecamatan Paringin', 'jangka_waktu': '7 hari',
           'usulan_rakor': 'ya', 'distribusi': 'Bupati; Kapolres'}
DECIDE_YES = {'keputusan': 'ya', 'bentuk_penanganan': 'rakor', 'arahan': 'Rakor besok.'}
DECIDE_NO = {'keputusan': 'tidak', 'arahan': 'Pantau.'}
RAKOR = {'waktu_kegiatan': '2026-11-30T09:00', 'tempat': 'Aula Kesbangpol', 'acara': 'Rakor penanganan sengketa',
         'pimpinan_rapat': 'Kepala Badan Kesbangpol', 'notulis': 'Staf Kesbangpol', 'peserta': 'Kapolres\nDandim',
         'pembahasan': 'Kronologi.', 'kesimpulan': 'Mediasi.',
         'rencana_tindak_lanjut-0-tindakan': 'Memfasilitasi mediasi warga',
         'rencana_tindak_lanjut-0-penanggung_jawab': 'Camat Paringin',
         'rencana_tindak_lanjut-0-batas_waktu': None}  # set below: a deadline still ahead
INVITATION = {'sifat': 'segera', 'lampiran': '-', 'hal': 'Undangan Rapat Koordinasi',
              'kepada': 'Kapolres Balangan\nDandim 1001', 'waktu_kegiatan': '2026-11-30T09:00',
              'tempat': 'Aula Kesbangpol', 'acara': 'Rakor penanganan sengketa batas lahan',
              'tembusan': 'Bupati Balangan'}
ASSIGNMENT = {'sifat': 'segera', 'lampiran': '-', 'hal': 'Perintah Tugas', 'dasar': 'Perbup Balangan 20/2022',
              'petugas-0-nama': 'Budi Santoso', 'petugas-0-pangkat': 'Penata (III/c)',
              'petugas-0-nip': '198001012005011001', 'petugas-0-jabatan': 'Analis Kewaspadaan Dini',
              'untuk': 'Memantau situasi di lokasi.', 'waktu_kegiatan': '2026-12-01T08:00', 'tempat': 'Desa Balang',
              'tembusan': ''}


def csrf_from(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else None


def web_login(client, username, password=PASSWORD):
    token = csrf_from(client.get('/login').get_data(as_text=True))
    return client.post('/login', data={'csrf_token': token, 'username': username, 'password': password})


def web_post(client, url, data, files=None, form_url=None):
    """POST like a browser: fetch the form page first for its CSRF token."""
    token = csrf_from(client.get(form_url or url).get_data(as_text=True)) or csrf_from(
        client.get('/tugas').get_data(as_text=True))
    payload = dict(data, csrf_token=token)
    if files:
        payload['foto'] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=payload, content_type='multipart/form-data')


class Api:
    """A JSON API client for one user."""

    def __init__(self, client, username, password=PASSWORD):
        self.client = client
        response = client.post('/api/v1/auth/token', json={'username': username, 'password': password})
        assert response.status_code == 200, response.get_json()
        self.headers = {'Authorization': f'Bearer {response.get_json()["token"]}'}

    def get(self, url):
        return self.client.get('/api/v1' + url, headers=self.headers)

    def post(self, url, json=None, data=None):
        if data is not None:
            return self.client.post('/api/v1' + url, data=data, headers=self.headers,
                                    content_type='multipart/form-data')
        return self.client.post('/api/v1' + url, json=json if json is not None else {}, headers=self.headers)

    def start(self):
        response = self.post('/processes/sikanda/instances')
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def file_report(self, report=None):
        """Start an instance and submit the report with one photo; returns the instance JSON."""
        instance = self.start()
        task_id = instance['tasks'][0]['id']
        data = dict(report or REPORT)
        data['foto'] = (io.BytesIO(image_bytes()), 'bukti.jpg')
        response = self.post(f'/tasks/{task_id}/complete', data=data)
        assert response.status_code == 200, response.get_json()
        return response.get_json()['instance']

    def create_letter(self, instance_id, data=None):
        """Make the letter the rakor step requires (the invitation by default); returns the response."""
        tasks = self.get(f'/instances/{instance_id}').get_json()['tasks']
        return self.post(f'/tasks/{tasks[0]["id"]}/letter', json=data or INVITATION)

    def complete_only_task(self, instance_id, data):
        """Complete the single open task of an instance; returns the response."""
        tasks = self.get(f'/instances/{instance_id}').get_json()['tasks']
        assert len(tasks) == 1, tasks
        return self.post(f'/tasks/{tasks[0]["id"]}/complete', json=data)


def hours_between(start_iso, end_iso):
    """Hours from one API timestamp to another, to the minute."""
    delta = datetime.fromisoformat(end_iso) - datetime.fromisoformat(start_iso)
    return round(delta.total_seconds() / 3600, 2)


def wita_today():
    from app.timeutil import to_wita, utcnow
    return to_wita(utcnow()).date()


# follow-up deadlines a month ahead, so that they are open (not late) whenever the suite runs
DEADLINE = wita_today() + timedelta(days=30)
LATER_DEADLINE = DEADLINE + timedelta(days=2)
RAKOR['rencana_tindak_lanjut-0-batas_waktu'] = DEADLINE.isoformat()
