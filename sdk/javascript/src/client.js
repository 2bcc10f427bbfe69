// LoopGrid client: Node >= 18 (global fetch), no dependencies. The v0.1 SDK's names and signatures.

import { randomUUID } from 'node:crypto';

export const VERSION = '0.2.0';

/** The longest the server holds a replay creation waiting for it to finish (`wait=N`, seconds). */
export const MAX_SERVER_WAIT_SECONDS = 20;

// error codes of a connection that cannot have carried the request (never sent)
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH',
  'ENETUNREACH', 'EADDRNOTAVAIL']);

/** The server could not be reached, timed out, or answered something that is not the API. */
export class LoopGridError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'LoopGridError';
  }
}

/**
 * The API answered with an error status: `statusCode` and `detail` (as in v0.1), plus `code` (the stable
 * machine string, e.g. `decision_not_found`; null when the answer did not come from LoopGrid itself),
 * `errors` (field errors of a 422) and `body` (the parsed error body, or null).
 */
export class LoopGridAPIError extends LoopGridError {
  constructor(statusCode, detail, { code = null, errors = [], body = null } = {}) {
    super(`API Error ${statusCode}: ${detail}`);
    this.name = 'LoopGridAPIError';
    this.statusCode = statusCode;
    this.detail = detail;
    this.code = code;
    this.errors = errors;
    this.body = body;
  }
}

/**
 * LoopGrid client. Errors: an error answer rejects with LoopGridAPIError; no answer (refused, timed out) with
 * LoopGridError. Retries: 429/503 answers (honouring Retry-After) and connections that cannot have carried the
 * request (refused, unknown host, connect timeout) are retried; reads and recordDecision (which always sends an
 * Idempotency-Key, the same on every retry) are also retried when the connection breaks after sending. Flags,
 * corrections and replays are not: a second delivery would append a second entry. Timeouts are not retried.
 */
export class LoopGrid {
  /**
   * @param {object} [options]
   * @param {string} [options.baseUrl='http://localhost:8000'] LoopGrid API URL
   * @param {string} [options.serviceName='default'] the service decisions are recorded under
   * @param {number} [options.timeout=30000] milliseconds one request may take
   * @param {string} [options.apiKey] sent as `Authorization: Bearer <key>`
   * @param {number} [options.maxRetries=3] retries after the first attempt (0 disables)
   * @param {number} [options.retryDelay=250] first backoff delay in ms, doubled per retry and jittered
   * @param {number} [options.maxRetryDelay=10000] cap in ms on one delay and on an honoured Retry-After
   */
  constructor(options = {}) {
    const baseUrl = (options.baseUrl || 'http://localhost:8000').replace(/\/+$/, '');
    let parsed;
    try {
      parsed = new URL(baseUrl);
    } catch {
      parsed = null;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
      throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    this.baseUrl = baseUrl;
    this.serviceName = options.serviceName || 'default';
    this.timeout = options.timeout || 30000;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelay = options.retryDelay ?? 250;
    this.maxRetryDelay = options.maxRetryDelay ?? 10000;
    // not enumerable: keeps the key out of console.log / JSON.stringify of the client
    Object.defineProperty(this, 'apiKey', { value: options.apiKey ?? null, enumerable: false });
  }

  // ================================================================ decisions

  /** Record an AI decision in the ledger; resolves to the Decision. */
  async recordDecision({ decisionType, input, model, output, prompt, toolCalls, metadata, idempotencyKey,
    serviceName } = {}) {
    const data = {
      service_name: serviceName || this.serviceName,
      decision_type: decisionType,
      input,
      model,
      output,
    };
    if (prompt !== undefined && prompt !== null) data.prompt = prompt;
    if (toolCalls !== undefined && toolCalls !== null) data.tool_calls = toolCalls;
    if (metadata !== undefined && metadata !== null) data.metadata = metadata;
    return this._request('POST', '/v1/decisions', {
      data, headers: { 'Idempotency-Key': idempotencyKey || randomUUID() }, safe: true,
    });
  }

  async getDecision(decisionId) {
    return this._request('GET', `/v1/decisions/${segment(decisionId)}`);
  }

  /** One page of decisions, newest first. `cursor` (a page's `next_cursor`) reaches deep pages. */
  async listDecisions(options = {}) {
    const params = new URLSearchParams();
    if (options.serviceName) params.append('service_name', options.serviceName);
    if (options.decisionType) params.append('decision_type', options.decisionType);
    if (options.status) params.append('status', options.status);
    if (options.cursor) params.append('cursor', options.cursor);
    else params.append('page', String(options.page || 1));
    params.append('page_size', String(options.pageSize || 20));
    if (options.since) params.append('since', timestamp(options.since));
    if (options.until) params.append('until', timestamp(options.until));
    return this._request('GET', `/v1/decisions?${params.toString()}`);
  }

  /** Every matching decision, newest first, fetched page by page as you iterate (`for await`). */
  async *iterateDecisions(options = {}) {
    let cursor;
    let page = 1;
    const pageSize = options.pageSize || 100;
    for (;;) {
      const result = await this.listDecisions({ ...options, pageSize, cursor, page });
      const decisions = result.decisions || [];
      yield* decisions;
      if (!result.has_more || decisions.length === 0) return;
      cursor = result.next_cursor || undefined;
      page += 1; // servers without cursors page by number
    }
  }

  /** Mark a decision as incorrect; the flag is appended to the ledger. */
  async markIncorrect(decisionId, reason) {
    return this._request('POST', `/v1/decisions/${segment(decisionId)}/incorrect`, { data: reason ? { reason } : {} });
  }

  /** Attach a human correction (the corrected output). */
  async attachCorrection({ decisionId, correction, correctedBy, notes } = {}) {
    const data = { correction, corrected_by: correctedBy };
    if (notes) data.notes = notes;
    return this._request('POST', `/v1/decisions/${segment(decisionId)}/correction`, { data });
  }

  // ================================================================ replays

  /**
   * Replay a decision with optional overrides ({prompt, model, input}). Without `wait` the replay comes back
   * pending; with `wait` (ms) the server holds the answer up to 20 s and the replay is then polled until it
   * finishes or `wait` passes. Resolves to the replay as last seen (check `execution_status`).
   */
  async createReplay({ decisionId, overrides, triggeredBy = 'sdk', wait } = {}) {
    const data = { decision_id: decisionId, triggered_by: triggeredBy };
    if (overrides) data.overrides = overrides;
    if (!wait || wait <= 0) return this._request('POST', '/v1/replays', { data });
    const deadline = Date.now() + wait;
    const serverWait = Math.min(MAX_SERVER_WAIT_SECONDS, Math.ceil(wait / 1000));
    const replay = await this._request('POST', `/v1/replays?wait=${serverWait}`, {
      data, timeout: this.timeout + serverWait * 1000,
    });
    return this._poll(replay, deadline);
  }

  /** Poll a replay until it completes or fails, or `timeout` ms pass; resolves to it as last seen. */
  async waitForReplay(replayId, { timeout = 60000 } = {}) {
    return this._poll(await this.getReplay(replayId), Date.now() + timeout);
  }

  async getReplay(replayId) {
    return this._request('GET', `/v1/replays/${segment(replayId)}`);
  }

  /** A decision's recorded output against a replay's (`output_changed`, `diff_summary`, `diff`). */
  async compare(decisionId, replayId) {
    return this._request('GET', `/v1/decisions/${segment(decisionId)}/compare/${segment(replayId)}`);
  }

  // ================================================================ integrity, compliance, health

  async verifyIntegrity(serviceName) {
    return this._request('GET', `/v1/integrity/verify${serviceQuery(serviceName)}`);
  }

  async complianceReport(serviceName) {
    return this._request('GET', `/v1/compliance/report${serviceQuery(serviceName)}`);
  }

  async health() {
    return this._request('GET', '/health');
  }

  toString() {
    return `LoopGrid(baseUrl='${this.baseUrl}', serviceName='${this.serviceName}')`;
  }

  // ================================================================ plumbing

  async _poll(replay, deadline) {
    let delay = 200;
    while (!['completed', 'failed'].includes(replay.execution_status)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, 2000);
      replay = await this.getReplay(replay.replay_id);
    }
    return replay;
  }

  async _request(method, endpoint, { data, headers = {}, safe = method === 'GET', timeout = this.timeout } = {}) {
    const url = `${this.baseUrl}${endpoint}`;
    const allHeaders = { Accept: 'application/json', 'User-Agent': `loopgrid-js/${VERSION}`, ...headers };
    if (this.apiKey) allHeaders.Authorization = `Bearer ${this.apiKey}`;
    let body;
    if (data !== undefined) {
      body = JSON.stringify(data);
      allHeaders['Content-Type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.maxRetries;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeout);
      let response;
      let text;
      try {
        response = await fetch(url, { method, headers: allHeaders, body, signal: controller.signal });
        text = await response.text();
      } catch (error) {
        if (controller.signal.aborted) {
          throw new LoopGridError(`Request timed out after ${timeout}ms (${method} ${endpoint})`, { cause: error });
        }
        const unsent = errorCodes(error).some((c) => UNSENT_CODES.has(c));
        if (canRetry && (unsent || safe)) {
          await this._backoff(attempt, null);
          continue;
        }
        if (unsent) {
          throw new LoopGridError(`Cannot connect to LoopGrid at ${this.baseUrl}. Is the server running? `
            + `(${describe(error)})`, { cause: error });
        }
        throw new LoopGridError(`Connection to LoopGrid at ${this.baseUrl} failed during ${method} ${endpoint}: `
          + `${describe(error)}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if ((response.status === 429 || response.status === 503) && canRetry) {
        await this._backoff(attempt, response.headers.get('retry-after'));
        continue;
      }
      if (response.status >= 400) throw apiError(response.status, text);
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      if (json === null || typeof json !== 'object' || Array.isArray(json)) {
        throw new LoopGridError(`LoopGrid answered ${response.status} with a body that is not a JSON object: `
          + `${String(text).slice(0, 500)}`);
      }
      return json;
    }
  }

  async _backoff(attempt, retryAfter) {
    let delay = null;
    if (retryAfter !== null && retryAfter !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) {
      delay = Math.min(this.maxRetryDelay, Number(retryAfter) * 1000);
    }
    if (delay === null) {
      const exp = Math.min(this.maxRetryDelay, this.retryDelay * 2 ** attempt);
      delay = exp / 2 + Math.random() * (exp / 2);
    }
    if (delay > 0) await sleep(delay);
  }
}

function apiError(status, text) {
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  let detail = null;
  let code = null;
  let errors = [];
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    if (typeof body.detail === 'string') detail = body.detail;
    else if (body.detail !== undefined && body.detail !== null) detail = JSON.stringify(body.detail);
    else if (typeof body.message === 'string') detail = body.message; // API Gateway's own errors
    if (typeof body.code === 'string') code = body.code;
    if (Array.isArray(body.errors)) errors = body.errors;
  } else {
    body = null;
  }
  if (detail === null) detail = text && text.trim() ? text.trim().slice(0, 500) : `HTTP ${status}`;
  return new LoopGridAPIError(status, detail, { code, errors, body });
}

function errorCodes(error) {
  const codes = [];
  for (let e = error; e; e = e.cause) {
    if (e.code) codes.push(e.code);
    if (Array.isArray(e.errors)) for (const inner of e.errors) if (inner && inner.code) codes.push(inner.code);
    if (e.cause === e) break;
  }
  return codes;
}

function describe(error) {
  const codes = errorCodes(error);
  const cause = error && error.cause ? error.cause.message || String(error.cause) : '';
  return [error && error.message, cause, codes.length ? `[${codes.join(', ')}]` : ''].filter(Boolean).join(': ');
}

function segment(id) {
  if (!id) throw new TypeError('id must not be empty');
  return encodeURIComponent(String(id));
}

function serviceQuery(serviceName) {
  return serviceName ? `?service_name=${encodeURIComponent(serviceName)}` : '';
}

function timestamp(value) {
  return value instanceof Date ? value.toISOString() : String(value);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
