// Journal: the emulator's recent requests, live, with the journal API's filters. A refused signature
// shows the StringToSign the emulator computed, to compare with the client's.
import { api, query } from '../api.js';
import { clear, field, formatTime, h, table } from '../dom.js';
import { confirmDialog, failure, setLink } from '../ui.js';

const FILTERS = ['bucket', 'key', 'status', 'operation'];
const POLL_MS = 1500;
// Journal statuses that no HTTP response carried.
const STATUS_NAMES = { 0: '0 no response', 499: '499 client gone' };

export async function render(root, params, view) {
  const inputs = Object.fromEntries(FILTERS.map((name) => [name, h('input', {
    name, value: params.get(name) || '', autocomplete: 'off', spellcheck: 'false',
    type: name === 'status' ? 'number' : 'text', placeholder: name === 'operation' ? 'e.g. PutObject, OCR' : '' })]));
  const limit = h('select', { name: 'limit' }, [50, 200, 1000].map((n) => h('option', { value: n, selected: String(n) === (params.get('limit') || '200') }, n)));
  const live = h('input', { type: 'checkbox', name: 'live', checked: params.get('live') !== 'off' });
  const count = h('span', { class: 'muted', role: 'status' });
  const list = h('div', { class: 'journal' });
  let timer = null;
  let busy = false;
  let shown = '';  // what is on screen, so an unchanged poll does not rebuild the table
  const opened = new Set();  // request ids whose StringToSign is unfolded, kept across polls
  list.addEventListener('toggle', (event) => {
    const id = event.target.closest('tr')?.dataset.requestId;
    if (id) { if (event.target.open) opened.add(id); else opened.delete(id); }
  }, true);

  const form = h('form', { class: 'card filters', 'aria-label': 'Journal filters', onsubmit: (event) => { event.preventDefault(); apply(); } },
    FILTERS.map((name) => field(name, inputs[name])), field('Show', limit),
    h('label', { class: 'check' }, live, 'Live'),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    h('button', { type: 'button', onclick: reset }, 'Reset filters'),
    h('button', { type: 'button', class: 'danger', onclick: clearJournal }, 'Clear journal'));
  live.addEventListener('change', () => { schedule(); link(); });
  root.append(h('h1', {}, 'Journal'), form, h('div', { class: 'toolbar' }, count), list);

  function filters() {
    return Object.fromEntries(FILTERS.map((name) => [name, inputs[name].value.trim()]));
  }

  function link() {
    setLink('journal', { ...filters(), limit: limit.value === '200' ? '' : limit.value, live: live.checked ? '' : 'off' });
  }

  function apply() { link(); load(); }

  function reset() {
    for (const input of Object.values(inputs)) input.value = '';
    apply();
  }

  async function clearJournal() {
    if (!await confirmDialog('Clear journal', 'Forget every recorded request?', 'Clear')) return;
    try { await api('requests', { method: 'DELETE' }); await load(); } catch (error) { failure(error); }
  }

  async function load() {
    if (busy) return;
    busy = true;
    try {
      const data = await api(`requests${query({ ...filters(), limit: limit.value })}`);
      if (!view.isCurrent()) return;
      const entries = data.requests.slice().reverse();
      const signature = `${live.checked}|${entries.length}|${entries.map((e) => e.request_id).join(',')}`;
      if (signature === shown) return;
      shown = signature;
      count.textContent = `${entries.length} request(s), newest first${live.checked ? ' · live' : ''}`;
      clear(list, entries.length
        ? table(['Time', 'Method', 'Path', 'Operation', 'Status', 'Auth', 'ms'], entries.map((e) => row(e, opened)), { class: 'journal-table' })
        : h('p', { class: 'muted' }, 'No requests match.'));
    } catch (error) {
      if (view.isCurrent()) failure(error);
      live.checked = false;
    } finally {
      busy = false;
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = live.checked ? setInterval(load, POLL_MS) : null;
  }

  await load();
  schedule();
  return () => clearInterval(timer);
}

function row(entry, opened) {
  const failed = entry.status >= 400 || entry.status === 0;
  // A presigned URL's q-* fields say nothing a reader needs here (the Auth column says "presigned").
  const shown = entry.query.split('&').filter((pair) => pair && !/^(q-|x-cos-security-token=)/i.test(pair)).join('&');
  const path = shown ? `${entry.path}?${shown.length > 160 ? `${shown.slice(0, 160)}…` : shown}` : entry.path;
  return h('tr', { class: failed ? 'failed' : '', dataset: { requestId: entry.request_id, operation: entry.operation || '' } },
    h('td', { class: 'nowrap' }, formatTime(entry.time)),
    h('td', {}, entry.method),
    h('td', { class: 'path' }, h('code', { title: entry.query ? `${entry.path}?${entry.query}` : null }, path), entry.bucket ? h('div', { class: 'muted' }, entry.bucket) : null,
      entry.string_to_sign ? h('details', { class: 'sts', open: opened.has(entry.request_id) }, h('summary', {}, 'StringToSign the emulator expected'),
        h('pre', {}, entry.string_to_sign)) : null),
    h('td', {}, entry.operation || '—', entry.ci_process ? h('span', { class: 'tag' }, entry.ci_process) : null),
    h('td', { class: failed ? 'status bad' : 'status' }, STATUS_NAMES[entry.status] || entry.status,
      entry.error_code ? h('div', { class: 'muted' }, entry.error_code) : null,
      entry.fault ? h('span', { class: 'tag', title: 'injected fault' }, `fault: ${entry.fault}`) : null),
    h('td', {}, entry.auth, entry.secret_id ? h('div', { class: 'muted' }, entry.secret_id) : null),
    h('td', { class: 'num' }, entry.duration_ms));
}
