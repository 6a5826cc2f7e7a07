// {{name}}: a card on entity pages.
import { entity, handler, ui } from './portico/index.js';
import { describe } from './logic.js';

export const views = {
  viewsFor(_entity) {
    return [{ id: '{{id}}', title: '{{name}}', placement: 'card' }];
  },
  render: handler((_viewId, e, _params) => {
    const d = entity.parse(e);
    return ui.view('{{name}}', [ui.section(undefined, [ui.text(describe(d.raw))])]);
  }),
};
