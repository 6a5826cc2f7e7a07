// Read-only catalog access (capability `catalog`).
import * as catalog from 'portico:plugin/catalog@0.1.0';
import { Descriptor } from './entity.js';
import { callImport, PluginError } from './errors.js';

/** The entity `kind:namespace/name` (namespace defaults to `default`), or undefined. */
export function getEntity(ref) {
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(ref);
  if (!match) throw PluginError.invalidInput(`${JSON.stringify(ref)} is not an entity ref like component:default/name`);
  const found = callImport(catalog.getEntity, { kind: match[1], namespace: match[2] ?? 'default', name: match[3] });
  return found ? Descriptor.parse(found) : undefined;
}

/** Entities matching a catalog filter such as `kind=component,spec.type=service`. */
export function query(filter, limit = 100) {
  return callImport(catalog.queryEntities, filter, limit).map((e) => Descriptor.parse(e));
}
