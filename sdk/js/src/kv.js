// The plugin's private key/value store (capability `kv`); without the grant every call
// throws a PluginError of kind `denied`.

import * as kv from 'portico:plugin/kv@0.1.0';
import { callImport, PluginError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function get(key) { return callImport(kv.get, key); }

export function getText(key) {
  const value = get(key);
  return value === undefined || value === null ? undefined : decoder.decode(value);
}

/** The JSON value under `key`, or undefined; a value that is not JSON counts as absent. */
export function getJson(key) {
  const text = getText(key);
  if (text === undefined) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}

export function set(key, value, ttlSeconds) { callImport(kv.set, key, value, ttlSeconds); }
export function setText(key, value, ttlSeconds) { set(key, encoder.encode(value), ttlSeconds); }

export function setJson(key, value, ttlSeconds) {
  let text;
  try { text = JSON.stringify(value); } catch (err) {
    throw PluginError.internal(`cannot store ${key} as JSON: ${err.message}`);
  }
  setText(key, text, ttlSeconds);
}

export function remove(key) { callImport(kv.delete, key); }
export function listKeys(prefix = '', limit = 100) { return callImport(kv.listKeys, prefix, limit); }
