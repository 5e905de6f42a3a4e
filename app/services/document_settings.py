"""Kop surat, numbering patterns and signers of the official documents, edited by the superadmin."""
import copy
import re
import string
from datetime import date

from app.extensions import db
from app.models import Setting
from app.services import audit
from app.services.errors import ConflictError, ValidationFailed
from app.timeutil import utcnow

KEY = 'dokumen'

KINDS = {
    'laporan_informasi': 'Laporan Informasi',
    'rumusan_kebijakan': 'Rumusan Kebijakan',
    'surat_undangan': 'Surat Undangan',
    'surat_perintah_tugas': 'Surat Perintah Tugas',
    'notulen': 'Notulen Rapat',
}
# documents signed by an official from the settings (a Notulen is signed by the chair and the note-taker)
SIGNED_KINDS = ('laporan_informasi', 'rumusan_kebijakan', 'surat_undangan', 'surat_perintah_tugas')
PLACEHOLDERS = ('kode', 'nomor', 'bulan', 'bulan_romawi', 'tahun')
ROMAN_MONTHS = ('I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII')
PADDING = re.compile(r'0[1-9]')
# what may stand around the placeholders and in a code: it is printed, and used in a file name
SAFE_TEXT = re.compile(r'[A-Za-z0-9 ./_-]*')
MAX_NUMBER_LENGTH = 120  # documents.nomor
DEFAULT_PATTERN = '{kode}/{nomor}/KESBANGPOL/{bulan_romawi}/{tahun}'

# classification codes and names are the regency's to set: these are starting values
DEFAULTS = {
    'kop': {
        'pemerintah': 'PEMERINTAH KABUPATEN BALANGAN',
        'instansi': 'BADAN KESATUAN BANGSA DAN POLITIK',
        'alamat': 'Paringin, Kabupaten Balangan, Kalimantan Selatan',
        'kontak': '',
        'kota': 'Paringin',
    },
    'penomoran': {
        'laporan_informasi': {'kode': '300.1.4', 'pola': '{kode}/{nomor}/LI/KESBANGPOL/{bulan_romawi}/{tahun}'},
        'rumusan_kebijakan': {'kode': '300.1.4', 'pola': '{kode}/{nomor}/RK/KESBANGPOL/{bulan_romawi}/{tahun}'},
        'surat_undangan': {'kode': '005', 'pola': DEFAULT_PATTERN},
        'surat_perintah_tugas': {'kode': '800.1.11.1', 'pola': DEFAULT_PATTERN},
        'notulen': {'kode': '000.1.5', 'pola': DEFAULT_PATTERN},
    },
    'penandatangan': {kind: {'jabatan': 'Kepala Badan Kesatuan Bangsa dan Politik', 'nama': '',
                             'pangkat': '', 'nip': ''} for kind in SIGNED_KINDS},
}


def current():
    """The settings in force: the stored ones over the defaults."""
    row = db.session.get(Setting, KEY)
    merged = copy.deepcopy(DEFAULTS)
    for section, value in (row.value if row else {}).items():
        if section in merged:
            for name, entry in value.items():
                if isinstance(merged[section].get(name), dict):
                    merged[section][name].update(entry)
                else:
                    merged[section][name] = entry
    return merged


def version():
    row = db.session.get(Setting, KEY)
    return row.lock_version if row else 0


def save(value, user, expected_version):
    """Store new settings; a page opened before someone else's save gets a conflict."""
    errors = {f'penomoran-{kind}': [problem] for kind, entry in value.get('penomoran', {}).items()
              if (problem := pattern_problem(entry.get('pola', ''), entry.get('kode', '')))}
    if errors:
        raise ValidationFailed('Pola penomoran tidak valid', errors)
    row = db.session.get(Setting, KEY)
    if (row.lock_version if row else 0) != expected_version:
        raise ConflictError('Pengaturan sudah diubah oleh pengguna lain; muat ulang halaman lalu ulangi.')
    before = current()
    if row is None:
        row = Setting(key=KEY, value=value, updated_by_id=user.id, updated_at=utcnow())
        db.session.add(row)
    else:
        row.value, row.updated_by_id, row.updated_at = value, user.id, utcnow()
    db.session.flush()
    audit.record('settings.changed', user, detail={'key': KEY, 'before': before, 'after': current()})
    return row


def pattern_problem(pattern, kode=''):
    """Why a numbering pattern (with its classification code) cannot be used, or None. Only our
    placeholders, each plain except the number, which may be zero-padded ({nomor:03}); plain letters,
    digits and . / _ - around them; and the longest number it makes must fit its column."""
    if not SAFE_TEXT.fullmatch(kode or ''):
        return 'Kode klasifikasi hanya boleh huruf, angka, titik, garis miring, garis bawah atau tanda minus.'
    try:
        fields = [(literal, name, spec, conv) for literal, name, spec, conv in string.Formatter().parse(pattern)]
    except ValueError:
        return 'Kurung kurawal tidak berpasangan.'
    for literal, name, spec, conversion in fields:
        if not SAFE_TEXT.fullmatch(literal):
            return 'Di luar {…} hanya boleh huruf, angka, spasi, titik, garis miring, garis bawah atau tanda minus.'
        if name is None:
            continue
        if name not in PLACEHOLDERS or conversion:
            return f'"{{{name}}}" tidak dikenal; gunakan {", ".join("{" + p + "}" for p in PLACEHOLDERS)}.'
        if spec and not (name == 'nomor' and PADDING.fullmatch(spec)):
            return f'Format "{{{name}:{spec}}}" tidak didukung; hanya {{nomor:03}} untuk nomor berangka nol.'
    names = {name for _, name, _, _ in fields if name}
    if not {'nomor', 'tahun'} <= names:
        return 'Pola wajib memuat {nomor} dan {tahun} agar nomor unik setiap tahun.'
    longest = format_number(pattern, kode or '', 999_999, date(2026, 8, 1))  # VIII: the longest month
    if len(pattern) > 100 or len(longest) > MAX_NUMBER_LENGTH:
        return f'Nomor yang dihasilkan terlalu panjang (maksimal {MAX_NUMBER_LENGTH} karakter).'
    return None


def format_number(pattern, kode, sequence, issued_on):
    """A document number from a checked pattern, e.g. 005/12/KESBANGPOL/XI/2026."""
    values = {'kode': kode, 'nomor': sequence, 'bulan': f'{issued_on.month:02d}',
              'bulan_romawi': ROMAN_MONTHS[issued_on.month - 1], 'tahun': str(issued_on.year)}
    parts = []
    for literal, name, spec, _ in string.Formatter().parse(pattern):
        parts.append(literal)
        if name is not None:
            parts.append(format(values[name], spec or ''))
    return ''.join(parts)
