"""The superadmin's document settings: kop surat, numbering per document type, signers."""
from types import SimpleNamespace

from wtforms import FormField, HiddenField, StringField, SubmitField
from wtforms.validators import Optional

from app.services.document_settings import KINDS, SIGNED_KINDS
from forms.base import SikandaForm
from forms.validators import max_length, required


class KopForm(SikandaForm):
    class Meta:
        csrf = False  # part of SettingsForm, which carries the token

    pemerintah = StringField('Baris pemerintah', validators=[required(), max_length(120)])
    instansi = StringField('Nama instansi', validators=[required(), max_length(120)])
    alamat = StringField('Alamat', validators=[required(), max_length(250)])
    kontak = StringField('Telepon / surel / laman', validators=[Optional(), max_length(250)])
    kota = StringField('Kota tempat surat dibuat', validators=[required(), max_length(60)])


class NumberingForm(SikandaForm):
    class Meta:
        csrf = False

    kode = StringField('Kode klasifikasi', validators=[Optional(), max_length(30)])
    pola = StringField('Pola nomor', validators=[required(), max_length(100)],
                       description='Tersedia: {kode} {nomor} {nomor:03} {bulan} {bulan_romawi} {tahun}')


class SignerForm(SikandaForm):
    class Meta:
        csrf = False

    jabatan = StringField('Jabatan', validators=[required(), max_length(200)])
    nama = StringField('Nama', validators=[Optional(), max_length(200)])
    pangkat = StringField('Pangkat / golongan', validators=[Optional(), max_length(100)])
    nip = StringField('NIP', validators=[Optional(), max_length(30)])


def _settings_form():
    """One form with a kop part, one numbering part per document type and one signer part per signed type."""
    fields = {'kop': FormField(KopForm, label='Kop surat'), 'version': HiddenField(),
              'submit': SubmitField('Simpan pengaturan')}
    fields |= {f'penomoran_{kind}': FormField(NumberingForm, label=f'Penomoran {label}')
               for kind, label in KINDS.items()}
    fields |= {f'penandatangan_{kind}': FormField(SignerForm, label=f'Penandatangan {KINDS[kind]}')
               for kind in SIGNED_KINDS}
    return type('DocumentSettingsForm', (SikandaForm,), fields)


DocumentSettingsForm = _settings_form()


def settings_to_form_data(settings, version):
    # a FormField fills its part from an object's attributes, not from a dict
    data = {'kop': SimpleNamespace(**settings['kop']), 'version': str(version)}
    data |= {f'penomoran_{kind}': SimpleNamespace(**settings['penomoran'][kind]) for kind in KINDS}
    data |= {f'penandatangan_{kind}': SimpleNamespace(**settings['penandatangan'][kind]) for kind in SIGNED_KINDS}
    return data


def form_to_settings(form):
    return {'kop': _stripped(form.kop.data),
            'penomoran': {kind: _stripped(form[f'penomoran_{kind}'].data) for kind in KINDS},
            'penandatangan': {kind: _stripped(form[f'penandatangan_{kind}'].data) for kind in SIGNED_KINDS}}


def _stripped(values):
    return {name: (value or '').strip() for name, value in values.items()}
