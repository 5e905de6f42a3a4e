"""Service layer: the floor's path through our services, as a request runs each step, without HTTP.

Each step is timed as `with unit_of_work(): workflow.complete_task(task_id, user, Submission(data))`: lock,
checks, engine, inbox rows, report columns, audit, notifications and the one commit. What a request does
before that is not timed: the open task's id is looked up in its own unit of work (a request already knows
it) and the user is loaded again after db.session.remove(). The report step is the first completion after
workflow.start_report and carries one small photo (stored on disk, hashed, audited). Before the rakor, its
letter is made with documents.generate (rendered to PDF; timed as its own row, not as a completion). The
documents a step calls for (app.step_documents.after_step) are not made: they are outside
complete_task.

TIDAK loop: one instance goes report → verify TIDAK 'kembalikan' → back to the reporter → … for 20 passes
(no photo in the loop, so only the growing workflow makes a pass dearer); a pass costs the report
completion plus the verify completion. Pass 1 and pass 20 are compared as the median over several instances.

--profile: pyinstrument over the completions of a few more paths (after the timed ones, so its overhead
never reaches the figures); text and HTML next to the results, the biggest costs named in the table.
"""
import contextlib
import random
import statistics

from bench.suite.common import ACTORS, BPMN_IDS, STEPS, Stopwatch, path_data, percentile, photo_bytes, say, summary

WARM_UP = 2
PASSES = 20
PART = 'service layer'
SERVICE_FACTOR = 2  # the target: a step through the services costs at most twice the engine floor


def run(results, floor, app, label, runs, loop_instances, profile_dir=None, profile_runs=0):
    """The path `runs` times (after WARM_UP untimed), the TIDAK loop, and the profile if asked for."""
    with app.app_context():
        samples = _paths(runs, label)
        _path_rows(results, floor, label, samples, runs)
        results.details[f'service {label}'] = {key: summary(values) for key, values in samples.items()}
        passes = _tidak_loop(loop_instances, label)
        _loop_rows(results, label, passes, loop_instances)
        if profile_dir is not None:
            from bench.suite.profiling import profile_paths
            profile_paths(results, profile_dir, label, profile_runs, _one_path)


def _paths(runs, label):
    photo = photo_bytes()
    samples = {key: [] for key in (*STEPS, 'letter')}
    for index in range(WARM_UP + runs):
        timings = _one_path(index, photo)
        if index >= WARM_UP:
            for key, ms in timings.items():
                samples[key].append(ms)
        if index >= WARM_UP and (index + 1 - WARM_UP) % 10 == 0:
            say(f'service layer {label}: {index + 1 - WARM_UP}/{runs} paths')
    return samples


def _one_path(index, photo, around=contextlib.nullcontext):
    """One instance through the five steps; {step: ms, 'letter': ms}. `around` wraps each timed completion."""
    from app.services import documents, workflow
    from app.uow import unit_of_work

    steps, letter = path_data(index)
    with unit_of_work():
        instance_id = workflow.start_report(_fresh_user('agen1')).id
    timings = {}
    for step in STEPS:
        if step == 'rakor':  # the rakor step refuses to complete before its invitation exists
            admin = _fresh_user('administrator1')
            with Stopwatch() as watch, unit_of_work():
                documents.generate(instance_id, 'surat_undangan', admin, data=letter)
            timings['letter'] = watch.ms
        photos = [photo] if step == 'report' else []
        timings[step] = complete(instance_id, step, steps[step], photos, around)
    return timings


def complete(instance_id, step, data, photos=(), around=contextlib.nullcontext):
    """Time one completion of the instance's open `step` task, as a request would run it; ms."""
    from app.services import workflow
    from app.services.attachments import Upload
    from app.uow import unit_of_work

    task_id = _open_task(instance_id, step)
    user = _fresh_user(ACTORS[step])
    submission = workflow.Submission(data=data, photos=[Upload(f'bukti-{n}.jpg', p) for n, p in enumerate(photos)],
                                     photo_caption=data.get('keterangan_foto') if photos else None)
    with around(), Stopwatch() as watch, unit_of_work():
        workflow.complete_task(task_id, user, submission)
    return watch.ms


def _open_task(instance_id, step):
    from app.extensions import db
    from app.services import queries
    from app.uow import unit_of_work

    db.session.remove()
    with unit_of_work():
        [task] = queries.open_tasks(instance_id)
        assert task.bpmn_id == BPMN_IDS[step], (step, task.bpmn_id)
        return task.id


def _fresh_user(username):
    """The user loaded in a new session, as a request's authentication would."""
    from app.extensions import db
    from app.services import users

    db.session.remove()
    return users.find_user(username)


def _path_rows(results, floor, label, samples, runs):
    part = f'{PART} ({label})'
    every = [ms for step in STEPS for ms in samples[step]]
    ratio = statistics.median(every) / floor['full']['all']
    results.add(part, f'completion, median of the 5 steps × {runs} paths', _with_ratios(every, floor, 'all'),
                f'≤ {SERVICE_FACTOR} × floor ({SERVICE_FACTOR * floor["full"]["all"]:.1f} ms)', ratio <= SERVICE_FACTOR,
                median_ms=statistics.median(every), p95_ms=percentile(every, 0.95), floor_ratio=ratio)
    for step in STEPS:
        name = 'report (one photo; first completion after start_report)' if step == 'report' else step
        results.add(part, name, _with_ratios(samples[step], floor, step),
                    median_ms=statistics.median(samples[step]), p95_ms=percentile(samples[step], 0.95))
    results.add(part, 'the rakor letter: documents.generate(surat_undangan), not a completion',
                f'median {statistics.median(samples["letter"]):.1f} ms', median_ms=statistics.median(samples['letter']))


def _with_ratios(samples, floor, step):
    median = statistics.median(samples)
    return (f'median {median:.1f} ms, p95 {percentile(samples, 0.95):.1f} ms '
            f'({median / floor["full"][step]:.1f}× floor, {median / floor["state"][step]:.1f}× state-only floor)')


def _tidak_loop(instances, label):
    """{pass number: [cost ms per instance]}, {pass number: [state length per instance]}."""
    from app.demo import STEP_DATA, report_data
    from app.services import workflow
    from app.uow import unit_of_work

    costs = {n: [] for n in range(1, PASSES + 1)}
    sizes = {n: [] for n in range(1, PASSES + 1)}
    for index in range(instances):
        rng = random.Random(7000 + index)
        with unit_of_work():
            instance_id = workflow.start_report(_fresh_user('agen1')).id
        for number in range(1, PASSES + 1):
            report_ms = complete(instance_id, 'report', report_data(rng, index + number))
            verify_ms = complete(instance_id, 'verify', STEP_DATA['verifikasi_kembalikan'])
            costs[number].append(report_ms + verify_ms)
            sizes[number].append(_state_length(instance_id))
        say(f'TIDAK loop {label}: instance {index + 1}/{instances}, {PASSES} passes')
    return costs, sizes


def _state_length(instance_id):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import ProcessInstance

    db.session.remove()
    return db.session.scalar(select(func.length(ProcessInstance.state)).where(ProcessInstance.id == instance_id))


def _loop_rows(results, label, passes, instances):
    costs, sizes = passes
    part = f'TIDAK loop ({label})'
    first, last = statistics.median(costs[1]), statistics.median(costs[PASSES])
    results.add(part, f'one pass (report + verify TIDAK kembalikan), median of {instances} instances',
                f'pass 1: {first:.1f} ms · pass {PASSES}: {last:.1f} ms ({last / first:.2f}×)',
                f'pass {PASSES} ≤ 1.3 × pass 1', last <= 1.3 * first, pass1_ms=first, pass20_ms=last,
                ratio=last / first)
    size1, size20 = statistics.median(sizes[1]), statistics.median(sizes[PASSES])
    results.add(part, 'stored state (process_instances.state length)',
                f'pass 1: {size1 / 1000:.1f} kB · pass {PASSES}: {size20 / 1000:.1f} kB ({size20 / size1:.1f}×)',
                pass1_chars=size1, pass20_chars=size20)
    results.details[f'tidak loop {label}'] = {
        'median_cost_ms_by_pass': {n: statistics.median(v) for n, v in costs.items()},
        'median_state_chars_by_pass': {n: statistics.median(v) for n, v in sizes.items()}}
