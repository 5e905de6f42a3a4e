"""Forms for the letters a YA decision calls for (Surat Undangan, Surat Perintah Tugas)."""
from wtforms import DateTimeLocalField, FieldList, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from . import choices as c
from .base import SikandaForm, TaskForm
from .tasks import DATETIME_FORMATS
from .validators import CompleteRows, max_length, required


def _lines(label, optional=False, **kw):
    validators = [Optional() if optional else required(), max_length(3000)]
    return TextAreaField(label, validators=validators, **kw)


class LetterForm(TaskForm):
    sifat = SelectField('Sifat', choices=c.options(c.SIFAT_SURAT), default='biasa', validators=[required()],
                        invalid_choice_message='Pilihan tidak valid.')
    lampiran = StringField('Lampiran', default='-', validators=[Optional(), max_length(100)])
    hal = StringField('Hal', validators=[required(), max_length(200)])
    waktu_kegiatan = DateTimeLocalField('Hari/tanggal dan pukul (WITA)', format=DATETIME_FORMATS,
                                        validators=[required()])
    tempat = StringField('Tempat', validators=[required(), max_length(300)])
    tembusan = _lines('Tembusan (satu per baris)', optional=True,
                      description='Misalnya: Bupati Balangan (sebagai laporan).')


class SuratUndanganForm(LetterForm):
    kind = 'surat_undangan'
    hal = StringField('Hal', default='Undangan Rapat Koordinasi', validators=[required(), max_length(200)])
    kepada = _lines('Kepada Yth. (satu penerima per baris)')
    acara = _lines('Acara')
    submit = SubmitField('Buat Surat Undangan')


class PetugasRow(Form):
    """One person assigned; a row left blank is ignored."""
    nama = StringField('Nama', validators=[Optional(), max_length(200)])
    pangkat = StringField('Pangkat / golongan', validators=[Optional(), max_length(100)])
    nip = StringField('NIP', validators=[Optional(), max_length(30)])
    jabatan = StringField('Jabatan', validators=[Optional(), max_length(200)])


class SuratPerintahTugasForm(LetterForm):
    kind = 'surat_perintah_tugas'
    hal = StringField('Hal', default='Perintah Tugas Penanganan Lapangan', validators=[required(), max_length(200)])
    dasar = _lines('Dasar (satu per baris)')
    petugas = FieldList(FormField(PetugasRow), label='Kepada (yang ditugaskan)', min_entries=2, max_entries=20,
                        validators=[CompleteRows(('nama', 'jabatan'), 'Isi minimal satu orang yang ditugaskan.',
                                                 'Setiap orang yang ditugaskan perlu nama dan jabatan.')])
    untuk = _lines('Untuk (tugas yang harus dilaksanakan)')
    submit = SubmitField('Buat Surat Perintah Tugas')


class FollowUpDoneForm(SikandaForm):
    catatan = TextAreaField('Catatan penyelesaian', validators=[Optional(), max_length(2000)])
    submit = SubmitField('Tandai selesai')


LETTER_FORMS = {form.kind: form for form in (SuratUndanganForm, SuratPerintahTugasForm)}
