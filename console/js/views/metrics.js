// Performance metrics: one line chart per metric name over a chosen time
// range, drawn by Chart.js (served from console/node_modules).
import {listAll} from '../api.js';
import {append, clear, el, errorBox, loading, viewHeading} from '../dom.js';

const RANGES = [
  ['1h', 'Last hour', 3600e3],
  ['24h', 'Last 24 hours', 86400e3],
  ['7d', 'Last 7 days', 7 * 86400e3],
  ['30d', 'Last 30 days', 30 * 86400e3],
  ['365d', 'Last year', 365 * 86400e3],
  ['all', 'All time', null],
];
const MAX_POINTS = 20000;
const charts = [];

function destroyCharts() {
  while (charts.length) charts.pop().destroy();
}

function formatTick(ms, spanMs) {
  const date = new Date(ms);
  return spanMs > 2 * 86400e3 ?
    date.toLocaleDateString(undefined, {month: 'short', day: 'numeric'}) :
    date.toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit'});
}

function drawChart(canvas, name, unit, points) {
  const span = points.length ? points[points.length - 1].x - points[0].x : 0;
  const color = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#1f5fa8';
  charts.push(new window.Chart(canvas, {
    type: 'line',
    data: {datasets: [{label: unit ? `${name} (${unit})` : name, data: points, borderColor: color,
      backgroundColor: color, pointRadius: 2, borderWidth: 1.5, tension: 0}]},
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      plugins: {legend: {display: false}, tooltip: {callbacks: {
        title: (items) => items.length ? new Date(items[0].parsed.x).toLocaleString() : ''}}},
      scales: {
        x: {type: 'linear', ticks: {maxTicksLimit: 6, callback: (value) => formatTick(value, span)}},
        y: {title: {display: Boolean(unit), text: unit || ''}},
      },
    },
  }));
}

export async function renderMetrics(container, isCurrent) {
  const range = el('select', {id: 'metrics-range', name: 'range'},
      RANGES.map(([value, text]) => el('option', {value, selected: value === '7d'}, text)));
  const results = el('div', {class: 'results'});
  const form = el('form', {class: 'inline-form'},
      el('label', {for: range.id}, 'Time range'), range, el('button', {type: 'submit'}, 'Show'));
  append(container, [viewHeading('Metrics'), form, results]);

  const show = async () => {
    destroyCharts();
    clear(results).append(loading('metrics'));
    const [, , spanMs] = RANGES.find(([value]) => value === range.value);
    const query = {};
    if (spanMs) query.startTime = new Date(Date.now() - spanMs).toISOString();
    let metrics;
    try {
      metrics = await listAll('/v1/performanceMetrics', 'performanceMetrics', query, MAX_POINTS);
    } catch (error) {
      if (isCurrent()) clear(results).append(errorBox(error));
      return;
    }
    if (!isCurrent()) return;
    clear(results);
    if (typeof window.Chart !== 'function') {
      results.append(errorBox(new Error('The charting library is missing: run `npm ci` in the console ' +
          'directory and restart the gateway.')));
      return;
    }
    const byName = new Map();
    for (const metric of metrics) {
      if (!byName.has(metric.name)) byName.set(metric.name, {unit: metric.unit || '', points: []});
      byName.get(metric.name).points.push({x: new Date(metric.time).getTime(), y: metric.value});
    }
    if (byName.size === 0) {
      results.append(el('p', {class: 'muted'}, 'No metrics in this time range.'));
      return;
    }
    append(results, [el('p', {class: 'muted'},
        `${metrics.length} points of ${byName.size} metrics${metrics.length >= MAX_POINTS ? ' (first ' +
          MAX_POINTS + ' only)' : ''}.`)]);
    const grid = el('div', {class: 'charts'});
    results.append(grid);
    for (const name of [...byName.keys()].sort()) {
      const {unit, points} = byName.get(name);
      points.sort((a, b) => a.x - b.x);
      const values = points.map((p) => p.y);
      const canvas = el('canvas', {role: 'img', 'data-metric': name,
        'aria-label': `Line chart of ${name}: ${points.length} points`});
      grid.append(el('figure', {class: 'card chart', 'data-metric': name},
          el('figcaption', {}, el('strong', {}, name), unit ? ` (${unit})` : '',
              el('span', {class: 'muted small'}, ` ${points.length} points, min ${Math.min(...values)}, ` +
                `max ${Math.max(...values)}, latest ${values[values.length - 1]}`)),
          el('div', {class: 'chart-box'}, canvas)));
      drawChart(canvas, name, unit, points);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  await show();
}
