"""Structural rules for an uploaded diagram, checked on the XML before the engine parses it.

A diagram is untrusted code. These rules keep it to what SIKANDA can run and explain every
refusal against the element id the editor highlights: one executable process, only the
elements the engine runs safely, conditions our evaluator accepts, gateways that cannot get
stuck, no loop that never reaches a person, and every element on a path to an end event.
Every check is bounded (element count, combinations), so a hostile file cannot tie up a worker.
"""
import itertools
from collections import Counter, defaultdict
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import expressions

BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL'
CAMUNDA = 'http://camunda.org/schema/1.0/bpmn'
MAX_ELEMENTS = 1000
MAX_EVALUATIONS = 20_000  # value combinations × conditions when proving a gateway complete

FLOW_NODES = {'startEvent', 'endEvent', 'userTask', 'exclusiveGateway', 'parallelGateway', 'boundaryEvent'}
# a boundary timer fires at most this often and at the latest this late (the scheduler ticks each minute)
MIN_TIMER = timedelta(minutes=5)
MAX_TIMER = timedelta(days=90)
HARMLESS = {'sequenceFlow', 'laneSet', 'textAnnotation', 'association', 'documentation', 'extensionElements'}
ALLOWED_CAMUNDA_EXTENSIONS = {'properties'}
NODE_LABELS = {
    'scriptTask': 'Script task', 'serviceTask': 'Service task', 'sendTask': 'Send task',
    'receiveTask': 'Receive task', 'businessRuleTask': 'Business rule task', 'manualTask': 'Manual task',
    'task': 'Task tanpa jenis', 'callActivity': 'Call activity', 'subProcess': 'Subproses',
    'inclusiveGateway': 'Inclusive gateway', 'eventBasedGateway': 'Event-based gateway',
    'complexGateway': 'Complex gateway', 'intermediateThrowEvent': 'Intermediate throw event',
    'intermediateCatchEvent': 'Event perantara (timer/pesan)',
}


class Problems(defaultdict):
    """Messages per element id; '' is the diagram as a whole."""

    def __init__(self):
        super().__init__(list)

    def add(self, element_id, message):
        self[element_id or ''].append(message)


def local(element):
    return element.tag.rsplit('}', 1)[-1] if isinstance(element.tag, str) else ''


def _elements(parent):
    """Child elements, without comments and processing instructions."""
    return [child for child in parent if isinstance(child.tag, str)]


def check_structure(root, process_id, variable_domains):
    """Problems per element id; `variable_domains` maps a form field to its finite values or None."""
    problems = Problems()
    if local(root) != 'definitions':
        problems.add('', 'Berkas bukan diagram BPMN 2.0 (elemen akar harus bpmn:definitions)')
        return problems
    processes = root.findall(f'{{{BPMN}}}process')
    if len(processes) != 1:
        problems.add('', f'Diagram harus berisi tepat satu proses; ditemukan {len(processes)}')
        return problems
    process = processes[0]
    if len(process.xpath('.//*[@id]')) > MAX_ELEMENTS:
        problems.add('', f'Diagram terlalu besar: lebih dari {MAX_ELEMENTS} elemen')
        return problems
    if process.get('id') != process_id:
        problems.add(process.get('id'), f'ID proses harus "{process_id}", bukan "{process.get("id")}"')
    if process.get('isExecutable') != 'true':
        problems.add(process.get('id'), 'Proses harus ditandai executable (isExecutable="true")')
    _check_ids(root, problems)
    graph = _Graph(process)
    _check_elements(process, problems)
    _check_extensions(process, problems)
    _check_conditions(graph, variable_domains, problems)
    _check_gateways(graph, variable_domains, problems)
    _check_paths(graph, problems)
    _check_cycles(graph, problems)
    return problems


def _check_ids(root, problems):
    counts = Counter(element.get('id') for element in root.iter() if isinstance(element.tag, str)
                     and element.get('id'))
    for element_id, count in counts.items():
        if count > 1:
            problems.add(element_id, f'ID "{element_id}" dipakai {count} kali; setiap elemen harus ber-ID unik')


class _Graph:
    """Flow nodes and sequence flows of the process, by id, with successors computed once."""

    def __init__(self, process):
        children = _elements(process)
        self.nodes = {el.get('id'): el for el in children if local(el) in FLOW_NODES | set(NODE_LABELS)}
        self.flows = {el.get('id'): el for el in children if local(el) == 'sequenceFlow'}
        self.outgoing = defaultdict(list)
        self.next = defaultdict(list)
        for flow_id, flow in self.flows.items():
            self.outgoing[flow.get('sourceRef')].append(flow_id)
            self.next[flow.get('sourceRef')].append(flow.get('targetRef'))
        for node_id, element in self.nodes.items():
            if element.get('attachedToRef'):  # a boundary event can fire whenever its task is active
                self.next[element.get('attachedToRef')].append(node_id)

    def successors(self, node_id):
        return self.next.get(node_id, ())

    def of_kind(self, *kinds):
        return [n for n, el in self.nodes.items() if local(el) in kinds]


def _check_elements(process, problems):
    for element in _elements(process):
        kind = local(element)
        if kind in NODE_LABELS:
            problems.add(element.get('id'), f'{NODE_LABELS[kind]} tidak diizinkan: SIKANDA hanya menjalankan '
                                             'user task, gateway eksklusif/paralel, start/end event dan timer '
                                             'pada batas user task')
        elif kind not in FLOW_NODES | HARMLESS:
            problems.add(element.get('id'), f'Elemen "{kind}" tidak didukung')
        elif kind == 'boundaryEvent':
            _check_boundary_timer(element, process, problems)
        elif kind in FLOW_NODES:
            _check_node(element, problems)
    starts = [el for el in _elements(process) if local(el) == 'startEvent']
    if len(starts) != 1:
        problems.add(process.get('id'), f'Proses harus memiliki tepat satu start event; ditemukan {len(starts)}')


def _check_node(element, problems):
    node_id = element.get('id')
    children = [local(child) for child in _elements(element)]
    if any(kind in ('multiInstanceLoopCharacteristics', 'standardLoopCharacteristics') for kind in children):
        problems.add(node_id, 'Perulangan (loop / multi-instance) tidak didukung')
    definitions = [kind for kind in children if kind.endswith('EventDefinition')]
    if definitions:
        problems.add(node_id, f'Event dengan definisi {definitions[0]} tidak didukung')


def _check_boundary_timer(element, process, problems):
    """A boundary event is a timer with a fixed duration on a user task: the scheduler fires it."""
    node_id = element.get('id')
    tasks = {child.get('id') for child in _elements(process) if local(child) == 'userTask'}
    if element.get('attachedToRef') not in tasks:
        problems.add(node_id, 'Boundary event harus menempel pada user task')
    definitions = [child for child in _elements(element) if local(child).endswith('EventDefinition')]
    if len(definitions) != 1 or local(definitions[0]) != 'timerEventDefinition':
        problems.add(node_id, 'Boundary event hanya boleh berupa timer (timerEventDefinition)')
        return
    timer = _elements(definitions[0])
    if len(timer) != 1 or local(timer[0]) != 'timeDuration':
        problems.add(node_id, 'Timer harus berupa durasi (timeDuration), mis. "PT1H"')
        return
    message = timer_duration_problem((timer[0].text or '').strip())
    if message:
        problems.add(node_id, message)


def timer_duration_problem(text):
    """Why a timer expression is refused, or None: only a fixed ISO-8601 duration, bare as the
    properties panel writes it (PT1H) or quoted ("PT1H"); never an expression. It is read with the
    engine's own duration parser, so what passes here is what the engine will run."""
    try:
        duration = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(unquote_duration(text)))
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception for an invalid duration
        return f'Durasi timer {text[:40]!r} bukan durasi ISO-8601 seperti PT1H atau P1D'
    if not MIN_TIMER <= duration <= MAX_TIMER:
        return 'Durasi timer harus antara 5 menit (PT5M) dan 90 hari (P90D)'
    return None


def unquote_duration(text):
    text = (text or '').strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '"\'':
        return text[1:-1].strip()
    return text


def _check_extensions(process, problems):
    """Only camunda:properties is read; listeners, scripts and connectors would be silently ignored."""
    for extensions in process.iter(f'{{{BPMN}}}extensionElements'):
        owner = extensions.getparent().get('id')
        for child in _elements(extensions):
            if child.tag.startswith(f'{{{CAMUNDA}}}') and local(child) in ALLOWED_CAMUNDA_EXTENSIONS:
                continue
            problems.add(owner, f'Ekstensi "{local(child)}" tidak didukung (hanya camunda:properties)')


def _condition(flow):
    element = flow.find(f'{{{BPMN}}}conditionExpression')
    return None if element is None else (element.text or '').strip()


def _check_conditions(graph, variable_domains, problems):
    for flow_id, flow in graph.flows.items():
        element = flow.find(f'{{{BPMN}}}conditionExpression')
        if element is None:
            continue
        if element.get('language') or element.get(f'{{{CAMUNDA}}}resource'):
            problems.add(flow_id, 'Kondisi harus berupa ekspresi biasa, bukan skrip')
            continue
        text = (element.text or '').strip()
        try:
            tree = expressions.compile_expression(text)
        except expressions.ExpressionError as exc:
            problems.add(flow_id, f'Kondisi "{text[:80]}": {exc}')
            continue
        for name in sorted(expressions.names_in(tree) - set(variable_domains)):
            problems.add(flow_id, f'Kondisi memakai "{name}", yang tidak diisi oleh formulir mana pun')


def _check_gateways(graph, variable_domains, problems):
    for gateway_id in graph.of_kind('exclusiveGateway'):
        gateway = graph.nodes[gateway_id]
        default = gateway.get('default')
        outgoing = graph.outgoing[gateway_id]
        if default and default not in outgoing:
            problems.add(gateway_id, f'Alur default "{default}" bukan alur keluar gateway ini')
        conditions = {}
        for flow_id in outgoing:
            if flow_id == default:
                continue
            condition = _condition(graph.flows[flow_id])
            if not condition and len(outgoing) > 1:
                problems.add(flow_id, 'Alur keluar gateway eksklusif harus punya kondisi atau menjadi alur default')
            conditions[flow_id] = condition
        if not default and all(conditions.values()):
            gap = _uncovered_case(list(conditions.values()), variable_domains)
            if gap:
                problems.add(gateway_id, f'Gateway tanpa alur default dan kondisinya tidak lengkap: {gap}')


def _uncovered_case(conditions, variable_domains):
    """Prove by enumerating finite field values that some condition always holds; else describe a gap."""
    try:
        trees = [expressions.compile_expression(text) for text in conditions]
    except expressions.ExpressionError:
        return None  # already reported on the flow
    names = sorted(set().union(*(expressions.names_in(tree) for tree in trees)))
    unbounded = [n for n in names if variable_domains.get(n) is None]
    if unbounded:
        return f'nilai "{unbounded[0]}" tidak terbatas; tambahkan alur default'
    domains = [variable_domains[n] for n in names]
    if _product_size(domains) * len(trees) > MAX_EVALUATIONS:
        return 'terlalu banyak kombinasi untuk dibuktikan; tambahkan alur default'
    for values in itertools.product(*domains):
        data = dict(zip(names, values, strict=True))
        if not any(expressions.evaluate_tree(tree, data) for tree in trees):
            return 'tidak ada kondisi yang terpenuhi untuk ' + (
                ', '.join(f'{k}={v!r}' for k, v in data.items()) or 'data apa pun')
    return None


def _product_size(domains):
    size = 1
    for domain in domains:
        size *= max(len(domain), 1)
    return size


def _check_paths(graph, problems):
    starts = graph.of_kind('startEvent')
    ends = set(graph.of_kind('endEvent'))
    reachable = _closure(starts, graph.successors)
    predecessors = defaultdict(list)
    for node_id in graph.nodes:
        for target in graph.successors(node_id):
            predecessors[target].append(node_id)
    finishing = _closure(ends, lambda n: predecessors[n])
    for node_id in graph.nodes:
        if node_id not in reachable:
            problems.add(node_id, 'Elemen tidak dapat dicapai dari awal proses')
        elif node_id not in finishing:
            problems.add(node_id, 'Jalur buntu: dari elemen ini proses tidak pernah mencapai end event')
    for flow_id, flow in graph.flows.items():
        for end in ('sourceRef', 'targetRef'):
            if flow.get(end) not in graph.nodes:
                problems.add(flow_id, f'Alur menunjuk ke elemen yang tidak ada ({flow.get(end)})')


def _check_cycles(graph, problems):
    """A loop must pass a user task: the engine would otherwise spin through gateways on its own."""
    automatic = {n for n, el in graph.nodes.items() if local(el) != 'userTask'}
    for node_id in sorted(automatic):
        inside = _closure([t for t in graph.successors(node_id) if t in automatic],
                          lambda n: [t for t in graph.successors(n) if t in automatic])
        if node_id in inside:
            problems.add(node_id, 'Putaran tanpa user task: proses akan berputar sendiri tanpa henti')


def _closure(seeds, neighbours):
    seen, stack = set(seeds), list(seeds)
    while stack:
        for nxt in neighbours(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
