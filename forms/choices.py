"""Code lists from the domain guide (value, label)."""
from wtforms.fields.choices import SelectChoice

YA_TIDAK = [('ya', 'YA'), ('tidak', 'TIDAK')]
ASPEK = [('ideologi', 'Ideologi'), ('politik', 'Politik'), ('ekonomi', 'Ekonomi'), ('sosial', 'Sosial'),
         ('budaya', 'Budaya'), ('pertahanan', 'Pertahanan'), ('keamanan', 'Keamanan')]
JENIS_ATHG = [('ancaman', 'Ancaman'), ('tantangan', 'Tantangan'), ('hambatan', 'Hambatan'),
              ('gangguan', 'Gangguan')]
TAHAP_KONFLIK = [('potensi', 'Potensi konflik'), ('peristiwa', 'Peristiwa konflik'),
                 ('pascakonflik', 'Pascakonflik')]
SUMBER = [('media', 'Media'), ('intelijen_daerah', 'Intelijen daerah'), ('masyarakat', 'Masyarakat'),
          ('pengamatan_langsung', 'Pengamatan langsung')]
KEANDALAN_SUMBER = [('A', 'A — sangat dapat dipercaya'), ('B', 'B — biasanya dapat dipercaya'),
                    ('C', 'C — cukup dapat dipercaya'), ('D', 'D — biasanya tidak dapat dipercaya'),
                    ('E', 'E — tidak dapat dipercaya'), ('F', 'F — tidak dapat dinilai')]
KEBENARAN_INFORMASI = [('1', '1 — dikonfirmasi sumber lain'), ('2', '2 — kemungkinan benar'),
                       ('3', '3 — mungkin benar'), ('4', '4 — diragukan'), ('5', '5 — tidak mungkin benar'),
                       ('6', '6 — tidak dapat dinilai')]
ESKALASI = [('rendah', 'Rendah'), ('sedang', 'Sedang'), ('tinggi', 'Tinggi'), ('sangat_tinggi', 'Sangat tinggi')]
KLASIFIKASI = [('biasa', 'Biasa'), ('terbatas', 'Terbatas'), ('rahasia', 'Rahasia')]
TINDAK_LANJUT_VERIFIKASI = [('kembalikan', 'Kembalikan ke agen untuk revisi'), ('tolak', 'Tolak laporan')]
METODE_VERIFIKASI = [('konfirmasi_sumber_lain', 'Konfirmasi sumber lain'), ('cek_lapangan', 'Cek lapangan'),
                     ('cek_media', 'Cek media'), ('koordinasi_instansi', 'Koordinasi instansi')]
BENTUK_PENANGANAN = [('rakor', 'Rapat koordinasi (Surat Undangan)'),
                     ('penugasan', 'Penugasan lapangan (Surat Perintah Tugas)')]
SIFAT_SURAT = [('biasa', 'Biasa'), ('segera', 'Segera'), ('sangat_segera', 'Sangat segera')]
JENIS_SURAT = [('surat_undangan', 'Surat Undangan rakor'), ('surat_perintah_tugas', 'Surat Perintah Tugas')]


def label(choices, value):
    return dict(choices).get(value, value or '—')


def options(pairs, optgroup=None):
    """Code-list pairs as WTForms choices."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]
