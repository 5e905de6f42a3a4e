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
