// Shared page furniture: deep links, notices, confirmation.
import { ApiError } from './api.js';
import { h } from './dom.js';

// Replace the current deep link without re-rendering (views call it when their state changes).
export function setLink(name, params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== '' && value !== undefined && value !== null && value !== false) search.set(key, value);
  const text = search.toString();
  history.replaceState(null, '', `#/${name}${text ? `?${text}` : ''}`);
}

export function notify(message, kind = 'info') {
  const box = document.getElementById('notices');
  const note = h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : null },
    h('span', {}, message),
    h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => note.remove() }, '×'));
  box.append(note);
  if (kind !== 'error') setTimeout(() => note.remove(), 5000);
}

export function failure(error) {
  notify(error instanceof ApiError || error instanceof Error ? error.message : String(error), 'error');
}

export function confirmDialog(title, text, okLabel = 'Delete') {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

