"""The early-warning dashboard and the SOP compliance report (page, drill-down per step, CSV export)."""
import io

from flask import Response, render_template, request
from flask_login import current_user

from app.auth.decorators import roles_required
from app.csv_export import SafeWriter
from app.dashboard import bp
from app.dashboard.forms import PeriodForm
from app.services import audit, follow_ups
from app.services import compliance as compliance_service
from app.services import dashboard as dashboard_service
from app.uow import unit_of_work
from forms import choices

CODE_LISTS = {'aspek': choices.ASPEK, 'jenis_athg': choices.JENIS_ATHG, 'tahap_konflik': choices.TAHAP_KONFLIK,
              'eskalasi': choices.ESKALASI}
HIGH_LEVELS = ('tinggi', 'sangat_tinggi')
# bar colours of the levels; the table cells use the matching classes in app.css
ESKALASI_COLOURS = {'rendah': '#146c43', 'sedang': '#8a6a00', 'tinggi': '#c2410c', 'sangat_tinggi': '#842029'}
CSV_COLUMNS = ['kelompok', 'kode', 'nama', 'standar_jam', 'ditangani', 'median_jam', 'p90_jam',
               'sesuai_standar', 'bertenggat', 'sesuai_standar_persen', 'terlambat_terbuka']
CSV_GROUPS = (('langkah', 'steps'), ('peran', 'roles'), ('pengguna', 'users'), ('bulan', 'months'))


@bp.app_template_filter('jam')
def format_hours(value):
    """2.0 -> '2 jam', 2.45 -> '2,5 jam' (one decimal, Indonesian comma); a few minutes are not '0 jam'."""
    if value is None:
        return '—'
    if 0 < value < 0.05:
        return '< 0,1 jam'
    return f'{format_number(value)} jam'


@bp.app_template_filter('persen')
def format_percent(value):
    return '—' if value is None else f'{format_number(value)}%'


@bp.app_template_filter('angka')
def format_number(value):
    """One decimal at most, Indonesian comma: 2.0 -> '2', 33.333 -> '33,3'."""
    text = f'{value:.1f}'.removesuffix('.0')
    return text.replace('.', ',')


def chart(kind, labels, datasets, **options):
    """What app/static/js/charts.js turns into a Chart.js chart."""
    return {'type': kind, 'labels': labels, 'datasets': datasets, **options}


# --- dashboard ---------------------------------------------------------------------------------------

@bp.route('/dasbor')
@roles_required(*dashboard_service.READERS)
def index():
    form = PeriodForm(request.args, default_days=dashboard_service.DEFAULT_DAYS)
    figures = None
    if form.validate():
        figures = dashboard_service.summary(current_user, form.period(), CODE_LISTS)
    return render_template('dashboard/index.html', form=form, figures=figures, levels=dict(choices.ESKALASI),
                           follow_up_counts=follow_ups.open_counts(current_user),
                           high=figures.count_of('eskalasi', HIGH_LEVELS) if figures else 0,
                           charts=_dashboard_charts(figures) if figures and figures.total else {})


def _count_chart(kind, rows, **options):
    return chart(kind, [label for _value, label, _count in rows],
                 [{'label': 'Jumlah laporan', 'data': [count for _value, _label, count in rows]}], **options)


def _dashboard_charts(figures):
    levels = figures.counts['eskalasi']
    return {
        'aspek': _count_chart('bar', figures.counts['aspek'], horizontal=True),
        'jenis': _count_chart('doughnut', figures.counts['jenis_athg']),
        'tahap': _count_chart('doughnut', figures.counts['tahap_konflik']),
        'eskalasi': chart('bar', [label for _v, label, _c in levels], [{
            'label': 'Jumlah laporan', 'data': [count for _v, _l, count in levels],
            'colors': [ESKALASI_COLOURS.get(value) for value, _l, _c in levels]}]),
        'kecamatan': chart('bar', [row.nama for row in figures.kecamatan],
                           [{'label': 'Jumlah laporan', 'data': [row.count for row in figures.kecamatan]}],
                           horizontal=True),
        'minggu': chart('bar', [label for label, _count in figures.weeks],
                        [{'label': 'Jumlah laporan', 'data': [count for _label, count in figures.weeks]}]),
    }


# --- compliance --------------------------------------------------------------------------------------

def _compliance_form():
    return PeriodForm(request.args, default_days=compliance_service.DEFAULT_DAYS)


def _period_args(form):
    return {'dari': form.dari.data.isoformat(), 'sampai': form.sampai.data.isoformat()}


@bp.route('/kepatuhan')
@roles_required(*compliance_service.READERS)
def compliance():
    form = _compliance_form()
    report = compliance_service.summary(form.period()) if form.validate() else None
    return render_template('dashboard/compliance.html', form=form, report=report,
                           args=_period_args(form) if report else {},
                           charts=_compliance_charts(report) if report and report.handled else {})


def _compliance_charts(report):
    steps = [step.as_dict(with_standard=True) for step in report.steps if step.handled]
    labels = [step['label'] for step in steps]
    return {
        'sesuai': chart('bar', labels, [
            {'label': 'Sesuai standar', 'data': [step['share_within_standard'] for step in steps]},
        ], horizontal=True, max=100, unit='%'),
        'durasi': chart('bar', labels, [
            {'label': 'Median durasi', 'data': [step['median_hours'] for step in steps]},
            {'label': 'Standar waktu', 'data': [step['standard_hours'] for step in steps]},
        ], horizontal=True, unit=' jam'),
    }


@bp.route('/kepatuhan/ekspor.csv')
@roles_required(*compliance_service.READERS)
def compliance_export():
    form = _compliance_form()
    if not form.validate():
        return render_template('dashboard/compliance.html', form=form, report=None, args={}, charts={}), 422
    figures = compliance_service.summary(form.period()).as_dict()
    with unit_of_work():  # per-person figures leave the system: recorded before they are sent
        audit.record('compliance.exported', current_user, detail={'from': figures['from'], 'to': figures['to']})
    name = f'kepatuhan-sop-{figures["from"]}-{figures["to"]}.csv'
    return Response(_csv(figures), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename="{name}"'})


def _csv(figures):
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for group, key in CSV_GROUPS:
        for row in figures[key]:
            writer.writerow([group, row['key'] or '', row['label'], _blank(row.get('standard_hours')),
                             row['handled'], _blank(row['median_hours']), _blank(row['p90_hours']),
                             row['within_standard'], row['with_deadline'], _blank(row['share_within_standard']),
                             row['overdue_open']])
    return buffer.getvalue()


def _blank(value):
    return '' if value is None else value


@bp.route('/kepatuhan/langkah/<bpmn_id>')
@roles_required(*compliance_service.READERS)
def compliance_step(bpmn_id):
    form = _compliance_form()
    detail = compliance_service.step_detail(bpmn_id, form.period(), current_user) if form.validate() else None
    return render_template('dashboard/compliance_step.html', form=form, detail=detail, bpmn_id=bpmn_id,
                           args=_period_args(form) if detail else {})
