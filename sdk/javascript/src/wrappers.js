// Record every call of an OpenAI or Anthropic client as a LoopGrid decision. Duck-typed: no dependency on
// their packages. Recording never breaks (nor delays) the wrapped call: it happens after the call resolved, in
// the background; failures are logged and, with `buffer: true`, kept and sent again later. `await
// client.loopgrid.idle()` waits for recordings in flight (e.g. before a process exits).
//
// Recorded shape (what LoopGrid's replays read back, so a recorded call can be replayed live):
//   prompt   {messages: [...every message, system first...], tools: [...]}
//   input    {message: <text of the last user message>}
//   model    {provider, name, ...parameters (temperature, max_tokens, ...)}
//   output   {response: <text>, tool_calls: [{name, arguments}]}
//   tool_calls [{id, name, arguments}], metadata {latency_ms, tokens {input, output, total}, finish_reason, ...}

import { VERSION } from './client.js';

const NOT_PARAMETERS = new Set(['messages', 'model', 'tools', 'functions', 'system', 'stream', 'stream_options',
  'metadata', 'user', 'signal', 'timeout', 'headers']);

/** Records decisions for a wrapped client; reachable as `wrappedClient.loopgrid`. */
export class Recorder {
  constructor(grid, provider, { decisionType, serviceName, prompt, metadata, buffer = false, maxBuffer = 1000,
    logger = console } = {}) {
    this.grid = grid;
    this.provider = provider;
    this.decisionType = decisionType;
    this.serviceName = serviceName;
    this.prompt = prompt || {};
    this.metadata = metadata || {};
    this.buffer = buffer;
    this.maxBuffer = maxBuffer;
    this.logger = logger;
    this.failures = 0;
    this.lastDecision = null;
    this._pending = [];
    this._inFlight = new Set();
  }

  /** Decisions waiting in the buffer. */
  get pending() {
    return this._pending.length;
  }

  /** Resolves once every recording started so far has finished (recorded, buffered or logged). */
  async idle() {
    while (this._inFlight.size) await Promise.allSettled([...this._inFlight]);
  }

  /** Sends buffered decisions again; resolves to how many were recorded. Never rejects. */
  async flush() {
    let sent = 0;
    while (this._pending.length) {
      const payload = this._pending[0];
      try {
        this.lastDecision = await this.grid.recordDecision(payload);
      } catch (error) {
        this._warn(`LoopGrid: buffered decision still not recorded (${this.pending} pending): ${error.message}`);
        return sent;
      }
      if (this._pending[0] === payload) this._pending.shift();
      sent += 1;
    }
    return sent;
  }

  /** Starts recording in the background; `build` makes the payload (its errors are logged too). */
  record(build) {
    const p = this._record(build).catch((error) => this._warn(`LoopGrid: recording failed: ${error.message}`));
    this._inFlight.add(p);
    p.finally(() => this._inFlight.delete(p));
    return p;
  }

  async _record(build) {
    let payload;
    try {
      payload = build();
    } catch (error) {
      this.failures += 1;
      this._warn(`LoopGrid: could not read the ${this.provider} response to record it: ${error.message}`);
      return;
    }
    if (this._pending.length) await this.flush();
    try {
      this.lastDecision = await this.grid.recordDecision(payload);
    } catch (error) {
      this.failures += 1;
      if (this.buffer) {
        if (this._pending.length >= this.maxBuffer) this._pending.shift();
        this._pending.push(payload);
        this._warn(`LoopGrid: decision not recorded, buffered for retry (${this.pending} pending): ${error.message}`);
      } else {
        this._warn(`LoopGrid: decision not recorded: ${error.message}`);
      }
    }
  }

  _warn(message) {
    try {
      this.logger.warn(message);
    } catch {
      // a broken logger must not break anything either
    }
  }

  /** recordDecision options for one call (`call` and `result` as built by the adapters). */
  payload(call, result, latencyMs) {
    const prompt = { ...this.prompt, messages: call.messages };
    if (call.tools && call.tools.length) prompt.tools = call.tools;
    const model = { provider: this.provider, name: call.model || result.model || 'unknown', ...call.parameters };
    const output = { response: result.text || '' };
    const calls = result.toolCalls || [];
    if (calls.length) output.tool_calls = calls.map((c) => ({ name: c.name, arguments: c.arguments }));
    const metadata = { latency_ms: latencyMs };
    const tokens = Object.fromEntries(Object.entries(result.tokens || {}).filter(([, v]) => v !== undefined && v !== null));
    if (Object.keys(tokens).length) {
      if (tokens.total === undefined && tokens.input !== undefined && tokens.output !== undefined) {
        tokens.total = tokens.input + tokens.output;
      }
      metadata.tokens = tokens;
    }
    for (const [key, value] of Object.entries({ finish_reason: result.finishReason, response_id: result.responseId,
      system_fingerprint: result.systemFingerprint, response_model: result.model })) {
      if (value !== undefined && value !== null) metadata[key] = value;
    }
    if (call.stream) metadata.streamed = true;
    metadata.recorded_by = `loopgrid-js/${VERSION}`;
    Object.assign(metadata, this.metadata);
    return {
      decisionType: this.decisionType,
      serviceName: this.serviceName,
      input: { message: lastUserText(call.messages) },
      model,
      output,
      prompt,
      toolCalls: calls.length ? calls : undefined,
      metadata,
    };
  }
}

/** Wrap an OpenAI client so that `chat.completions.create` calls are recorded. Returns a proxy. */
export function wrapOpenAI(client, grid, options = {}) {
  const recorder = new Recorder(grid, 'openai', { decisionType: 'chat_completion', ...options });
  return proxy(client, ['chat', 'completions', 'create'], OPENAI, recorder, true);
}

/** Wrap an Anthropic client so that `messages.create` calls are recorded. Returns a proxy. */
export function wrapAnthropic(client, grid, options = {}) {
  const recorder = new Recorder(grid, 'anthropic', { decisionType: 'message', ...options });
  return proxy(client, ['messages', 'create'], ANTHROPIC, recorder, true);
}

/** Wrap an OpenAI- or Anthropic-shaped client, whichever it looks like. */
export function wrap(client, grid, options = {}) {
  if (typeof client?.chat?.completions?.create === 'function') return wrapOpenAI(client, grid, options);
  if (typeof client?.messages?.create === 'function') return wrapAnthropic(client, grid, options);
  throw new TypeError('the client looks like neither an OpenAI nor an Anthropic client');
}

// ---------------------------------------------------------------- the proxy

function proxy(target, path, adapter, recorder, root) {
  return new Proxy(target, {
    get(t, prop) {
      if (root && prop === 'loopgrid') return recorder;
      const value = Reflect.get(t, prop, t);
      if (prop !== path[0]) return typeof value === 'function' ? value.bind(t) : value;
      if (path.length === 1) return typeof value === 'function' ? intercept(value.bind(t), adapter, recorder) : value;
      if (value === null || typeof value !== 'object') return value;
      return proxy(value, path.slice(1), adapter, recorder, false);
    },
  });
}

function intercept(create, adapter, recorder) {
  return function recordedCreate(params = {}, ...rest) {
    const started = Date.now();
    const result = create(params, ...rest); // its exceptions are the caller's, untouched
    try {
      if (result && typeof result.then === 'function') {
        if (params.stream) {
          return result.then((stream) => wrapStream(stream, params, started, adapter, recorder));
        }
        // record on the side; the caller gets the provider's own promise (with its extra methods) back
        result.then((response) => {
          record(recorder, adapter, params, () => adapter.response(response), started);
        }, () => {});
        return result;
      }
      if (params.stream) return wrapStream(result, params, started, adapter, recorder);
      record(recorder, adapter, params, () => adapter.response(result), started);
    } catch (error) {
      recorder._warn(`LoopGrid: recording failed: ${error.message}`);
    }
    return result;
  };
}

function record(recorder, adapter, params, result, started) {
  const latencyMs = Date.now() - started;
  return recorder.record(() => recorder.payload(adapter.call(params), result(), latencyMs));
}

function wrapStream(stream, params, started, adapter, recorder) {
  if (!stream || (typeof stream[Symbol.asyncIterator] !== 'function' && typeof stream[Symbol.iterator] !== 'function')) {
    return stream;
  }
  const acc = adapter.accumulator();
  const add = (chunk) => {
    try {
      acc.add(chunk);
    } catch {
      // an unexpected chunk shape: the stream goes on, the record may be incomplete
    }
  };
  const done = () => record(recorder, adapter, params, () => acc.result(), started);
  return new Proxy(stream, {
    get(t, prop) {
      if (prop === Symbol.asyncIterator && typeof t[Symbol.asyncIterator] === 'function') {
        return async function* recorded() {
          for await (const chunk of t) {
            add(chunk);
            yield chunk;
          }
          done();
        };
      }
      if (prop === Symbol.iterator && typeof t[Symbol.iterator] === 'function') {
        return function* recorded() {
          for (const chunk of t) {
            add(chunk);
            yield chunk;
          }
          done();
        };
      }
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

// ---------------------------------------------------------------- provider adapters

const OPENAI = {
  call(params) {
    return {
      model: params.model,
      messages: plain(params.messages || []),
      tools: plain(params.tools || params.functions || []),
      parameters: parameters(params),
      stream: Boolean(params.stream),
    };
  },
  response(response) {
    const r = plain(response);
    if (!r || typeof r !== 'object' || !Array.isArray(r.choices)) throw new Error('not a chat completion');
    const choice = r.choices[0] || {};
    const message = choice.message || {};
    const toolCalls = (message.tool_calls || []).map((c) => ({
      id: c.id, name: c.function?.name, arguments: parseArguments(c.function?.arguments),
    }));
    const usage = r.usage || {};
    return {
      text: text(message.content),
      toolCalls,
      tokens: { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens },
      finishReason: choice.finish_reason,
      responseId: r.id,
      systemFingerprint: r.system_fingerprint,
      model: r.model,
    };
  },
  accumulator() {
    const parts = [];
    const calls = new Map();
    const meta = {};
    let usage = {};
    return {
      add(chunk) {
        const c = plain(chunk);
        for (const key of ['id', 'model', 'system_fingerprint']) if (c[key]) meta[key] = c[key];
        if (c.usage) usage = c.usage;
        for (const choice of c.choices || []) {
          const delta = choice.delta || {};
          if (delta.content) parts.push(text(delta.content));
          for (const tc of delta.tool_calls || []) {
            const index = tc.index ?? 0;
            if (!calls.has(index)) calls.set(index, { id: null, name: '', arguments: '' });
            const slot = calls.get(index);
            if (tc.id) slot.id = tc.id;
            slot.name += tc.function?.name || '';
            slot.arguments += tc.function?.arguments || '';
          }
          if (choice.finish_reason) meta.finish_reason = choice.finish_reason;
        }
      },
      result() {
        return {
          text: parts.join(''),
          toolCalls: [...calls.entries()].sort(([a], [b]) => a - b)
            .map(([, s]) => ({ id: s.id, name: s.name, arguments: parseArguments(s.arguments) })),
          tokens: { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens },
          finishReason: meta.finish_reason,
          responseId: meta.id,
          systemFingerprint: meta.system_fingerprint,
          model: meta.model,
        };
      },
    };
  },
};

const ANTHROPIC = {
  call(params) {
    let messages = plain(params.messages || []);
    if (params.system) messages = [{ role: 'system', content: text(plain(params.system)) }, ...messages];
    return {
      model: params.model,
      messages,
      tools: plain(params.tools || []),
      parameters: parameters(params),
      stream: Boolean(params.stream),
    };
  },
  response(response) {
    const r = plain(response);
    if (!r || typeof r !== 'object' || !Array.isArray(r.content)) throw new Error('not a message');
    const texts = [];
    const toolCalls = [];
    for (const block of r.content) {
      if (block.type === 'text') texts.push(block.text || '');
      else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: block.input || {} });
    }
    const usage = r.usage || {};
    return {
      text: texts.join(''),
      toolCalls,
      tokens: { input: usage.input_tokens, output: usage.output_tokens },
      finishReason: r.stop_reason,
      responseId: r.id,
      model: r.model,
    };
  },
  accumulator() {
    const blocks = new Map();
    const meta = {};
    const usage = {};
    return {
      add(event) {
        const e = plain(event);
        if (e.type === 'message_start') {
          meta.id = e.message?.id;
          meta.model = e.message?.model;
          Object.assign(usage, e.message?.usage || {});
        } else if (e.type === 'content_block_start') {
          const b = e.content_block || {};
          blocks.set(e.index ?? 0, { type: b.type, id: b.id, name: b.name, text: b.text || '', json: '' });
        } else if (e.type === 'content_block_delta') {
          const index = e.index ?? 0;
          if (!blocks.has(index)) blocks.set(index, { type: 'text', text: '', json: '' });
          const slot = blocks.get(index);
          if (e.delta?.type === 'text_delta') slot.text += e.delta.text || '';
          else if (e.delta?.type === 'input_json_delta') slot.json += e.delta.partial_json || '';
        } else if (e.type === 'message_delta') {
          if (e.delta?.stop_reason) meta.stop_reason = e.delta.stop_reason;
          for (const [k, v] of Object.entries(e.usage || {})) if (v !== null && v !== undefined) usage[k] = v;
        }
      },
      result() {
        const texts = [];
        const toolCalls = [];
        for (const [, b] of [...blocks.entries()].sort(([a], [c]) => a - c)) {
          if (b.type === 'tool_use') toolCalls.push({ id: b.id, name: b.name, arguments: parseArguments(b.json || '{}') });
          else texts.push(b.text || '');
        }
        return {
          text: texts.join(''),
          toolCalls,
          tokens: { input: usage.input_tokens, output: usage.output_tokens },
          finishReason: meta.stop_reason,
          responseId: meta.id,
          model: meta.model,
        };
      },
    };
  },
};

// ---------------------------------------------------------------- helpers

function plain(value) {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    return String(value);
  }
}

function parameters(params) {
  const out = {};
  for (const [key, value] of Object.entries(params)) {
    if (NOT_PARAMETERS.has(key) || value === undefined || value === null || typeof value === 'function') continue;
    try {
      out[key] = JSON.parse(JSON.stringify(value));
    } catch {
      // not JSON: not a model parameter we can record
    }
  }
  return out;
}

function text(content) {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'string' ? p : (p && typeof p.text === 'string' ? p.text : ''))).join('');
  }
  return JSON.stringify(content);
}

function lastUserText(messages) {
  for (let i = (messages || []).length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && typeof m === 'object' && (m.role ?? 'user') === 'user') return text(m.content);
  }
  return '';
}

function parseArguments(raw) {
  if (typeof raw === 'string') {
    if (!raw.trim()) return {};
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw === undefined || raw === null ? {} : plain(raw);
}
