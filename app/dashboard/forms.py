"""The period filter of the dashboard and the compliance report, read from the query string."""
from datetime import date

from wtforms import DateField
from wtforms.validators import Optional

from app.services.compliance import Period
from forms.base import SikandaForm

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
MAX_DAYS = 366  # a year at most: the weekly chart stays readable and the queries stay small


class PeriodForm(SikandaForm):
    """WITA calendar days, both included; an empty field takes the default period's end."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    dari = DateField('Dari tanggal', validators=[Optional()],
                     render_kw={'min': EARLIEST.isoformat(), 'max': LATEST.isoformat()})
    sampai = DateField('Sampai tanggal', validators=[Optional()],
                       render_kw={'min': EARLIEST.isoformat(), 'max': LATEST.isoformat()})

    def __init__(self, formdata, default_days, **kwargs):
        super().__init__(formdata, **kwargs)
        default = Period.last_days(default_days)
        for field, value in ((self.dari, default.start), (self.sampai, default.end)):
            if not (field.raw_data and field.raw_data[0].strip()):
                # shown filled in, so people see which days the figures cover
                field.data, field.raw_data = value, None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        for field in (self.dari, self.sampai):
            if not EARLIEST <= field.data <= LATEST:
                field.errors.append(f'Pilih tanggal antara tahun {EARLIEST.year} dan {LATEST.year}.')
        if self.sampai.data < self.dari.data:  # also when one end is the default
            self.sampai.errors.append('Tanggal akhir tidak boleh sebelum tanggal awal.')
        elif (self.sampai.data - self.dari.data).days >= MAX_DAYS:
            self.sampai.errors.append(f'Periode paling panjang {MAX_DAYS} hari.')
        return not self.errors

    def period(self):
        return Period(self.dari.data, self.sampai.data)
