// Catalog entities as plugins receive them: `{ ref: { kind, namespace, name }, descriptor }`
// with the descriptor (Backstage's shape) as JSON text.

import { PluginError } from './errors.js';

export class Descriptor {
  constructor(raw) { this.raw = raw; }

  /** Parses the descriptor of a WIT `entity` (or a JSON string). */
  static parse(entity) {
    const text = typeof entity === 'string' ? entity : entity.descriptor;
    let raw;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw PluginError.invalidInput(`the entity descriptor is not JSON: ${err.message}`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw PluginError.invalidInput('the entity descriptor is not a JSON object');
    }
    return new Descriptor(raw);
  }

  get kind() { return this.raw.kind ?? ''; }
  get metadata() { return this.raw.metadata ?? {}; }
  get spec() { return this.raw.spec ?? {}; }
  get name() { return this.metadata.name ?? ''; }
  get namespace() { return this.metadata.namespace || 'default'; }
  get title() { return this.metadata.title; }
  get description() { return this.metadata.description; }
  get annotations() { return this.metadata.annotations ?? {}; }
  get labels() { return this.metadata.labels ?? {}; }
  get tags() { return this.metadata.tags ?? []; }
  get owner() { return this.spec.owner; }
  get lifecycle() { return this.spec.lifecycle; }
  get system() { return this.spec.system; }
  get type() { return this.spec.type; }
  get relations() { return this.raw.relations ?? []; }

  annotation(key) { return this.annotations[key]; }

  /** `kind:namespace/name`, lower-cased as Backstage compares refs. */
  ref() { return `${this.kind}:${this.namespace}/${this.name}`.toLowerCase(); }

  /** A value by dotted path, e.g. `spec.owner`. */
  get(path, fallback = undefined) {
    let value = this.raw;
    for (const part of path.split('.')) {
      if (value === null || typeof value !== 'object' || !(part in value)) return fallback;
      value = value[part];
    }
    return value;
  }
}

export function parse(entity) {
  return Descriptor.parse(entity);
}
