// Usage charts with uPlot (node_modules/uplot, copied to vendor/ by scripts/stack.sh).
// uPlot draws on a canvas and sets its elements' styles through the CSSOM
// (el.style.x = ...), which the console's CSP (style-src 'self') allows.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';
import { formatNumber } from './format.js';

// The outcomes of a usage bucket, bottom of the stack first.
export const OUTCOMES = [
  { key: 'valid', label: 'Valid', color: '#1a7f37' },
  { key: 'rateLimited', label: 'Rate limited', color: '#b35900' },
  { key: 'usageExceeded', label: 'Out of credits', color: '#8250df' },
  { key: 'denied', label: 'Denied', color: '#cf222e' },
];

const Y_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7, 1e8, 1e9];

function xs(buckets) {
  return buckets.map((b) => Date.parse(b.start) / 1000);
}

const bucketTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// The key page's chart. mode: 'stacked' (bars, outcomes stacked) or 'lines'.
// Returns {element, destroy}; the chart follows its container's width.
export function usageChart(usage, mode) {
  const host = h('div', { class: 'chart', role: 'img', 'aria-label': chartLabel(usage) });
  const x = xs(usage.buckets);
  const raw = OUTCOMES.map((o) => usage.buckets.map((b) => b[o.key] ?? 0));
  const legendValue = (i) => (u, v, si, idx) => (idx === null || idx === undefined ? '–' : formatNumber(raw[i][idx]));
  let series;
  let data;
  if (mode === 'stacked') {
    // uPlot does not stack: each series is drawn as the sum of itself and the ones below,
    // largest first, so each bar shows through above the next.
    const order = [3, 2, 1, 0];
    data = [x, ...order.map((top) => x.map((_, j) => raw.slice(0, top + 1).reduce((s, r) => s + r[j], 0)))];
    series = order.map((i) => ({
      label: OUTCOMES[i].label, stroke: OUTCOMES[i].color, fill: OUTCOMES[i].color, width: 0,
      paths: uPlot.paths.bars({ size: [0.8, 48], gap: 1, align: 1 }), points: { show: false }, value: legendValue(i),
    }));
  } else {
    data = [x, ...raw];
    series = OUTCOMES.map((o, i) => ({
      label: o.label, stroke: o.color, width: 2, points: { show: x.length <= 120, size: 5 }, value: legendValue(i),
    }));
  }
  const opts = {
    width: 600,
    height: 260,
    // The whole range, the last bucket included ([from, to)): each bar starts at its bucket's start.
    scales: {
      x: { time: true, range: () => [Date.parse(usage.from) / 1000, Date.parse(usage.to) / 1000] },
      y: { range: (u, min, max) => [0, Math.max(1, max)] },
    },
    axes: [
      { stroke: '#57606a', grid: { stroke: '#eaeef2' } },
      { stroke: '#57606a', grid: { stroke: '#eaeef2' }, incrs: Y_INCREMENTS, size: 48 },
    ],
    series: [{ label: 'Bucket', value: (u, ts) => (ts === null || ts === undefined ? '–' : bucketTime.format(new Date(ts * 1000))) },
      ...series],
    legend: { live: true },
    cursor: { points: { show: mode !== 'stacked' } },
  };
  const plot = new uPlot(opts, data, host);
  const resize = new ResizeObserver(() => {
    const width = Math.max(240, Math.floor(host.clientWidth));
    if (width !== plot.width) plot.setSize({ width, height: window.innerWidth < 480 ? 200 : 260 });
  });
  resize.observe(host);
  return { element: host, destroy: () => { resize.disconnect(); plot.destroy(); } };
}

function totals(buckets) {
  const t = Object.fromEntries(OUTCOMES.map((o) => [o.key, 0]));
  for (const b of buckets) for (const o of OUTCOMES) t[o.key] += b[o.key] ?? 0;
  return t;
}

function chartLabel(usage) {
  const t = totals(usage.buckets);
  return `Usage by ${usage.granularity}: ${OUTCOMES.map((o) => `${formatNumber(t[o.key])} ${o.label.toLowerCase()}`).join(', ')}`;
}

// The range's totals in words, e.g. "3 valid, 0 rate limited, 0 out of credits, 1 denied".
export function totalsText(buckets) {
  const t = totals(buckets);
  return OUTCOMES.map((o) => `${formatNumber(t[o.key])} ${o.label.toLowerCase()}`).join(', ');
}

// The buckets with any traffic as a table: the chart's numbers for screen readers and keyboards.
export function usageTable(usage) {
  const rows = usage.buckets.filter((b) => OUTCOMES.some((o) => b[o.key] > 0));
  if (!rows.length) return h('p', { class: 'muted' }, 'No calls in this range.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data usage-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Bucket'), OUTCOMES.map((o) => h('th', { scope: 'col' }, o.label)))),
    h('tbody', {}, rows.map((b) => h('tr', {},
      h('td', { 'data-label': 'Bucket' }, bucketTime.format(new Date(b.start))),
      OUTCOMES.map((o) => h('td', { 'data-label': o.label, 'data-outcome': o.key }, formatNumber(b[o.key]))))))));
}

// A table cell's sparkline: one series (every call, by bucket), no axes, no legend.
export function sparkline(buckets, label) {
  const host = h('div', { class: 'sparkline', role: 'img', 'aria-label': label });
  const x = xs(buckets);
  const y = buckets.map((b) => OUTCOMES.reduce((s, o) => s + (b[o.key] ?? 0), 0));
  const plot = new uPlot({
    width: 120,
    height: 28,
    padding: [3, 1, 1, 1],
    legend: { show: false },
    cursor: { show: false },
    select: { show: false },
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    series: [{}, { stroke: '#0969da', fill: 'rgba(9, 105, 218, 0.15)', width: 1.5, points: { show: false } }],
  }, [x, y], host);
  return { element: host, destroy: () => plot.destroy() };
}
