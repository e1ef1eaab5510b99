// The console shell: token gate, hash router (#/<view>?<params>), tabs, notices.
import { session, setToken } from './api.js';
import { clear, h } from './dom.js';
import * as buckets from './views/buckets.js';
import * as faults from './views/faults.js';
import * as health from './views/health.js';
import * as journal from './views/journal.js';
import * as objects from './views/objects.js';
import * as ocr from './views/ocr.js';

const VIEWS = { buckets, objects, ocr, journal, faults, health };
const TAB_OF = { objects: 'buckets' };
const root = document.getElementById('view');
let cleanup = null;
let generation = 0;

export function parseHash() {
  const text = location.hash.replace(/^#\/?/, '');
  const [name, search = ''] = text.split('?');
  return { name: name || 'buckets', params: new URLSearchParams(search) };
}

async function route() {
  const { name, params } = parseHash();
  const view = VIEWS[name] || buckets;
  const tab = TAB_OF[name] || (VIEWS[name] ? name : 'buckets');
  for (const link of document.querySelectorAll('nav a[data-tab]')) {
    if (link.dataset.tab === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (cleanup) { cleanup(); cleanup = null; }
  generation += 1;
  const mine = generation;
  clear(root);
  document.title = `${tab[0].toUpperCase()}${tab.slice(1)} · cos-ocr-emulator`;
  try {
    const result = await view.render(root, params, { isCurrent: () => mine === generation });
    if (mine === generation && typeof result === 'function') cleanup = result;
    else if (typeof result === 'function') result();
    if (mine === generation) root.dataset.rendered = String(mine);  // tests wait for this
  } catch (error) {
    if (mine === generation) {
      clear(root, h('p', { class: 'error', role: 'alert' }, `Could not load this view: ${error.message}`));
    }
  }
}

async function unlock() {
  let state = await session();
  if (state.authorized) return;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const error = document.getElementById('token-error');
  dialog.addEventListener('cancel', (event) => event.preventDefault());  // the console is useless without it
  dialog.showModal();
  await new Promise((resolve) => {
    document.getElementById('token-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      setToken(input.value);
      state = await session();
      if (state.authorized) { dialog.close(); resolve(); } else { error.textContent = 'That token is not accepted.'; input.select(); }
    });
  });
}

async function start() {
  await unlock();
  window.addEventListener('hashchange', route);
  // Clicking the tab of the view on screen reloads it (the hash does not change, so no hashchange).
  document.querySelector('nav[aria-label="Views"]').addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#/"]');
    if (link && link.getAttribute('href') === location.hash) { event.preventDefault(); route(); }
  });
  await route();
  document.body.dataset.ready = 'true';
}

start();
