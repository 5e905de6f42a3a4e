"""Plain values for the diagram pages and the editor's JSON."""

OUTCOME_LABELS = {'end': 'mencapai akhir', 'loop': 'putaran dibatasi', 'error': 'gagal'}


def element_errors(problems):
    """[{element_id, message}] in the order the checks found them."""
    return [{'element_id': element_id or None, 'message': message}
            for element_id, messages in problems.items() for message in messages]


def dry_run_summary(report):
    if report is None:
        return None
    counts = {}
    for path in report.paths:
        counts[OUTCOME_LABELS[path.outcome]] = counts.get(OUTCOME_LABELS[path.outcome], 0) + 1
    return {'paths': len(report.paths), 'outcomes': counts, 'unreached': report.unreached,
            'truncated': report.truncated}
