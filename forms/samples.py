"""What the diagram validator needs to know about the forms: field values and sample submissions."""
import itertools
from dataclasses import dataclass
from functools import cache

#: above this many combinations, each field's values are tried one field at a time instead
MAX_COMBINATIONS = 64
SAMPLE_VALUES = {'string': 'Uji coba', 'text': 'Uji coba', 'integer': 1, 'number': 1.0, 'boolean': False,
                 'datetime': '2026-01-05T08:00:00+08:00', 'date': '2026-01-05'}


@cache
def _described(form_cls):
    return tuple(form_cls.describe())


def _domain(field):
    """The finite values a field can take, or None when it is free text / a number / a list."""
    if field['type'] == 'boolean':
        return (True, False)
    if field['type'] != 'choice':
        return None
    values = tuple(choice['value'] for choice in field['choices'])
    return values if field['required'] else (*values, None)


@dataclass(frozen=True)
class FormCatalog:
    """The registered forms as the diagram services see them (services do not import forms)."""
    registry: dict

    @property
    def keys(self):
        return frozenset(self.registry)

    def labels(self):
        return {key: form_cls.title for key, form_cls in self.registry.items()}

    def domains(self):
        return variable_domains(self.registry)

    def variants(self, form_key, varying):
        return sample_variants(self.registry[form_key], frozenset(varying))


def variable_domains(registry):
    """Every field a registered form writes -> its possible values (None: not finite)."""
    domains = {}
    for form_cls in registry.values():
        for field in _described(form_cls):
            name, domain = field['name'], _domain(field)
            if domain is None or domains.get(name, ()) is None:
                domains[name] = None
            else:
                domains[name] = tuple(dict.fromkeys((*domains.get(name, ()), *domain)))
    return domains


def sample_variants(form_cls, varying):
    """[(label, data)]: sample submissions covering the values of the `varying` fields.

    Every combination when there are few; otherwise each value of each field once, so a diagram
    whose conditions read many fields cannot make the check run for ever.
    """
    fields = _described(form_cls)
    base = {f['name']: _sample(f) for f in fields}
    axes = [(f['name'], _domain(f)) for f in fields if f['name'] in varying and _domain(f) is not None]
    size = 1
    for _name, domain in axes:
        size *= len(domain)
    if size <= MAX_COMBINATIONS:
        names = [name for name, _domain in axes]
        choices = [dict(zip(names, values, strict=True))
                   for values in itertools.product(*(domain for _name, domain in axes))]
    else:
        choices = [{name: value} for name, domain in axes for value in domain]
    return [(', '.join(f'{k}={v}' for k, v in chosen.items()) or 'data contoh', base | chosen)
            for chosen in choices]


def _sample(field):
    if field['type'] == 'choice':
        return field['choices'][0]['value'] if field['choices'] else None
    if field['type'] == 'multi_choice':
        return [field['choices'][0]['value']] if field['choices'] else []
    return SAMPLE_VALUES.get(field['type'])
