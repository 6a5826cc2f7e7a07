// Backstage's official catalog client (@backstage/catalog-client) against a live Portico.
// Usage: node conformance.mjs <base url of /api/catalog> <absolute path of corpus/backstage>
// Expectations come from the corpus files and Backstage's documented API, not from Portico.
import assert from 'node:assert/strict';
import { CatalogClient } from '@backstage/catalog-client';

const [baseUrl, corpus] = process.argv.slice(2);
const client = new CatalogClient({
  discoveryApi: { getBaseUrl: async () => baseUrl },
  fetchApi: { fetch },
});

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

// corpus/backstage/examples/all-components.yaml lists 13 components.
const COMPONENTS = [
  'artist-lookup', 'petstore', 'playback-order', 'playback-sdk', 'podcast-api', 'queue-proxy',
  'searcher', 'shuffle-api', 'wayback-archive', 'wayback-archive-ingestion',
  'wayback-archive-storage', 'wayback-search', 'www-artist',
];
// all-apis.yaml lists 10 APIs.
const API_COUNT = 10;

check('getEntities with a kind filter and fields', async () => {
  const { items } = await client.getEntities({ filter: { kind: 'Component' }, fields: ['metadata.name', 'kind'] });
  assert.deepEqual(items.map((e) => e.metadata.name).sort(), COMPONENTS);
  for (const e of items) assert.deepEqual(Object.keys(e).sort(), ['kind', 'metadata']);
});

check('getEntities with OR filters, order, limit and offset', async () => {
  const { items } = await client.getEntities({
    filter: [{ kind: 'Domain' }, { kind: 'System' }],
    order: { field: 'metadata.name', order: 'desc' },
    fields: ['metadata.name'],
  });
  // all-domains.yaml: artists, audio, playback; all-systems.yaml: artist-engagement-portal, audio-playback, podcast.
  assert.deepEqual(items.map((e) => e.metadata.name), ['podcast', 'playback', 'audio-playback', 'audio', 'artists', 'artist-engagement-portal']);
  const page = await client.getEntities({ filter: { kind: 'Component' }, order: { field: 'metadata.name', order: 'asc' }, limit: 2, offset: 1, fields: ['metadata.name'] });
  assert.deepEqual(page.items.map((e) => e.metadata.name), COMPONENTS.slice(1, 3));
});

check('getEntityByRef returns the entity with relations, or undefined', async () => {
  const petstore = await client.getEntityByRef('component:default/petstore');
  assert.equal(petstore.kind, 'Component');
  assert.equal(petstore.metadata.namespace, 'default');
  assert.ok(petstore.metadata.uid && petstore.metadata.etag);
  assert.equal(petstore.metadata.annotations['backstage.io/managed-by-location'], `file:${corpus}/examples/components/petstore-component.yaml`);
  const types = new Set(petstore.relations.map((r) => `${r.type} ${r.targetRef}`));
  // petstore-component.yaml: owner team-c, providesApis petstore, streetlights, hello-world.
  assert.ok(types.has('ownedBy group:default/team-c'), [...types].join('\n'));
  assert.ok(types.has('providesApi api:default/petstore'), [...types].join('\n'));
  assert.equal(await client.getEntityByRef('component:default/does-not-exist'), undefined);
  assert.equal((await client.getEntityByRef({ kind: 'Component', namespace: 'default', name: 'petstore' })).metadata.name, 'petstore');
});

check('getEntitiesByRefs keeps order and gives undefined for missing', async () => {
  const { items } = await client.getEntitiesByRefs({
    entityRefs: ['component:default/petstore', 'api:default/missing', 'group:default/team-a'],
    fields: ['kind', 'metadata.name'],
  });
  assert.equal(items.length, 3);
  assert.deepEqual(items[0], { kind: 'Component', metadata: { name: 'petstore' } });
  assert.equal(items[1], undefined);
  assert.deepEqual(items[2], { kind: 'Group', metadata: { name: 'team-a' } });
});

check('queryEntities pages with cursors and counts', async () => {
  const first = await client.queryEntities({ filter: { kind: 'API' }, limit: 4, orderFields: { field: 'metadata.name', order: 'asc' }, fields: ['metadata.name'] });
  assert.equal(first.totalItems, API_COUNT);
  assert.equal(first.items.length, 4);
  assert.ok(first.pageInfo.nextCursor);
  const names = first.items.map((e) => e.metadata.name);
  let cursor = first.pageInfo.nextCursor;
  while (cursor) {
    const page = await client.queryEntities({ cursor, limit: 4 });
    names.push(...page.items.map((e) => e.metadata.name));
    cursor = page.pageInfo.nextCursor;
  }
  assert.equal(names.length, API_COUNT);
  assert.deepEqual(names, [...names].sort());
  const text = await client.queryEntities({ filter: { kind: 'Component' }, fullTextFilter: { term: 'WAYBACK', fields: ['metadata.name'] } });
  assert.deepEqual(text.items.map((e) => e.metadata.name).sort(), COMPONENTS.filter((n) => n.includes('wayback')));
});

check('getEntityFacets counts values', async () => {
  const { facets } = await client.getEntityFacets({ facets: ['kind', 'spec.lifecycle'], filter: { kind: 'Component' } });
  assert.deepEqual(facets.kind, [{ value: 'Component', count: COMPONENTS.length }]);
  const total = facets['spec.lifecycle'].reduce((n, f) => n + f.count, 0);
  assert.equal(total, COMPONENTS.length);
});

check('locations: list, by id, by entity, dry-run add of an existing one', async () => {
  const { items } = await client.getLocations();
  const all = items.find((l) => l.target === `${corpus}/examples/all.yaml`);
  assert.ok(all, JSON.stringify(items));
  assert.equal(all.type, 'file');
  assert.deepEqual(await client.getLocationById(all.id), all);
  const byEntity = await client.getLocationByEntity('component:default/petstore');
  assert.equal(byEntity.target, `${corpus}/examples/all.yaml`);
  const dry = await client.addLocation({ type: 'file', target: `${corpus}/examples/all.yaml`, dryRun: true });
  assert.equal(dry.exists, true);
  assert.ok(dry.entities.length > 0);
});

check('queryLocations and streamLocations', async () => {
  const { items, totalItems } = await client.queryLocations({ query: { target: { $hasPrefix: `${corpus}/examples/` } } });
  // The registered roots (all.yaml, acme-corp.yaml) and nothing else.
  assert.deepEqual(items.map((l) => l.target).sort(), [`${corpus}/examples/acme-corp.yaml`, `${corpus}/examples/all.yaml`]);
  assert.equal(totalItems, 2);
  const none = await client.queryLocations({ query: { type: 'url' } });
  assert.equal(none.totalItems, 0);
  const streamed = [];
  for await (const page of client.streamLocations({ limit: 1 })) streamed.push(...page);
  assert.equal(streamed.length, 2);
});

check('validateEntity accepts valid and explains invalid entities', async () => {
  const ok = await client.validateEntity(
    { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'fine' }, spec: { type: 'service', owner: 'team-a', lifecycle: 'production' } },
    'url:https://example.com/catalog-info.yaml',
  );
  assert.deepEqual(ok, { valid: true });
  const bad = await client.validateEntity(
    { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'not fine' }, spec: { type: 'service', owner: 'team-a', lifecycle: 'production' } },
    'url:https://example.com/catalog-info.yaml',
  );
  assert.equal(bad.valid, false);
  assert.ok(bad.errors.length >= 1);
  assert.match(bad.errors[0].message, /metadata\.name/);
});

check('getEntityAncestors walks up to the root location', async () => {
  const { rootEntityRef, items } = await client.getEntityAncestors({ entityRef: 'component:default/petstore' });
  assert.equal(rootEntityRef, 'component:default/petstore');
  const refs = items.map((i) => `${i.entity.kind}:${i.entity.metadata.name}`);
  assert.ok(refs.includes('Component:petstore'), refs.join(','));
  assert.ok(items.some((i) => i.entity.kind === 'Location'), refs.join(','));
});

check('refreshEntity succeeds, and errors have Backstage names', async () => {
  await client.refreshEntity('component:default/petstore');
  await assert.rejects(client.refreshEntity('component:default/does-not-exist'), (err) => {
    assert.equal(err.name, 'ResponseError');
    assert.equal(err.response.status, 404);
    assert.equal(err.body.error.name, 'NotFoundError');
    return true;
  });
});

let failed = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}\n${err.stack ?? err}`);
  }
}
console.log(`${checks.length - failed}/${checks.length} passed`);
process.exit(failed ? 1 : 0);
