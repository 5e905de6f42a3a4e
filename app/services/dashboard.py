"""The early-warning dashboard: reports submitted in a period, counted with one SQL GROUP BY.

Only submitted reports count (`submitted_at` set), and only those the viewer may read
(`reports.visible_clause`: a pimpinan sees published reports). The period is a range of WITA calendar
days applied to `submitted_at`. Code lists (value, label) come in from the caller, so the order and the
labels of the counts are those of the forms.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.orm import lazyload

from app import wilayah
from app.extensions import db
from app.models import HumanTask, Report
from app.models.process import TASK_OPEN
from app.roles import ADMINISTRATOR, PIMPINAN
from app.services import reports
from app.timeutil import utcnow

READERS = (PIMPINAN, ADMINISTRATOR)
DEFAULT_DAYS = 90
NEWEST_VERIFIED = 10
COUNTED_COLUMNS = ('aspek', 'jenis_athg', 'tahap_konflik', 'eskalasi')


@dataclass(frozen=True)
class KecamatanRow:
    kode: str
    nama: str
    count: int
    highest: str | None        # the highest eskalasi level among its reports (a code), None without reports


@dataclass(frozen=True)
class Dashboard:
    total: int
    verified: int
    overdue_tasks: int
    counts: dict               # column -> [(value, label, count)] in the code list's order
    weeks: list                # [(label, count)] for every ISO week (WITA) the period touches
    kecamatan: list            # [KecamatanRow] for every kecamatan of the regency
    newest_verified: list      # [Report]

    def count_of(self, column, values):
        return sum(count for value, _label, count in self.counts[column] if value in values)


DIMENSIONS = (*COUNTED_COLUMNS, 'kecamatan_kode', 'day')
COUNT, VERIFIED = len(DIMENSIONS), len(DIMENSIONS) + 1   # positions in a cell, after the dimensions


def summary(viewer, period, code_lists, now=None):
    """The figures of the dashboard for `viewer`; `code_lists` maps each of COUNTED_COLUMNS to its choices."""
    conditions = _in_period(viewer, period)
    cells = _cells(conditions)
    return Dashboard(
        total=sum(cell[COUNT] for cell in cells), verified=sum(cell[VERIFIED] for cell in cells),
        overdue_tasks=_overdue_tasks(viewer, now or utcnow()),
        counts={column: _labelled(code_lists[column], _fold(cells, column)) for column in COUNTED_COLUMNS},
        weeks=_weeks(period, _fold(cells, 'day')),
        kecamatan=_kecamatan_rows(_fold(cells, 'kecamatan_kode', 'eskalasi'),
                                  [value for value, _label in code_lists['eskalasi']]),
        newest_verified=_newest_verified(conditions))


def _cells(conditions):
    """One GROUP BY over every dimension the dashboard shows: the reports are read once, and the
    combinations (at most a few per report) are folded per chart in Python, as plain tuples."""
    dimensions = (*(getattr(Report, column) for column in COUNTED_COLUMNS), Report.kecamatan_kode,
                  _wita_day(Report.submitted_at))
    query = select(*dimensions, func.count(), func.count(Report.verified_at)).where(*conditions)
    return [tuple(row) for row in db.session.execute(query.group_by(*dimensions))]


def _fold(cells, *columns):
    """{value: count} over the cells (a tuple of values for several columns)."""
    positions = [DIMENSIONS.index(column) for column in columns]
    counts = {}
    for cell in cells:
        key = tuple(cell[i] for i in positions) if len(positions) > 1 else cell[positions[0]]
        counts[key] = counts.get(key, 0) + cell[COUNT]
    return counts


def _in_period(viewer, period):
    start, end = period.utc_bounds()
    return (Report.submitted_at.is_not(None), Report.submitted_at >= start, Report.submitted_at < end,
            reports.visible_clause(viewer))


def _labelled(choices, counts):
    return [(value, label, counts.get(value, 0)) for value, label in choices]


def _wita_day(column):
    """The WITA calendar day of a naive UTC time; WITA is UTC+8 all year (no daylight saving)."""
    if db.session.get_bind().dialect.name == 'sqlite':
        return func.date(column, '+8 hours')
    return cast(column + literal_column("interval '8 hours'"), Date)


def _weeks(period, per_day):
    """Daily counts folded into ISO weeks; weeks without reports are listed with 0."""
    per_week = {}
    for day, count in per_day.items():
        iso = date.fromisoformat(str(day)).isocalendar()
        per_week[(iso.year, iso.week)] = per_week.get((iso.year, iso.week), 0) + count
    weeks, monday = [], period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        iso = monday.isocalendar()
        weeks.append((f'Mg {iso.week}/{iso.year}', per_week.get((iso.year, iso.week), 0)))
        monday += timedelta(days=7)
    return weeks


def _kecamatan_rows(counts, levels):
    """Every kecamatan with its count and highest level, from the counts per (kecamatan, eskalasi)."""
    rows = []
    for kecamatan in wilayah.kecamatan():
        found = {level: n for (kode, level), n in counts.items() if kode == kecamatan.kode}
        ranked = [level for level in levels if level in found]
        rows.append(KecamatanRow(kode=kecamatan.kode, nama=kecamatan.nama, count=sum(found.values()),
                                 highest=ranked[-1] if ranked else None))
    return rows


def _newest_verified(conditions):
    # the report's instance (its workflow state and diagram) is not needed here: not loaded
    return db.session.execute(select(Report).options(lazyload(Report.instance))
                              .where(*conditions, Report.verified_at.is_not(None))
                              .order_by(Report.verified_at.desc(), Report.id.desc())
                              .limit(NEWEST_VERIFIED)).scalars().all()


def _overdue_tasks(viewer, now):
    """Open tasks past their due time on reports the viewer may read, whenever they were submitted."""
    return db.session.scalar(select(func.count()).select_from(HumanTask)
                             .join(Report, Report.instance_id == HumanTask.instance_id)
                             .where(HumanTask.status == TASK_OPEN, HumanTask.due_at < now,
                                    reports.visible_clause(viewer)))
