// recordDecisions and the background Batcher, against scripted servers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT, LoopGrid, LoopGridAPIError } from '../src/index.js';
import { DECISION, freePort, json, scriptedServer } from './support.js';

const MODEL = { provider: 'openai', name: 'gpt-4' };
const client = (baseUrl, { maxRetries = 3 } = {}) => new LoopGrid({ baseUrl, serviceName: 's', timeout: 5000,
  maxRetries, retryDelay: 10, maxRetryDelay: 50 });
const decision = (i = 0, extra = {}) => ({ decisionType: 't', input: { i }, model: MODEL, output: {}, ...extra });
const sent = (s) => s.requests.flatMap((r) => JSON.parse(r.body).decisions);
const sizes = (s) => s.requests.map((r) => JSON.parse(r.body).decisions.length);

// answers every item 201 with a decision named after its input
const batchOk = ({ body }) => json(200, { results: JSON.parse(body).decisions.map((d) => (
  { ...DECISION, status: 201, decision_id: `dec_${d.input.i}` })) });

function logger() {
  const lines = [];
  return { lines, warn: (m) => lines.push(m) };
}

async function until(condition, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => { setTimeout(r, 5); });
}

async function withServer(script, body) {
  const server = await scriptedServer(script);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('recordDecisions', () => {
  it('maps the results in order, with a rejected item', () => withServer(() => json(200, { results: [
    { ...DECISION, status: 201, decision_id: 'dec_a' },
    { status: 422, code: 'validation_error', detail: 'output is required',
      errors: [{ field: 'output', message: 'required' }] },
    { ...DECISION, status: 200, decision_id: 'dec_c' }] }), async (s) => {
    const results = await client(s.url).recordDecisions([decision(1),
      { decisionType: 't', input: {}, model: MODEL }, decision(3, { idempotencyKey: 'k3' })]);
    assert.deepEqual(results.map((r) => [r.status, r.ok]), [[201, true], [422, false], [200, true]]);
    assert.equal(results[0].decision.decision_id, 'dec_a');
    assert.equal(results[0].decision.status, undefined);
    assert.equal(results[1].decision, null);
    assert.deepEqual([results[1].code, results[1].detail], ['validation_error', 'output is required']);
    assert.equal(results[1].errors[0].field, 'output');
    assert.equal(results[2].decision.decision_id, 'dec_c');
    assert.equal(s.requests.length, 1);
    assert.equal(s.requests[0].method, 'POST');
    assert.equal(s.requests[0].url, '/v1/decisions/batch');
    assert.equal(s.requests[0].headers['x-loopgrid-client'], CLIENT);
    const items = sent(s);
    assert.deepEqual(items.map((d) => d.service_name), ['s', 's', 's']);
    assert.equal(items[2].idempotency_key, 'k3');
    assert.equal(new Set(items.map((d) => d.idempotency_key)).size, 3);
    assert.deepEqual(results.map((r) => r.idempotencyKey), items.map((d) => d.idempotency_key));
  }));

  it('takes a decision whose own status overwrote the item status as recorded', () => withServer(
    () => json(200, { results: [DECISION] }), async (s) => {
      const [result] = await client(s.url).recordDecisions([decision()]);
      assert.equal(result.ok, true);
      assert.equal(result.decision.status, 'recorded');
    }));

  it('splits long lists into requests of 100', () => withServer(batchOk, async (s) => {
    const results = await client(s.url).recordDecisions(Array.from({ length: 250 }, (_, i) => decision(i)));
    assert.deepEqual(results.map((r) => r.decision.decision_id), Array.from({ length: 250 }, (_, i) => `dec_${i}`));
    assert.deepEqual(sizes(s), [100, 100, 50]);
  }));

  it('rejects on an error of the whole request', () => withServer(
    () => json(413, { detail: 'too large', code: 'payload_too_large' }), async (s) => {
      await assert.rejects(client(s.url).recordDecisions([decision()]),
        (e) => e instanceof LoopGridAPIError && e.statusCode === 413);
    }));

  it('retries a 503 with the same body', async () => {
    const answers = [json(503, { detail: 'busy' }, { 'Retry-After': '0' })];
    await withServer((r) => answers.shift() || batchOk(r), async (s) => {
      assert.equal((await client(s.url).recordDecisions([decision(1), decision(2)])).length, 2);
      assert.equal(s.requests[0].body, s.requests[1].body);
    });
  });
});

describe('Batcher', () => {
  it('flushes by size, then the rest on close', () => withServer(batchOk, async (s) => {
    const b = client(s.url).batcher({ maxBatch: 10, flushInterval: 60000, flushOnExit: false });
    for (let i = 0; i < 25; i++) assert.equal(b.record(decision(i)), true);
    await until(() => b.recorded >= 20);
    assert.equal(b.recorded, 20);
    assert.equal(b.pending, 5);
    assert.deepEqual(sizes(s), [10, 10]);
    assert.equal(await b.close(), true);
    assert.equal(b.recorded, 25);
    assert.deepEqual(sent(s).map((d) => d.input.i), Array.from({ length: 25 }, (_, i) => i));
  }));

  it('flushes by interval', () => withServer(batchOk, async (s) => {
    const b = client(s.url).batcher({ flushInterval: 50, flushOnExit: false });
    b.record(decision(1, { metadata: { m: 1 }, subjectId: 'u1', serviceName: 'other' }));
    await until(() => b.recorded >= 1);
    assert.equal(b.recorded, 1);
    const [item] = sent(s);
    assert.deepEqual([item.service_name, item.subject_id, item.metadata], ['other', 'u1', { m: 1 }]);
    assert.ok(item.idempotency_key);
    assert.equal('prompt' in item, false);
    await b.close();
  }));

  it('flush and close send what is queued; a closed batcher drops', () => withServer(batchOk, async (s) => {
    const log = logger();
    const b = client(s.url).batcher({ flushInterval: 60000, flushOnExit: false, logger: log });
    b.record(decision(1));
    assert.equal(await b.flush(), true);
    assert.equal(b.recorded, 1);
    b.record(decision(2));
    await b.close();
    assert.equal(b.recorded, 2);
    assert.equal(b.pending, 0);
    assert.equal(b.record(decision(3)), false);
    assert.equal(b.record(decision(4)), false);
    assert.equal(b.dropped, 2);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0], /closed/);
    assert.deepEqual(sent(s).map((d) => d.input.i), [1, 2]);
  }));

  it('drops and counts on a full queue without blocking', async () => {
    let release;
    const released = new Promise((r) => { release = r; });
    const held = [];
    // the scripted server answers at once: this one holds its answers until released
    const { createServer } = await import('node:http');
    const http = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', async () => {
        held.push(body);
        await released;
        const [status, headers, text] = batchOk({ body });
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(text);
      });
    });
    await new Promise((r) => { http.listen(0, '127.0.0.1', r); });
    try {
      const log = logger();
      const b = client(`http://127.0.0.1:${http.address().port}`).batcher({ maxBatch: 1, flushInterval: 60000,
        maxQueue: 3, flushOnExit: false, logger: log });
      b.record(decision(0));
      await until(() => held.length === 1); // the sender is stuck on item 0
      const started = Date.now();
      const accepted = Array.from({ length: 10 }, (_, i) => b.record(decision(i + 1)));
      assert.ok(Date.now() - started < 500);
      assert.deepEqual(accepted, [true, true, true, false, false, false, false, false, false, false]);
      assert.equal(b.dropped, 7);
      release();
      assert.equal(await b.close(), true);
      assert.equal(b.recorded, 4);
      assert.ok(log.lines.some((l) => /7 decisions dropped/.test(l)), log.lines.join('\n'));
    } finally {
      http.closeAllConnections?.();
      await new Promise((r) => { http.close(r); });
    }
  });

  it('retries a 503 with the same idempotency keys', async () => {
    const answers = [json(503, { detail: 'busy', code: 'conflict_retry_exhausted' })];
    await withServer((r) => answers.shift() || batchOk(r), async (s) => {
      const b = client(s.url).batcher({ flushInterval: 60000, retryDelay: 10, flushOnExit: false });
      for (let i = 0; i < 3; i++) b.record(decision(i));
      assert.equal(await b.close(), true);
      assert.deepEqual([b.recorded, b.failed, b.dropped], [3, 0, 0]);
      assert.equal(s.requests.length, 2);
      const keys = s.requests.map((r) => JSON.parse(r.body).decisions.map((d) => d.idempotency_key));
      assert.deepEqual(keys[0], keys[1]);
      assert.equal(new Set(keys[0]).size, 3);
    });
  });

  it('resends transient items and counts rejected ones as failed', async () => {
    const calls = [];
    await withServer(({ body }) => {
      const items = JSON.parse(body).decisions;
      calls.push(items.map((d) => d.input.i));
      return json(200, { results: items.map((d) => {
        if (d.input.i === 1) return { status: 422, code: 'validation_error', detail: 'bad' };
        if (d.input.i === 2 && calls.length === 1) return { status: 503, code: 'conflict_retry_exhausted', detail: 'busy' };
        return { ...DECISION, status: 201 };
      }) });
    }, async (s) => {
      const log = logger();
      const b = client(s.url).batcher({ flushInterval: 60000, retryDelay: 10, flushOnExit: false, logger: log });
      for (let i = 0; i < 3; i++) b.record(decision(i));
      assert.equal(await b.close(), true);
      assert.deepEqual(calls, [[0, 1, 2], [2]]);
      assert.deepEqual([b.recorded, b.failed], [2, 1]);
      assert.ok(log.lines.some((l) => l.includes('422 validation_error bad')), log.lines.join('\n'));
    });
  });

  it('never throws into record when the server fails', () => withServer(() => json(500, { detail: 'boom' }), async (s) => {
    const log = logger();
    const b = client(s.url).batcher({ maxBatch: 2, flushInterval: 20, maxRetries: 1, retryDelay: 10,
      flushOnExit: false, logger: log });
    for (let i = 0; i < 4; i++) assert.equal(b.record(decision(i)), true);
    const cyclic = {};
    cyclic.self = cyclic;
    assert.equal(b.record(decision(9, { metadata: cyclic })), true); // not JSON: fails alone
    assert.equal(b.record(null), false); // not a decision: counted, not thrown
    assert.equal(await b.close(), true);
    assert.deepEqual([b.recorded, b.failed], [0, 6]);
    assert.equal(s.requests.length, 4); // two batches, each tried twice
    assert.ok(log.lines.length > 0);
  }));

  it('never throws into record when the server is unreachable', async () => {
    const log = logger();
    const b = client(`http://127.0.0.1:${await freePort()}`).batcher({ flushInterval: 20, maxRetries: 1,
      retryDelay: 10, flushOnExit: false, logger: log });
    assert.equal(b.record(decision()), true);
    assert.equal(await b.close(), true);
    assert.equal(b.failed, 1);
    assert.ok(log.lines.some((l) => /not recorded after 2 attempts/.test(l)), log.lines.join('\n'));
  });

  it('checks its options', () => {
    const grid = new LoopGrid();
    for (const bad of [{ maxBatch: 0 }, { maxBatch: 101 }, { flushInterval: 0 }, { maxQueue: 0 }]) {
      assert.throws(() => grid.batcher({ ...bad, flushOnExit: false }), RangeError);
    }
  });
});
