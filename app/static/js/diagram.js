// The SOP diagram of a report, drawn with the bpmn-js viewer; steps passed and waiting are marked.
(async function () {
  const container = document.getElementById('diagram');
  if (!container || !window.BpmnJS) return;
  const viewer = new window.BpmnJS({ container: container });
  const ids = (value) => (value || '').split(' ').filter(Boolean);
  try {
    const response = await fetch(container.dataset.src, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const result = await viewer.importXML(await response.text());
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport');
    ids(container.dataset.done).forEach((id) => canvas.addMarker(id, 'sikanda-done'));
    ids(container.dataset.active).forEach((id) => canvas.addMarker(id, 'sikanda-active'));
    container.dataset.rendered = String(result.warnings.length === 0 ? 'ok' : 'warnings');
  } catch (error) {
    container.textContent = 'Diagram tidak dapat ditampilkan. Riwayat tahapan di atas tetap lengkap.';
    container.dataset.rendered = 'error';
  }
})();
