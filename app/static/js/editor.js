// The SOP diagram editor: bpmn-js modeler, the stock properties panel limited to what SIKANDA runs,
// a small panel for the form and time standard of a step, and server-side checks shown on the canvas.
(async function () {
  const config = JSON.parse(document.getElementById('editor-config').textContent);
  const status = document.getElementById('editor-status');
  const errorBox = document.getElementById('editor-errors');
  const csrfToken = document.querySelector('#deploy-template').content.querySelector('[name=csrf_token]').value;
  const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
  // property groups whose settings the engine reads; the rest (listeners, async, I/O …) would be refused
  const KEPT_GROUPS = ['general', 'documentation', 'CamundaPlatform__Condition', 'timer'];

  function translate(template, replacements) {
    const text = window.SIKANDA_TRANSLATIONS[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => (replacements || {})[key] || '{' + key + '}');
  }

  function GroupFilter(propertiesPanel) { propertiesPanel.registerProvider(200, this); }
  GroupFilter.$inject = ['propertiesPanel'];
  GroupFilter.prototype.getGroups = function () {
    return (groups) => groups.filter((group) => KEPT_GROUPS.includes(group.id));
  };

  function say(message, kind) {
    status.className = 'alert alert-' + (kind || 'info') + ' py-2 mb-2';
    status.textContent = message;
  }

  const camunda = await (await fetch(config.moddleUrl)).json();
  const modeler = new window.BpmnJS({
    container: '#canvas',
    propertiesPanel: { parent: '#properties' },
    additionalModules: [
      window.BpmnJSPropertiesPanel.BpmnPropertiesPanelModule,
      window.BpmnJSPropertiesPanel.BpmnPropertiesProviderModule,
      window.BpmnJSPropertiesPanel.CamundaPlatformPropertiesProviderModule,
      { translate: ['value', translate] },
      { __init__: ['sikandaGroupFilter'], sikandaGroupFilter: ['type', GroupFilter] },
    ],
    moddleExtensions: { camunda: camunda },
  });
  window.sikandaModeler = modeler;  // for the browser tests and the console
  const canvas = modeler.get('canvas');
  const elementRegistry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  let dirty = false;
  let overlayIds = [];  // error badges and markers currently on the canvas
  let marked = [];

  // Fit the diagram into the part of the canvas the tool palette does not cover (on a phone the
  // palette would otherwise sit on top of the first lane's tasks).
  function fitBesidePalette() {
    canvas.zoom('fit-viewport');
    const container = document.getElementById('canvas');
    const palette = container.querySelector('.djs-palette');
    const offset = palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left + 8 : 0;
    const inner = canvas.viewbox().inner;
    const width = container.clientWidth - offset;
    const height = container.clientHeight;
    const scale = Math.min(width / inner.width, height / inner.height, 1);
    canvas.viewbox({ x: inner.x - offset / scale, y: inner.y - (height / scale - inner.height) / 2,
                     width: container.clientWidth / scale, height: height / scale });
  }

  async function importXml(xml) {
    clearErrors();
    await modeler.importXML(xml);
    fitBesidePalette();
    dirty = false;
  }

  try {
    const response = await fetch(config.xmlUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    await importXml(await response.text());
    document.getElementById('canvas').dataset.ready = 'true';
  } catch (error) {
    say('Diagram tidak dapat dimuat: ' + error.message + '. Muat ulang halaman.', 'danger');
    return;
  }
  modeler.on('commandStack.changed', () => { dirty = true; });
  window.addEventListener('beforeunload', (event) => { if (dirty) event.preventDefault(); });

  // --- the SIKANDA step panel: form key and time standard of a user task ---------------------------
  const panel = {
    empty: document.getElementById('sikanda-panel-empty'),
    fields: document.getElementById('sikanda-panel-fields'),
    name: document.getElementById('sp-name'), lane: document.getElementById('sp-lane'),
    form: document.getElementById('sp-form'), sla: document.getElementById('sp-sla'),
    echo: document.getElementById('sp-sla-echo'),
  };
  let selected = null;

  function laneOf(element) {
    const lane = elementRegistry.filter((e) => e.type === 'bpmn:Lane')
      .find((e) => (e.businessObject.flowNodeRef || []).includes(element.businessObject));
    return lane ? lane.businessObject.name : '(di luar lajur)';
  }

  function properties(element) {
    const ext = element.businessObject.extensionElements;
    return ext && (ext.values || []).find((v) => v.$type === 'camunda:Properties');
  }

  function slaOf(element) {
    const props = properties(element);
    const sla = props && (props.values || []).find((p) => p.name === 'sla');
    return sla ? sla.value : '';
  }

  function setSla(element, value) {
    const bo = element.businessObject;
    let ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create('bpmn:ExtensionElements', { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    let props = properties(element);
    if (!props) {
      props = moddle.create('camunda:Properties', { values: [] });
      modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), props] });
    }
    const sla = (props.values || []).find((p) => p.name === 'sla');
    if (sla) modeling.updateModdleProperties(element, sla, { value: value });
    else modeling.updateModdleProperties(element, props, {
      values: [...(props.values || []), moddle.create('camunda:Property', { name: 'sla', value: value })] });
  }

  function describeDuration(value) {
    const m = ISO_DURATION.exec(value);
    if (!m) return '';
    const parts = [[m[4], 'hari'], [m[6], 'jam'], [m[7], 'menit'], [m[8], 'detik']]
      .filter(([v]) => v).map(([v, unit]) => parseFloat(v) + ' ' + unit);
    return parts.length ? '= ' + parts.join(' ') : '';
  }

  function showPanel(element) {
    selected = element && element.type === 'bpmn:UserTask' ? element : null;
    panel.empty.hidden = !!selected;
    panel.fields.hidden = !selected;
    if (!selected) return;
    const bo = selected.businessObject;
    panel.name.textContent = bo.name || bo.id;
    panel.lane.textContent = laneOf(selected);
    panel.form.value = bo.get('camunda:formKey') || '';
    panel.sla.value = slaOf(selected);
    panel.sla.classList.remove('is-invalid');
    panel.echo.textContent = describeDuration(panel.sla.value);
  }

  modeler.on('selection.changed', (event) => showPanel(event.newSelection.length === 1 ? event.newSelection[0] : null));
  modeler.on('elements.changed', () => { if (selected) showPanel(elementRegistry.get(selected.id)); });
  panel.form.addEventListener('change', () => {
    if (selected) modeling.updateProperties(selected, { 'camunda:formKey': panel.form.value || undefined });
  });
  panel.sla.addEventListener('input', () => {
    const value = panel.sla.value.trim().toUpperCase();
    const valid = ISO_DURATION.test(value);
    panel.sla.classList.toggle('is-invalid', !valid);
    panel.sla.setAttribute('aria-invalid', String(!valid));
    panel.echo.textContent = valid ? describeDuration(value) : 'Belum valid.';
    if (valid && selected && value !== slaOf(selected)) setSla(selected, value);
  });

  // --- server checks, shown on the canvas ----------------------------------------------------------
  function clearErrors() {
    const overlays = modeler.get('overlays');
    overlayIds.forEach((id) => overlays.remove(id));
    marked.forEach((id) => canvas.removeMarker(id, 'sikanda-error'));
    overlayIds = []; marked = [];
    errorBox.replaceChildren();
  }

  function showErrors(errors) {
    clearErrors();
    const overlays = modeler.get('overlays');
    const list = document.createElement('ul');
    list.className = 'list-group';
    list.setAttribute('aria-label', 'Kesalahan diagram');
    errors.forEach((error, index) => {
      const element = error.element_id && elementRegistry.get(error.element_id);
      const item = document.createElement('li');
      item.className = 'list-group-item list-group-item-danger small';
      const name = element ? (element.businessObject.name || error.element_id) : 'Diagram';
      if (element) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn btn-link btn-sm p-0 me-1 align-baseline';
        button.textContent = name;
        button.addEventListener('click', () => {
          modeler.get('selection').select(element);
          canvas.scrollToElement(element);
        });
        item.append(button, ': ' + error.message);
        if (!marked.includes(element.id)) {
          canvas.addMarker(element.id, 'sikanda-error');
          marked.push(element.id);
          const badge = document.createElement('span');
          badge.className = 'sikanda-error-badge';
          badge.textContent = '!';
          badge.title = error.message;
          overlayIds.push(overlays.add(element.id, { position: { top: -10, right: 10 }, html: badge }));
        }
      } else {
        item.textContent = name + ': ' + error.message;
      }
      item.dataset.elementId = error.element_id || '';
      item.id = 'diagram-error-' + index;
      list.append(item);
    });
    errorBox.append(list);
  }

  function dryRunText(dryRun) {
    if (!dryRun) return '';
    const outcomes = Object.entries(dryRun.outcomes).map(([k, v]) => v + ' ' + k).join(', ');
    let text = ' Uji jalur: ' + dryRun.paths + ' jalur (' + outcomes + ').';
    if (dryRun.unreached.length) text += ' Tidak tercapai oleh data uji: ' + dryRun.unreached.join(', ') + '.';
    return text;
  }

  async function send(url, params) {
    const { xml } = await modeler.saveXML({ format: true });
    const query = new URLSearchParams(params || {}).toString();
    const response = await fetch(url + (query ? '?' + query : ''), {
      method: 'POST', credentials: 'same-origin', body: xml, redirect: 'manual',
      headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': csrfToken, 'Accept': 'application/json' },
    });
    if (response.type === 'opaqueredirect') {  // the session ended: the server sends the login page
      return { status: 401, body: { error: 'Sesi Anda berakhir. Unduh salinan diagram (Unduh .bpmn), '
        + 'masuk lagi di tab lain, lalu simpan lagi di sini.' } };
    }
    let body = {};
    try { body = await response.json(); } catch (error) { body = { error: 'Jawaban server tidak dapat dibaca' }; }
    if (!Array.isArray(body.errors)) body.errors = [];
    return { status: response.status, body: body };
  }

  async function busy(button, message, work) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    say(message, 'info');
    try { await work(); } catch (error) {
      say('Gagal menghubungi server: ' + error.message + '. Perubahan Anda masih ada di editor; coba lagi.', 'danger');
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  document.getElementById('btn-check').addEventListener('click', (event) => busy(event.target,
    'Memeriksa diagram dan menguji setiap jalur…', async () => {
      const { status: code, body } = await send(config.checkUrl);
      if (code === 200) { clearErrors(); say('Diagram lolos pemeriksaan.' + dryRunText(body.dry_run), 'success'); }
      else if (code === 422) { showErrors(body.errors); say(body.errors.length + ' kesalahan ditemukan. Elemen yang salah ditandai merah.', 'danger'); }
      else say(body.error || ('Galat ' + code), 'danger');
    }));

  document.getElementById('btn-save').addEventListener('click', (event) => {
    if (!dirty && config.baseVersion === config.latestVersion) {
      say('Tidak ada perubahan sejak versi ' + config.baseVersion + ' dibuka; tidak ada yang disimpan.', 'info');
      return;
    }
    save(event.target);
  });

  const save = (button) => busy(button, 'Memeriksa dan menyimpan…', async () => {
      const { status: code, body } = await send(config.saveUrl, {
        dasar: config.baseVersion, terbaru: config.latestVersion, catatan: document.getElementById('note').value });
      if ((code === 201 || code === 200) && body.version) {
        clearErrors();
        dirty = false;
        config.latestVersion = body.version;
        config.baseVersion = body.version;
        status.className = 'alert alert-success py-2 mb-2';
        const link = document.createElement('a');
        link.href = body.url;
        link.textContent = 'versi ' + body.version;
        const form = document.getElementById('deploy-template').content.firstElementChild.cloneNode(true);
        form.action = body.deploy_url;
        form.querySelector('button').textContent = 'Deploy versi ' + body.version + ' sekarang';
        form.addEventListener('submit', (submit) => {
          if (!window.confirm('Aktifkan versi ' + body.version + '? Laporan baru akan memakai versi ini.')) {
            submit.preventDefault();
          }
        });
        status.replaceChildren(body.created ? 'Tersimpan sebagai draf ' : 'Tidak ada perubahan dari ', link, '. ', form);
      } else if (code === 422) {
        showErrors(body.errors);
        say('Belum disimpan: ' + body.errors.length + ' kesalahan. Elemen yang salah ditandai merah.', 'danger');
      } else if (code === 409) {
        say(body.error, 'warning');
      } else {
        say(body.error || ('Galat ' + code), 'danger');
      }
    });

  document.getElementById('btn-download').addEventListener('click', async () => {
    const { xml } = await modeler.saveXML({ format: true });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    link.download = config.processId + '.bpmn';
    link.click();
    URL.revokeObjectURL(link.href);
  });

  document.getElementById('upload').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    if (dirty && !window.confirm('Perubahan yang belum disimpan akan diganti isi berkas ini. Lanjutkan?')) {
      event.target.value = '';
      return;
    }
    try {
      await importXml(await file.text());
      dirty = true;
      say('Berkas "' + file.name + '" dimuat ke editor. Periksa lalu simpan untuk membuat versi baru.', 'info');
    } catch (error) {
      say('Berkas tidak dapat dibaca sebagai BPMN: ' + error.message, 'danger');
    }
    event.target.value = '';
  });
})();
