"""The whitelisted evaluator: what conditions may say, and every way out it refuses."""
import pytest

from app.engine.expressions import ExpressionError, compile_expression, evaluate


@pytest.mark.parametrize(('expression', 'data', 'expected'), [
    ("keputusan == 'ya'", {'keputusan': 'ya'}, True),
    ("keputusan == 'ya'", {'keputusan': 'tidak'}, False),
    ("keputusan == 'ya'", {}, False),
    ("keputusan == 'tidak' and tindak_lanjut == 'tolak'", {'keputusan': 'tidak', 'tindak_lanjut': 'tolak'}, True),
    ("eskalasi in ('tinggi', 'sangat_tinggi')", {'eskalasi': 'tinggi'}, True),
    ("eskalasi not in ['rendah']", {'eskalasi': 'rendah'}, False),
    ('jumlah >= 10 or not aman', {'jumlah': 3, 'aman': False}, True),
    ('1 < jumlah <= 5', {'jumlah': 5}, True),
    ('jumlah > -1', {'jumlah': 0}, True),
    ('jumlah > 3', {'jumlah': None}, False),
    ('catatan is None', {}, True),
    ('True', {}, True),
])
def test_allowed_expressions(expression, data, expected):
    assert evaluate(expression, data) is expected


@pytest.mark.parametrize('expression', [
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    '().__class__.__base__.__subclasses__()',
    'keputusan.upper()',
    '__builtins__',
    '_rahasia == 1',
    '9 ** 9 ** 9',
    '[x for x in range(10)]',
    'lambda: 1',
    "f'{keputusan}'",
    'a if b else c',
    "{'a': 1}",
    'x[0]',
    'import os',
    '',
    'a == ' + '1' * 600,
])
def test_refused_expressions(expression):
    with pytest.raises(ExpressionError):
        compile_expression(expression)
