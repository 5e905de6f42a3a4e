"""Template filters, globals and the /vendor route that serves npm packages."""
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import abort, send_from_directory
from wtforms.fields.core import UnboundField

from app import wilayah
from app.extensions import pdf_renderer
from app.roles import ROLE_LABELS
from app.services.document_settings import KINDS
from app.services.users import PASSWORD_RULES
from app.services.workflow import DECISION_FIELDS
from app.timeutil import WITA, format_remaining, format_wita, to_wita, utcnow
from forms import choices, form_class

NODE_MODULES = Path(__file__).resolve().parent.parent / 'node_modules'
# only the built files of the packages the pages use are served
VENDOR_FILES = ('bootstrap/dist/', 'bpmn-js/dist/', 'axe-core/axe.min.js', 'bpmn-js-properties-panel/dist/',
                '@bpmn-io/properties-panel/dist/assets/', 'camunda-bpmn-moddle/resources/camunda.json',
                'chart.js/dist/chart.umd.min.js')

CHOICE_LABELS = {
    'aspek': choices.ASPEK, 'jenis_athg': choices.JENIS_ATHG, 'tahap_konflik': choices.TAHAP_KONFLIK,
    'sumber': choices.SUMBER, 'keandalan_sumber': choices.KEANDALAN_SUMBER, 'eskalasi': choices.ESKALASI,
    'kebenaran_informasi': choices.KEBENARAN_INFORMASI, 'klasifikasi': choices.KLASIFIKASI,
    'keputusan': choices.YA_TIDAK, 'tindak_lanjut': choices.TINDAK_LANJUT_VERIFIKASI,
    'metode': choices.METODE_VERIFIKASI, 'bentuk_penanganan': choices.BENTUK_PENANGANAN,
    'jenis_surat': choices.JENIS_SURAT, 'usulan_rakor': choices.YA_TIDAK, 'sifat': choices.SIFAT_SURAT,
}


ACTION_LABELS = {
    'instance.started': 'Laporan dibuat', 'task.completed': 'Tahap diselesaikan',
    'attachment.uploaded': 'Foto diunggah', 'attachment.viewed': 'Foto dilihat',
    'decision.taken': 'Keputusan diambil', 'instance.completed': 'Proses selesai',
    'task.claimed': 'Tugas diklaim', 'task.released': 'Tugas dilepas',
    'auth.login': 'Masuk', 'auth.login_failed': 'Gagal masuk', 'auth.logout': 'Keluar',
    'auth.token_issued': 'Token API diterbitkan', 'user.created': 'Pengguna dibuat',
    'diagram.saved': 'Diagram disimpan', 'diagram.deployed': 'Diagram di-deploy',
    'diagram.rolled_back': 'Diagram di-rollback', 'instance.migrated': 'Laporan dipindah versi',
    'audit.exported': 'Jejak audit diekspor',
    'task.overdue': 'Melewati batas waktu (dieskalasi)', 'timer.fired': 'Timer berjalan',
    'timer.failed': 'Timer gagal dijalankan', 'compliance.exported': 'Laporan kepatuhan diekspor',
    'auth.session_ended': 'Sesi berakhir', 'auth.token_revoked': 'Token API dicabut',
    'user.disabled': 'Akun dinonaktifkan', 'user.enabled': 'Akun diaktifkan',
    'user.sessions_ended': 'Semua sesi pengguna diakhiri', 'user.password_changed': 'Kata sandi diganti',
    'files.swept': 'Berkas yatim dihapus',
}


def format_duration(value):
    """timedelta -> '2 jam 5 menit' (days when long)."""
    if value is None:
        return '—'
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f'{days} hari' if days else '', f'{hours} jam' if hours else '', f'{minutes} menit' if minutes else '']
    return ' '.join(p for p in parts if p) or 'kurang dari 1 menit'


def role_label(codes):
    """'verifikator' -> 'Verifikator'; several roles are joined with commas."""
    return ', '.join(ROLE_LABELS.get(code, code) for code in (codes or '').split(',') if code)


def action_label(action):
    return ACTION_LABELS.get(action, action)


def describe_event(event):
    """One line of the history for people: what happened, at which step, which decision."""
    detail = event.detail or {}
    text = ACTION_LABELS.get(event.action, event.action)
    if detail.get('task_name'):
        text += f': {detail["task_name"]}'
    decision = [display_value(k, detail[k]) for k in DECISION_FIELDS if detail.get(k)]
    if decision:
        text += ' — ' + ', '.join(decision)
    if detail.get('result'):
        text += f' — {detail["result"]}'
    if detail.get('escalated_to'):
        text += f' — diteruskan ke {detail["escalated_to"]}'
    if detail.get('timers'):
        text += ': ' + ', '.join(detail['timers'])
    return text


def display_value(name, value):
    """A stored form value as a person reads it."""
    if value is None or value == '' or value == []:
        return '—'
    if name == 'desa':
        return f'{wilayah.name(value)}, Kec. {wilayah.name(wilayah.kecamatan_of(value))}'
    if isinstance(value, bool):
        return 'Ya' if value else 'Tidak'
    if isinstance(value, dict):  # one row of a list, e.g. a follow-up action
        return ' — '.join(display_value(key, v) for key, v in value.items() if v not in (None, ''))
    if isinstance(value, list):
        return ('; ' if value and isinstance(value[0], dict) else ', ').join(display_value(name, v) for v in value)
    if name in CHOICE_LABELS:
        return choices.label(CHOICE_LABELS[name], value)
    if isinstance(value, str) and len(value) >= 16 and value[4] == '-' and value[10] == 'T':
        return value[8:10] + '-' + value[5:7] + '-' + value[:4] + ' ' + value[11:16] + ' WITA'
    return value


@cache
def _labels(form_key):
    cls = form_class(form_key)
    if cls is None:
        return {}
    fields = ((name, getattr(cls, name)) for name in dir(cls) if not name.startswith('_'))
    return {name: (f.args[0] if f.args else f.kwargs.get('label', name))
            for name, f in fields if isinstance(f, UnboundField)}


def field_label(form_key, name):
    return _labels(form_key).get(name, name.replace('_', ' ').capitalize())


def register(app):
    app.jinja_env.filters['wita'] = format_wita
    app.jinja_env.filters['remaining'] = format_remaining
    app.jinja_env.filters['wilayah'] = wilayah.name
    app.jinja_env.filters['role_label'] = role_label
    app.jinja_env.filters['duration'] = format_duration
    app.jinja_env.filters.update(DOCUMENT_FILTERS)
    app.jinja_env.globals.update(display_value=display_value, field_label=field_label,
                                 describe_event=describe_event, action_label=action_label, now=utcnow)
    app.jinja_env.globals['document_title'] = lambda kind: KINDS.get(kind, kind)
    app.jinja_env.globals['password_help'] = PASSWORD_RULES
    pdf_renderer.init_app(app, filters=DOCUMENT_FILTERS, globals_={'label': display_value})

    @app.route('/vendor/<path:filename>')
    def vendor(filename):
        if '..' in filename or not filename.startswith(VENDOR_FILES):
            abort(404)
        response = send_from_directory(NODE_MODULES, filename, max_age=7 * 24 * 3600)
        return response


HARI = ('Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu')
BULAN = ('Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober',
         'November', 'Desember')


def _local(value):
    """A WITA date-time from a stored value: an aware ISO text (form data) or a naive UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
        return value.astimezone(WITA) if value.tzinfo else value
    if isinstance(value, datetime):
        return value.astimezone(WITA) if value.tzinfo else to_wita(value)
    return value


def tanggal(value):
    """'28 November 2026' (dates in letters are written out)."""
    value = _local(value)
    return f'{value.day} {BULAN[value.month - 1]} {value.year}' if value else '—'


def hari_tanggal(value):
    value = _local(value)
    return f'{HARI[value.weekday()]}, {tanggal(value)}' if value else '—'


def pukul(value):
    value = _local(value)
    return f'{value:%H.%M} WITA' if value else '—'


def tanggal_jam(value):
    return f'{tanggal(value)} pukul {pukul(value)}' if value else '—'


def lines(text):
    return [line.strip() for line in (text or '').splitlines() if line.strip()]


DOCUMENT_FILTERS = {'tanggal': tanggal, 'hari_tanggal': hari_tanggal, 'pukul': pukul, 'tanggal_jam': tanggal_jam,
                    'lines': lines}
