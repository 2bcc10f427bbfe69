// The OpenAI and Anthropic wrappers, with fake client objects (no provider packages, no network to providers).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { LoopGrid, wrap, wrapAnthropic, wrapOpenAI } from '../src/index.js';
import { DECISION, freePort, json, scriptedServer, stackUrl } from './support.js';

const url = await stackUrl();

/** Mimics the providers' SDKs: create() returns a promise (with an extra method, like their APIPromise). */
class FakeCreate {
  constructor({ response, error, chunks, sync = false } = {}) {
    Object.assign(this, { response, error, chunks, sync });
    this.calls = [];
  }

  create(params) {
    this.calls.push(params);
    if (this.sync) {
      if (this.error) throw this.error;
      return params.stream ? this.chunks : this.response;
    }
    const p = new Promise((resolve, reject) => setImmediate(() => {
      if (this.error) reject(this.error);
      else if (params.stream) {
        const chunks = this.chunks;
        resolve({ controller: 'abort-controller', async* [Symbol.asyncIterator]() { yield* chunks; } });
      } else resolve(this.response);
    }));
    p.withResponse = () => 'extra-method';
    return p;
  }
}

const fakeOpenAI = (opts) => ({ chat: { completions: new FakeCreate(opts) }, models: 'models-api', apiKey: 'sk-test' });
const fakeAnthropic = (opts) => ({ messages: new FakeCreate(opts), apiKey: 'ak-test' });

const OPENAI_RESPONSE = {
  id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_1',
  choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'Let me check your billing.',
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_account', arguments: '{"account": 42}' } }] } }],
  usage: { prompt_tokens: 120, completion_tokens: 48, total_tokens: 168 },
};
const ANTHROPIC_RESPONSE = {
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'tool_use',
  content: [{ type: 'text', text: 'Checking your account.' },
    { type: 'tool_use', id: 'toolu_1', name: 'lookup_account', input: { account: 42 } }],
  usage: { input_tokens: 90, output_tokens: 30 },
};
const MESSAGES = [{ role: 'system', content: 'You are support.' }, { role: 'user', content: 'I was charged twice' }];
const TOOLS = [{ type: 'function', function: { name: 'lookup_account', parameters: { type: 'object' } } }];

/** A logger that remembers what it was told. */
const memoryLogger = () => ({ lines: [], warn(m) { this.lines.push(m); } });

describe('wrappers', { skip: url ? false : 'set LOOPGRID_URL or build the local jar' }, () => {
  let service;
  let grid;
  beforeEach(() => {
    service = `js-wrap-${randomUUID().slice(0, 8)}`;
    grid = new LoopGrid({ baseUrl: url, serviceName: service });
  });
  const onlyDecision = async () => {
    const page = await grid.listDecisions({ serviceName: service });
    assert.equal(page.total, 1, JSON.stringify(page));
    return page.decisions[0];
  };

  it('records an OpenAI call and hands back the provider\'s own promise', async () => {
    const fake = fakeOpenAI({ response: OPENAI_RESPONSE });
    const client = wrapOpenAI(fake, grid, { prompt: { template: 'support_v1' }, metadata: { team: 'billing' } });

    const promise = client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS,
      temperature: 0.2, max_tokens: 300 });
    assert.equal(promise.withResponse(), 'extra-method');
    assert.equal(await promise, OPENAI_RESPONSE);
    await client.loopgrid.idle();

    const d = await onlyDecision();
    assert.equal(d.decision_type, 'chat_completion');
    assert.deepEqual(d.input, { message: 'I was charged twice' });
    assert.deepEqual(d.model, { provider: 'openai', name: 'gpt-4o', temperature: 0.2, max_tokens: 300 });
    assert.deepEqual(d.prompt.messages, MESSAGES);
    assert.equal(d.prompt.template, 'support_v1');
    assert.equal(d.prompt.tools[0].function.name, 'lookup_account');
    assert.deepEqual(d.output, { response: 'Let me check your billing.',
      tool_calls: [{ name: 'lookup_account', arguments: { account: 42 } }] });
    assert.deepEqual(d.tool_calls, [{ id: 'call_1', name: 'lookup_account', arguments: { account: 42 } }]);
    assert.deepEqual(d.metadata.tokens, { input: 120, output: 48, total: 168 });
    assert.equal(typeof d.metadata.latency_ms, 'number');
    assert.equal(d.metadata.finish_reason, 'tool_calls');
    assert.equal(d.metadata.team, 'billing');
    assert.equal(client.loopgrid.lastDecision.decision_id, d.decision_id);
  });

  it('records in a shape the replay engine reads back', async () => {
    const client = wrapOpenAI(fakeOpenAI({ response: OPENAI_RESPONSE }), grid);
    await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    await client.loopgrid.idle();
    const replay = await grid.createReplay({ decisionId: client.loopgrid.lastDecision.decision_id,
      overrides: { prompt: { messages: MESSAGES.slice(1) } }, wait: 30000 });
    assert.equal(replay.execution_status, 'completed');
  });

  it('records an Anthropic call', async () => {
    const client = wrapAnthropic(fakeAnthropic({ response: ANTHROPIC_RESPONSE }), grid, { decisionType: 'support_reply' });
    const response = await client.messages.create({ model: 'claude-sonnet-4-5', system: 'You are support.', max_tokens: 256,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'I was charged twice' }] }] });
    assert.equal(response, ANTHROPIC_RESPONSE);
    await client.loopgrid.idle();
    const d = await onlyDecision();
    assert.equal(d.decision_type, 'support_reply');
    assert.deepEqual(d.input, { message: 'I was charged twice' });
    assert.deepEqual(d.model, { provider: 'anthropic', name: 'claude-sonnet-4-5', max_tokens: 256 });
    assert.deepEqual(d.prompt.messages[0], { role: 'system', content: 'You are support.' });
    assert.deepEqual(d.output, { response: 'Checking your account.',
      tool_calls: [{ name: 'lookup_account', arguments: { account: 42 } }] });
    assert.deepEqual(d.metadata.tokens, { input: 90, output: 30, total: 120 });
  });

  it('passes an OpenAI stream through and records it at its end', async () => {
    const chunks = [
      { id: 'c1', model: 'gpt-4o', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }] },
      { id: 'c1', choices: [{ index: 0, delta: { content: 'lo', tool_calls: [{ index: 0, id: 'call_9',
        function: { name: 'lookup', arguments: '{"a"' } }] } }] },
      { id: 'c1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ': 1}' } }] },
        finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
    ];
    const client = wrapOpenAI(fakeOpenAI({ chunks }), grid);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    assert.equal(stream.controller, 'abort-controller', 'the stream object passes through');
    const received = [];
    for await (const c of stream) received.push(c);
    assert.deepEqual(received, chunks);
    await client.loopgrid.idle();
    const d = await onlyDecision();
    assert.deepEqual(d.output, { response: 'Hello', tool_calls: [{ name: 'lookup', arguments: { a: 1 } }] });
    assert.deepEqual(d.metadata.tokens, { input: 5, output: 2, total: 7 });
    assert.equal(d.metadata.streamed, true);
  });

  it('records an Anthropic stream', async () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_2', model: 'claude-x', usage: { input_tokens: 9 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't1', name: 'lookup', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a": 2}' } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } },
      { type: 'message_stop' },
    ];
    const client = wrapAnthropic(fakeAnthropic({ chunks: events }), grid);
    const received = [];
    for await (const e of await client.messages.create({ model: 'claude-x', max_tokens: 10, messages: MESSAGES.slice(1),
      stream: true })) received.push(e);
    assert.deepEqual(received, events);
    await client.loopgrid.idle();
    const d = await onlyDecision();
    assert.deepEqual(d.output, { response: 'Hi there', tool_calls: [{ name: 'lookup', arguments: { a: 2 } }] });
    assert.deepEqual(d.metadata.tokens, { input: 9, output: 4, total: 13 });
  });

  it('records synchronous clients too', async () => {
    const client = wrapOpenAI(fakeOpenAI({ response: OPENAI_RESPONSE, sync: true }), grid);
    assert.equal(client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }), OPENAI_RESPONSE);
    await client.loopgrid.idle();
    assert.equal((await onlyDecision()).output.response, 'Let me check your billing.');
  });

  it('never breaks the call when LoopGrid refuses, fails or hangs', async () => {
    const failing = await scriptedServer(() => json(500, { detail: 'Internal error' }));
    const hanging = await scriptedServer(() => 'hang');
    try {
      for (const g of [new LoopGrid({ baseUrl: `http://127.0.0.1:${await freePort()}`, maxRetries: 0 }),
        new LoopGrid({ baseUrl: failing.url, maxRetries: 0 }),
        new LoopGrid({ baseUrl: hanging.url, maxRetries: 0, timeout: 300 })]) {
        const logger = memoryLogger();
        const client = wrapOpenAI(fakeOpenAI({ response: OPENAI_RESPONSE }), g, { logger });
        const started = Date.now();
        assert.equal(await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }), OPENAI_RESPONSE);
        assert.ok(Date.now() - started < 250, 'the call is not held up by recording');
        await client.loopgrid.idle();
        assert.equal(client.loopgrid.failures, 1);
        assert.match(logger.lines[0], /decision not recorded/);
        assert.equal(client.loopgrid.pending, 0, 'no buffer unless asked');
      }
    } finally {
      await failing.close();
      await hanging.close();
    }
  });

  it('buffers decisions that failed and sends them again', async () => {
    const answers = [json(500, { detail: 'down' }), json(201, DECISION), json(201, DECISION)];
    const server = await scriptedServer(() => answers.shift());
    try {
      const client = wrapAnthropic(fakeAnthropic({ response: ANTHROPIC_RESPONSE }),
        new LoopGrid({ baseUrl: server.url, maxRetries: 0 }), { buffer: true, logger: memoryLogger() });
      await client.messages.create({ model: 'claude-x', max_tokens: 5, messages: MESSAGES.slice(1) });
      await client.loopgrid.idle();
      assert.equal(client.loopgrid.pending, 1);
      await client.messages.create({ model: 'claude-x', max_tokens: 5, messages: MESSAGES.slice(1) }); // flushes first
      await client.loopgrid.idle();
      assert.equal(client.loopgrid.pending, 0);
      assert.equal(server.requests.length, 3);
      assert.deepEqual(JSON.parse(server.requests[1].body), JSON.parse(server.requests[0].body));
      assert.equal(await client.loopgrid.flush(), 0);
    } finally {
      await server.close();
    }
  });

  it('lets the call\'s own errors through and records nothing', async () => {
    const client = wrapOpenAI(fakeOpenAI({ error: new Error('rate limited') }), grid);
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }), /rate limited/);
    await client.loopgrid.idle();
    assert.equal((await grid.listDecisions({ serviceName: service })).total, 0);
  });

  it('logs, not throws, on a response it cannot read', async () => {
    const logger = memoryLogger();
    const client = wrapOpenAI(fakeOpenAI({ response: 'not a completion' }), grid, { logger });
    assert.equal(await client.chat.completions.create({ model: 'm', messages: MESSAGES }), 'not a completion');
    await client.loopgrid.idle();
    assert.match(logger.lines[0], /could not read the openai response/);
  });

  it('passes everything else through', () => {
    const fake = fakeOpenAI({ response: OPENAI_RESPONSE });
    const client = wrap(fake, grid);
    assert.equal(client.models, 'models-api');
    assert.equal(client.apiKey, 'sk-test');
    assert.equal(wrap(fakeAnthropic({ response: ANTHROPIC_RESPONSE }), grid).loopgrid.provider, 'anthropic');
    assert.throws(() => wrap({}, grid), TypeError);
  });
});
