"""Flask commands: seed-demo, create-user, install-diagrams, tick, audit verify, backup, restore, files sweep
(plus Flask-Migrate's db)."""
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.roles import ROLE_LABELS
from app.services import audit, files, processes, queries, users
from app.services.errors import ValidationFailed
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
        problems = users.password_problems(password)
        if problems:
            raise click.ClickException('; '.join(problems))
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
        try:
            with unit_of_work():
                user = users.create_user(username, full_name, password, list(roles), email=email)
        except ValidationFailed as exc:
            raise click.ClickException('; '.join(sum(exc.errors.values(), []))) from None
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
                   f'dokumen dibuat: {report.documents}; berkas yatim dihapus: {report.files_removed}.')
        for problem in report.problems:
            click.echo(f'Perhatian: {problem}', err=True)

    @app.cli.command('backup')
    @click.argument('path', type=click.Path(dir_okay=False))
    @click.option('--overwrite', is_flag=True, help='Timpa PATH bila sudah ada.')
    def backup_command(path, overwrite):
        """Write a backup archive to PATH (tar, gzip when PATH ends in .gz): every table, the Alembic revision
        and the stored files, with a manifest signed by SIKANDA_BACKUP_KEY or else SIKANDA_SECRET_KEY."""
        import os

        from app.services import backup
        if not current_app.config.get('BACKUP_KEY') and current_app.config['SIKANDA_ENV'] == 'development' \
                and not os.environ.get('SIKANDA_SECRET_KEY'):
            click.echo('Perhatian: SECRET_KEY acak (SIKANDA_SECRET_KEY tidak diisi); arsip ini tidak dapat '
                       'dipulihkan setelah aplikasi dimulai ulang. Isi SIKANDA_BACKUP_KEY.', err=True)
        try:
            summary = backup.create_backup(path, current_app.config['UPLOAD_DIR'], _backup_key(),
                                           overwrite=overwrite, progress=lambda line: click.echo(f'  {line}'))
        except backup.BackupError as exc:
            click.echo(f'Pencadangan gagal: {exc}', err=True)
            raise SystemExit(1) from None
        click.echo(f'Cadangan selesai: {summary.path}')
        click.echo(f'  {len(summary.tables)} tabel, {summary.rows} baris, {summary.files} berkas '
                   f'({_mib(summary.file_bytes)}), revisi {summary.revision}')
        click.echo(f'  arsip {_mib(summary.size)}, SHA-256 {summary.sha256}')
        if summary.missing_files:
            click.echo(f'Perhatian: {len(summary.missing_files)} berkas yang dirujuk basis data tidak ada di '
                       f'direktori unggahan: {", ".join(summary.missing_files[:10])}', err=True)
        if summary.unreferenced_files:
            click.echo(f'  {summary.unreferenced_files} berkas di direktori unggahan tidak dirujuk basis data '
                       '(tidak dicadangkan)')

    @app.cli.command('restore')
    @click.argument('path', type=click.Path(exists=True, dir_okay=False))
    def restore_command(path):
        """Restore a backup archive into an empty database and upload directory. The whole archive is checked
        first; the schema is migrated when missing; the rows go in in one transaction."""
        from flask_migrate import upgrade
        from sqlalchemy.exc import SQLAlchemyError

        from app.services import backup
        upload_dir, migrated = current_app.config['UPLOAD_DIR'], False
        try:
            archive = backup.verify_archive(path, _backup_key())
            click.echo(f'Arsip utuh: {len(archive.members)} anggota sesuai manifest bertanda tangan, '
                       f'revisi {archive.revision}, dibuat {archive.manifest["created_at"]}.')
            revision = backup.code_revision(current_app.extensions['migrate'].directory)
            if backup.check_target(archive, revision, upload_dir) == backup.SCHEMA_MISSING:
                click.echo(f'Basis data tanpa skema: migrasi sampai revisi {archive.revision}.')
                upgrade(revision=archive.revision)
                migrated = True
                backup.check_target(archive, revision, upload_dir)
            with backup.FileWriter(upload_dir) as writer, unit_of_work():
                summary = backup.load_archive(archive, writer, progress=lambda line: click.echo(f'  {line}'))
        except (backup.BackupError, SQLAlchemyError, OSError) as exc:
            refused = isinstance(exc, backup.BackupError)
            click.echo(f'Pemulihan {"ditolak" if refused else "gagal, tidak ada data yang diubah"}: {exc}', err=True)
            if migrated:
                click.echo('Skema hasil migrasi tetap ada, tanpa data.', err=True)
            raise SystemExit(1) from None
        click.echo(f'Pemulihan selesai: {len(summary.tables)} tabel, {summary.rows} baris, {summary.files} berkas '
                   f'({_mib(summary.file_bytes)}); arsip {_mib(summary.size)}, SHA-256 {summary.sha256}')
        broken = audit.verify_chain()
        if broken is None:
            click.echo('Rantai audit utuh.')
        else:
            click.echo(f'Perhatian: rantai audit rusak mulai kejadian #{broken} (seperti di arsipnya; setelah '
                       'pengarsipan periksa dengan audit verify --checkpoint).', err=True)

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

    files_group = AppGroup('files', help='Berkas unggahan dan dokumen di UPLOAD_DIR.')

    @files_group.command('sweep')
    @click.option('--grace-minutes', default=int(files.GRACE.total_seconds() // 60), show_default=True,
                  type=click.IntRange(min=0),
                  help='Hanya berkas yang lebih tua dari ini (berkas transaksi yang masih berjalan tidak disentuh).')
    @click.option('--force', is_flag=True, help='Hapus juga bila sebagian besar berkas tidak dirujuk basis data.')
    def files_sweep(grace_minutes, force):
        """Remove stored files no attachment or document references (left by a killed process)."""
        with unit_of_work():
            swept = files.sweep(timedelta(minutes=grace_minutes), force=force)
        for name in swept.removed:
            click.echo(f'dihapus: {name}')
        click.echo(f'{len(swept.removed)} berkas yatim dihapus ({swept.bytes} byte); '
                   f'{swept.waiting} lebih muda dari {grace_minutes} menit dibiarkan.')
        for name in swept.missing:
            click.echo(f'Perhatian: berkas {name} dirujuk basis data tetapi tidak ada.', err=True)
        if swept.refused:
            click.echo(f'Tidak ada yang dihapus: {swept.refused}.', err=True)
            raise SystemExit(1)

    app.cli.add_command(files_group)


def _parse_now(text):
    """--now as naive UTC; a time without a zone is WITA, the time officials read on their clocks."""
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f'bukan waktu ISO-8601: {text}', param_hint='--now') from None
    return from_wita(value)


def _backup_key():
    from app.services import backup
    return backup.backup_key(current_app.config.get('SECRET_KEY'), current_app.config.get('BACKUP_KEY'))


def _mib(size):
    return f'{size / (1024 * 1024):.1f} MiB'
