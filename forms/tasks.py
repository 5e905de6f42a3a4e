"""The forms of the SOP's user tasks (fields from the domain guide)."""
from datetime import timedelta

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from app import wilayah
from app.timeutil import from_wita, utcnow

from . import choices as c
from .base import TaskForm
from .validators import CompleteRows, RequiredIf, between, max_length, required

DATETIME_FORMATS = ['%Y-%m-%dT%H:%M', '%Y-%m-%dT%H:%M:%S']


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, **kw):
    return TextAreaField(label, validators=[required(), max_length(5000)], **kw)


def _optional_text(label, **kw):
    return TextAreaField(label, validators=[Optional(), max_length(5000)], **kw)


def _choice(label, pairs, field=SelectField, **kw):
    if field is SelectField:  # nothing preselected: a choice must be made on purpose
        pairs = [('', '— pilih —'), *pairs]
    return field(label, choices=c.options(pairs), validators=[required()],
                 invalid_choice_message='Pilihan tidak valid.', **kw)


def _desa_choices():
    grouped = [c.options([(d.kode, d.nama) for d in wilayah.desa_of(k.kode)], optgroup=k.nama)
               for k in wilayah.kecamatan()]
    return c.options([('', '— pilih desa / kelurahan —')]) + [choice for group in grouped for choice in group]


class LaporanInformasiForm(TaskForm):
    title = 'Pelaporan informasi (5W1H dan foto)'
    judul = StringField('Judul singkat laporan', validators=[required(), max_length(200)])
    apa = _text('Apa yang terjadi (What)')
    siapa = _text('Siapa yang terlibat (Who)')
    jumlah_orang = IntegerField('Perkiraan jumlah orang', validators=[Optional(), between(0, 1_000_000)])
    waktu_kejadian = DateTimeLocalField('Kapan terjadi (When, WITA)', format=DATETIME_FORMATS,
                                        validators=[required()])
    waktu_perkiraan = BooleanField('Waktu kejadian merupakan perkiraan')
    waktu_diketahui = DateTimeLocalField('Kapan Anda mengetahui informasi ini (WITA)', format=DATETIME_FORMATS,
                                         validators=[Optional()],
                                         description='Standar waktu pelaporan (6 jam) dihitung dari saat ini; '
                                                     'kosongkan bila baru saja.')
    kecamatan = SelectField('Kecamatan', validators=[required()], invalid_choice_message='Pilihan tidak valid.')
    desa = SelectField('Desa / kelurahan (Where)', validators=[required()],
                       invalid_choice_message='Pilihan tidak valid.')
    alamat = StringField('Alamat / patokan lokasi', validators=[Optional(), max_length(300)])
    latitude = FloatField('Lintang (GPS)', validators=[Optional(), between(-90, 90)])
    longitude = FloatField('Bujur (GPS)', validators=[Optional(), between(-180, 180)])
    akurasi_gps = FloatField('Akurasi GPS (meter)', validators=[Optional(), between(0, 100_000)])
    mengapa = _text('Mengapa terjadi (Why) — boleh "belum diketahui"', default='belum diketahui')
    bagaimana = _text('Bagaimana kejadiannya (How)')
    aspek = _choice('Aspek (IPOLEKSOSBUDHANKAM)', c.ASPEK)
    jenis_athg = _choice('Jenis ATHG', c.JENIS_ATHG)
    tahap_konflik = _choice('Tahap konflik', c.TAHAP_KONFLIK)
    sumber = _choice('Sumber informasi', c.SUMBER)
    sumber_detail = StringField('Keterangan sumber (nama media, instansi, dll.)',
                                validators=[required(), max_length(300)])
    identitas_narasumber = StringField('Identitas narasumber (dirahasiakan)', validators=[Optional(), max_length(300)])
    keandalan_sumber = _choice('Keandalan sumber (A–F)', c.KEANDALAN_SUMBER)
    kebenaran_informasi = _choice('Kebenaran informasi (1–6)', c.KEBENARAN_INFORMASI)
    eskalasi = _choice('Perkiraan eskalasi', c.ESKALASI)
    korban = _optional_text('Korban (jika peristiwa)')
    kerugian = _optional_text('Kerugian (jika peristiwa)')
    pendapat_pelapor = _optional_text('Pendapat pelapor (terpisah dari fakta)')
    langkah_diambil = _optional_text('Langkah yang sudah diambil')
    klasifikasi = _choice('Klasifikasi kerahasiaan', c.KLASIFIKASI, default='terbatas')
    foto = MultipleFileField('Foto bukti (JPEG, PNG atau WebP)',
                             render_kw={'accept': 'image/jpeg,image/png,image/webp'})
    keterangan_foto = TextAreaField('Keterangan foto', validators=[required(), max_length(500)])
    submit = SubmitField('Kirim laporan')
    revisable = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = 0
        self.kecamatan.choices = c.options([('', '— pilih kecamatan —')] + [(k.kode, k.nama)
                                                                            for k in wilayah.kecamatan()])
        self.desa.choices = _desa_choices()

    @property
    def existing_photos(self):
        """Photos attached in an earlier pass: a revision need not upload again."""
        return self._existing_photos

    @existing_photos.setter
    def existing_photos(self, count):
        self._existing_photos = count
        self.foto.flags.required = not count

    def derived_values(self, data):
        return {'kecamatan': wilayah.kecamatan_of(data.get('desa'))}

    def uploaded_files(self):
        return [f for f in (self.foto.data or []) if getattr(f, 'filename', None)]

    def validate_desa(self, field):
        if field.data and wilayah.kecamatan_of(field.data) != self.kecamatan.data:
            raise StopValidation('Desa tidak berada di kecamatan yang dipilih.')

    def validate_waktu_diketahui(self, field):
        # a few minutes of clock difference between a phone and the server are tolerated
        if field.data and from_wita(field.data) > utcnow() + timedelta(minutes=10):
            raise StopValidation('Waktu mengetahui tidak boleh di masa depan.')

    def validate_foto(self, field):
        if not self.uploaded_files() and not self.existing_photos:
            raise StopValidation('Lampirkan minimal satu foto.')

    def task_data(self):
        data = super().task_data()
        data.pop('kecamatan')  # derived from the desa code, kept once
        return data


class VerifikasiForm(TaskForm):
    title = 'Verifikasi laporan (YA / TIDAK)'
    keputusan = _choice('Apakah laporan valid?', c.YA_TIDAK, field=RadioField)
    tindak_lanjut = RadioField('Jika TIDAK: tindak lanjut', choices=c.options(c.TINDAK_LANJUT_VERIFIKASI),
                               validators=[RequiredIf('keputusan', 'tidak')], validate_choice=False)
    metode = MultiCheckboxField('Metode verifikasi', choices=c.options(c.METODE_VERIFIKASI),
                                validators=[required()], invalid_choice_message='Pilihan tidak valid.')
    keandalan_sumber = _choice('Keandalan sumber (dikonfirmasi)', c.KEANDALAN_SUMBER)
    kebenaran_informasi = _choice('Kebenaran informasi (dikonfirmasi)', c.KEBENARAN_INFORMASI)
    catatan = TextAreaField('Catatan verifikator (wajib jika TIDAK)',
                            validators=[RequiredIf('keputusan', 'tidak', clear=False), max_length(5000)])
    submit = SubmitField('Simpan verifikasi')
    carried_over = ('keandalan_sumber', 'kebenaran_informasi')


class PublikasiForm(TaskForm):
    title = 'Publikasi laporan (rumusan kebijakan)'
    ringkasan_situasi = _text('Ringkasan situasi')
    analisis = _text('Analisis')
    opsi_kebijakan = _text('Opsi kebijakan')
    rekomendasi = _text('Opsi yang direkomendasikan')
    instansi_pelaksana = StringField('Instansi pelaksana utama', validators=[required(), max_length(300)])
    jangka_waktu = StringField('Jangka waktu', validators=[required(), max_length(200)])
    usulan_rakor = _choice('Diusulkan rapat koordinasi?', c.YA_TIDAK, field=RadioField)
    distribusi = _text('Daftar distribusi')
    submit = SubmitField('Publikasikan laporan')


class KeputusanPimpinanForm(TaskForm):
    title = 'Keputusan pimpinan (YA / TIDAK)'
    keputusan = _choice('Perlu penanganan / rakor lanjutan?', c.YA_TIDAK, field=RadioField)
    bentuk_penanganan = RadioField('Jika YA: bentuk penanganan', choices=c.options(c.BENTUK_PENANGANAN),
                                   validators=[RequiredIf('keputusan', 'ya')], validate_choice=False)
    arahan = _text('Arahan pimpinan')
    submit = SubmitField('Simpan keputusan')


class TindakLanjutRow(Form):
    """One follow-up action of a rakor; a row left blank is ignored."""
    tindakan = StringField('Tindakan', validators=[Optional(), max_length(500)])
    penanggung_jawab = StringField('Penanggung jawab (orang / instansi)', validators=[Optional(), max_length(300)])
    batas_waktu = DateField('Batas waktu', validators=[Optional()])


class RakorForm(TaskForm):
    title = 'Rakor / penanganan lanjutan dan notulen'
    waktu_kegiatan = DateTimeLocalField('Hari/tanggal dan pukul (WITA)', format=DATETIME_FORMATS,
                                        validators=[required()])
    tempat = StringField('Tempat', validators=[required(), max_length(300)])
    acara = _text('Acara / agenda')
    pimpinan_rapat = StringField('Pimpinan rapat', validators=[required(), max_length(200)])
    notulis = StringField('Notulis', validators=[required(), max_length(200)])
    peserta = _text('Peserta yang hadir (satu per baris)')
    pembahasan = _text('Notulen: pembahasan')
    kesimpulan = _text('Notulen: kesimpulan / keputusan')
    rencana_tindak_lanjut = FieldList(
        FormField(TindakLanjutRow), label='Rencana tindak lanjut', min_entries=2, max_entries=20,
        validators=[CompleteRows(('tindakan', 'penanggung_jawab', 'batas_waktu'),
                                 'Isi minimal satu rencana tindak lanjut.',
                                 'Setiap rencana tindak lanjut perlu tindakan, penanggung jawab dan batas waktu.')])
    submit = SubmitField('Simpan notulen dan selesaikan')
    # the invitation or assignment letter already says when, where and what
    carried_over = ('waktu_kegiatan', 'tempat', 'acara')
