// {{name}}: a catalog source.
import { PluginError, handler, log } from './portico/index.js';
import { describe } from './logic.js';

export const provider = {
  locationTypes() {
    return [];
  },
  readLocation: handler((locationType, _target) => {
    throw PluginError.invalidInput(`{{id}} reads no \`${locationType}\` locations`);
  }),
  discover: handler(() => {
    const descriptor = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: '{{id}}-example', description: 'Discovered by {{name}}' },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'experimental' },
    };
    log.info(describe(descriptor));
    return { entities: [{ descriptor: JSON.stringify(descriptor), location: '{{id}}:example' }], errors: [] };
  }),
};
