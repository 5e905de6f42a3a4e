"""SOP compliance: how fast each step, role and person handled their tasks against the time standard.

Definitions (the compliance page states them too):

- Period: WITA calendar days `start`..`end`, both included, applied to `HumanTask.completed_at`.
- Handled task: status 'selesai' and completed within the period.
- Duration: `completed_at - started_at` in hours; `started_at` is when the time standard starts counting
  (for the first report: when the agent learned of the event); `created_at` when it is unset.
- Median and 90th percentile of the durations: linear interpolation between the closest ranks
  (`statistics.median`, `statistics.quantiles(n=10, method='inclusive')[8]`); one duration gives that
  duration for both, no duration gives None.
- Within standard: `completed_at <= due_at`. Tasks without a due time are left out of the share, whose
  denominator is the handled tasks that had one.
- Overdue now: open tasks whose `due_at` has passed, whenever they were created (not limited by the
  period); per person it counts the tasks they have claimed. Per month it is not counted.
- Per month: the handled tasks grouped by the WITA month they were completed in.
"""
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select, text

from app.extensions import db
from app.models import HumanTask, Report, User
from app.models.process import TASK_DONE, TASK_OPEN
from app.roles import COMPLIANCE_READERS, LANE_ROLES, ROLE_LABELS, lane_label
from app.services import reports
from app.services.errors import NotFoundError
from app.timeutil import from_wita, parse_duration, to_wita, utcnow

READERS = COMPLIANCE_READERS
DEFAULT_DAYS = 30
DRILL_DOWN_LIMIT = 500
LANE_ORDER = [ROLE_LABELS[role] for role in LANE_ROLES]
MONTHS = ('Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober',
          'November', 'Desember')


@dataclass(frozen=True)
class Period:
    """WITA calendar days, both ends included."""
    start: date
    end: date

    @classmethod
    def last_days(cls, days, today=None):
        today = today or to_wita(utcnow()).date()
        return cls(today - timedelta(days=days - 1), today)

    def utc_bounds(self):
        """(first instant, first instant after the period) as naive UTC, for `>=` and `<`."""
        return (from_wita(datetime.combine(self.start, time.min)),
                from_wita(datetime.combine(self.end + timedelta(days=1), time.min)))


def hours(delta):
    return delta.total_seconds() / 3600


def median(values):
    return statistics.median(values) if values else None


def p90(values):
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=10, method='inclusive')[8]


def _rounded(value):
    return None if value is None else round(value, 2)


@dataclass
class Figures:
    """The figures of one group (a step, a role or a person)."""
    key: str | None
    label: str
    rank: int = 0                     # steps: the first task id seen, which follows the SOP order
    durations: list = field(default_factory=list)   # hours, one per handled task
    within: int = 0
    with_deadline: int = 0
    overdue: int = 0
    standard: timedelta | None = None   # steps only

    @property
    def handled(self):
        return len(self.durations)

    @property
    def median(self):
        return median(self.durations)

    @property
    def p90(self):
        return p90(self.durations)

    @property
    def share(self):
        """Percentage handled within the standard, of the handled tasks that had a due time."""
        return self.within * 100 / self.with_deadline if self.with_deadline else None

    @property
    def standard_hours(self):
        return hours(self.standard) if self.standard else None

    def as_dict(self, with_standard=False):
        """Plain values for the API, the CSV and the charts (hours rounded to 2 decimals)."""
        values = {'key': self.key, 'label': self.label, 'handled': self.handled,
                  'median_hours': _rounded(self.median), 'p90_hours': _rounded(self.p90),
                  'within_standard': self.within, 'with_deadline': self.with_deadline,
                  'share_within_standard': _rounded(self.share), 'overdue_open': self.overdue}
        if with_standard:
            values['standard_hours'] = _rounded(self.standard_hours)
        return values


@dataclass(frozen=True)
class Compliance:
    period: Period
    steps: list
    roles: list
    users: list
    months: list = field(default_factory=list)

    @property
    def handled(self):
        return sum(f.handled for f in self.steps)

    @property
    def empty(self):
        return not any(f.handled or f.overdue for f in self.steps)

    def as_dict(self):
        return {'from': self.period.start.isoformat(), 'to': self.period.end.isoformat(),
                'steps': [f.as_dict(with_standard=True) for f in self.steps],
                'roles': [f.as_dict() for f in self.roles], 'users': [f.as_dict() for f in self.users],
                'months': [f.as_dict() for f in self.months]}


def _started():
    return func.coalesce(HumanTask.started_at, HumanTask.created_at)


def _handled_in(period):
    start, end = period.utc_bounds()
    return (HumanTask.status == TASK_DONE, HumanTask.completed_at >= start, HumanTask.completed_at < end)


def _within(completed_at, due_at):
    return None if due_at is None else completed_at <= due_at


def summary(period, now=None):
    """The figures per step, per role and per person for tasks handled in `period`."""
    by_step, by_lane, by_user, by_month = (defaultdict(list) for _ in range(4))
    for bpmn_id, lane, user_id, month, duration, within in _handled_rows(period):
        outcome = (duration, within)
        by_step[bpmn_id].append(outcome)
        by_lane[lane].append(outcome)
        by_user[user_id].append(outcome)
        by_month[month].append(outcome)
    steps = _step_figures(by_step, period)
    roles = _role_figures(by_lane)
    users = _user_figures(by_user)
    months = {key: _figures(key, _month_label(key), outcomes) for key, outcomes in by_month.items()}
    _add_overdue(steps, roles, users, now or utcnow())
    return Compliance(period=period, steps=sorted(steps.values(), key=lambda f: f.rank),
                      roles=sorted(roles.values(), key=_lane_position),
                      users=sorted(users.values(), key=lambda f: f.label.lower()),
                      months=sorted(months.values(), key=lambda f: f.key))


def _handled_rows(period):
    """(step, lane, person, WITA month, hours, within standard) per handled task, computed by the
    database: a year of a busy province is a few hundred thousand rows, and medians need them all."""
    within = case((HumanTask.due_at.is_(None), None), else_=HumanTask.completed_at <= HumanTask.due_at)
    query = (select(HumanTask.bpmn_id, HumanTask.lane, HumanTask.completed_by_id,
                    _wita_month(HumanTask.completed_at), _hours_between(_started(), HumanTask.completed_at),
                    within)
             .where(*_handled_in(period)))
    return db.session.connection().execute(query)  # plain rows: no ORM work per row


def _hours_between(start, end):
    if db.engine.dialect.name == 'postgresql':
        return func.extract('epoch', end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _wita_month(column):
    """'2026-03' of the WITA month (UTC+8 all year: Indonesia has no daylight saving time)."""
    if db.engine.dialect.name == 'postgresql':
        return func.to_char(column + text("interval '8 hours'"), 'YYYY-MM')
    return func.strftime('%Y-%m', column, '+8 hours')


def _figures(key, label, outcomes, **extra):
    deadlines = [within for _duration, within in outcomes if within is not None]
    return Figures(key=key, label=label, durations=[float(duration) for duration, _within in outcomes],
                   within=sum(1 for within in deadlines if within), with_deadline=len(deadlines), **extra)


def _step_figures(by_step, period):
    """Each step under its newest name and time standard, in the order the SOP first reached it."""
    if not by_step:
        return {}
    with_standard = case((HumanTask.sla.is_not(None), HumanTask.id))
    ids = db.session.execute(select(HumanTask.bpmn_id, func.min(HumanTask.id), func.max(HumanTask.id),
                                    func.max(with_standard))
                             .where(*_handled_in(period)).group_by(HumanTask.bpmn_id)).all()
    newest = {row.id: row for row in db.session.execute(select(HumanTask.id, HumanTask.name, HumanTask.sla).where(
        HumanTask.id.in_({i for _b, _f, *last in ids for i in last if i is not None})))}
    steps = {}
    for bpmn_id, first_id, last_id, last_with_standard in ids:
        standard = parse_duration(newest[last_with_standard].sla) if last_with_standard else None
        steps[bpmn_id] = _figures(bpmn_id, newest[last_id].name, by_step[bpmn_id], rank=first_id, standard=standard)
    return steps


def _role_figures(by_lane):
    merged = defaultdict(list)
    for lane, outcomes in by_lane.items():
        merged[lane_label(lane)].extend(outcomes)  # lanes written two ways are one role
    return {label: _figures(label, label or '—', outcomes) for label, outcomes in merged.items()}


def _user_figures(by_user):
    people = {user.id: user for user in db.session.execute(
        select(User).where(User.id.in_([i for i in by_user if i is not None]))).scalars()} if by_user else {}
    figures = {}
    for user_id, outcomes in by_user.items():
        person = people.get(user_id)
        key = person.username if person else None
        figures[key] = _figures(key, person.full_name if person else 'Pengguna tidak dikenal', outcomes)
    return figures


def _group(groups, key, label):
    if key not in groups:
        groups[key] = Figures(key=key, label=label)
    return groups[key]


def _step(steps, bpmn_id, name, task_id):
    step = _group(steps, bpmn_id, name)
    step.label = name
    step.rank = min(step.rank or task_id, task_id)
    return step


def _month_label(key):
    year, month = key.split('-')
    return f'{MONTHS[int(month) - 1]} {year}'


def _role(roles, lane):
    label = lane_label(lane)
    return _group(roles, label, label or '—')


def _lane_position(figures):
    return (LANE_ORDER.index(figures.key) if figures.key in LANE_ORDER else len(LANE_ORDER), figures.label)


def _overdue_by(group_columns, now, *aggregates):
    """Open tasks past their due time, counted per group in SQL."""
    return (select(*group_columns, *aggregates, func.count()).select_from(HumanTask)
            .where(HumanTask.status == TASK_OPEN, HumanTask.due_at < now).group_by(*group_columns))


def _add_overdue(steps, roles, users, now):
    """Groups with overdue work but nothing handled in the period still get a row."""
    by_step = _overdue_by([HumanTask.bpmn_id], now, func.max(HumanTask.name), func.max(HumanTask.sla),
                          func.min(HumanTask.id))
    for bpmn_id, name, sla, first_id, count in db.session.execute(by_step):
        step = steps.get(bpmn_id) or _step(steps, bpmn_id, name, first_id)
        step.rank = min(step.rank, first_id)
        step.standard = step.standard or parse_duration(sla)
        step.overdue = count
    for lane, count in db.session.execute(_overdue_by([HumanTask.lane], now)):
        _role(roles, lane).overdue += count  # lanes written two ways add up
    by_claimant = _overdue_by([User.username, User.full_name], now).join(User, User.id == HumanTask.claimed_by_id)
    for username, full_name, count in db.session.execute(by_claimant):
        _group(users, username, full_name).overdue = count


# --- drill-down: the handled tasks of one step -------------------------------------------------------

@dataclass(frozen=True)
class HandledTask:
    instance_id: int
    nomor: str
    judul: str | None
    who: str | None
    started: datetime
    completed: datetime
    hours: float
    within: bool | None


@dataclass(frozen=True)
class StepDetail:
    bpmn_id: str
    name: str
    standard: timedelta | None
    tasks: list
    shown: int        # visible to the viewer (the list itself stops at DRILL_DOWN_LIMIT)
    hidden: int       # handled in the period, but on reports the viewer may not read

    @property
    def standard_hours(self):
        return hours(self.standard) if self.standard else None


def step_detail(bpmn_id, period, viewer, limit=DRILL_DOWN_LIMIT):
    """The tasks of step `bpmn_id` handled in `period`, newest first, on reports `viewer` may read."""
    latest = db.session.execute(select(HumanTask.name, HumanTask.sla).where(HumanTask.bpmn_id == bpmn_id)
                                .order_by(HumanTask.id.desc()).limit(1)).first()
    if latest is None:
        raise NotFoundError('Langkah tidak ditemukan')
    conditions = (*_handled_in(period), HumanTask.bpmn_id == bpmn_id)
    total = db.session.scalar(select(func.count()).select_from(HumanTask).where(*conditions))
    visible = (*conditions, reports.visible_clause(viewer))
    joined = select(func.count()).select_from(HumanTask).join(Report, Report.instance_id == HumanTask.instance_id)
    shown = db.session.scalar(joined.where(*visible))
    rows = db.session.execute(
        select(HumanTask.instance_id, Report.nomor, Report.judul, User.full_name, _started().label('started'),
               HumanTask.completed_at, HumanTask.due_at)
        .join(Report, Report.instance_id == HumanTask.instance_id)
        .outerjoin(User, User.id == HumanTask.completed_by_id)
        .where(*visible).order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(limit))
    tasks = [HandledTask(instance_id=r.instance_id, nomor=r.nomor, judul=r.judul, who=r.full_name,
                         started=r.started, completed=r.completed_at, hours=hours(r.completed_at - r.started),
                         within=_within(r.completed_at, r.due_at)) for r in rows]
    return StepDetail(bpmn_id=bpmn_id, name=latest.name, standard=parse_duration(latest.sla), tasks=tasks,
                      shown=shown, hidden=total - shown)
