"""The results of one run: rows of (part, item, measured, target, PASS/FAIL), written as JSON and Markdown."""
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.suite.common import say

PASS, FAIL, INFO, SKIPPED, ERROR = 'PASS', 'FAIL', '—', 'skipped', 'ERROR'


@dataclass
class Row:
    part: str
    item: str
    measured: str
    target: str = ''
    result: str = INFO
    #: the figures behind `measured` (ms, ratios, counts), for the JSON file
    values: dict = field(default_factory=dict)


class Results:
    def __init__(self, meta, title='SIKANDA benchmark', stem='bench-results'):
        self.meta = meta
        self.title, self.stem = title, stem  # the Markdown heading; the files' name without suffix
        self.rows = []
        self.details = {}   # part -> raw figures (samples summarised) for the JSON file
        self.errors = []    # what went wrong in the benchmark itself (not target misses)
        self.notes = []     # definitions and caveats printed under the table

    def add(self, part, item, measured, target='', ok=None, **values):
        """One row; ok=None is information without a target."""
        result = INFO if ok is None else (PASS if ok else FAIL)
        self.rows.append(Row(part, item, measured, target, result, values))
        say(f'  {part} | {item}: {measured}' + (f'  [target {target}: {result}]' if target else ''))

    def skip(self, part, item, reason, target=''):
        self.rows.append(Row(part, item, reason, target, SKIPPED))
        say(f'  {part} | {item}: {reason}')

    def error(self, part, message):
        self.errors.append({'part': part, 'error': message})
        self.rows.append(Row(part, 'benchmark error', message.splitlines()[0][:300], '', ERROR))

    def note(self, text):
        self.notes.append(text)

    @property
    def failed_targets(self):
        return [row for row in self.rows if row.result == FAIL]

    def write(self, out):
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        data = {'meta': self.meta, 'rows': [asdict(row) for row in self.rows], 'errors': self.errors,
                'notes': self.notes, 'details': self.details}
        json_path, md_path = out / f'{self.stem}.json', out / f'{self.stem}.md'
        json_path.write_text(json.dumps(data, indent=2, default=str) + '\n')
        md_path.write_text(self.markdown())
        return json_path, md_path

    def markdown(self):
        meta = self.meta
        lines = [f'# {self.title} ({meta["mode"]})', '',
                 f'{meta["started"]} · {meta["machine"]} · {meta["databases"]} · commit {meta["commit"]} · '
                 f'{meta.get("duration_s", 0):.0f} s in all · load average {meta.get("load_at_start")} at the start, '
                 f'other processes used {meta.get("other_cpu_s", 0):.0f} CPU-s meanwhile', '',
                 '| part | item | measured | target | result |', '|---|---|---|---|---|']
        lines += [f'| {_cell(r.part)} | {_cell(r.item)} | {_cell(r.measured)} | {_cell(r.target)} | {r.result} |'
                  for r in self.rows]
        if self.errors:
            lines += ['', '## Errors', ''] + [f'- **{e["part"]}**: {_cell(e["error"])}' for e in self.errors]
        if self.notes:
            lines += ['', '## Notes', ''] + [f'- {note}' for note in self.notes]
        return '\n'.join(lines) + '\n'


def _cell(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')
