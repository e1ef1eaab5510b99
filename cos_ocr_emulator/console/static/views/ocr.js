// OCR: run the real `GET /<key>?ci-process=OCR` through a presigned URL and draw the response's own
// polygons over the picture they refer to (the image as displayed, or the rasterized PDF page).
import { api, presign, query } from '../api.js';
import { clear, field, h } from '../dom.js';
import { parseOcr, pointsAttr } from '../ocr-xml.js';
import { failure, setLink } from '../ui.js';

const TYPES = ['general', 'accurate', 'efficient', 'fast', 'handwriting'];
const LANGUAGES = ['zh', 'zh_rare', 'auto', 'mix', 'jap', 'kor', 'spa', 'fre', 'ger', 'por', 'vie', 'may',
  'rus', 'ita', 'hol', 'swe', 'fin', 'dan', 'nor', 'hun', 'tha', 'hi', 'ara'];
let frameUrl = null;  // the blob: URL of the picture on screen, revoked when replaced

export async function render(root, params, view) {
  const { buckets, default_bucket: fallback } = await api('buckets?totals=false');
  if (!view.isCurrent()) return undefined;
  const chosen = params.get('bucket') || fallback;
  const controls = {
    bucket: h('select', { name: 'bucket' }, buckets.map((b) => h('option', { value: b.name, selected: b.name === chosen }, b.name))),
    key: h('input', { name: 'key', required: true, value: params.get('key') || '', list: 'ocr-keys', autocomplete: 'off', spellcheck: 'false' }),
    type: h('select', { name: 'type' }, TYPES.map((t) => h('option', { value: t, selected: t === (params.get('type') || 'general') }, t))),
    language: h('select', { name: 'language-type' },
      LANGUAGES.map((code) => h('option', { value: code, selected: code === (params.get('language-type') || 'zh') }, code))),
    isword: h('input', { type: 'checkbox', name: 'isword', checked: params.get('isword') === 'true' }),
    wordPolygon: h('input', { type: 'checkbox', name: 'enable-word-polygon', checked: params.get('enable-word-polygon') === 'true' }),
    page: h('input', { type: 'number', name: 'pdf-pagenumber', min: 1, value: params.get('page') || '1', inputmode: 'numeric' }),
  };
  const keys = h('datalist', { id: 'ocr-keys' });
  const result = h('section', { class: 'ocr-result', 'aria-label': 'OCR result' });
  const form = h('form', { class: 'card ocr-form', 'aria-label': 'OCR request', onsubmit: (event) => { event.preventDefault(); run(); } },
    field('Bucket', controls.bucket, null, 'f-bucket'), field('Key', controls.key, null, 'f-key'), keys,
    field('type', controls.type), field('language-type', controls.language, 'type=general only'),
    h('label', { class: 'check' }, controls.isword, 'isword'),
    h('label', { class: 'check' }, controls.wordPolygon, 'enable-word-polygon'),
    field('PDF page', controls.page),
    h('button', { type: 'submit', class: 'primary', id: 'run-ocr' }, 'Run OCR'));
  const applies = () => {
    const type = controls.type.value;
    controls.language.disabled = type !== 'general';
    controls.isword.disabled = !['general', 'accurate'].includes(type);
    controls.wordPolygon.disabled = type !== 'handwriting';
  };
  controls.type.addEventListener('change', applies);
  controls.bucket.addEventListener('change', () => suggest(controls.bucket.value, keys));
  applies();
  root.append(h('h1', {}, 'OCR'), form, result);
  suggest(controls.bucket.value, keys);

  async function run() {
    const request = {
      bucket: controls.bucket.value, key: controls.key.value, type: controls.type.value,
      language: controls.language.value, isword: controls.isword.checked && !controls.isword.disabled,
      wordPolygon: controls.wordPolygon.checked && !controls.wordPolygon.disabled, page: Number(controls.page.value) || 1,
    };
    setLink('ocr', {
      bucket: request.bucket, key: request.key, type: request.type,
      'language-type': request.type === 'general' && request.language !== 'zh' ? request.language : '',
      isword: request.isword ? 'true' : '', 'enable-word-polygon': request.wordPolygon ? 'true' : '',
      page: request.page > 1 ? request.page : '',
    });
    clear(result, h('p', { class: 'muted', role: 'status' }, `Running OCR on ${request.key}…`));
    result.dataset.state = 'running';
    const frame = await loadFrame(request).catch((error) => ({ error }));
    const ocrParams = { 'ci-process': 'OCR', type: request.type };
    if (request.type === 'general') ocrParams['language-type'] = request.language;
    if (request.isword) ocrParams.isword = 'true';
    if (request.wordPolygon) ocrParams['enable-word-polygon'] = 'true';
    if (frame.pdfPages > 0) { ocrParams.ispdf = 'true'; ocrParams['pdf-pagenumber'] = String(request.page); }
    try {
      const url = await presign('GET', request.bucket, request.key, ocrParams);
      const started = performance.now();
      const response = await fetch(url);
      const xml = await response.text();
      const elapsed = performance.now() - started;
      if (!view.isCurrent()) return;
      show(result, { request, frame, response, xml, elapsed, url });
    } catch (error) {
      failure(error);
      clear(result, h('p', { class: 'error' }, error.message));
    }
    result.dataset.state = 'done';
  }

  if (controls.key.value) await run();
  return () => { if (frameUrl) { URL.revokeObjectURL(frameUrl); frameUrl = null; } };
}

async function suggest(bucket, list) {
  try {
    const data = await api(`buckets/${encodeURIComponent(bucket)}/objects${query({ max_keys: 1000 })}`);
    clear(list, data.objects.map((obj) => h('option', { value: obj.key })));
  } catch { clear(list); }
}

async function loadFrame(request) {
  const response = await api(`buckets/${encodeURIComponent(request.bucket)}/render${query({ key: request.key, page: request.page })}`, { raw: true });
  if (frameUrl) URL.revokeObjectURL(frameUrl);
  frameUrl = URL.createObjectURL(await response.blob());
  return {
    url: frameUrl,
    width: Number(response.headers.get('X-Image-Width')),
    height: Number(response.headers.get('X-Image-Height')),
    pdfPages: Number(response.headers.get('X-Pdf-Page-Size')),
  };
}

function show(root, { request, frame, response, xml, elapsed, url }) {
  let parsed;
  try { parsed = parseOcr(xml); } catch (error) { parsed = { error: { code: 'Unparseable', message: error.message } }; }
  const requestId = response.headers.get('x-cos-request-id');
  const facts = [
    ['HTTP', `${response.status}`], ['Request time', `${Math.round(elapsed)} ms`], ['x-cos-request-id', requestId || '—'],
  ];
  if (!parsed.error) {
    facts.push(['Lines', parsed.lines.length], ['Language', parsed.language], ['Angel', parsed.angel],
      ['PdfPageSize', parsed.pdfPageSize]);
  }
  const summary = h('dl', { class: 'facts', 'aria-label': 'Response summary' },
    facts.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', { dataset: { fact: name } }, String(value)))));
  const panels = {
    overlay: parsed.error ? errorPanel(parsed.error) : overlayPanel(parsed, frame),
    xml: h('div', {}, h('p', { class: 'muted' }, 'The body exactly as the COS endpoint returned it, indented for reading. ',
      h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open the presigned request')), h('pre', { class: 'xml', tabindex: 0 }, indentXml(xml))),
    sdk: h('div', {}, h('p', { class: 'muted' }, 'The same request from the Python SDK (cos-python-sdk-v5), for a test:'),
      h('pre', { class: 'xml', tabindex: 0 }, sdkCall(request, frame.pdfPages > 0))),
  };
  const tabs = h('div', { role: 'tablist', class: 'subtabs', 'aria-label': 'Result views' },
    [['overlay', 'Overlay'], ['xml', 'Raw XML'], ['sdk', 'SDK call']].map(([id, label], i) => h('button', {
      type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': i === 0 ? 'true' : 'false', 'aria-controls': `panel-${id}`,
      onclick: (event) => select(event.currentTarget, id) }, label)));
  const holders = Object.entries(panels).map(([id, panel], i) =>
    h('div', { role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, hidden: i !== 0 }, panel));
  function select(button, id) {
    for (const tab of tabs.children) tab.setAttribute('aria-selected', tab === button ? 'true' : 'false');
    for (const holder of holders) holder.hidden = holder.id !== `panel-${id}`;
  }
  clear(root, summary, tabs, holders);
  root.dataset.lines = parsed.error ? '' : String(parsed.lines.length);
}

function sdkCall(request, ispdf) {
  const py = (value) => (value ? 'True' : 'False');
  return `result = client.ci_ocr_process(
    Bucket=${JSON.stringify(request.bucket)},
    Key=${JSON.stringify(request.key)},
    Type=${JSON.stringify(request.type)},
    LanguageType=${JSON.stringify(request.language)},
    Ispdf=${py(ispdf)},
    PdfPagenumber=${request.page},
    Isword=${py(request.isword)},
    EnableWordPolygon=${py(request.wordPolygon)},
)
lines = result.get("TextDetections", [])
if isinstance(lines, dict):  # the SDK's XML parser gives a dict, not a list, for a single line
    lines = [lines]
for line in lines:
    print(line["DetectedText"], line["Confidence"], [(p["X"], p["Y"]) for p in line["Polygon"]])`;
}

function errorPanel(error) {
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, error.code || 'Error'), ': ', error.message || '',
    error.requestId ? h('div', { class: 'muted' }, `RequestId ${error.requestId}`) : null);
}

function overlayPanel(parsed, frame) {
  if (frame.error) {
    return h('div', {}, h('p', { class: 'error' }, `The picture cannot be shown: ${frame.error.message}`), lineList(parsed, () => {}));
  }
  const svg = h('svg:svg', { class: 'overlay', viewBox: `0 0 ${frame.width} ${frame.height}`, preserveAspectRatio: 'none',
    role: 'img', 'aria-label': `${parsed.lines.length} OCR line polygons` });
  const layers = { item: h('svg:g', { class: 'layer-item', hidden: true }), line: h('svg:g', { class: 'layer-line' }),
    word: h('svg:g', { class: 'layer-word' }), wordPolygon: h('svg:g', { class: 'layer-word-polygon' }) };
  svg.append(layers.item, layers.line, layers.word, layers.wordPolygon);
  for (const line of parsed.lines) {
    const tip = `${line.text} (confidence ${line.confidence})`;
    layers.line.append(h('svg:polygon', { 'data-kind': 'line', 'data-index': line.index, 'data-confidence': line.confidence,
      points: pointsAttr(line.polygon), class: confidenceClass(line.confidence) }, h('svg:title', {}, tip)));
    if (line.item) {
      const { x, y, width, height } = line.item;
      layers.item.append(h('svg:polygon', { 'data-kind': 'item', 'data-index': line.index,
        points: pointsAttr([[x, y], [x + width, y], [x + width, y + height], [x, y + height]]) }));
    }
    for (const word of line.words) {
      if (word.polygon.length) {
        layers.word.append(h('svg:polygon', { 'data-kind': 'word', 'data-line': line.index, points: pointsAttr(word.polygon) },
          h('svg:title', {}, `${word.text} (confidence ${word.confidence})`)));
      }
    }
    for (const quad of line.wordPolygons) {
      layers.wordPolygon.append(h('svg:polygon', { 'data-kind': 'word-polygon', 'data-line': line.index, points: pointsAttr(quad) }));
    }
  }
  const image = h('img', { src: frame.url, alt: 'The page the OCR read', width: frame.width, height: frame.height, class: 'frame' });
  const stage = h('div', { class: 'stage fit' }, image, svg);
  const list = lineList(parsed, highlight);
  function highlight(index, scroll) {
    for (const el of document.querySelectorAll('.ocr-result .hot')) el.classList.remove('hot');
    if (index === null) return;
    for (const el of document.querySelectorAll(`.ocr-result [data-index="${index}"], .ocr-result [data-line="${index}"]`)) el.classList.add('hot');
    if (scroll) list.querySelector(`li[data-index="${index}"]`)?.scrollIntoView({ block: 'nearest' });
  }
  svg.addEventListener('mouseover', (event) => {
    const target = event.target.closest('polygon');
    if (target) highlight(target.dataset.index ?? target.dataset.line, true);  // a word lights up its line
  });
  svg.addEventListener('mouseleave', () => highlight(null));
  const toggle = (label, layer, on) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', checked: on, onchange: (event) => layer.toggleAttribute('hidden', !event.target.checked) }), label);
  const toolbar = h('div', { class: 'toolbar overlay-controls', role: 'group', 'aria-label': 'Overlay layers' },
    toggle('Lines (Polygon)', layers.line, true),
    parsed.lines.some((l) => l.words.length) ? toggle('Words', layers.word, true) : null,
    parsed.lines.some((l) => l.wordPolygons.length) ? toggle('WordPolygon', layers.wordPolygon, true) : null,
    h('label', { class: 'check', title: 'ItemPolygon is in the rotation-corrected frame; with Angel ≠ 0 it is offset from the picture' },
      h('input', { type: 'checkbox', name: 'item-polygon', onchange: (event) => layers.item.toggleAttribute('hidden', !event.target.checked) }), 'ItemPolygon'),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: true,
      onchange: (event) => stage.classList.toggle('fit', event.target.checked) }), 'Fit width'),
    h('span', { class: 'muted' }, `${frame.width}×${frame.height} px${frame.pdfPages ? `, PDF page of ${frame.pdfPages}` : ''}`));
  return h('div', {}, toolbar, h('div', { class: 'split ocr-split' }, h('div', { class: 'stage-wrap' }, stage), list));
}

function lineList(parsed, highlight) {
  const items = parsed.lines.map((line) => h('li', {
    tabindex: 0, 'data-index': line.index,
    onmouseenter: () => highlight(line.index), onmouseleave: () => highlight(null),
    onfocus: () => highlight(line.index), onblur: () => highlight(null),
  },
  h('span', { class: 'line-text' }, line.text || '∅'),
  h('span', { class: `conf ${confidenceClass(line.confidence)}`, title: 'Confidence' }, String(line.confidence)),
  line.words.length ? h('span', { class: 'muted words' }, `${line.words.length} word(s)`) : null));
  return h('section', { class: 'lines card', 'aria-label': 'Recognized lines' },
    h('h2', {}, `Lines (${parsed.lines.length})`),
    items.length ? h('ol', {}, items) : h('p', { class: 'muted' }, 'No text was found.'));
}

function confidenceClass(confidence) {
  if (confidence >= 90) return 'high';
  if (confidence >= 70) return 'mid';
  return 'low';
}

// Indentation for reading only; the bytes themselves are linked above.
function indentXml(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.querySelector('parsererror')) return xml;
  const out = [];
  const walk = (node, depth) => {
    const pad = '  '.repeat(depth);
    const elements = [...node.children];
    if (!elements.length) {
      out.push(`${pad}<${node.tagName}>${escapeXml(node.textContent)}</${node.tagName}>`);
      return;
    }
    out.push(`${pad}<${node.tagName}>`);
    for (const child of elements) walk(child, depth + 1);
    out.push(`${pad}</${node.tagName}>`);
  };
  walk(doc.documentElement, 0);
  const prolog = xml.startsWith('<?xml') ? xml.slice(0, xml.indexOf('?>') + 2) : '';
  return [prolog, ...out].filter(Boolean).join('\n');
}

function escapeXml(value) {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
