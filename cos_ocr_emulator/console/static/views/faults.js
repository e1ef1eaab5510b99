// Faults and canned OCR: list, add and remove fault rules and fixed OCR answers.
import { api, query } from '../api.js';
import { clear, field, h, table } from '../dom.js';
import { confirmDialog, failure, notify } from '../ui.js';

const ACTIONS = ['error', 'delay', 'drop', 'truncate', 'reset'];
const OPERATIONS = ['', 'GetObject', 'PutObject', 'HeadObject', 'DeleteObject', 'ListObjects', 'OCR', 'PutObjectCopy',
  'InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'ListBuckets', 'PutBucket', 'DeleteBucket', 'HeadBucket'];
const SAMPLE = JSON.stringify({ lines: [{ text: 'Hello', confidence: 99, polygon: [[10, 20], [110, 20], [110, 50], [10, 50]] }],
  language: 'zh', angle: 0.0 }, null, 2);

export async function render(root, _params, view) {
  const faultList = h('div');
  const cannedList = h('div');
  root.append(h('h1', {}, 'Faults'),
    h('section', { 'aria-label': 'Fault rules' }, h('h2', {}, 'Fault rules'),
      h('p', { class: 'muted' }, 'The first rule that matches a COS request fires (the admin API and this console are never affected).'),
      faultForm(loadFaults), faultList),
    h('section', { 'aria-label': 'Canned OCR results' }, h('h2', {}, 'Canned OCR results'),
      h('p', { class: 'muted' }, 'A fixed answer for an object, a content SHA-256 or a detect-url, rendered like a real result.'),
      cannedForm(loadCanned), cannedList));

  async function loadFaults() {
    const { faults } = await api('faults');
    if (!view.isCurrent()) return;
    const rows = faults.map((rule) => h('tr', { dataset: { faultId: rule.id } },
      h('td', { class: 'num' }, rule.id), h('td', {}, rule.action),
      h('td', {}, [rule.bucket && `bucket=${rule.bucket}`, rule.key && `key=${rule.key}`, rule.operation && `op=${rule.operation}`]
        .filter(Boolean).join(' ') || 'every request'),
      h('td', {}, rule.action === 'error' ? `${rule.status} ${rule.code}` : rule.action === 'delay' ? `${rule.delay_seconds} s` : '—'),
      h('td', { class: 'num' }, `${rule.fired} / ${rule.times ?? '∞'}`),
      h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove fault ${rule.id}`,
        onclick: async () => {
          try { await api(`faults/${rule.id}`, { method: 'DELETE' }); await loadFaults(); } catch (error) { failure(error); }
        } }, 'Remove'))));
    clear(faultList, rows.length
      ? [table(['#', 'Action', 'Matches', 'Answer', 'Fired', ''], rows, { class: 'faults' }),
        h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!await confirmDialog('Remove all fault rules', `Remove ${rows.length} rule(s)?`, 'Remove all')) return;
          try { await api('faults', { method: 'DELETE' }); await loadFaults(); } catch (error) { failure(error); }
        } }, 'Remove all rules')]
      : h('p', { class: 'muted' }, 'No fault rules.'));
  }

  async function loadCanned() {
    const { ocr_results: entries } = await api('ocr-results');
    if (!view.isCurrent()) return;
    const rows = entries.map((entry) => {
      const match = entry.key !== undefined ? { bucket: entry.bucket, key: entry.key }
        : entry.sha256 !== undefined ? { sha256: entry.sha256 } : { detect_url: entry.detect_url };
      const label = entry.key !== undefined ? `${entry.bucket === '*' ? 'any bucket' : entry.bucket} / ${entry.key}`
        : entry.sha256 !== undefined ? `sha256 ${entry.sha256}` : `detect-url ${entry.detect_url}`;
      const lines = entry.result.lines || [];
      return h('tr', {},
        h('td', {}, label),
        h('td', {}, `${lines.length} line(s): ${lines.map((l) => l.text).join(' / ').slice(0, 80)}`),
        h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove canned result ${label}`,
          onclick: async () => {
            try { await api(`ocr-results/entry${query(match)}`, { method: 'DELETE' }); await loadCanned(); } catch (error) { failure(error); }
          } }, 'Remove')));
    });
    clear(cannedList, rows.length ? table(['Matches', 'Result', ''], rows, { class: 'canned' })
      : h('p', { class: 'muted' }, 'No canned OCR results.'));
  }

  await Promise.all([loadFaults(), loadCanned()]);
}

function faultForm(reload) {
  const c = {
    action: h('select', { name: 'action' }, ACTIONS.map((a) => h('option', { value: a }, a))),
    bucket: h('input', { name: 'bucket', autocomplete: 'off', placeholder: 'any' }),
    key: h('input', { name: 'key', autocomplete: 'off', placeholder: 'glob, e.g. photos/*.jpg' }),
    operation: h('select', { name: 'operation' }, OPERATIONS.map((op) => h('option', { value: op }, op || 'any'))),
    status: h('input', { name: 'status', type: 'number', value: '503', min: 100, max: 599 }),
    code: h('input', { name: 'code', value: 'ServiceUnavailable', autocomplete: 'off' }),
    message: h('input', { name: 'message', autocomplete: 'off' }),
    delay: h('input', { name: 'delay_seconds', type: 'number', value: '1', min: 0, step: 0.1 }),
    times: h('input', { name: 'times', type: 'number', min: 1, placeholder: 'forever' }),
  };
  const form = h('form', { class: 'card inline-form', 'aria-label': 'Add fault rule', onsubmit: async (event) => {
    event.preventDefault();
    const body = { action: c.action.value, bucket: c.bucket.value.trim() || null, key: c.key.value.trim() || null,
      operation: c.operation.value || null, status: Number(c.status.value), code: c.code.value.trim(),
      message: c.message.value, delay_seconds: Number(c.delay.value) || 0, times: c.times.value ? Number(c.times.value) : null };
    try {
      const rule = await api('faults', { method: 'POST', body });
      notify(`Added fault rule ${rule.id}`);
      await reload();
    } catch (error) { failure(error); }
  } },
  field('Action', c.action), field('Bucket', c.bucket), field('Key', c.key), field('Operation', c.operation),
  field('Status', c.status), field('Code', c.code), field('Message', c.message), field('Delay (s)', c.delay),
  field('Times', c.times), h('button', { type: 'submit', class: 'primary' }, 'Add fault'));
  return form;
}

function cannedForm(reload) {
  const kind = h('select', { name: 'match' }, [['key', 'bucket + key'], ['sha256', 'content SHA-256'], ['detect_url', 'detect-url']]
    .map(([value, label]) => h('option', { value }, label)));
  const bucket = h('input', { name: 'bucket', autocomplete: 'off', placeholder: 'any' });
  const value = h('input', { name: 'value', required: true, autocomplete: 'off', spellcheck: 'false' });
  const result = h('textarea', { name: 'result', rows: 8, spellcheck: 'false' }, SAMPLE);
  kind.addEventListener('change', () => { bucket.disabled = kind.value !== 'key'; });
  return h('form', { class: 'card inline-form canned-form', 'aria-label': 'Add canned OCR result', onsubmit: async (event) => {
    event.preventDefault();
    let parsed;
    try { parsed = JSON.parse(result.value); } catch (error) { failure(`The result is not JSON: ${error.message}`); return; }
    const body = { result: parsed, [kind.value]: value.value.trim() };
    if (kind.value === 'key' && bucket.value.trim()) body.bucket = bucket.value.trim();
    try {
      await api('ocr-results', { method: 'PUT', body });
      notify('Canned OCR result stored');
      await reload();
    } catch (error) { failure(error); }
  } },
  field('Match by', kind), field('Bucket', bucket), field('Key / SHA-256 / URL', value),
  field('Result (JSON)', result, 'lines[].text, confidence, polygon (four [x, y]); language; angle'),
  h('button', { type: 'submit', class: 'primary' }, 'Add canned result'));
}
