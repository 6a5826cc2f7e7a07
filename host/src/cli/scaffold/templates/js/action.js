// {{name}}: a self-service action.
import { PluginError, handler } from './portico/index.js';
import { line } from './portico/taskLog.js';
import { describe } from './logic.js';

const ACTION = '{{id}}:describe';

export const actions = {
  listActions() {
    return [{
      id: ACTION,
      description: 'Describes an entity descriptor',
      inputSchema: '{"type":"object","required":["entity"],"properties":{"entity":{"type":"object"}}}',
      outputSchema: '{"type":"object","properties":{"summary":{"type":"string"}}}',
    }];
  },
  run: handler((actionId, input, context) => {
    if (actionId !== ACTION) throw PluginError.notFound(`no action ${actionId}`);
    let data;
    try { data = JSON.parse(input); } catch (err) { throw PluginError.invalidInput(`input is not JSON: ${err.message}`); }
    const summary = describe(data.entity ?? {});
    line(`${summary} (dry run: ${context.dryRun})`);
    return JSON.stringify({ summary });
  }),
};
