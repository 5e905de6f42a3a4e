"""Structural rules for an uploaded diagram, checked on the XML before the engine parses it.

A diagram is untrusted code. These rules keep it to what SIKANDA can run and explain every
refusal against the element id the editor highlights: one executable process, only the
elements the engine runs safely, timers and conditions our evaluator accepts, gateways that
cannot get stuck, and every path ending at an end event.
"""
import ast
import itertools
import re
from collections import defaultdict

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import expressions

BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL'
CAMUNDA = 'http://camunda.org/schema/1.0/bpmn'
XSI_TYPE = '{http://www.w3.org/2001/XMLSchema-instance}type'
MAX_ASSIGNMENTS = 4096

FLOW_NODES = {'startEvent', 'endEvent', 'userTask', 'exclusiveGateway', 'parallelGateway',
              'intermediateCatchEvent', 'boundaryEvent'}
HARMLESS = {'sequenceFlow', 'laneSet', 'textAnnotation', 'association', 'documentation', 'extensionElements'}
TIMER_EVENTS = {'intermediateCatchEvent', 'boundaryEvent'}
ISO_DURATION = re.compile(r'P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?')


def _parse_duration(text):
    if not ISO_DURATION.fullmatch(text):
        raise ValueError(text)


TIMER_PARTS = {'timeDuration': _parse_duration, 'timeDate': TimerEventDefinition.get_datetime}
ALLOWED_CAMUNDA_EXTENSIONS = {'properties'}
NODE_LABELS = {
    'scriptTask': 'Script task', 'serviceTask': 'Service task', 'sendTask': 'Send task',
    'receiveTask': 'Receive task', 'businessRuleTask': 'Business rule task', 'manualTask': 'Manual task',
    'task': 'Task tanpa jenis', 'callActivity': 'Call activity', 'subProcess': 'Subproses',
    'inclusiveGateway': 'Inclusive gateway', 'eventBasedGateway': 'Event-based gateway',
    'complexGateway': 'Complex gateway', 'intermediateThrowEvent': 'Intermediate throw event',
}


class Problems(defaultdict):
    """Messages per element id; '' is the diagram as a whole."""

    def __init__(self):
        super().__init__(list)

    def add(self, element_id, message):
        self[element_id or ''].append(message)


def local(element):
    return element.tag.rsplit('}', 1)[-1] if isinstance(element.tag, str) else ''


def check_structure(root, process_id, variable_domains):
    """Problems per element id; `variable_domains` maps a form field to its finite values or None."""
    problems = Problems()
    processes = root.findall(f'{{{BPMN}}}process')
    if local(root) != 'definitions':
        problems.add('', 'Berkas bukan diagram BPMN 2.0 (elemen akar harus bpmn:definitions)')
        return problems
    if len(processes) != 1:
        problems.add('', f'Diagram harus berisi tepat satu proses; ditemukan {len(processes)}')
        return problems
    process = processes[0]
    if process.get('id') != process_id:
        problems.add(process.get('id'), f'ID proses harus "{process_id}", bukan "{process.get("id")}"')
    if process.get('isExecutable') != 'true':
        problems.add(process.get('id'), 'Proses harus ditandai executable (isExecutable="true")')
    graph = _Graph(process)
    _check_elements(process, problems)
    _check_extensions(process, problems)
    _check_conditions(graph, variable_domains, problems)
    _check_gateways(graph, variable_domains, problems)
    _check_paths(graph, problems)
    return problems


class _Graph:
    """Flow nodes and sequence flows of the process, by id."""

    def __init__(self, process):
        self.nodes = {el.get('id'): el for el in process if local(el) in FLOW_NODES | set(NODE_LABELS)}
        self.flows = {el.get('id'): el for el in process if local(el) == 'sequenceFlow'}
        self.outgoing = defaultdict(list)
        self.incoming = defaultdict(list)
        for flow_id, flow in self.flows.items():
            self.outgoing[flow.get('sourceRef')].append(flow_id)
            self.incoming[flow.get('targetRef')].append(flow_id)

    def successors(self, node_id):
        targets = [self.flows[f].get('targetRef') for f in self.outgoing[node_id]]
        # a boundary event can fire whenever its task is active
        targets += [n for n, el in self.nodes.items() if el.get('attachedToRef') == node_id]
        return targets

    def of_kind(self, *kinds):
        return [n for n, el in self.nodes.items() if local(el) in kinds]


def _check_elements(process, problems):
    for element in process:
        kind = local(element)
        if kind in NODE_LABELS:
            problems.add(element.get('id'), f'{NODE_LABELS[kind]} tidak diizinkan: SIKANDA hanya menjalankan '
                                             'user task, gateway eksklusif/paralel dan event')
        elif kind not in FLOW_NODES | HARMLESS:
            problems.add(element.get('id'), f'Elemen "{kind}" tidak didukung')
        elif kind in FLOW_NODES:
            _check_node(element, kind, problems)
    starts = [el for el in process if local(el) == 'startEvent']
    if len(starts) != 1:
        problems.add(process.get('id'), f'Proses harus memiliki tepat satu start event; ditemukan {len(starts)}')


def _check_node(element, kind, problems):
    node_id = element.get('id')
    definitions = [child for child in element if local(child).endswith('EventDefinition')]
    if any(local(child) in ('multiInstanceLoopCharacteristics', 'standardLoopCharacteristics')
           for child in element):
        problems.add(node_id, 'Perulangan (loop / multi-instance) tidak didukung')
    if kind in TIMER_EVENTS:
        if len(definitions) != 1 or local(definitions[0]) != 'timerEventDefinition':
            problems.add(node_id, 'Event perantara dan boundary hanya boleh berupa timer')
        else:
            _check_timer(node_id, definitions[0], problems)
    elif definitions:
        problems.add(node_id, f'Event dengan definisi {local(definitions[0])} tidak didukung')


def _check_timer(node_id, definition, problems):
    parts = [child for child in definition if local(child) in TIMER_PARTS or local(child) == 'timeCycle']
    if len(parts) != 1 or local(parts[0]) == 'timeCycle':
        problems.add(node_id, 'Timer harus berisi tepat satu timeDuration atau timeDate (timeCycle tidak didukung)')
        return
    text = (parts[0].text or '').strip()
    try:
        tree = expressions.compile_expression(text)
    except expressions.ExpressionError as exc:
        problems.add(node_id, f'Ekspresi timer "{text[:80]}": {exc}')
        return
    if not (isinstance(tree.body, ast.Constant) and isinstance(tree.body.value, str)):
        problems.add(node_id, 'Ekspresi timer harus berupa teks ISO-8601 dalam tanda kutip, mis. "PT2H"')
        return
    try:
        TIMER_PARTS[local(parts[0])](tree.body.value)
    except ValueError:
        problems.add(node_id, f'Nilai timer "{tree.body.value}" bukan durasi / waktu ISO-8601')


def _check_extensions(process, problems):
    """Only camunda:properties is read; listeners, scripts and connectors would be silently ignored."""
    for extensions in process.iter(f'{{{BPMN}}}extensionElements'):
        owner = extensions.getparent().get('id')
        for child in extensions:
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
    if _product_size(domains) > MAX_ASSIGNMENTS:
        return 'terlalu banyak kombinasi untuk dibuktikan; tambahkan alur default'
    for values in itertools.product(*domains):
        data = dict(zip(names, values, strict=True))
        if not any(expressions.evaluate(text, data) for text in conditions):
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


def _closure(seeds, neighbours):
    seen, stack = set(seeds), list(seeds)
    while stack:
        for nxt in neighbours(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
