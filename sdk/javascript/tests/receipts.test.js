// verifyReceipt against the shared receipt fixtures (verify/src/test/resources/receipts/receipts.json: the same cases
// the Java CLI, the Java SDK and the Python SDK run), RFC 8785 vectors, and the client's receipt calls.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  LoopGrid, LoopGridAPIError, ReceiptError, canonicalJson, entryEnvelope, verifyReceipt,
} from '../src/index.js';
import { json, scriptedServer } from './support.js';

const FIXTURE = new URL('../../../verify/src/test/resources/receipts/receipts.json', import.meta.url);
const load = () => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

async function withServer(script, body) {
  const server = await scriptedServer(script);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('verifyReceipt on the shared fixtures', () => {
  const fixture = load();
  it('has the cases', () => assert.ok(fixture.cases.length >= 30));
  for (const c of fixture.cases) {
    it(`${c.name}: ${c.expect}`, () => {
      const run = () => verifyReceipt(c.receipt, c.key, { origin: c.origin, decision: c.decision });
      if (c.expect === 'valid') {
        const proof = run();
        assert.equal(proof.origin, fixture.origin);
        assert.equal(proof.treeSize, c.receipt.tree_size);
        assert.equal(proof.leafIndex, c.receipt.leaf_index);
      } else {
        assert.throws(run, (e) => e instanceof ReceiptError && e.check === c.expect, `expected ${c.expect}`);
      }
    });
  }

  it('takes the receipt as JSON text and a key with a newline; rejects non-JSON', () => {
    const proof = verifyReceipt(JSON.stringify(fixture.cases[0].receipt), `${fixture.vkey}\n`);
    assert.equal(proof.leafIndex, 5);
    assert.throws(() => verifyReceipt('not json', fixture.vkey), (e) => e.check === 'malformed');
  });

  it('rebuilds the envelope and the decision content hash', () => {
    const { entry } = fixture.cases[0].receipt;
    assert.equal(sha256(entryEnvelope(entry)), entry.chain_hash);
    const d = fixture.decision;
    const content = Object.fromEntries(['service_name', 'decision_type', 'input', 'model', 'output', 'prompt', 'tool_calls',
      'metadata'].map((m) => [m, d[m] ?? null]));
    assert.equal(sha256(Buffer.from(canonicalJson(content), 'utf8')), d.content_hash);
    const changed = structuredClone(d);
    changed.input.amount = 12.51;
    assert.throws(() => verifyReceipt(fixture.cases[0].receipt, fixture.vkey, { decision: changed }), (e) => e.check === 'decision');
  });
});

describe('canonicalJson', () => {
  it('prints numbers as ECMAScript and orders members by UTF-16 code units', () => {
    assert.equal(canonicalJson([1e21, 1e-7, 1e-6, 12.5, -0, 0.1, 100, 5e-324]), '[1e+21,1e-7,0.000001,12.5,0,0.1,100,5e-324]');
    assert.equal(canonicalJson({ '\ufffd': 2, '😀': 1, a: [true, false, null], '\u0001': '\b\t\n\f\r"\\/' }),
      '{"\\u0001":"\\b\\t\\n\\f\\r\\"\\\\/","a":[true,false,null],"😀":1,"\ufffd":2}');
    assert.throws(() => canonicalJson('\ud800'), TypeError);
    assert.throws(() => canonicalJson(NaN), TypeError);
  });
});

describe('client receipts', () => {
  const fixture = load();
  it('returns the receipt, or null while pending', () => withServer(
    (() => {
      const answers = [[202, { 'Retry-After': '1' }, JSON.stringify({ status: 'pending' })], json(200, fixture.cases[0].receipt)];
      return () => answers.shift();
    })(),
    async (s) => {
      const grid = new LoopGrid({ baseUrl: s.url, apiKey: 'lg_k' });
      assert.equal(await grid.receipt('dec_1'), null);
      const r = await grid.receipt('dec_1', { wait: 5000 });
      assert.deepEqual(r, fixture.cases[0].receipt);
      verifyReceipt(r, fixture.vkey);
      assert.equal(s.requests[0].url, '/v1/decisions/dec_1/receipt');
      assert.equal(s.requests[1].url, '/v1/decisions/dec_1/receipt?wait=5');
      assert.equal(s.requests[1].headers.authorization, 'Bearer lg_k');
    },
  ));

  it('fetches an entry receipt by chain and sequence', () => withServer(() => json(200, fixture.cases[1].receipt), async (s) => {
    const grid = new LoopGrid({ baseUrl: s.url });
    await grid.entryReceipt('svc 1/a', 4, { wait: 60000 });
    assert.equal(s.requests[0].url, '/v1/entries/svc%201%2Fa/4/receipt?wait=20');
    await assert.rejects(grid.entryReceipt('svc', 0), TypeError);
  }));

  it('an unknown decision is a 404', () => withServer(() => json(404, { code: 'not_found', detail: 'no such decision' }), async (s) => {
    await assert.rejects(new LoopGrid({ baseUrl: s.url, maxRetries: 0 }).receipt('dec_nope'),
      (e) => e instanceof LoopGridAPIError && e.statusCode === 404);
  }));

  it('reads the log key as text', () => withServer(() => [200, { 'Content-Type': 'text/plain' }, `${fixture.vkey}\n`], async (s) => {
    assert.equal(await new LoopGrid({ baseUrl: s.url }).logKey(), fixture.vkey);
    assert.equal(s.requests[0].url, '/v1/log/key');
  }));
});
