"""The audit log's filter, read from the query string by the page, the CSV export and the API."""
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from app import wilayah
from app.roles import ROLE_LABELS
from app.services.audit_log import AuditFilter
from forms.base import SikandaForm
from forms.validators import between, max_length


class AuditFilterForm(SikandaForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    dari = DateField('Dari tanggal', validators=[Optional()])
    sampai = DateField('Sampai tanggal', validators=[Optional()])
    pelaku = StringField('Pelaku (nama pengguna)', validators=[Optional(), max_length(64)])
    peran = SelectField('Peran', validators=[Optional()], validate_choice=False)
    aksi = SelectField('Aksi', validators=[Optional()], validate_choice=False)
    laporan = IntegerField('Nomor instans laporan', validators=[Optional(), between(1, 2**31 - 1)])
    kecamatan = SelectField('Kecamatan', validators=[Optional()], validate_choice=False)

    def __init__(self, *args, action_labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = action_labels or {}
        self.peran.choices = [('', 'Semua peran'), *ROLE_LABELS.items()] + [
            (label, f'Lajur {label}') for label in ('Agen Lapangan', 'Verifikator', 'Administrator', 'Pimpinan')]
        # the known actions, not a DISTINCT over the whole table
        self.aksi.choices = [('', 'Semua aksi'), *sorted(labels.items(), key=lambda item: item[1])]
        self.kecamatan.choices = [('', 'Semua kecamatan'), *((k.kode, k.nama) for k in wilayah.kecamatan())]

    def criteria(self):
        return AuditFilter(start=self.dari.data, end=self.sampai.data, actor=(self.pelaku.data or '').strip() or None,
                           role=self.peran.data or None, action=self.aksi.data or None,
                           instance_id=self.laporan.data, kecamatan=self.kecamatan.data or None)
