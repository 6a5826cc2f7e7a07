// Outgoing HTTP with the standard `fetch` (componentize-js implements it over the
// `wasi:http/outgoing-handler` import; capability `http` with host patterns), plus helpers
// that turn failures into PluginErrors of the right kind:
//
//   const incidents = await http.getJson(`${api}/incidents`, { headers: { authorization } });
//
// A host that was not granted → `denied`; 401/403 → `denied`; 404/410 → `not-found`;
// 429 → `rate-limited` (saying when to retry); 5xx → `unavailable`; timeouts → `timeout`.

import { PluginError } from './errors.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

function hostOf(url) {
  try { return new URL(url).host; } catch { return url; }
}

/** `fetch` whose network failures are PluginErrors (denied, timeout, unavailable). */
export async function request(url, { timeoutMs = DEFAULT_TIMEOUT_MS, ...init } = {}) {
  let parsed;
  try { parsed = new URL(url); } catch {
    throw PluginError.invalidInput(`${JSON.stringify(url)} is not an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw PluginError.invalidInput(`${url} is not an http(s) URL`);
  }
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(PluginError.timeout(`HTTP request to ${parsed.host} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([fetch(url, init), timeout]);
  } catch (err) {
    throw transportError(err, url);
  } finally {
    clearTimeout(timer);
  }
}

/** The PluginError for a failed `fetch` (no response at all). */
export function transportError(err, url) {
  if (err instanceof PluginError) return err;
  const host = hostOf(url);
  const text = String(err && err.message || err);
  if (/denied|prohibited/i.test(text)) {
    return PluginError.denied(
      `the portal denied the HTTP request to ${host}: the plugin's \`http\` capability does not cover ${host} (ask an admin to grant it)`,
    );
  }
  if (/timeout|timed out/i.test(text)) return PluginError.timeout(`HTTP request to ${host} timed out (${text})`);
  // StarlingMonkey's fetch reports every transport failure, a refused grant included, as a
  // NetworkError; the host logs which it was (and lists denials in the plugin's events).
  return PluginError.unavailable(
    `HTTP request to ${host} failed (${text}): the host is unreachable, or the plugin's \`http\` capability does not cover ${host} (ask an admin to grant it)`,
  );
}

function retryHint(headers) {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const v = retryAfter.trim();
    return /^\d+$/.test(v) ? `retry after ${v} seconds (Retry-After: ${v})` : `retry after ${v} (Retry-After)`;
  }
  const reset = headers.get('x-ratelimit-reset');
  return reset ? `the rate limit resets at ${reset.trim()} (x-ratelimit-reset, Unix seconds)` : undefined;
}

function excerpt(body) {
  const text = String(body || '').split(/\s+/).join(' ').trim();
  if (!text) return '';
  return ` (${text.slice(0, 200)}${text.length > 200 ? '…' : ''})`;
}

/** The PluginError for a non-2xx response (same rules as the Rust SDK), undefined for 2xx. */
export function statusError(status, headers, url, body = '') {
  if (status >= 200 && status < 300) return undefined;
  const what = `${url} answered ${status}${excerpt(body)}`;
  const retry = retryHint(headers);
  if (status === 429 || (status === 403 && headers.get('x-ratelimit-remaining') === '0')) {
    return PluginError.rateLimited(`${what}; ${retry ?? 'retry later'}`);
  }
  if (status === 401) return PluginError.denied(`${what}: the credentials were missing or rejected; check the token secret`);
  if (status === 403) return PluginError.denied(`${what}: the credentials lack permission`);
  if (status === 404 || status === 410) return PluginError.notFound(what);
  if (status === 408) return PluginError.timeout(what);
  if (status >= 500 && status < 600) return PluginError.unavailable(retry ? `${what}; ${retry}` : what);
  if (status >= 300 && status < 400) {
    return PluginError.unavailable(`${what}: redirect to ${headers.get('location') ?? '(no location)'} not followed`);
  }
  return PluginError.invalidInput(what);
}

/** Throws the status's PluginError unless the response is 2xx. */
export async function ensureOk(response, url) {
  if (response.ok) return response;
  const body = await response.text().catch(() => '');
  throw statusError(response.status, response.headers, url, body);
}

/** GET (or `init.method`) `url` and decode a 2xx JSON answer. */
export async function getJson(url, init = {}) {
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  const response = await ensureOk(await request(url, { ...init, headers }), url);
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw PluginError.unavailable(`unexpected JSON from ${url}: ${err.message}`);
  }
}
