// {{name}}: documentation pages.
import { PluginError, entity, handler } from './portico/index.js';
import { describe } from './logic.js';

const escape = (s) => String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export const docs = {
  hasDocs(e) {
    try { return Boolean(entity.parse(e).description); } catch { return false; }
  },
  renderPage: handler((e, path) => {
    if (path) throw PluginError.notFound(`no page ${path}`);
    const d = entity.parse(e);
    const summary = describe(d.raw);
    const body = d.description ?? '';
    return {
      path,
      title: d.name,
      html: `<h1 id="about">About</h1><p>${escape(summary)}</p><p>${escape(body)}</p>`,
      toc: [{ level: 1, text: 'About', anchor: 'about' }],
      nav: [{ title: 'About', path: '', depth: 0 }],
      text: `${summary}\n${body}`,
    };
  }),
};
