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
})();
