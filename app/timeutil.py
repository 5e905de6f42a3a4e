"""Times are stored as naive UTC and shown in WITA (Asia/Makassar)."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import isodate

WITA = ZoneInfo('Asia/Makassar')


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def to_wita(value):
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(WITA)


def format_wita(value, with_zone=True):
    local = to_wita(value)
    if local is None:
        return '—'
    return local.strftime('%d-%m-%Y %H:%M') + (' WITA' if with_zone else '')


def from_wita(local):
    """A naive datetime typed in WITA → naive UTC."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=WITA)
    return local.astimezone(UTC).replace(tzinfo=None)


def parse_duration(text):
    """ISO-8601 duration (PT6H, P3D) → timedelta, or None when absent or invalid."""
    if not text:
        return None
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError):
        return None
    return value if isinstance(value, timedelta) else None


def format_remaining(due_at, now=None):
    """'sisa 1 j 20 m' or 'terlambat 3 j' — for inbox rows."""
    if due_at is None:
        return '—'
    delta = due_at - (now or utcnow())
    late = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f'{days} hr'] if days else []) + ([f'{hours} j'] if hours else []) + [f'{mins} m']
    text = ' '.join(parts[:2])
    return f'terlambat {text}' if late else f'sisa {text}'
