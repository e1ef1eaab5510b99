// Talking to the emulator: the admin JSON API (with the admin token when one is set) and the real COS
// endpoint through presigned URLs, so object bytes and OCR take exactly the path an SDK takes.
const TOKEN_KEY = 'cos-emulator-admin-token';
let token = sessionStorage.getItem(TOKEN_KEY) || '';

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function setToken(value) {
  token = value;
  sessionStorage.setItem(TOKEN_KEY, value);
}

// Always 200: whether a token is needed and whether ours is accepted.
export async function session() {
  const response = await fetch('/_emulator/ui/session', { headers: authHeaders() });
  return response.json();
}

export async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = authHeaders();
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`/_emulator/${path}`, { method, headers, body: payload });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let code;
    try {
      const data = await response.json();
      code = data.error;
      message = data.message || (typeof data.detail === 'string' ? data.detail : JSON.stringify(data.detail ?? data));
    } catch { /* not JSON: keep the status line */ }
    throw new ApiError(response.status, message, code);
  }
  return raw ? response : response.json();
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function presign(method, bucket, key, params = {}) {
  const { url } = await api('presign', { method: 'POST', body: { method, bucket, key, params } });
  return url;
}

// A COS request through a presigned URL; the response is returned as it came (errors are COS XML).
export async function cos(method, bucket, key, params = {}, init = {}) {
  const url = await presign(method, bucket, key, params);
  return fetch(url, { method, ...init });
}

// <Error><Code>…</Code><Message>…</Message></Error> -> "Code: Message"
export function cosErrorText(xmlText, status) {
  const doc = new DOMParser().parseFromString(xmlText || '<x/>', 'application/xml');
  const code = doc.querySelector('Error > Code')?.textContent;
  const message = doc.querySelector('Error > Message')?.textContent;
  return code ? `${status} ${code}: ${message || ''}` : `HTTP ${status}`;
}
