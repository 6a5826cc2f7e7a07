// An `entity-view` plugin: on-call and open incidents from PagerDuty's REST API v2.
import { PluginError, config, entity, handler, http, secrets, ui } from '../../src/index.js';

const ANNOTATION = 'pagerduty.com/service-id';
const TITLE = 'On call';
const STATE = { triggered: 'error', acknowledged: 'warning', resolved: 'ok' };

function pagerduty(settings, token) {
  const base = (settings.api_url ?? 'https://api.pagerduty.com').replace(/\/+$/, '');
  const headers = { accept: 'application/vnd.pagerduty+json;version=2', authorization: `Token token=${token}` };
  return (path) => http.getJson(`${base}${path}`, { headers, timeoutMs: 5000 });
}

async function render(entityArg) {
  const d = entity.parse(entityArg);
  const serviceId = d.annotation(ANNOTATION);
  if (!serviceId) throw PluginError.invalidInput(`${d.ref()} has no ${ANNOTATION} annotation`);
  const settings = config.get();
  const get = pagerduty(settings, secrets.get('pagerduty-token'));
  const id = encodeURIComponent(serviceId);
  const service = (await get(`/services/${id}`)).service;
  const policy = service.escalation_policy?.id;
  const oncalls = policy ? (await get(`/oncalls?escalation_policy_ids[]=${encodeURIComponent(policy)}&earliest=true`)).oncalls : [];
  const limit = settings.max_incidents ?? 10;
  const { incidents } = await get(`/incidents?service_ids[]=${id}&statuses[]=triggered&statuses[]=acknowledged&limit=${limit}`);

  const people = oncalls
    .slice()
    .sort((a, b) => a.escalation_level - b.escalation_level)
    .map((o) => ui.field(`Level ${o.escalation_level}`, ui.cell.link(o.user.summary, o.user.html_url)));
  const rows = incidents.map((i) => [
    ui.cell.link(`#${i.incident_number}`, i.html_url),
    ui.cell.text(i.title),
    ui.cell.status(STATE[i.status] ?? 'unknown', i.status),
    ui.cell.badge(i.urgency, i.urgency === 'high' ? 'danger' : 'neutral'),
    ui.cell.timestamp(i.created_at),
  ]);
  return ui.view(TITLE, [
    ui.section('On call now', [
      people.length ? ui.fields(people) : ui.notice('warning', 'Nobody on call', `${service.summary} has no on-call responder`),
    ]),
    ui.section('Open incidents', [
      ui.table(['Incident', 'Title', 'Status', 'Urgency', 'Opened'], rows, 'No open incidents'),
      ui.links([ui.link(`${service.summary} in PagerDuty`, service.html_url)]),
    ]),
  ]);
}

export const views = {
  viewsFor(entityArg) {
    const d = entity.parse(entityArg);
    return d.annotation(ANNOTATION) ? [{ id: 'oncall', title: TITLE, placement: 'card' }] : [];
  },
  render: handler(async (viewId, entityArg) => {
    if (viewId !== 'oncall') throw PluginError.notFound(`no view ${viewId}`);
    return render(entityArg);
  }),
};
