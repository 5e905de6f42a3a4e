from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo

from forms.base import SikandaForm
from forms.validators import max_length, required


class LoginForm(SikandaForm):
    username = StringField('Nama pengguna', validators=[required(), max_length(64)],
                           render_kw={'autocomplete': 'username', 'autocapitalize': 'none'})
    password = PasswordField('Kata sandi', validators=[required(), max_length(200)],
                             render_kw={'autocomplete': 'current-password'})
    submit = SubmitField('Masuk')


class LogoutForm(SikandaForm):
    submit = SubmitField('Keluar')


class ChangePasswordForm(SikandaForm):
    kata_sandi_lama = PasswordField('Kata sandi saat ini', validators=[required(), max_length(200)],
                                    render_kw={'autocomplete': 'current-password'})
    kata_sandi_baru = PasswordField('Kata sandi baru', validators=[required(), max_length(200)],
                                    render_kw={'autocomplete': 'new-password'})
    ulangi = PasswordField('Ulangi kata sandi baru', validators=[
        required(), EqualTo('kata_sandi_baru', message='Tidak sama dengan kata sandi baru.')],
        render_kw={'autocomplete': 'new-password'})
    submit = SubmitField('Ganti kata sandi')
