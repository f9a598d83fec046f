// HTTP helpers: JSON requests with the session's bearer token, tokens kept per session code.

/** Tokens of a session from localStorage: {student_token, instructor_token?}. */
export function tokens(code) {
  try { return JSON.parse(localStorage.getItem(`perfuse:${code}`) || '{}'); } catch { return {}; }
}

/** Remembers tokens of a session (merged with what is already known). */
export function saveTokens(code, values) {
  localStorage.setItem(`perfuse:${code}`, JSON.stringify({ ...tokens(code), ...values }));
}

/** A failed request: the server's {error: {field, message, line}}. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error && error.message ? `${error.field}: ${error.message}` : `HTTP ${status}`);
    this.status = status; this.field = error && error.field; this.line = error && error.line;
  }
}

/** fetch + JSON with an optional bearer token; throws ApiError on 4xx/5xx. */
export async function request(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    let error = null;
    try { error = (await response.json()).error; } catch { /* not JSON */ }
    throw new ApiError(response.status, error);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

/** Session code from ?code=. */
export function codeFromUrl() {
  return (new URLSearchParams(location.search).get('code') || '').toUpperCase();
}

/** h:mm:ss */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Element helper: el('div', {class: 'x'}, child, 'text'). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    // Through the CSSOM: the Content-Security-Policy forbids style attributes (no unsafe-inline).
    else if (k === 'style') node.style.cssText = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== false && v !== undefined && v !== null) node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
