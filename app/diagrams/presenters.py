"""Plain values for the diagram pages and the editor's JSON."""
from collections import Counter

OUTCOME_LABELS = {'end': 'mencapai akhir', 'loop': 'putaran dibatasi', 'error': 'gagal'}


def element_errors(problems):
    """[{element_id, message}] in the order the checks found them."""
    return [{'element_id': element_id or None, 'message': message}
            for element_id, messages in problems.items() for message in messages]


def dry_run_summary(report):
    if report is None:
        return None
    counts = Counter(OUTCOME_LABELS[path.outcome] for path in report.paths)
    return {'paths': len(report.paths), 'outcomes': dict(counts), 'unreached': report.unreached,
            'truncated': report.truncated}
