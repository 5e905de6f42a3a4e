"""Flask commands: seed-demo, create-user, install-diagrams, tick, audit verify (plus Flask-Migrate's db)."""
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.roles import ROLE_LABELS
from app.services import audit, processes, queries, users
from app.tick import run_tick
from app.timeutil import from_wita, utcnow
from app.uow import unit_of_work
from forms import FORM_CATALOG

DEMO_USERS = [
    ('agen1', 'Ahmad Fauzi', ['agen']),
    ('agen2', 'Siti Rahmah', ['agen']),
    ('verifikator1', 'Rudi Hartono', ['verifikator']),
    ('administrator1', 'Nurul Hidayah', ['administrator']),
    ('pimpinan1', 'H. Abdul Hadi', ['pimpinan']),
    ('pemilikproses1', 'Dewi Lestari', ['pemilik_proses']),
    ('auditor1', 'Bambang Wijaya', ['auditor']),
    ('superadmin1', 'Admin Sistem', ['superadmin']),
]


def register(app):
    @app.cli.command('install-diagrams')
    def install_diagrams():
        """Store the diagrams shipped in bpmn/ as version 1 where missing."""
        with unit_of_work():
            installed = processes.install_shipped_diagrams(FORM_CATALOG)
        click.echo(f'{len(installed)} diagram dipasang.')

    @app.cli.command('seed-demo')
    @click.option('--password', default='sikanda123', show_default=True, help='Kata sandi semua pengguna demo')
    @click.option('--samples', default=0, show_default=True,
                  help='Jumlah laporan contoh (hanya bila belum ada laporan)')
    def seed_demo(password, samples):
        """Demo users (one per role), the shipped diagram and sample reports on an empty database."""
        with unit_of_work():
            processes.install_shipped_diagrams(FORM_CATALOG)
            created = [users.create_user(u, name, password, roles) for u, name, roles in DEMO_USERS
                       if users.find_user(u) is None]
        click.echo(f'{len(created)} pengguna demo dibuat (kata sandi: {password}).')
        if samples and queries.report_count():
            click.echo('Sudah ada laporan; laporan contoh tidak ditambahkan.')
        elif samples:
            from app.demo import create_samples
            with click.progressbar(length=samples, label='Membuat laporan contoh') as bar:
                create_samples(samples, current_app.config, progress=bar.update)

    @app.cli.command('create-user')
    @click.argument('username')
    @click.option('--name', 'full_name', default=None, help='Nama lengkap')
    @click.option('--role', 'roles', multiple=True, required=True, type=click.Choice(sorted(ROLE_LABELS)))
    @click.option('--email', default=None, help='Alamat e-mail untuk notifikasi (opsional)')
    @click.password_option()
    def create_user(username, full_name, roles, email, password):
        """Create a user with one or more roles."""
        with unit_of_work():
            user = users.create_user(username, full_name, password, list(roles), email=email)
        click.echo(f'Pengguna {user.username} dibuat dengan peran {", ".join(roles)}.')

    @app.cli.command('tick')
    @click.option('--now', 'now_text', default=None, metavar='ISO-TIME',
                  help='Waktu yang dipakai sebagai "sekarang" (tanpa zona = WITA); bawaan: jam sistem.')
    def tick(now_text):
        """Fire due BPMN timers, send reminders and escalations, then deliver pending e-mails."""
        report = run_tick(_parse_now(now_text))
        if not report.acquired:
            click.echo('Tick lain sedang berjalan; tidak ada yang dikerjakan.')
            return
        click.echo(f'Timer dijalankan: {report.timers_fired} (gagal {report.timer_errors}); '
                   f'pengingat 50%: {report.reminded}; terlambat: {report.overdue}; '
                   f'notifikasi baru: {report.notifications}; '
                   f'e-mail terkirim: {report.emails_sent}, gagal: {report.emails_failed}; '
                   f'dokumen dibuat: {report.documents}.')
        for problem in report.problems:
            click.echo(f'Perhatian: {problem}', err=True)

    audit_group = AppGroup('audit', help='Jejak audit.')

    @audit_group.command('verify')
    @click.option('--checkpoint', default=audit.GENESIS, show_default='awal rantai',
                  help='Hash kejadian terakhir yang sudah diarsipkan (setelah pengarsipan).')
    def verify(checkpoint):
        """Check the hash chain of the audit trail; exit code 1 names the first broken event."""
        broken = audit.verify_chain(checkpoint)
        if broken is not None:
            click.echo(f'Rantai audit RUSAK mulai kejadian #{broken}.', err=True)
            raise SystemExit(1)
        click.echo('Rantai audit utuh.')

    app.cli.add_command(audit_group)


def _parse_now(text):
    """--now as naive UTC; a time without a zone is WITA, the time officials read on their clocks."""
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f'bukan waktu ISO-8601: {text}', param_hint='--now') from None
    return from_wita(value)
