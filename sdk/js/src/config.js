// The plugin's configuration: JSON validated by the host against the manifest's schema.
import * as config from 'portico:plugin/config@0.1.0';
import { PluginError } from './errors.js';

export function get() {
  const text = config.get();
  try {
    const value = text ? JSON.parse(text) : {};
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch (err) {
    throw PluginError.internal(`the host sent configuration that is not JSON: ${err.message}`);
  }
}
