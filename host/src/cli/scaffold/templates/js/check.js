// {{name}}: scorecard checks.
import { entity, handler } from './portico/index.js';
import { describe } from './logic.js';

export const checks = {
  listChecks() {
    return [{ id: 'has-owner', title: 'Has an owner', description: 'spec.owner names the owning team' }];
  },
  evaluate: handler((e) => {
    const d = entity.parse(e);
    return [{ checkId: 'has-owner', outcome: d.owner ? 'pass' : 'fail', message: describe(d.raw), url: undefined }];
  }),
};
