// LoopGrid client: Node >= 18 (global fetch), no dependencies. The v0.1 SDK's names and signatures.

import { randomUUID } from 'node:crypto';
import { Batcher } from './batching.js';

export const VERSION = '0.2.0';

/** Sent as `X-LoopGrid-Client` on every request: the server records it as a replay's `triggered_by` when the request names none. */
export const CLIENT = `sdk-js/${VERSION}`;

/** The longest the server holds a replay creation waiting for it to finish (`wait=N`, seconds). */
export const MAX_SERVER_WAIT_SECONDS = 20;

/** The most decisions one `POST /v1/decisions/batch` takes; recordDecisions splits longer lists. */
export const MAX_BATCH = 100;

/** The largest body one batch request may have (5 MiB); lists are split below it. */
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

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

  /**
   * Record an AI decision in the ledger; resolves to the Decision. `subjectId` names the data subject the decision
   * is about (a pseudonymous id, 1..128 visible ASCII, never an e-mail): its content is then sealed under the
   * subject's key, erasable with eraseSubject.
   */
  async recordDecision({ decisionType, input, model, output, prompt, toolCalls, metadata, idempotencyKey,
    serviceName, subjectId } = {}) {
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
    if (subjectId !== undefined && subjectId !== null) data.subject_id = subjectId;
    return this._request('POST', '/v1/decisions', {
      data, headers: { 'Idempotency-Key': idempotencyKey || randomUUID() }, safe: true,
    });
  }

  /**
   * Record many decisions with `POST /v1/decisions/batch`; resolves to one result per item, in order:
   * `{status, ok, decision, code, detail, errors, idempotencyKey}` (`status` 201, 200 for an idempotent retry, or
   * the item's 4xx/5xx with `code` and `detail`). One item's error does not fail the others. Items take
   * recordDecision's options; each gets a fresh Idempotency key unless it names `idempotencyKey`, so the client's
   * retries never record twice. Lists above 100 items (or 5 MiB) go in several requests, one after the other; an
   * error of a whole request rejects as usual (the requests before it are recorded).
   */
  async recordDecisions(decisions) {
    if (!Array.isArray(decisions)) throw new TypeError('decisions must be an array');
    const items = decisions.map((d) => this._batchItem(d));
    const results = [];
    for (const chunk of chunks(items, MAX_BATCH, MAX_BATCH_BYTES)) {
      results.push(...await this._sendBatch(chunk));
    }
    return results;
  }

  /**
   * A background recorder: `record(decision)` queues and returns at once; batches of `maxBatch` are sent when full,
   * every `flushInterval` ms, on `flush()`, on `close()` and before the process exits (`beforeExit`). See Batcher
   * and the README's "Background batching".
   * @param {object} [options] maxBatch=100, flushInterval=1000 (ms), maxQueue=10000, maxRetries=3, retryDelay
   *   (default: the client's), flushOnExit=true, logger=console
   */
  batcher(options = {}) {
    return new Batcher(this, options);
  }

  _batchItem(decision) {
    if (!decision || typeof decision !== 'object' || Array.isArray(decision)) {
      throw new TypeError('each decision must be an object of recordDecision options');
    }
    const { decisionType, input, model, output, prompt, toolCalls, metadata, idempotencyKey, serviceName,
      subjectId } = decision;
    const item = { service_name: serviceName || this.serviceName, decision_type: decisionType, input, model, output };
    if (prompt !== undefined && prompt !== null) item.prompt = prompt;
    if (toolCalls !== undefined && toolCalls !== null) item.tool_calls = toolCalls;
    if (metadata !== undefined && metadata !== null) item.metadata = metadata;
    if (subjectId !== undefined && subjectId !== null) item.subject_id = subjectId;
    item.idempotency_key = idempotencyKey || randomUUID();
    return item;
  }

  /** One POST /v1/decisions/batch of at most 100 items, each with its key (so safe to retry). */
  async _sendBatch(items, maxRetries = this.maxRetries) {
    const body = await this._request('POST', '/v1/decisions/batch', { data: { decisions: items }, safe: true,
      maxRetries });
    const answers = body.results;
    if (!Array.isArray(answers) || answers.length !== items.length) {
      throw new LoopGridError(`LoopGrid answered a batch of ${items.length} with `
        + `${Array.isArray(answers) ? answers.length : 'no'} results`);
    }
    return answers.map((a, i) => batchResult(a, items[i].idempotency_key));
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

  /**
   * Confirm a decision as right (status `confirmed`; a later flag or correction still wins). A decision that is
   * already incorrect or corrected is refused: LoopGridApiError 409 `verdict_superseded`.
   */
  async confirmDecision({ decisionId, confirmedBy, notes } = {}) {
    const data = { confirmed_by: confirmedBy };
    if (notes) data.notes = notes;
    return this._request('POST', `/v1/decisions/${segment(decisionId)}/confirm`, { data });
  }

  /** Verdicts, accuracy (confirmed / reviewed), review coverage, time to verdict, per model latency/tokens/cost. */
  async stats(serviceName) {
    const q = serviceName ? `?service_name=${encodeURIComponent(serviceName)}` : '';
    return this._request('GET', `/v1/stats${q}`);
  }

  // ================================================================ replays

  /** One page of a decision's replays, oldest first ({replays, has_more, next_cursor}). */
  async listDecisionReplays(decisionId, { pageSize = 20, cursor } = {}) {
    const params = new URLSearchParams();
    params.append('page_size', String(pageSize));
    if (cursor) params.append('cursor', cursor);
    return this._request('GET', `/v1/decisions/${segment(decisionId)}/replays?${params.toString()}`);
  }

  /** Every replay of a decision, oldest first, page by page as you iterate (`for await`). */
  async *iterateDecisionReplays(decisionId, { pageSize = 100 } = {}) {
    let cursor;
    for (;;) {
      const page = await this.listDecisionReplays(decisionId, { pageSize, cursor });
      yield* page.replays || [];
      cursor = page.next_cursor || undefined;
      if (!page.has_more || !cursor) return;
    }
  }

  /**
   * Replay a decision with optional overrides ({prompt, model, input}). Without `wait` the replay comes back
   * pending; with `wait` (ms) the server holds the answer up to 20 s and the replay is then polled until it
   * finishes or `wait` passes. Resolves to the replay as last seen (check `execution_status`). `triggeredBy`
   * defaults to this SDK's name (`sdk-js/<version>`, sent as `X-LoopGrid-Client`).
   */
  async createReplay({ decisionId, overrides, triggeredBy, wait } = {}) {
    const data = { decision_id: decisionId };
    if (triggeredBy) data.triggered_by = triggeredBy;
    if (overrides) data.overrides = overrides;
    if (!wait || wait <= 0) return this._request('POST', '/v1/replays', { data });
    const deadline = Date.now() + wait;
    const serverWait = Math.min(MAX_SERVER_WAIT_SECONDS, Math.ceil(wait / 1000));
    const replay = await this._request('POST', `/v1/replays?wait=${serverWait}`, {
      data, timeout: this.timeout + serverWait * 1000,
    });
    return this._poll(replay, deadline);
  }

  /**
   * The receipt of a decision (loopgrid-receipt/v1: its entry, inclusion proof and signed checkpoint), or null while
   * the decision is not yet in a signed checkpoint (202). With `wait` (ms, at most 20 s) the server holds the answer
   * until the receipt is ready. Check it offline with verifyReceipt and the log's pinned key (logKey()).
   */
  async receipt(decisionId, { wait } = {}) {
    return this._receipt(`/v1/decisions/${segment(decisionId)}/receipt`, wait);
  }

  /** The receipt of any ledger entry (decision, flag, correction, replay) by chain and sequence; null while pending. */
  async entryReceipt(chainId, sequence, { wait } = {}) {
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw new TypeError('sequence must be a positive integer');
    return this._receipt(`/v1/entries/${segment(chainId)}/${sequence}/receipt`, wait);
  }

  /** The log's verifier key (C2SP vkey). Fetch it once and pin it: a key that comes with the receipt proves nothing. */
  async logKey() {
    return (await this._text('/v1/log/key', 'text/plain')).trim();
  }

  /** The latest signed checkpoint of the tenant's log (C2SP signed note). */
  async logCheckpoint() {
    return this._text('/v1/log/checkpoint', 'text/plain');
  }

  async _receipt(endpoint, wait) {
    let query = '';
    let timeout = this.timeout;
    if (wait && wait > 0) {
      const serverWait = Math.min(MAX_SERVER_WAIT_SECONDS, Math.ceil(wait / 1000));
      query = `?wait=${serverWait}`;
      timeout = this.timeout + serverWait * 1000;
    }
    const { status, body } = await this._request('GET', `${endpoint}${query}`, { timeout, withStatus: true });
    return status === 202 ? null : body;
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

  /** The compliance report as a printable, self-contained HTML page. */
  async complianceReportHtml(serviceName) {
    return this._text(`/v1/compliance/report/html${serviceQuery(serviceName)}`, 'text/html');
  }

  async health() {
    return this._request('GET', '/health');
  }

  // ================================================================ exports

  /**
   * One page of the JSON export ({decisions, total, page_size, has_more, next_cursor}): every decision matching
   * the filters, no row cap, up to `pageSize` (<= 1000) a page; pass a page's `next_cursor` as `cursor`.
   */
  async exportDecisions({ serviceName, status, pageSize, cursor } = {}) {
    const params = new URLSearchParams();
    if (serviceName) params.append('service_name', serviceName);
    if (status) params.append('status', status);
    if (pageSize !== undefined && pageSize !== null) params.append('page_size', String(pageSize));
    if (cursor) params.append('cursor', cursor);
    const q = params.toString();
    return this._request('GET', `/v1/export/decisions${q ? `?${q}` : ''}`);
  }

  /** Every decision of the export, fetched page by page as you iterate (`for await`). */
  async *iterateExport(options = {}) {
    let cursor;
    for (;;) {
      const page = await this.exportDecisions({ ...options, cursor });
      yield* page.decisions || [];
      cursor = page.next_cursor;
      if (!page.has_more || !cursor) return;
    }
  }

  /**
   * The CSV export (header row `decision_id,created_at,service_name,decision_type,status,content_hash,…`). By
   * default a cell starting with =, +, -, @, tab or CR is prefixed with a single quote so spreadsheets show it as
   * text; `raw: true` writes every cell exactly as stored. A large file is stored by the server and answered with a
   * link, which is downloaded without the API key.
   */
  async exportDecisionsCsv({ serviceName, status, raw = false } = {}) {
    const params = new URLSearchParams();
    if (serviceName) params.append('service_name', serviceName);
    if (status) params.append('status', status);
    params.append('format', 'csv');
    if (raw) params.append('raw', 'true');
    return this._text(`/v1/export/decisions?${params.toString()}`, 'text/csv');
  }

  /** The corrected decisions, one record each (input, prompt, model, original output, correction, hashes). */
  async exportGroundTruth(serviceName) {
    const text = await this._text(`/v1/export/ground-truth${serviceQuery(serviceName)}`, 'application/x-ndjson');
    const records = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line));
      } catch (error) {
        throw new LoopGridError(`the ground-truth export's line ${i + 1} is not JSON: ${line.slice(0, 500)}`,
          { cause: error });
      }
    });
    return records;
  }

  // ================================================================ API keys (admin keys only)

  /**
   * Create a key in the caller's tenant (`writer`, `reviewer`, `auditor` or `admin`). The answer's `api_key` is
   * the secret, shown this once: LoopGrid stores only its hash.
   */
  async createApiKey({ role, name } = {}) {
    if (!role || !String(role).trim()) throw new TypeError('role must not be empty');
    const data = { role };
    if (name !== undefined && name !== null) data.name = name;
    // not retried once sent: a second delivery would make a second key
    return this._request('POST', '/v1/admin/keys', { data });
  }

  /** Every key of the caller's tenant, active and revoked, oldest first: {keys, total}. */
  async listApiKeys() {
    return this._request('GET', '/v1/admin/keys');
  }

  /** Revoke a key of the caller's tenant; resolves to its record (revoking again gives the same). */
  async revokeApiKey(keyId) {
    return this._request('DELETE', `/v1/admin/keys/${segment(keyId)}`, { safe: true });
  }

  // ================================================================ erasure, legal holds, retention (admin keys)

  /**
   * Erase a data subject (crypto-shredding; docs/erasure.md). Resolves to the Erasure (`status`, `erased`,
   * `erased_at`, `complete`, `complete_after`, `run_at`, …) plus `scheduled`: true when the server answered 202 (the
   * retention floor delays it until `run_at`), false when it was erased now (200). At least one of `reason` and
   * `requestRef`; `legalBasis` overrides the floor. A legal hold rejects with LoopGridAPIError 409 `legal_hold`, an
   * unknown subject with 404 `subject_not_found`. Erasing again answers the same erasure, so it is retried like a read.
   */
  async eraseSubject(subjectId, { reason, requestRef, legalBasis, requestedBy } = {}) {
    const data = {};
    if (reason !== undefined && reason !== null) data.reason = reason;
    if (requestRef !== undefined && requestRef !== null) data.request_ref = requestRef;
    if (legalBasis !== undefined && legalBasis !== null) data.legal_basis = legalBasis;
    if (requestedBy !== undefined && requestedBy !== null) data.requested_by = requestedBy;
    const { status, body } = await this._request('POST', `/v1/subjects/${segment(subjectId)}/erasure`, {
      data, safe: true, withStatus: true, acceptedBody: true,
    });
    return { ...body, scheduled: status === 202 };
  }

  /** A data subject's erasure state: `status` none, scheduled (with `run_at`) or erased (`complete`, `complete_after`). */
  async getErasure(subjectId) {
    return this._request('GET', `/v1/subjects/${segment(subjectId)}/erasure`);
  }

  /**
   * Place a legal hold on a `decision`, `subject` or `service` (`target`: its id or name); resolves to the Hold.
   * Every erasure it covers is refused (409 `legal_hold`) until it is released.
   */
  async placeHold({ scope, target, reason, caseRef, placedBy } = {}) {
    const data = { scope, target, reason };
    if (caseRef !== undefined && caseRef !== null) data.case_ref = caseRef;
    if (placedBy !== undefined && placedBy !== null) data.placed_by = placedBy;
    // not retried once sent: a second delivery would place a second hold
    return this._request('POST', '/v1/holds', { data });
  }

  /** The tenant's legal holds in place, oldest first: {holds, total}. */
  async listHolds() {
    return this._request('GET', '/v1/holds');
  }

  /** Release a legal hold; resolves to it with `released: true` (404 `hold_not_found` when none is in place). */
  async releaseHold(holdId, reason) {
    const q = reason ? `?reason=${encodeURIComponent(reason)}` : '';
    return this._request('DELETE', `/v1/holds/${segment(holdId)}${q}`);
  }

  /** The tenant's retention floor: {floor_days, default} (180 days unless set). */
  async getRetention() {
    return this._request('GET', '/v1/retention');
  }

  /** Set the tenant's retention floor (0..36500 days); resolves to {floor_days, default}. */
  async setRetention(floorDays) {
    if (!Number.isSafeInteger(floorDays)) throw new TypeError('floorDays must be an integer');
    return this._request('PUT', '/v1/retention', { data: { floor_days: floorDays } });
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

  /** A GET whose answer is a file (HTML, CSV, JSON Lines), as text; a stored export's link is followed. */
  async _text(endpoint, accept) {
    return this._request('GET', endpoint, { headers: { Accept: accept }, text: true });
  }

  async _download(link, endpoint, timeout) {
    // the presigned link carries its own signature: the API key stays with LoopGrid
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    let response;
    let text;
    try {
      response = await fetch(link, { headers: { 'User-Agent': `loopgrid-js/${VERSION}` }, signal: controller.signal });
      text = await response.text();
    } catch (error) {
      throw new LoopGridError(`Could not download the stored export of ${endpoint}: ${describe(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (response.status !== 200) {
      throw new LoopGridAPIError(response.status, `the stored export of ${endpoint} could not be downloaded `
        + `(HTTP ${response.status}): ${String(text).slice(0, 500)}`);
    }
    return text;
  }

  async _request(method, endpoint, {
    data, headers = {}, safe = method === 'GET', timeout = this.timeout, text: asText = false, withStatus = false,
    acceptedBody = false, maxRetries = this.maxRetries,
  } = {}) {
    const url = `${this.baseUrl}${endpoint}`;
    const allHeaders = {
      Accept: 'application/json', 'User-Agent': `loopgrid-js/${VERSION}`, 'X-LoopGrid-Client': CLIENT, ...headers,
    };
    if (this.apiKey) allHeaders.Authorization = `Bearer ${this.apiKey}`;
    let body;
    if (data !== undefined) {
      body = JSON.stringify(data);
      allHeaders['Content-Type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < maxRetries;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeout);
      let response;
      let text;
      try {
        // redirects come back as answers: a stored export's link is fetched without the API key (_download)
        response = await fetch(url, { method, headers: allHeaders, body, signal: controller.signal, redirect: 'manual' });
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
      if (asText && response.status >= 300 && response.headers.get('location')) {
        return this._download(new URL(response.headers.get('location'), url).toString(), endpoint, timeout);
      }
      if (asText) return text;
      if (withStatus && response.status === 202 && !acceptedBody) return { status: 202, body: null };
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
      return withStatus ? { status: response.status, body: json } : json;
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

/** `items` in runs of at most `maxItems` whose JSON stays under `maxBytes` (a bigger item goes alone: 413). */
export function chunks(items, maxItems, maxBytes) {
  const out = [];
  let chunk = [];
  let size = 16; // {"decisions":[]}
  for (const item of items) {
    const n = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (chunk.length && (chunk.length >= maxItems || size + n > maxBytes)) {
      out.push(chunk);
      chunk = [];
      size = 16;
    }
    chunk.push(item);
    size += n;
  }
  if (chunk.length) out.push(chunk);
  return out;
}

function batchResult(answer, idempotencyKey) {
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) {
    throw new LoopGridError(`LoopGrid answered a batch item that is not an object: ${String(answer).slice(0, 500)}`);
  }
  const { status } = answer;
  if (typeof status === 'string' && typeof answer.decision_id === 'string') {
    // the item's HTTP status and the Decision's own "status" share a key: a decision came back, so it is recorded
    return { status: 201, ok: true, decision: { ...answer }, code: null, detail: null, errors: [], idempotencyKey };
  }
  if (!Number.isInteger(status)) {
    throw new LoopGridError(`LoopGrid answered a batch item without a status: ${JSON.stringify(answer).slice(0, 500)}`);
  }
  if (status >= 200 && status < 300) {
    const { status: _, ...decision } = answer;
    return { status, ok: true, decision, code: null, detail: null, errors: [], idempotencyKey };
  }
  let { detail } = answer;
  if (detail !== undefined && detail !== null && typeof detail !== 'string') detail = JSON.stringify(detail);
  return {
    status, ok: false, decision: null, code: typeof answer.code === 'string' ? answer.code : null,
    detail: detail || `HTTP ${status}`, errors: Array.isArray(answer.errors) ? answer.errors : [], idempotencyKey,
  };
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
