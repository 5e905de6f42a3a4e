"""E-mail over SMTP, configured by SIKANDA_SMTP_* (no host: e-mail is off, in-app notices still work)."""
import smtplib
from email.message import EmailMessage


class Mailer:
    def __init__(self):
        self.host = None
        self.port = 25
        self.user = self.password = None
        self.sender = 'sikanda@localhost'
        self.starttls = False
        self.timeout = 10
        self.base_url = ''

    def init_app(self, app):
        config = app.config
        self.host = config.get('SMTP_HOST') or None
        self.port = int(config.get('SMTP_PORT') or 25)
        self.user = config.get('SMTP_USER') or None
        self.password = config.get('SMTP_PASSWORD') or None
        self.sender = config.get('SMTP_FROM') or self.sender
        self.starttls = str(config.get('SMTP_STARTTLS', '')).lower() in ('1', 'true', 'yes')
        self.timeout = float(config.get('SMTP_TIMEOUT') or 10)
        # links in e-mails point here, e.g. https://sikanda.balangankab.go.id
        self.base_url = (config.get('BASE_URL') or '').rstrip('/')

    @property
    def enabled(self):
        return bool(self.host)

    def connect(self):
        """One SMTP session for a batch of messages; use as a context manager."""
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls()
        if self.user:
            smtp.login(self.user, self.password or '')
        return smtp

    def message(self, to, subject, body):
        message = EmailMessage()
        # a line break in a subject (a diagram label can hold one) would be refused as a header
        message['From'], message['To'], message['Subject'] = self.sender, to, ' '.join(subject.split())
        message.set_content(body)
        return message
