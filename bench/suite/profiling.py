"""--profile: pyinstrument over the service layer's completions; where their time goes, by library and function."""
import contextlib
from collections import Counter
from pathlib import Path

from bench.suite.common import ROOT, photo_bytes, say

TOP = 8
IGNORED = ('pyinstrument', 'bench/suite')  # the profiler and the benchmark's own frames


def profile_paths(results, out, label, runs, one_path):
    """Profile the timed completions of `runs` more paths; write text and HTML; name the biggest costs."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)

    @contextlib.contextmanager
    def around():
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()

    photo = photo_bytes()
    for index in range(runs):
        one_path(10_000 + index, photo, around)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    name = f'profile-service-{label.lower()}'
    tree = profiler.output_text(unicode=True, color=False)
    flat = profiler.output_text(unicode=True, color=False, flat=True)
    (out / f'{name}.txt').write_text(f'{tree}\n\nSelf time per function (flat):\n{flat}')
    (out / f'{name}.html').write_text(profiler.output_html())
    say(f'profile written: {out / name}.txt and .html ({runs} paths × 5 completions)')
    _rows(results, label, profiler.last_session, runs, f'{name}.txt')


def _rows(results, label, session, runs, file_name):
    libraries, functions = Counter(), Counter()
    for frame, owner in _frames(session.root_frame()):
        if _library(owner.file_path) in IGNORED:
            continue
        libraries[_library(owner.file_path)] += frame.total_self_time
        if owner.file_path:
            functions[f'{_module(owner.file_path)}:{owner.function}'] += frame.total_self_time
    total = sum(libraries.values()) or 1
    part = f'profile ({label})'
    results.add(part, f'self time by library, {runs} paths × 5 completions ({file_name})',
                ', '.join(f'{lib} {t / total:.0%}' for lib, t in libraries.most_common(TOP)),
                by_library={lib: t / total for lib, t in libraries.most_common()})
    results.add(part, 'biggest functions by self time',
                ', '.join(f'{fn} {t / total:.0%}' for fn, t in functions.most_common(TOP)),
                by_function={fn: t / total for fn, t in functions.most_common(30)})
    steps = _steps_of_completion(session.root_frame())
    whole = sum(steps.values()) or 1
    results.add(part, 'where a completion goes (inclusive time under complete_task, and the commit)',
                ', '.join(f'{step} {t / whole:.0%}' for step, t in steps.most_common(TOP)),
                by_step={step: t / whole for step, t in steps.most_common()})


def _steps_of_completion(root):
    """Inclusive time of what complete_task calls, and of the unit of work's commit, over every completion."""
    steps = Counter()
    for frame, _owner in _frames(root):
        if frame.function != 'complete' or not (frame.file_path or '').endswith('services.py'):
            continue
        for child in frame.children:
            if child.function == 'complete_task':
                for call in child.children:
                    steps['complete_task itself' if call.is_synthetic else _name(call)] += call.time
            elif child.function == '__exit__':
                steps['commit (unit_of_work)'] += child.time
    return steps


def _name(frame):
    return f'{frame.class_name}.{frame.function}' if frame.class_name else frame.function


def _frames(root):
    """(frame, owner): pyinstrument's synthetic '[self]' frames hold their parent's own time."""
    stack = [(root, root)] if root else []
    while stack:
        frame, owner = stack.pop()
        yield frame, owner
        stack.extend((child, frame if child.is_synthetic else child) for child in frame.children)


def _library(path):
    """'sqlalchemy', 'SpiffWorkflow', 'app/services', 'stdlib json' … for a frame's file."""
    if not path:
        return 'other'
    if path == '<built-in>':
        return 'C calls (sqlite3, psycopg, json …)'
    parts = Path(path).parts
    if 'site-packages' in parts:
        return parts[parts.index('site-packages') + 1].removesuffix('.py')
    with contextlib.suppress(ValueError):
        relative = Path(path).relative_to(ROOT).parts
        return '/'.join(relative[:2]).removesuffix('.py')
    for index, part in enumerate(parts):
        if part.startswith('python3'):
            return 'stdlib ' + parts[index + 1].removesuffix('.py') if index + 1 < len(parts) else 'stdlib'
    return 'other'


def _module(path):
    """A short dotted name for a file: sqlalchemy.engine.default, app.services.workflow, json.decoder."""
    if path == '<built-in>':
        return 'built-in'
    parts = Path(path).with_suffix('').parts
    for anchor in ('site-packages', ROOT.name):
        if anchor in parts:
            return '.'.join(parts[parts.index(anchor) + 1:])
    for index, part in enumerate(parts):
        if part.startswith('python3'):
            return '.'.join(parts[index + 1:])
    return parts[-1]
