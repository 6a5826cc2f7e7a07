// Named secrets (capability `secrets` with the names).
import * as secrets from 'portico:plugin/secrets@0.1.0';
import { callImport } from './errors.js';

/** The secret's value; throws a PluginError (`denied`, `not-found`) otherwise. */
export function get(name) { return callImport(secrets.get, name); }
