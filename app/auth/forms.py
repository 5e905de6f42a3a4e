from wtforms import PasswordField, StringField, SubmitField

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
