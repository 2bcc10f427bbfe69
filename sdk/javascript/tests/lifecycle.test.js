// Data subjects, erasure, legal holds and the retention floor, against scripted servers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT, LoopGrid, LoopGridAPIError, LoopGridError } from '../src/index.js';
import { DECISION, json, scriptedServer } from './support.js';

const client = (baseUrl, { maxRetries = 0 } = {}) => new LoopGrid({ baseUrl, serviceName: 's', apiKey: 'lg_k', maxRetries,
  retryDelay: 10, maxRetryDelay: 50 });

const ERASED = {
  subject_id: 'user-42', status: 'erased', erased: true, erased_at: '2026-11-24T10:00:00Z',
  reason: 'GDPR Art. 17 request', request_ref: 'DSR-1042', key_id: 'dk_1', erasure_sequence: 7, complete: false,
  complete_after: '2026-12-29T10:00:00Z', detail: 'erased',
};
const SCHEDULED = { subject_id: 'user-42', status: 'scheduled', erased: false, run_at: '2027-05-23T11:00:00Z' };
const HOLD = {
  hold_id: 'hld_1', scope: 'subject', target: 'user-42', subject_id: 'user-42', reason: 'incident', case_ref: 'CASE-7',
  placed_by: 'legal', placed_at: '2026-11-24T09:00:00Z', sequence: 3, released: false,
};

async function withServer(script, body) {
  const server = await scriptedServer(script);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('erasure, holds and retention', () => {
  it('records a decision with a subject id', () => withServer(() => json(201, { ...DECISION, subject_id: 'user-42' }),
    async (s) => {
      const d = await client(s.url).recordDecision({ decisionType: 't', input: { m: 1 },
        model: { provider: 'openai', name: 'gpt-4' }, output: { r: 2 }, subjectId: 'user-42' });
      assert.equal(d.subject_id, 'user-42');
      assert.equal(s.requests[0].method, 'POST');
      assert.equal(s.requests[0].url, '/v1/decisions');
      assert.equal(JSON.parse(s.requests[0].body).subject_id, 'user-42');
      await client(s.url).recordDecision({ decisionType: 't', input: {}, model: { provider: 'openai', name: 'gpt-4' },
        output: {} });
      assert.equal('subject_id' in JSON.parse(s.requests[1].body), false);
    }));

  it('reads an erased decision without content', () => {
    const { input, output, ...rest } = DECISION;
    const erased = { ...rest, subject_id: 'user-42', erased: true, erased_at: '2026-11-24T10:00:00Z',
      erasure_reason: 'GDPR Art. 17 request' };
    return withServer(() => json(200, erased), async (s) => {
      const d = await client(s.url).getDecision('dec_1');
      assert.equal(d.erased, true);
      assert.equal(d.erased_at, '2026-11-24T10:00:00Z');
      assert.equal(d.erasure_reason, 'GDPR Art. 17 request');
      assert.equal(d.input, undefined);
      assert.equal(d.output, undefined);
    });
  });

  it('erases a subject now', () => withServer(() => json(200, ERASED), async (s) => {
    const e = await client(s.url).eraseSubject('user 42/x', { reason: 'GDPR Art. 17 request', requestRef: 'DSR-1042',
      legalBasis: 'Art. 17(1)(a)', requestedBy: 'dpo' });
    const r = s.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/v1/subjects/user%2042%2Fx/erasure');
    assert.deepEqual(JSON.parse(r.body), { reason: 'GDPR Art. 17 request', request_ref: 'DSR-1042',
      legal_basis: 'Art. 17(1)(a)', requested_by: 'dpo' });
    assert.equal(r.headers['x-loopgrid-client'], CLIENT);
    assert.equal(r.headers.authorization, 'Bearer lg_k');
    assert.equal(e.scheduled, false);
    assert.equal(e.erased, true);
    assert.equal(e.status, 'erased');
    assert.equal(e.erasure_sequence, 7);
    assert.equal(e.complete, false);
  }));

  it('says when the retention floor schedules an erasure (202)', () => withServer(() => json(202, SCHEDULED),
    async (s) => {
      const e = await client(s.url).eraseSubject('user-42', { requestRef: 'DSR-1042' });
      assert.deepEqual(JSON.parse(s.requests[0].body), { request_ref: 'DSR-1042' });
      assert.equal(e.scheduled, true);
      assert.equal(e.status, 'scheduled');
      assert.equal(e.run_at, '2027-05-23T11:00:00Z');
    }));

  it('surfaces a legal hold as LoopGridAPIError 409 legal_hold', () => {
    const detail = 'Data subject user-42 cannot be erased: legal hold hld_1 on subject user-42 (incident) is in place';
    return withServer(() => json(409, { detail, code: 'legal_hold' }), async (s) => {
      await assert.rejects(client(s.url, { maxRetries: 2 }).eraseSubject('user-42', { reason: 'r' }), (e) => {
        assert.ok(e instanceof LoopGridAPIError);
        assert.equal(e.statusCode, 409);
        assert.equal(e.code, 'legal_hold');
        assert.equal(e.detail, detail);
        return true;
      });
      assert.equal(s.requests.length, 1);
    });
  });

  it('surfaces an unknown subject as 404 subject_not_found', () => withServer(
    () => json(404, { detail: 'No decision names data subject "nobody"', code: 'subject_not_found' }), async (s) => {
      await assert.rejects(client(s.url).eraseSubject('nobody', { reason: 'r' }),
        (e) => e instanceof LoopGridAPIError && e.statusCode === 404 && e.code === 'subject_not_found');
    }));

  it('gets an erasure state', () => withServer(() => json(200, { ...ERASED, complete: true }), async (s) => {
    const e = await client(s.url).getErasure('user-42');
    assert.equal(s.requests[0].method, 'GET');
    assert.equal(s.requests[0].url, '/v1/subjects/user-42/erasure');
    assert.equal(e.complete, true);
    assert.equal(e.status, 'erased');
  }));

  it('places a hold', () => withServer(() => json(201, HOLD), async (s) => {
    const h = await client(s.url).placeHold({ scope: 'subject', target: 'user-42', reason: 'incident', caseRef: 'CASE-7',
      placedBy: 'legal' });
    assert.equal(s.requests[0].method, 'POST');
    assert.equal(s.requests[0].url, '/v1/holds');
    assert.deepEqual(JSON.parse(s.requests[0].body), { scope: 'subject', target: 'user-42', reason: 'incident',
      case_ref: 'CASE-7', placed_by: 'legal' });
    assert.equal(h.hold_id, 'hld_1');
    assert.equal(h.released, false);
  }));

  it('does not resend a hold when the connection drops after sending', () => withServer(() => 'drop', async (s) => {
    await assert.rejects(client(s.url, { maxRetries: 2 }).placeHold({ scope: 'service', target: 's', reason: 'x' }),
      LoopGridError);
    assert.equal(s.requests.length, 1);
  }));

  it('lists holds', () => withServer(() => json(200, { holds: [HOLD], total: 1 }), async (s) => {
    const holds = await client(s.url).listHolds();
    assert.equal(s.requests[0].method, 'GET');
    assert.equal(s.requests[0].url, '/v1/holds');
    assert.equal(holds.total, 1);
    assert.equal(holds.holds[0].hold_id, 'hld_1');
  }));

  it('releases a hold', () => withServer(() => json(200, { ...HOLD, released: true }), async (s) => {
    const h = await client(s.url).releaseHold('hld_1', 'case closed');
    assert.equal(s.requests[0].method, 'DELETE');
    assert.equal(s.requests[0].url, '/v1/holds/hld_1?reason=case%20closed');
    assert.equal(h.released, true);
    await client(s.url).releaseHold('hld_1');
    assert.equal(s.requests[1].url, '/v1/holds/hld_1');
  }));

  it('gets and sets the retention floor', () => withServer(
    (r) => json(200, { floor_days: r.method === 'GET' ? 180 : 365, default: r.method === 'GET' }), async (s) => {
      const g = client(s.url);
      assert.deepEqual(await g.getRetention(), { floor_days: 180, default: true });
      assert.deepEqual(await g.setRetention(365), { floor_days: 365, default: false });
      assert.deepEqual([s.requests[0].method, s.requests[0].url], ['GET', '/v1/retention']);
      assert.deepEqual([s.requests[1].method, s.requests[1].url], ['PUT', '/v1/retention']);
      assert.deepEqual(JSON.parse(s.requests[1].body), { floor_days: 365 });
      await assert.rejects(g.setRetention('365'), TypeError);
    }));

  it('asks for a raw CSV export', () => withServer(() => [200, { 'Content-Type': 'text/csv' }, 'decision_id\n'],
    async (s) => {
      const g = client(s.url);
      await g.exportDecisionsCsv({ serviceName: 'svc', raw: true });
      await g.exportDecisionsCsv({ serviceName: 'svc' });
      assert.equal(s.requests[0].url, '/v1/export/decisions?service_name=svc&format=csv&raw=true');
      assert.equal(s.requests[1].url, '/v1/export/decisions?service_name=svc&format=csv');
    }));
});
