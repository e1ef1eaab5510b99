// Health: what /_emulator/health says, the OCR engine and its languages, and every setting in force.
import { api } from '../api.js';
import { h, table } from '../dom.js';

export async function render(root, _params, view) {
  const [health, { settings }] = await Promise.all([
    fetch('/_emulator/health').then((response) => response.json()),
    api('settings'),
  ]);
  if (!view.isCurrent()) return;
  const ocr = health.ocr || {};
  const facts = Object.entries(health).filter(([name]) => name !== 'ocr');
  root.append(h('h1', {}, 'Health'),
    h('p', {}, h('span', { class: `badge ${health.status === 'healthy' ? 'good' : 'bad'}`, 'data-health': health.status }, health.status),
      ' ', h('a', { href: '/_emulator/health', target: '_blank', rel: 'noopener' }, '/_emulator/health as JSON')),
    h('div', { class: 'grid-2' },
      h('section', { class: 'card', 'aria-label': 'Server' }, h('h2', {}, 'Server'), pairs(facts)),
      h('section', { class: 'card', 'aria-label': 'OCR engine' }, h('h2', {}, 'OCR engine'),
        ocr.error ? h('p', { class: 'error' }, ocr.error)
          : pairs(Object.entries(ocr).filter(([name]) => name !== 'languages')),
        h('h3', {}, `Languages installed (${(ocr.languages || []).length})`),
        h('ul', { class: 'chips' }, (ocr.languages || []).map((code) => h('li', {}, code))))),
    h('section', { class: 'card', 'aria-label': 'Settings' }, h('h2', {}, 'Settings in force'),
      h('p', { class: 'muted' }, 'Secret keys, session tokens and the admin token are masked.'),
      table(['Setting', 'Value'], Object.entries(settings).map(([name, value]) =>
        h('tr', {}, h('th', { scope: 'row' }, h('code', {}, name)), h('td', {}, h('code', { class: 'value' }, show(value))))),
      { class: 'settings' })));
}

function pairs(entries) {
  return h('dl', { class: 'pairs' }, entries.map(([name, value]) => [h('dt', {}, name), h('dd', {}, show(value))]));
}

function show(value) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
