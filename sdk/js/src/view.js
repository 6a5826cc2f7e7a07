// Builders for the declarative view tree (`portico:plugin/view-types`): plugins return data,
// the host renders it with its own templates and escaping.

export const view = (title, sections = []) => ({ title, sections });
export const section = (title, blocks = []) => ({ title, blocks });

export const text = (value) => ({ tag: 'text', val: value });
export const markdown = (value) => ({ tag: 'markdown', val: value });
export const fields = (list) => ({ tag: 'fields', val: list });
export const field = (label, value) => ({ label, value: typeof value === 'string' ? cell.text(value) : value });
export const table = (columns, rows, emptyText) => ({ tag: 'table', val: { columns, rows, emptyText } });
export const links = (list) => ({ tag: 'links', val: list });
export const badges = (list) => ({ tag: 'badges', val: list });
export const status = (state, label) => ({ tag: 'status', val: { state, label } });
export const code = (language, content) => ({ tag: 'code', val: { language, content } });
export const notice = (tone, title, message) => ({ tag: 'notice', val: { tone, title, message } });

export const link = (label, url) => ({ label, target: { tag: 'url', val: url } });
export const viewLink = (label, params) => ({ label, target: { tag: 'view', val: Object.entries(params) } });
export const badge = (label, tone = 'neutral') => ({ label, tone });

/** Table cells and field values. */
export const cell = {
  text: (value) => ({ tag: 'text', val: String(value) }),
  link: (label, url) => ({ tag: 'link', val: link(label, url) }),
  badge: (label, tone = 'neutral') => ({ tag: 'badge', val: badge(label, tone) }),
  status: (state, label) => ({ tag: 'status', val: { state, label } }),
  code: (value) => ({ tag: 'code', val: String(value) }),
  timestamp: (rfc3339) => ({ tag: 'timestamp', val: rfc3339 }),
  durationMs: (ms) => ({ tag: 'duration-ms', val: BigInt(Math.max(0, Math.round(ms))) }),
  empty: () => ({ tag: 'empty' }),
};

/** A view explaining an error (for views that prefer a message over a failed call). */
export function errorView(title, err) {
  const kind = err && err.kind ? err.kind : 'internal';
  const tone = kind === 'denied' || kind === 'rate-limited' ? 'warning' : 'danger';
  return view(title, [section(undefined, [notice(tone, kind, err && err.detail ? err.detail : String(err))])]);
}
