// A report's path on its diagram: elements and connections taken (with repeat counts), the waiting
// step, and a click on a step that brings its entry in the timeline into view.
(async function () {
  const container = document.getElementById('diagram');
  if (!container || !window.BpmnJS) return;
  const viewer = new window.BpmnJS({ container: container });
  const visits = JSON.parse(container.dataset.visits || '{}');
  const flows = JSON.parse(container.dataset.flows || '[]');
  const active = (container.dataset.active || '').split(' ').filter(Boolean);
  try {
    const response = await fetch(container.dataset.src, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    await viewer.importXML(await response.text());
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    canvas.zoom('fit-viewport');
    const badge = (text, label) => {
      const span = document.createElement('span');
      span.className = 'loop-badge';
      span.textContent = text;
      span.title = label;
      return span;
    };
    Object.entries(visits).forEach(([id, count]) => {
      if (!registry.get(id)) return;
      canvas.addMarker(id, 'sikanda-done');
      if (count > 1) overlays.add(id, { position: { top: -10, right: 10 }, html: badge('×' + count, count + ' kali') });
    });
    flows.forEach(([source, target, count]) => {
      const connection = registry.filter((e) => e.type === 'bpmn:SequenceFlow' && e.source && e.target
        && e.source.id === source && e.target.id === target)[0];
      if (!connection) return;
      canvas.addMarker(connection.id, 'sikanda-taken');
      if (count > 1) {
        const middle = connection.waypoints[Math.floor(connection.waypoints.length / 2)];
        overlays.add(connection.id, { position: { top: middle.y - connection.y - 10, left: middle.x - connection.x },
                                      html: badge('×' + count, 'dilalui ' + count + ' kali') });
      }
    });
    active.forEach((id) => registry.get(id) && canvas.addMarker(id, 'sikanda-active'));
    viewer.on('element.click', (event) => {
      const steps = document.querySelectorAll('[data-step="' + event.element.id + '"]');
      const target = steps[steps.length - 1];
      if (!target) return;
      target.scrollIntoView({ behavior: 'smooth', block: 'start' });
      target.focus({ preventScroll: true });
    });
    container.dataset.rendered = 'ok';
  } catch (error) {
    container.textContent = 'Diagram tidak dapat ditampilkan. Linimasa di bawah tetap lengkap.';
    container.dataset.rendered = 'error';
  }
})();
