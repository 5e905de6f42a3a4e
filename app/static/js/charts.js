// Charts of the dashboard and the compliance report. The server writes each chart's figures into a
// <script type="application/json"> element named by the canvas's data-chart attribute (no inline script,
// so a strict Content Security Policy can apply). The same figures are on the page as tables, so nothing
// is lost without JavaScript.
(function () {
  'use strict';
  if (typeof Chart === 'undefined') return;

  // dark enough for 3:1 against white, so bars and slices stand out from the background
  const PALETTE = ['#0b4f3c', '#0a58ca', '#b02a37', '#8a6a00', '#6f42c1', '#495057', '#c2410c'];
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  Chart.defaults.color = '#212529';
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  function dataset(spec, ds, index) {
    const doughnut = spec.type === 'doughnut';
    const colours = ds.colors || (doughnut ? PALETTE.slice(0, ds.data.length) : PALETTE[index % PALETTE.length]);
    return {
      label: ds.label, data: ds.data, backgroundColor: colours,
      borderColor: doughnut ? '#fff' : colours, borderWidth: doughnut ? 2 : 0,
    };
  }

  function valueAxis(spec) {
    const unit = spec.unit || '';
    const axis = { beginAtZero: true, ticks: { callback: function (value) { return value + unit; } } };
    if (!unit) axis.ticks.precision = 0;  // counts of reports are whole numbers
    if (spec.max) axis.max = spec.max;
    return axis;
  }

  function options(spec) {
    const unit = spec.unit || '';
    const result = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: spec.type === 'doughnut' || spec.datasets.length > 1, position: 'bottom' },
        tooltip: {
          callbacks: {
            label: function (context) { return context.dataset.label + ': ' + context.formattedValue + unit; },
          },
        },
      },
    };
    if (reduceMotion) result.animation = false;
    if (spec.type === 'bar') {
      result.indexAxis = spec.horizontal ? 'y' : 'x';
      result.scales = spec.horizontal ? { x: valueAxis(spec) } : { y: valueAxis(spec) };
    }
    return result;
  }

  for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) continue;
    const spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (ds, i) { return dataset(spec, ds, i); }) },
      options: options(spec),
    });
  }
})();
