// Progressive enhancements only: every page works without JavaScript.
(function () {
  // Kecamatan -> desa: show only the desa of the chosen kecamatan.
  const kecamatan = document.getElementById('kecamatan');
  const desa = document.getElementById('desa');
  if (kecamatan && desa) {
    const filter = function () {
      const prefix = kecamatan.value ? kecamatan.value + '.' : '';
      for (const group of desa.querySelectorAll('optgroup')) {
        const match = !prefix || group.querySelector('option').value.startsWith(prefix);
        group.hidden = !match;
        group.disabled = !match;
      }
      if (desa.value && prefix && !desa.value.startsWith(prefix)) desa.value = '';
    };
    kecamatan.addEventListener('change', filter);
    filter();
  }
  // GPS: fill latitude, longitude and accuracy from the phone's location, when the agent asks for it.
  const latitude = document.getElementById('latitude');
  if (latitude && navigator.geolocation) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-outline-primary btn-sm mb-2';
    button.textContent = 'Isi koordinat dari lokasi saya (GPS)';
    const status = document.createElement('div');
    status.className = 'form-text mb-2';
    status.id = 'gps-status';
    status.setAttribute('role', 'status');
    const group = latitude.closest('.mb-3');
    group.before(button, status);
    button.addEventListener('click', function () {
      status.textContent = 'Mencari lokasi…';
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        const c = position.coords;
        latitude.value = c.latitude.toFixed(6);
        document.getElementById('longitude').value = c.longitude.toFixed(6);
        document.getElementById('akurasi_gps').value = Math.round(c.accuracy);
        status.textContent = 'Koordinat terisi (akurasi ± ' + Math.round(c.accuracy) + ' m).';
        button.disabled = false;
      }, function () {
        status.textContent = 'Lokasi tidak dapat dibaca. Izinkan akses lokasi atau isi koordinat secara manual.';
        button.disabled = false;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  }
  // Rows of sub-fields (follow-up actions, people assigned): "Tambah baris" copies the last row, emptied.
  for (const group of document.querySelectorAll('[data-rows]')) {
    const add = group.querySelector('[data-add-row]');
    if (!add) continue;
    add.hidden = false;
    add.addEventListener('click', function () {
      const rows = group.querySelectorAll('[data-row]');
      const last = rows[rows.length - 1];
      const copy = last.cloneNode(true);
      const index = rows.length;
      const renumber = (value) => value.replace(/-\d+-/, '-' + index + '-');
      for (const el of copy.querySelectorAll('[name], [id], [for], [aria-describedby]')) {
        for (const attr of ['name', 'id', 'for']) {
          if (el.hasAttribute(attr)) el.setAttribute(attr, renumber(el.getAttribute(attr)));
        }
        el.removeAttribute('aria-describedby');
        el.removeAttribute('aria-invalid');
        el.classList.remove('is-invalid');
        if ('value' in el && el.tagName !== 'BUTTON') el.value = '';
      }
      for (const error of copy.querySelectorAll('.invalid-feedback')) error.remove();
      copy.querySelector('[data-row-number]').textContent = index + 1;
      last.after(copy);
      // the server keeps at most this many rows: no row is offered that it would drop
      if (group.dataset.maxRows && index + 1 >= Number(group.dataset.maxRows)) add.hidden = true;
      copy.querySelector('input, textarea, select').focus();
    });
  }
  // Long submissions over weak connections: say that something is happening and prevent double posts.
  for (const form of document.querySelectorAll('form[data-progress]')) {
    form.addEventListener('submit', function () {
      const button = form.querySelector('[type=submit]');
      if (button) {
        button.disabled = true;
        button.value = form.dataset.progress;
        button.setAttribute('aria-busy', 'true');
      }
    });
  }
  // Actions that change what every new report runs on ask once before they happen.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
})();
