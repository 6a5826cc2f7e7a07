// Portico plugin SDK for JavaScript (componentize-js): helpers over the
// `portico:plugin@0.1.0` imports. Build and pack with `node build.mjs PROJECT`.

export { PluginError, handler } from './errors.js';
export * as entity from './entity.js';
export * as http from './http.js';
export * as kv from './kv.js';
export * as secrets from './secrets.js';
export * as config from './config.js';
export * as log from './log.js';
export * as catalog from './catalog.js';
export * as ui from './view.js';
