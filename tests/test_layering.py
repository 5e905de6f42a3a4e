"""The layering rules of the architecture, checked on the source so they cannot rot."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path):
    tree = ast.parse(path.read_text(encoding='utf-8'))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def calls_commit(path):
    tree = ast.parse(path.read_text(encoding='utf-8'))
    return any(isinstance(n, ast.Attribute) and n.attr == 'commit' for n in ast.walk(tree))


def files(pattern):
    return sorted(ROOT.glob(pattern))


RULES = [  # (files, forbidden import prefixes)
    ('app/engine/**/*.py', ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'app.models', 'app.services',
                            'app.extensions')),
    ('app/services/**/*.py', ('flask', 'forms', 'SpiffWorkflow', 'app.engine.engine')),
    ('app/models/**/*.py', ('app.services', 'app.engine', 'app.api', 'app.inbox', 'app.auth', 'SpiffWorkflow')),
    ('forms/**/*.py', ('app.services', 'app.engine', 'app.models', 'SpiffWorkflow')),
    *[(f'app/{blueprint}/*.py', ('SpiffWorkflow', 'app.engine'))
      for blueprint in ('api', 'audit', 'auth', 'dashboard', 'diagrams', 'documents', 'inbox', 'notifications')],
    # the PDF renderer only turns a template and the data it is given into a PDF
    ('app/pdf.py', ('flask', 'sqlalchemy', 'app.models', 'app.services', 'app.extensions')),
]


@pytest.mark.parametrize(('pattern', 'forbidden'), RULES)
def test_layer_imports(pattern, forbidden):
    offenders = [(str(p.relative_to(ROOT)), name) for p in files(pattern) for name in imports_of(p)
                 if name.startswith(forbidden)]
    assert offenders == []


def test_spiffworkflow_only_inside_the_engine():
    offenders = [str(p.relative_to(ROOT)) for p in files('app/**/*.py') + files('forms/**/*.py')
                 if any(n.startswith('SpiffWorkflow') for n in imports_of(p)) and 'app/engine/' not in p.as_posix()]
    assert offenders == []


def test_only_the_unit_of_work_commits():
    allowed = {'app/uow.py'}
    offenders = [str(p.relative_to(ROOT)) for p in files('app/**/*.py') + files('forms/**/*.py')
                 if calls_commit(p) and str(p.relative_to(ROOT)) not in allowed]
    assert offenders == []
