// Every method of the client against the local stack (replays run in simulation: no provider key).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { CLIENT, LoopGrid, LoopGridAPIError, LoopGridError, VERSION } from '../src/index.js';
import { stackUrl } from './support.js';

const url = await stackUrl();

describe('LoopGrid client against the local stack', { skip: url ? false : 'set LOOPGRID_URL or build the local jar' }, () => {
  const service = `js-sdk-${randomUUID().slice(0, 8)}`;
  let grid;
  before(() => {
    grid = new LoopGrid({ baseUrl: url, serviceName: service });
  });

  const record = (response = 'Your account looks fine.', extra = {}) => grid.recordDecision({
    decisionType: 'customer_support_reply',
    input: { message: 'I was charged twice' },
    model: { provider: 'openai', name: 'gpt-4' },
    output: { response },
    ...extra,
  });

  it('health', async () => {
    const h = await grid.health();
    assert.equal(h.status, 'healthy');
    assert.equal(h.service, 'loopgrid');
  });

  it('has the v0.1 defaults', () => {
    const g = new LoopGrid();
    assert.equal(g.baseUrl, 'http://localhost:8000');
    assert.equal(g.serviceName, 'default');
    assert.equal(g.timeout, 30000);
    assert.equal(VERSION, '0.2.0');
    assert.ok(!JSON.stringify(new LoopGrid({ apiKey: 'secret' })).includes('secret'));
    assert.throws(() => new LoopGrid({ baseUrl: 'localhost:8000' }), TypeError);
  });

  it('records and gets a decision', async () => {
    const d = await record('ok', {
      prompt: { template: 'support_v1' }, toolCalls: [{ name: 'lookup', arguments: { id: 7 } }],
      metadata: { latency_ms: 1240 },
    });
    assert.match(d.decision_id, /^dec_/);
    assert.equal(d.service_name, service);
    assert.equal(d.status, 'recorded');
    assert.match(d.content_hash, /^[0-9a-f]{64}$/);
    assert.match(d.chain_hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(d.prompt, { template: 'support_v1' });
    assert.equal(d.tool_calls[0].name, 'lookup');
    assert.deepEqual(await grid.getDecision(d.decision_id), d);
  });

  it('returns the original for a repeated Idempotency-Key, 409 for another body', async () => {
    const key = `k-${randomUUID()}`;
    const first = await record('a', { idempotencyKey: key });
    const again = await record('a', { idempotencyKey: key });
    assert.equal(again.decision_id, first.decision_id);
    await assert.rejects(record('b', { idempotencyKey: key }), (e) => e instanceof LoopGridAPIError && e.statusCode === 409);
  });

  it('lists, pages and iterates', async () => {
    const s = `${service}-list`;
    const g = new LoopGrid({ baseUrl: url, serviceName: s });
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.unshift((await g.recordDecision({ decisionType: 'list', input: { i }, model: { provider: 'openai', name: 'gpt-4' },
        output: { response: String(i) } })).decision_id);
    }
    const page = await g.listDecisions({ serviceName: s, pageSize: 2 });
    assert.equal(page.total, 5);
    assert.deepEqual(page.decisions.map((d) => d.decision_id), ids.slice(0, 2));
    assert.equal(page.has_more, true);
    const second = await g.listDecisions({ serviceName: s, pageSize: 2, cursor: page.next_cursor });
    assert.deepEqual(second.decisions.map((d) => d.decision_id), ids.slice(2, 4));
    const third = await g.listDecisions({ serviceName: s, pageSize: 2, page: 3 });
    assert.deepEqual(third.decisions.map((d) => d.decision_id), ids.slice(4));
    const walked = [];
    for await (const d of g.iterateDecisions({ serviceName: s, pageSize: 2 })) walked.push(d.decision_id);
    assert.deepEqual(walked, ids);
    assert.equal((await g.listDecisions({ serviceName: s, decisionType: 'list', status: 'recorded' })).total, 5);
    const future = new Date(Date.now() + 3600_000);
    assert.equal((await g.listDecisions({ serviceName: s, since: future })).total, 0);
    assert.equal((await g.listDecisions({ serviceName: s, until: future.toISOString() })).total, 5);
  });

  it('marks incorrect, then attaches a correction', async () => {
    const d = await record();
    const flagged = await grid.markIncorrect(d.decision_id, 'Missed billing issue');
    assert.equal(flagged.status, 'incorrect');
    assert.equal(flagged.incorrect_reason, 'Missed billing issue');
    assert.equal(flagged.content_hash, d.content_hash);
    const corrected = await grid.attachCorrection({ decisionId: d.decision_id, correction: { response: 'Refund issued.' },
      correctedBy: 'agent_42', notes: 'duplicate charge' });
    assert.equal(corrected.status, 'corrected');
    assert.deepEqual(corrected.correction.output, { response: 'Refund issued.' });
    assert.equal(corrected.correction.corrected_by, 'agent_42');
    assert.equal((await grid.markIncorrect((await record()).decision_id)).status, 'incorrect');
  });

  it('confirms; a later flag wins; confirming a flagged decision is 409', async () => {
    const d = await record();
    const confirmed = await grid.confirmDecision({ decisionId: d.decision_id, confirmedBy: 'rev_1', notes: 'checked billing' });
    assert.equal(confirmed.status, 'confirmed');
    assert.equal(confirmed.confirmation.confirmed_by, 'rev_1');
    assert.equal(confirmed.confirmation.notes, 'checked billing');
    assert.equal((await grid.markIncorrect(d.decision_id, 'no')).status, 'incorrect');
    await assert.rejects(grid.confirmDecision({ decisionId: d.decision_id, confirmedBy: 'rev_1' }),
      (e) => e instanceof LoopGridAPIError && e.statusCode === 409 && e.code === 'verdict_superseded');
  });

  it('stats count a service: accuracy over the reviewed, coverage, latency and tokens', async () => {
    const g = new LoopGrid({ baseUrl: url, serviceName: `js-stats-${randomUUID().slice(0, 8)}` });
    const model = { provider: 'openai', name: 'gpt-4' };
    const a = await g.recordDecision({ decisionType: 't', input: {}, model, output: { r: 1 },
      metadata: { latency_ms: 250, tokens: { input: 10, output: 5 } } });
    await g.recordDecision({ decisionType: 't', input: {}, model, output: { r: 2 } });
    await g.confirmDecision({ decisionId: a.decision_id, confirmedBy: 'rev' });
    const s = await g.stats(g.serviceName);
    assert.equal(s.decisions, 2);
    assert.equal(s.confirmed, 1);
    assert.equal(s.accuracy_percent, 100);
    assert.equal(s.review_coverage_percent, 50);
    assert.equal(s.models[0].model, 'openai/gpt-4');
    assert.equal(s.models[0].latency_ms.decisions, 1);
    assert.equal(s.models[0].tokens.output, 5);
    assert.equal(s.time_to_verdict.decisions, 1);
  });

  it("lists a decision's replays, oldest first", async () => {
    const d = await record();
    const first = await grid.createReplay({ decisionId: d.decision_id });
    const second = await grid.createReplay({ decisionId: d.decision_id, overrides: { prompt: { text: 'again' } } });
    const page = await grid.listDecisionReplays(d.decision_id, { pageSize: 1 });
    assert.deepEqual(page.replays.map((r) => r.replay_id), [first.replay_id]);
    assert.equal(page.has_more, true);
    const all = [];
    for await (const r of grid.iterateDecisionReplays(d.decision_id, { pageSize: 1 })) all.push(r.replay_id);
    assert.deepEqual(all, [first.replay_id, second.replay_id]);
    await assert.rejects(grid.listDecisionReplays('dec_unknown'), (e) => e.statusCode === 404);
  });

  it('replays, waits, gets and compares', async () => {
    const d = await record();
    const pending = await grid.createReplay({ decisionId: d.decision_id, triggeredBy: 'js-test' });
    assert.match(pending.replay_id, /^rep_/);
    assert.equal(pending.triggered_by, 'js-test');
    const done = await grid.waitForReplay(pending.replay_id, { timeout: 30000 });
    assert.equal(done.execution_status, 'completed');
    assert.equal(done.output_changed, false);

    const improved = await grid.createReplay({ decisionId: d.decision_id,
      overrides: { prompt: { text: 'Check billing first.' } }, wait: 30000 });
    assert.equal(improved.execution_status, 'completed');
    assert.equal(improved.execution_mode, 'simulated');
    assert.equal(improved.output_changed, true);
    assert.equal((await grid.getReplay(improved.replay_id)).replay_id, improved.replay_id);
    const cmp = await grid.compare(d.decision_id, improved.replay_id);
    assert.deepEqual(cmp.original_output, { response: 'Your account looks fine.' });
    assert.equal(cmp.output_changed, true);
    assert.equal(cmp.diff[0].path, '/response');
  });

  it('verifies integrity', async () => {
    await record();
    const all = await grid.verifyIntegrity();
    assert.equal(all.integrity.valid, true);
    assert.equal(all.service_filter, null);
    const mine = await grid.verifyIntegrity(service);
    assert.equal(mine.integrity.valid, true);
    assert.equal(mine.service_filter, service);
  });

  it('fetches the compliance report (or a clear 404 from servers without it)', async () => {
    await record();
    let report;
    try {
      report = await grid.complianceReport(service);
    } catch (e) {
      assert.ok(e instanceof LoopGridAPIError);
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, 'route_not_found');
      return;
    }
    assert.equal(report.report_type, 'EU AI Act Compliance Assessment');
    assert.equal(report.service_filter, service);
    assert.ok(report.summary.total >= 1);
    assert.ok('article_12_record_keeping' in report.eu_ai_act_mapping);
  });

  it('says the JavaScript SDK triggered a replay', async () => {
    const d = await record();
    assert.equal(CLIENT, `sdk-js/${VERSION}`);
    assert.equal((await grid.createReplay({ decisionId: d.decision_id })).triggered_by, CLIENT);
  });

  it('gets the HTML compliance report', async () => {
    await record();
    const html = await grid.complianceReportHtml(service);
    assert.match(html, /LoopGrid Compliance Report/);
    assert.ok(html.includes(service));
    assert.match(await grid.complianceReportHtml(), /<\/html>/);
  });

  it('exports JSON pages, CSV and the ground truth', async () => {
    const svc = `${service}-export`;
    const g = new LoopGrid({ baseUrl: url, serviceName: svc });
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await g.recordDecision({ decisionType: 'export', input: { i }, model: { provider: 'openai', name: 'gpt-4' },
        output: { response: String(i) } })).decision_id);
    }
    await g.attachCorrection({ decisionId: ids[1], correction: { response: 'fixed' }, correctedBy: 'agent_7', notes: 'wrong total' });

    const first = await g.exportDecisions({ serviceName: svc, pageSize: 2 });
    assert.equal(first.total, 3);
    assert.equal(first.decisions.length, 2);
    assert.equal(first.has_more, true);
    const all = [];
    for await (const d of g.iterateExport({ serviceName: svc, pageSize: 2 })) all.push(d.decision_id);
    assert.deepEqual(all.sort(), [...ids].sort());
    assert.deepEqual((await g.exportDecisions({ serviceName: svc, status: 'corrected' })).decisions.map((d) => d.decision_id),
      [ids[1]]);

    const csv = await g.exportDecisionsCsv({ serviceName: svc });
    const lines = csv.trim().split(/\r?\n/);
    assert.match(lines[0], /^decision_id,created_at,service_name,decision_type,status,content_hash/);
    assert.equal(lines.length, 4, csv);
    for (const id of ids) assert.ok(csv.includes(id), id);
    assert.equal((await g.exportDecisionsCsv({ serviceName: svc, status: 'corrected' })).trim().split(/\r?\n/).length, 2);

    const truth = await g.exportGroundTruth(svc);
    assert.equal(truth.length, 1);
    assert.equal(truth[0].decision_id, ids[1]);
    assert.deepEqual(truth[0].correction, { response: 'fixed' });
    assert.equal(truth[0].corrected_by, 'agent_7');
    assert.match(truth[0].decision_entry.chain_hash, /^[0-9a-f]{64}$/);
  });

  it('creates, lists and revokes API keys', async () => {
    // the local stack runs open: its caller may manage the tenant's keys
    const name = `js-sdk-${randomUUID()}`;
    const created = await grid.createApiKey({ role: 'auditor', name });
    assert.match(created.api_key, /^lg_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.role, 'auditor');
    assert.equal(created.name, name);
    assert.equal(created.revoked, false);
    const listed = (await grid.listApiKeys()).keys.filter((k) => k.key_id === created.key_id);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].api_key, undefined);
    const revoked = await grid.revokeApiKey(created.key_id);
    assert.equal(revoked.revoked, true);
    assert.ok(revoked.revoked_at);
    assert.equal((await grid.revokeApiKey(created.key_id)).revoked, true);
    await assert.rejects(grid.revokeApiKey('key_AAAAAAAAAAAAAAAA'), (e) => e.statusCode === 404 && e.code === 'key_not_found');
    await assert.rejects(grid.createApiKey({ role: 'owner' }), (e) => e.statusCode === 422);
    await assert.rejects(grid.createApiKey({ role: ' ' }), TypeError);
  });

  it('maps errors to LoopGridAPIError with the detail', async () => {
    await assert.rejects(grid.getDecision('dec_x'), (e) => {
      assert.ok(e instanceof LoopGridAPIError);
      assert.ok(e instanceof LoopGridError);
      assert.equal(e.statusCode, 404);
      assert.equal(e.detail, 'Decision dec_x not found');
      assert.equal(e.code, 'decision_not_found');
      assert.equal(e.message, 'API Error 404: Decision dec_x not found');
      return true;
    });
    await assert.rejects(grid.recordDecision({ decisionType: 't', input: [1], model: { provider: 'openai', name: 'gpt-4' },
      output: {} }), (e) => e.statusCode === 422 && e.code === 'validation_failed' && e.errors[0].field === 'input');
    for (const call of [() => grid.getReplay('rep_x'), () => grid.markIncorrect('dec_x'),
      () => grid.attachCorrection({ decisionId: 'dec_x', correction: { r: 1 }, correctedBy: 'a' }),
      () => grid.createReplay({ decisionId: 'dec_x' }), () => grid.getDecision('a/b c?d')]) {
      await assert.rejects(call(), (e) => e instanceof LoopGridAPIError && e.statusCode === 404);
    }
    await assert.rejects(grid.listDecisions({ pageSize: 1000 }), (e) => e.statusCode === 400);
  });
});
