// Objects of one bucket: folders by prefix, paging, upload (picker and drag and drop), download,
// delete and metadata. Bytes go through presigned URLs to the real COS endpoint.
import { api, cos, cosErrorText, presign, query } from '../api.js';
import { clear, formatBytes, formatTime, h, table } from '../dom.js';
import { confirmDialog, failure, notify, setLink } from '../ui.js';

const PAGE_SIZES = [50, 100, 200, 500, 1000];
const OCR_TYPES = /\.(png|jpe?g|bmp|gif|tiff?|webp|pdf)$/i;
const trails = new Map();  // "bucket\nprefix" -> markers of the pages before this one

export async function render(root, params, view) {
  const bucket = params.get('bucket') || '';
  const prefix = params.get('prefix') || '';
  const marker = params.get('marker') || '';
  const size = Number(params.get('size')) || 100;
  const trail = trails.get(`${bucket}\n${prefix}`) || [];
  const listing = h('div', { class: 'listing' });
  const meta = h('aside', { class: 'meta card', 'aria-label': 'Object metadata', hidden: true });
  const progress = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const picker = h('input', { type: 'file', multiple: true, id: 'upload-input', class: 'visually-hidden',
    onchange: () => { upload([...picker.files]); picker.value = ''; } });
  const zone = h('section', { class: 'dropzone', 'aria-label': 'Drop files here to upload' },
    h('div', { class: 'toolbar' },
      h('label', { for: 'upload-input', class: 'button primary', tabindex: 0,
        onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); picker.click(); } } },
      'Upload files…'), picker,
      h('span', { class: 'muted drop-hint' }, `or drop files anywhere here; they go under ${prefix || 'the bucket root'}`),
      h('label', { class: 'page-size' }, 'Per page ',
        h('select', { onchange: (event) => go({ size: event.target.value, marker: '' }, []) },
          PAGE_SIZES.map((n) => h('option', { value: n, selected: n === size }, n))))),
    progress, h('div', { class: 'split' }, listing, meta));

  root.append(breadcrumbs(bucket, prefix), zone);
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add('dragging'); });
  }
  zone.addEventListener('dragleave', (event) => { if (!zone.contains(event.relatedTarget)) zone.classList.remove('dragging'); });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    upload([...(event.dataTransfer?.files || [])]);
  });

  function go(change, newTrail) {
    const next = { bucket, prefix, marker, size, ...change };
    trails.set(`${bucket}\n${next.prefix}`, newTrail);
    location.hash = `#/objects${query({ bucket: next.bucket, prefix: next.prefix, marker: next.marker, size: next.size === 100 ? '' : next.size })}`;
  }

  async function load() {
    const data = await api(`buckets/${encodeURIComponent(bucket)}/objects${query({ prefix, delimiter: '/', marker, max_keys: size })}`);
    if (!view.isCurrent()) return;
    const rows = [
      ...data.prefixes.map((folder) => h('tr', { class: 'folder' },
        h('td', {}, h('a', { href: `#/objects${query({ bucket, prefix: folder })}`, class: 'folder-link' },
          `${folder.slice(prefix.length)}`)),
        h('td', {}, ''), h('td', {}, ''), h('td', {}, 'folder'), h('td', {}, ''))),
      ...data.objects.map((obj) => h('tr', { dataset: { key: obj.key } },
        h('td', {}, h('button', { type: 'button', class: 'link object-link', onclick: () => showMeta(obj.key) },
          obj.key.slice(prefix.length) || obj.key)),
        h('td', { class: 'num' }, formatBytes(obj.size)),
        h('td', {}, formatTime(obj.last_modified)),
        h('td', {}, obj.content_type),
        h('td', { class: 'row-actions' },
          OCR_TYPES.test(obj.key) || obj.content_type.startsWith('image/') || obj.content_type === 'application/pdf'
            ? h('a', { class: 'button small', href: `#/ocr${query({ bucket, key: obj.key })}`, 'aria-label': `OCR ${obj.key}` }, 'OCR') : null,
          h('button', { type: 'button', class: 'small', onclick: () => download(obj.key), 'aria-label': `Download ${obj.key}` }, 'Download'),
          h('button', { type: 'button', class: 'small danger', onclick: () => remove(obj.key), 'aria-label': `Delete ${obj.key}` }, 'Delete')))),
    ];
    const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: !marker, onclick: () => go({ marker: trail.at(-1) ?? '' }, trail.slice(0, -1)) }, '← Previous'),
      h('button', { type: 'button', disabled: !marker, onclick: () => go({ marker: '' }, []) }, 'First page'),
      h('span', { class: 'muted' }, `${data.prefixes.length} folder(s), ${data.objects.length} object(s) on this page`),
      h('button', { type: 'button', disabled: !data.is_truncated, onclick: () => go({ marker: data.next_marker }, [...trail, marker]) }, 'Next →'));
    clear(listing,
      rows.length ? table(['Name', 'Size', 'Last modified', 'Content-Type', ''], rows, { class: 'objects' })
        : h('p', { class: 'muted empty' }, prefix ? 'Nothing under this prefix.' : 'This bucket is empty. Upload files to start.'),
      pager);
  }

  async function showMeta(key) {
    try {
      const info = await api(`buckets/${encodeURIComponent(bucket)}/metadata${query({ key })}`);
      const rows = [
        ['Key', info.key], ['Size', `${formatBytes(info.size)} (${info.size.toLocaleString('en')} bytes)`], ['ETag', info.etag],
        ['Content-Type', info.content_type], ['Last-Modified', formatTime(info.last_modified)],
        ['Storage class', info.storage_class], ['x-cos-hash-crc64ecma', info.crc64], ['Version', info.version_id],
        ...Object.entries(info.headers), ...Object.entries(info.meta),
      ];
      clear(meta,
        h('div', { class: 'meta-head' }, h('h2', {}, 'Metadata'),
          h('button', { type: 'button', class: 'link', 'aria-label': 'Close metadata', onclick: () => { meta.hidden = true; } }, '×')),
        h('dl', {}, rows.map(([name, value]) => [h('dt', {}, name), h('dd', {}, String(value))]),
          h('dt', {}, 'Tags'), info.tags.length
            ? h('dd', { class: 'tags' }, info.tags.map((tag) => h('span', { class: 'tag' }, `${tag.key}=${tag.value}`)))
            : h('dd', { class: 'muted' }, 'none')),
        Object.keys(info.meta).length ? null : h('p', { class: 'muted' }, 'No x-cos-meta-* headers.'));
      meta.hidden = false;
    } catch (error) { failure(error); }
  }

  async function download(key) {
    try {
      const link = h('a', { href: await presign('GET', bucket, key), download: key.split('/').pop() });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) { failure(error); }
  }

  async function remove(key) {
    if (!await confirmDialog('Delete object', `Delete ${key} from ${bucket}?`)) return;
    const response = await cos('DELETE', bucket, key).catch((error) => ({ ok: false, text: async () => error.message, status: 0 }));
    const text = await response.text();
    if (response.ok) { notify(`Deleted ${key}`); await load(); } else failure(cosErrorText(text, response.status));
  }

  async function upload(files) {
    if (!files.length) return;
    let done = 0;
    await Promise.all(files.map(async (file) => {
      const key = prefix + file.name;
      const item = h('li', {}, `${key}: uploading ${formatBytes(file.size)}…`);
      progress.append(item);
      try {
        const response = await cos('PUT', bucket, key, {}, {
          body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
        const text = await response.text();  // read to the end: an unread body counts as an aborted request
        if (!response.ok) throw new Error(cosErrorText(text, response.status));
        item.textContent = `${key}: uploaded (ETag ${response.headers.get('ETag') || '?'})`;
        item.className = 'ok';
        done += 1;
      } catch (error) {
        item.textContent = `${key}: failed — ${error.message}`;
        item.className = 'error';
      }
    }));
    if (done) notify(`Uploaded ${done} of ${files.length} file(s)`);
    setTimeout(() => { for (const li of progress.querySelectorAll('li.ok')) li.remove(); }, 4000);
    await load();
  }

  setLink('objects', { bucket, prefix, marker, size: size === 100 ? '' : size });
  await load();
}

function breadcrumbs(bucket, prefix) {
  const parts = prefix.split('/').filter(Boolean);
  const crumbs = [h('a', { href: '#/buckets' }, 'Buckets'), ' / ',
    h('a', { href: `#/objects${query({ bucket })}` }, bucket)];
  let path = '';
  for (const part of parts) {
    path += `${part}/`;
    crumbs.push(' / ', h('a', { href: `#/objects${query({ bucket, prefix: path })}` }, `${part}/`));
  }
  return h('h1', { class: 'crumbs' }, h('nav', { 'aria-label': 'Breadcrumb' }, crumbs));
}
