"""Base class for task forms: turns validated fields into JSON-able task data."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, FieldList, FileField, MultipleFileField, SubmitField
from wtforms.fields import HiddenField

WITA = ZoneInfo('Asia/Makassar')
NON_DATA_FIELDS = (SubmitField, FileField, MultipleFileField, HiddenField)

FIELD_TYPES = {
    'StringField': 'string', 'TextAreaField': 'text', 'IntegerField': 'integer', 'FloatField': 'number',
    'DecimalField': 'number', 'SelectField': 'choice', 'RadioField': 'choice', 'BooleanField': 'boolean',
    'SelectMultipleField': 'multi_choice', 'MultiCheckboxField': 'multi_choice',
    'DateTimeLocalField': 'datetime', 'DateField': 'date', 'MultipleFileField': 'files', 'FieldList': 'list',
}


_INDONESIAN = {
    'Not a valid choice.': 'Pilihan tidak valid.',
    'Not a valid integer value.': 'Harus berupa bilangan bulat.',
    'Not a valid float value.': 'Harus berupa angka.',
    'Not a valid decimal value.': 'Harus berupa angka.',
    'Not a valid datetime value.': 'Tanggal dan jam tidak valid.',
    'Not a valid date value.': 'Tanggal tidak valid.',
    'This field is required.': 'Wajib diisi.',
    'The CSRF token is missing.': 'Token keamanan (CSRF) tidak ada; muat ulang halaman.',
    'The CSRF token is invalid.': 'Token keamanan (CSRF) tidak valid; muat ulang halaman.',
    'The CSRF token has expired.': 'Token keamanan (CSRF) kedaluwarsa; muat ulang halaman.',
    'The CSRF tokens do not match.': 'Token keamanan (CSRF) tidak cocok; muat ulang halaman.',
}


class IndonesianTranslations:
    """WTForms ships no Indonesian catalogue; these are its messages our forms can show."""

    def gettext(self, string):
        return _INDONESIAN.get(string, string)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


class SikandaForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return IndonesianTranslations()


class TaskForm(SikandaForm):
    """A user-task form. Every data field is always written, so a loop never keeps an old value."""

    #: what process owners see when they pick this form for a step in the diagram editor
    title = ''
    #: fields prefilled from an earlier step's submission of the same name
    carried_over = ()
    #: a later pass of this form starts from the previous pass (a returned report)
    revisable = False

    def data_fields(self):
        return [f for f in self if not isinstance(f, NON_DATA_FIELDS) and f.name != 'csrf_token']

    def task_data(self):
        return {field.name: _jsonable(field) for field in self.data_fields()}

    def load_task_data(self, data):
        """Fill the form from stored task data (e.g. a returned report opened for revision)."""
        values = dict(data)
        for field in self.data_fields():
            if isinstance(field, DateTimeLocalField) and isinstance(values.get(field.name), str):
                parsed = datetime.fromisoformat(values[field.name])
                values[field.name] = parsed.astimezone(WITA).replace(tzinfo=None) if parsed.tzinfo else parsed
        self.process(data=self.derived_values(values) | values)

    def derived_values(self, data):
        return {}

    @classmethod
    def describe(cls):
        """Field descriptions for API clients: name, type, required, choices, label."""
        form = cls(meta={'csrf': False}, formdata=None)
        described = []
        for field in form:
            if isinstance(field, SubmitField) or field.name == 'csrf_token':
                continue
            choices = getattr(field, 'choices', None)
            if isinstance(field, FieldList):
                described.append(_describe_list(field))
                continue
            described.append({
                'name': field.name,
                'label': str(field.label.text),
                'type': FIELD_TYPES.get(type(field).__name__, 'string'),
                'required': bool(field.flags.required),
                'choices': _flatten_choices(choices) if choices else None,
            })
        return described


def _flatten_choices(choices):
    described = []
    for choice in choices:
        if choice.value == '':
            continue  # the '— pilih —' placeholder
        item = {'value': choice.value, 'label': str(choice.label)}
        if choice.optgroup:
            item['group'] = choice.optgroup
        described.append(item)
    return described


def _describe_list(field):
    """A list of rows, sent as name-0-subfield, name-1-subfield … (or as a JSON list of objects)."""
    row = field[0].form
    return {'name': field.name, 'label': str(field.label.text), 'type': 'list', 'required': True,
            'choices': None, 'max_rows': field.max_entries,
            'fields': [{'name': sub.short_name, 'label': str(sub.label.text),
                        'type': FIELD_TYPES.get(type(sub).__name__, 'string')} for sub in row]}


def _jsonable(field):
    if isinstance(field, FieldList):
        rows = [{sub.short_name: _jsonable(sub) for sub in entry.form} for entry in field]
        return [row for row in rows if any(row.values())]  # blank rows are not data
    value = field.data
    if isinstance(field, DateTimeLocalField) and isinstance(value, datetime):
        return value.replace(tzinfo=WITA).isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return value.strip()
    return value
