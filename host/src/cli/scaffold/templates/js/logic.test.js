// Unit tests of the plugin's logic: `node --test` (or ./test.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from './logic.js';

test('names the owner', () => {
  const d = { kind: 'Component', metadata: { name: 'payments' }, spec: { owner: 'team-a' } };
  assert.equal(describe(d), 'payments is owned by team-a');
});

test('says when there is no owner', () => {
  assert.equal(describe({ metadata: { name: 'ledger' } }), 'ledger has no owner yet');
});
