from wtforms import SubmitField

from forms.base import SikandaForm


class TaskActionForm(SikandaForm):
    """Carries only the CSRF token for claim / release buttons."""
    submit = SubmitField('Kirim')
