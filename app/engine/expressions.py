"""Whitelisted evaluator for gateway conditions.

Diagrams are untrusted input, so their expressions are never handed to Python's eval().
They are parsed with `ast` and interpreted here: literals, names, comparisons, `in`,
`and` / `or` / `not` — nothing that can call, import or reach an attribute.
"""
import ast
import operator
from functools import lru_cache

MAX_EXPRESSION_LENGTH = 500

_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


FORBIDDEN = {'Call': 'pemanggilan fungsi (Call)', 'Attribute': 'akses atribut (Attribute)',
             'Subscript': 'indeks (Subscript)', 'Lambda': 'lambda', 'BinOp': 'operasi aritmetika (BinOp)',
             'NamedExpr': 'penugasan (:=)', 'ListComp': 'comprehension', 'GeneratorExp': 'generator'}


class ExpressionError(ValueError):
    """The expression uses syntax or names the evaluator does not allow."""


@lru_cache(maxsize=1024)
def compile_expression(text):
    """Parse and check an expression; returns the checked tree or raises ExpressionError."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError('Ekspresi kosong')
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError('Ekspresi terlalu panjang')
    try:
        tree = ast.parse(text.strip(), mode='eval')
    except SyntaxError as exc:
        raise ExpressionError(f'Sintaks ekspresi tidak valid: {exc.msg}') from None
    _check(tree.body)
    return tree


def names_in(tree):
    """The data fields a checked expression reads."""
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id not in ('True', 'False', 'None')}


def evaluate(text, data):
    """Evaluate a condition against task data (a mapping). Unknown names are None."""
    return evaluate_tree(compile_expression(text), data)


def evaluate_tree(tree, data):
    """Evaluate an expression already checked by compile_expression()."""
    return _eval(tree.body, data)


def _check(node):
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (str, int, float, bool, type(None))):
            raise ExpressionError('Nilai literal tidak diizinkan')
    elif isinstance(node, ast.Name):
        if node.id.startswith('_'):
            raise ExpressionError(f'Nama tidak diizinkan: {node.id}')
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _check(element)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        _check(node.operand)
    elif isinstance(node, ast.Compare):
        if not all(type(op) in _COMPARE for op in node.ops):
            raise ExpressionError('Operator perbandingan tidak diizinkan')
        for part in [node.left, *node.comparators]:
            _check(part)
    else:
        kind = type(node).__name__
        raise ExpressionError(f'Sintaks tidak diizinkan: {FORBIDDEN.get(kind, kind)}')


def _eval(node, data):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return {'True': True, 'False': False, 'None': None}.get(node.id, data.get(node.id))
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_eval(element, data) for element in node.elts)
    if isinstance(node, ast.BoolOp):
        values = (_eval(value, data) for value in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, data)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.Compare):
        return _compare(node, data)
    raise ExpressionError(f'Sintaks tidak diizinkan: {type(node).__name__}')


def _compare(node, data):
    left = _eval(node.left, data)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _eval(right_node, data)
        try:
            if not _COMPARE[type(op)](left, right):
                return False
        except TypeError:
            # comparing e.g. None with a number is simply not a match
            return False
        left = right
    return True
