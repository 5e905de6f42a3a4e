"""Validators with Indonesian messages."""
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation


def required():
    return InputRequired(message='Wajib diisi.')


def max_length(n):
    return Length(max=n, message=f'Maksimal {n} karakter.')


def between(low, high):
    return NumberRange(min=low, max=high, message=f'Harus antara {low} dan {high}.')


class RequiredIf:
    """Required (and, for a choice field, one of its choices) when another field has one of `values`.
    Otherwise the field is optional; with `clear` (for choices that only make sense under the
    condition) it is emptied, so no stale value is kept."""

    def __init__(self, other, *values, clear=True):
        self.other, self.values, self.clear = other, values, clear
        self.field_flags = {}

    def __call__(self, form, field):
        if form[self.other].data in self.values:
            field.errors[:] = []
            if field.data in (None, '', []):
                raise StopValidation('Wajib diisi untuk pilihan ini.')
            choices = getattr(field, 'choices', None)
            if choices and field.data not in {choice.value for choice in choices}:
                raise StopValidation('Pilihan tidak valid.')
            return
        field.errors[:] = []
        if not self.clear and field.data not in (None, '', []):
            return  # optional here, but what was written is kept and still checked (e.g. its length)
        field.data = None
        raise StopValidation()


class CompleteRows:
    """A list of rows (FieldList of FormField): at least one row filled in, and every filled row has
    the `needed` sub-fields; rows left blank are ignored."""

    def __init__(self, needed, empty_message, incomplete_message):
        self.needed, self.empty_message, self.incomplete_message = needed, empty_message, incomplete_message

    def __call__(self, form, field):
        filled = [entry.form for entry in field if any(sub.data for sub in entry.form)]
        if not filled:
            raise StopValidation(self.empty_message)
        if any(not all(row[name].data for name in self.needed) for row in filled):
            raise StopValidation(self.incomplete_message)
