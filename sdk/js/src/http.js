// Outgoing HTTP over the `wasi:http/outgoing-handler` import (capability `http` with host
// patterns), in an ordinary request style that returns a standard `Response`:
//
//   const incidents = await http.getJson(`${api}/incidents`, { headers: { authorization } });
//
// The request goes straight through wasi:http (not StarlingMonkey's `fetch`, which reports
// every transport failure as the same NetworkError), so failures are PluginErrors of the right
// kind: a host that was not granted → `denied` naming the host; 401/403 → `denied`;
// 404/410 → `not-found`; 429 → `rate-limited` (saying when to retry); 5xx → `unavailable`;
// timeouts → `timeout`. Plain `fetch` works too, with less precise errors.

import { handle } from 'wasi:http/outgoing-handler@0.2.12';
import { Fields, OutgoingBody, OutgoingRequest, RequestOptions } from 'wasi:http/types@0.2.12';
import { PluginError } from './errors.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const CHUNK = 4096;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const dispose = (resource) => resource?.[Symbol.dispose]?.();

function hostOf(url) {
  try { return new URL(url).host; } catch { return url; }
}

const METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

/**
 * Sends a request and reads the whole response, whatever its status; returns a standard
 * `Response`. `init`: `method`, `headers` (object), `body` (string or Uint8Array),
 * `timeoutMs` (connect, first byte, between bytes), `maxResponseBytes`.
 */
export async function request(url, init = {}) {
  return requestSync(url, init);
}

/** `request` without the promise (it blocks on the host anyway). */
export function requestSync(url, { method = 'GET', headers = {}, body, timeoutMs = DEFAULT_TIMEOUT_MS, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES } = {}) {
  let parsed;
  try { parsed = new URL(url); } catch {
    throw PluginError.invalidInput(`${JSON.stringify(url)} is not an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw PluginError.invalidInput(`${url} is not an http(s) URL`);
  }
  const entries = Object.entries(headers).map(([k, v]) => [k.toLowerCase(), encoder.encode(String(v))]);
  let fields;
  try { fields = Fields.fromList(entries); } catch (err) {
    throw PluginError.invalidInput(`invalid request header for ${url}: ${JSON.stringify(err.payload ?? err.message)}`);
  }
  const req = new OutgoingRequest(fields);
  const m = method.toLowerCase();
  req.setMethod(METHODS.has(m) ? { tag: m } : { tag: 'other', val: method.toUpperCase() });
  req.setScheme({ tag: parsed.protocol === 'https:' ? 'HTTPS' : 'HTTP' });
  req.setAuthority(parsed.host);
  req.setPathWithQuery(`${parsed.pathname || '/'}${parsed.search}`);
  const options = new RequestOptions();
  const nanos = BigInt(Math.round(timeoutMs)) * 1_000_000n;
  options.setConnectTimeout(nanos);
  options.setFirstByteTimeout(nanos);
  options.setBetweenBytesTimeout(nanos);

  const outgoingBody = req.body();
  let future;
  try {
    future = handle(req, options);
  } catch (err) {
    throw transportError(err.payload ?? err, url);
  }
  writeBody(outgoingBody, body, url);
  const pollable = future.subscribe();
  pollable.block();
  dispose(pollable);
  const outcome = future.get();
  dispose(future);
  if (outcome === undefined) throw PluginError.internal(`HTTP request to ${url}: no response after waiting`);
  if (outcome.tag === 'err') throw PluginError.internal(`HTTP request to ${url}: the response was already taken`);
  const inner = outcome.val;
  if (inner.tag === 'err') throw transportError(inner.val, url);
  const incoming = inner.val;
  const status = incoming.status();
  const headerFields = incoming.headers();
  const responseHeaders = new Headers();
  for (const [name, value] of headerFields.entries()) responseHeaders.append(name, decoder.decode(value));
  dispose(headerFields);
  const data = readBody(incoming, url, maxResponseBytes);
  dispose(incoming);
  const nullBody = status === 204 || status === 304 || m === 'head';
  return new Response(nullBody ? null : data, { status, headers: responseHeaders });
}

function writeBody(outgoingBody, body, url) {
  const data = body === undefined || body === null ? new Uint8Array() : typeof body === 'string' ? encoder.encode(body) : body;
  try {
    if (data.length) {
      const stream = outgoingBody.write();
      for (let at = 0; at < data.length; at += CHUNK) stream.blockingWriteAndFlush(data.subarray(at, at + CHUNK));
      dispose(stream);
    }
    OutgoingBody.finish(outgoingBody, undefined);
  } catch (err) {
    // A refused request closes the body stream; the response future carries the reason.
    if (data.length) throw PluginError.unavailable(`cannot send the request body to ${url}: ${err.message}`);
  }
}

function readBody(incoming, url, limit) {
  const body = incoming.consume();
  const stream = body.stream();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = stream.blockingRead(65536n);
      } catch (err) {
        if (err.payload?.tag === 'closed') break;
        throw PluginError.unavailable(`reading the response from ${url} failed`);
      }
      size += chunk.length;
      if (size > limit) throw PluginError.unavailable(`the response from ${url} is larger than ${limit} bytes`);
      chunks.push(chunk);
    }
  } finally {
    dispose(stream);
    dispose(body);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** The PluginError for a wasi:http `error-code` (host denial, DNS, TLS, timeouts...). */
export function transportError(code, url) {
  if (code instanceof PluginError) return code;
  const host = hostOf(url);
  const tag = code?.tag ?? String(code?.message ?? code);
  if (tag === 'HTTP-request-denied') {
    return PluginError.denied(
      `the portal denied the HTTP request to ${host}: the plugin's \`http\` capability does not cover ${host} (ask an admin to grant it)`,
    );
  }
  if (tag === 'destination-IP-prohibited') {
    return PluginError.denied(
      `the portal refused to connect to ${host}: its address is not allowed by the egress policy (loopback, link-local and metadata addresses need an explicit grant)`,
    );
  }
  if (['DNS-timeout', 'connection-timeout', 'connection-read-timeout', 'connection-write-timeout', 'HTTP-response-timeout'].includes(tag)) {
    return PluginError.timeout(`HTTP request to ${host} timed out (${tag})`);
  }
  if (tag.startsWith('HTTP-request-')) return PluginError.invalidInput(`HTTP request to ${url} is invalid (${tag})`);
  return PluginError.unavailable(`HTTP request to ${host} failed (${tag})`);
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
  const response = await ensureOk(requestSync(url, { ...init, headers }), url);
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw PluginError.unavailable(`unexpected JSON from ${url}: ${err.message}`);
  }
}
