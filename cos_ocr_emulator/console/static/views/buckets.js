// Buckets: every bucket with its object count and size; create, and delete after confirmation.
import { api } from '../api.js';
import { clear, field, formatBytes, formatTime, h, table } from '../dom.js';
import { confirmDialog, failure, notify } from '../ui.js';

export async function render(root, _params, view) {
  const body = h('div');
  root.append(h('h1', {}, 'Buckets'), body);

  async function load() {
    const data = await api('buckets');
    if (!view.isCurrent()) return;
    const rows = data.buckets.map((bucket) => h('tr', { dataset: { bucket: bucket.name } },
      h('td', {}, h('a', { href: `#/objects?bucket=${encodeURIComponent(bucket.name)}`, class: 'bucket-link' }, bucket.name),
        bucket.name === data.default_bucket ? h('span', { class: 'tag' }, 'default') : null,
        bucket.public_read ? h('span', { class: 'tag' }, 'public-read') : null),
      h('td', {}, bucket.region),
      h('td', { class: 'num', dataset: { objects: bucket.objects } }, bucket.objects.toLocaleString('en')),
      h('td', { class: 'num' }, formatBytes(bucket.bytes)),
      h('td', {}, formatTime(bucket.created)),
      h('td', { class: 'row-actions' },
        h('button', { type: 'button', class: 'danger small', onclick: () => remove(bucket),
          'aria-label': `Delete bucket ${bucket.name}` }, 'Delete'))));
    clear(body,
      data.buckets.length ? table(['Name', 'Region', 'Objects', 'Size', 'Created', ''], rows, { class: 'buckets' })
        : h('p', { class: 'muted' }, 'No buckets yet.'),
      createForm(data.appid));
  }

  async function remove(listed) {
    let bucket = listed;
    try {  // the counts on screen may be stale: the dialog must say what will really be deleted
      bucket = (await api('buckets')).buckets.find((b) => b.name === listed.name) || listed;
    } catch (error) { failure(error); return; }
    const text = bucket.objects
      ? `${bucket.name} holds ${bucket.objects} object(s) (${formatBytes(bucket.bytes)}). They will be deleted with it.`
      : `Delete the empty bucket ${bucket.name}?`;
    if (!await confirmDialog('Delete bucket', text)) return;
    try {
      await api(`buckets/${encodeURIComponent(bucket.name)}?force=${bucket.objects ? 'true' : 'false'}`, { method: 'DELETE' });
      notify(`Deleted ${bucket.name}`);
      await load();
    } catch (error) { failure(error); }
  }

  function createForm(appid) {
    const name = h('input', { name: 'name', required: true, placeholder: `photos-${appid}`, pattern: '[a-z0-9][a-z0-9\\-]*',
      autocomplete: 'off', spellcheck: 'false' });
    const pub = h('input', { type: 'checkbox', name: 'public_read' });
    return h('form', { class: 'card inline-form', 'aria-label': 'Create bucket', onsubmit: async (event) => {
      event.preventDefault();
      let value = name.value.trim();
      if (!value.endsWith(`-${appid}`)) value = `${value}-${appid}`;
      try {
        await api(`buckets/${encodeURIComponent(value)}`, { method: 'PUT', body: { public_read: pub.checked } });
        notify(`Created ${value}`);
        await load();
      } catch (error) { failure(error); }
    } },
    h('h2', {}, 'Create a bucket'),
    field('Name', name, `-${appid} is added when missing`),
    h('label', { class: 'check' }, pub, 'public-read'),
    h('button', { type: 'submit', class: 'primary' }, 'Create bucket'));
  }

  await load();
}
