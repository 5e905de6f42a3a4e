from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Optional

from app.roles import ROLE_LABELS
from forms.base import SikandaForm
from forms.choices import options
from forms.tasks import MultiCheckboxField
from forms.validators import max_length, required


class NewUserForm(SikandaForm):
    username = StringField('Nama pengguna', validators=[required(), max_length(64)],
                           render_kw={'autocomplete': 'off', 'autocapitalize': 'none'})
    full_name = StringField('Nama lengkap', validators=[required(), max_length(200)])
    email = EmailField('E-mail (untuk notifikasi, opsional)', validators=[Optional(), max_length(254)])
    roles = MultiCheckboxField('Peran', choices=options(ROLE_LABELS.items()), validators=[required()])
    password = PasswordField('Kata sandi awal', validators=[required(), max_length(200)],
                             render_kw={'autocomplete': 'new-password'})
    submit = SubmitField('Buat pengguna')


class DisableUserForm(SikandaForm):
    alasan = StringField('Alasan penonaktifan', validators=[required(), max_length(300)])
    submit = SubmitField('Nonaktifkan akun')


class ResetPasswordForm(SikandaForm):
    kata_sandi_baru = PasswordField('Kata sandi baru', validators=[required(), max_length(200)],
                                    render_kw={'autocomplete': 'new-password'})
    submit = SubmitField('Setel kata sandi baru')


class UserActionForm(SikandaForm):
    """Carries only the CSRF token (enable, end the sessions)."""
    submit = SubmitField('Kirim')
