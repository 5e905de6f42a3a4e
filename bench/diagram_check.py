"""Time the whole check a diagram passes before it is stored: the structural rules, then the dry run.

Each run uses a fresh engine, so nothing is served from the parse cache. Run:
python -m bench.diagram_check [--runs N] [--file bpmn/sikanda.bpmn]
"""
import argparse
import statistics
import time
from collections import Counter
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--file', default=str(Path(__file__).resolve().parents[1] / 'bpmn' / 'sikanda.bpmn'))
    args = parser.parse_args()
    from app.engine import WorkflowEngine
    from forms import FORM_CATALOG

    xml, domains = Path(args.file).read_bytes(), FORM_CATALOG.domains()
    rules, dry_runs = [], []
    for _ in range(args.runs):
        engine = WorkflowEngine()
        started = time.perf_counter()
        problems = engine.validate(xml, 'sikanda', domains)
        rules.append(time.perf_counter() - started)
        model = engine.load(xml, 'sikanda')
        started = time.perf_counter()
        report = engine.dry_run(model, lambda info, m=model: FORM_CATALOG.variants(info.form_key, m.condition_names))
        dry_runs.append(time.perf_counter() - started)
    outcomes = dict(Counter(path.outcome for path in report.paths))
    print(f'problems: {len(problems)}; dry run: {len(report.paths)} paths {outcomes}, unreached {report.unreached}')
    print(f'rules: median {statistics.median(rules) * 1000:.1f} ms; '
          f'dry run: median {statistics.median(dry_runs) * 1000:.1f} ms over {args.runs} runs')


if __name__ == '__main__':
    main()
