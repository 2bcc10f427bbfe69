// Background batching: queue decisions now, record them in batches (POST /v1/decisions/batch) in the background.
// Made with `grid.batcher(options)`; the awaited recordDecision stays the default. `record` never waits for the
// network and never throws: a full queue drops the decision, a failed batch is logged and counted.

import { LoopGridAPIError, MAX_BATCH, MAX_BATCH_BYTES, chunks } from './client.js';

const transient = (status) => status === 429 || status >= 500;

/**
 * Records decisions in the background, in batches. Every decision gets its idempotency key when it is queued and
 * every resend of its batch carries the same key: delivered at least once, recorded exactly once. What is still
 * queued when the process dies without close() (or the beforeExit flush) is lost.
 * Counters: `recorded`, `dropped` (queue full, or closed), `failed` (rejected items, batches failing after the
 * retries), `pending`.
 */
export class Batcher {
  constructor(grid, { maxBatch = MAX_BATCH, flushInterval = 1000, maxQueue = 10000, maxRetries = 3, retryDelay,
    flushOnExit = true, logger = console } = {}) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH) {
      throw new RangeError(`maxBatch must be 1..${MAX_BATCH}`);
    }
    if (!(flushInterval > 0)) throw new RangeError('flushInterval must be > 0 (ms)');
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new RangeError('maxQueue must be >= 1');
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError('maxRetries must be >= 0');
    this.grid = grid;
    this.maxBatch = maxBatch;
    this.flushInterval = flushInterval;
    this.maxQueue = maxQueue;
    this.maxRetries = maxRetries;
    this.retryDelay = retryDelay ?? grid.retryDelay;
    this.logger = logger;
    this.recorded = 0;
    this.dropped = 0;
    this.failed = 0;
    this._queue = [];
    this._queued = 0; // decisions accepted so far
    this._done = 0; // of those, recorded or given up on
    this._flushTo = 0; // send everything up to this many accepted decisions now
    this._droppedUnlogged = 0;
    this._closed = false;
    this._closedWarned = false;
    this._running = null;
    // the timer does not keep the process alive; beforeExit sends what it left
    this._timer = setInterval(() => this._due(), flushInterval);
    this._timer.unref?.();
    this._onExit = null;
    if (flushOnExit) {
      this._onExit = () => {
        if (this._queue.length) this.flush();
      };
      process.on('beforeExit', this._onExit);
    }
  }

  /** Decisions queued or being sent. */
  get pending() {
    return this._queued - this._done;
  }

  /**
   * Queue a decision (recordDecision's options) and return at once: true when queued, false when dropped (queue
   * full, or closed). Never throws, never waits for the network.
   */
  record(decision) {
    let item;
    try {
      item = this.grid._batchItem(decision); // the key is made here, once: every resend carries it
    } catch (error) {
      this.failed += 1;
      this._warn(`LoopGrid: decision not queued: ${error.message}`);
      return false;
    }
    if (this._closed || this._queue.length >= this.maxQueue) {
      this.dropped += 1;
      this._droppedUnlogged += 1;
      if (this._closed && !this._closedWarned) {
        this._closedWarned = true;
        this._logDrops();
      }
      return false;
    }
    this._queue.push(item);
    this._queued += 1;
    if (this._queue.length >= this.maxBatch) queueMicrotask(() => this._pump());
    return true;
  }

  /** Send everything queued so far; resolves (never rejects) once it is recorded or given up on. */
  async flush() {
    const target = this._queued;
    this._flushTo = Math.max(this._flushTo, target);
    while (this._done < target) {
      const running = this._pump();
      if (!running) break;
      await running;
    }
    return this._done >= target;
  }

  /**
   * Stop taking decisions, send what is queued and stop the timer. With `timeout` (ms), resolves to false when
   * the queue was not sent by then (what is left is lost if the process exits). Safe to call twice.
   */
  async close({ timeout } = {}) {
    this._closed = true;
    clearInterval(this._timer);
    if (this._onExit) {
      process.removeListener('beforeExit', this._onExit);
      this._onExit = null;
    }
    const flushed = this.flush();
    if (timeout === undefined || timeout === null) return flushed;
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve(false), timeout); });
    try {
      return await Promise.race([flushed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  _due() {
    if (!this._queue.length) return;
    this._flushTo = Math.max(this._flushTo, this._queued);
    this._pump();
  }

  _shouldSend() {
    return this._queue.length > 0 && (this._queue.length >= this.maxBatch || this._flushTo > this._done
      || this._closed);
  }

  // one sender at a time; returns its promise, or null when there is nothing to send
  _pump() {
    if (this._running) return this._running;
    if (!this._shouldSend()) return null;
    this._running = (async () => {
      while (this._shouldSend()) {
        const batch = this._queue.splice(0, this.maxBatch);
        this._logDrops();
        let outcome;
        try {
          outcome = await this._send(batch);
        } catch (error) { // a bug, not the server: the queue must keep moving
          this._warn(`LoopGrid: batch of ${batch.length} not recorded: ${error.message}`);
          outcome = { recorded: 0, failed: batch.length };
        }
        this.recorded += outcome.recorded;
        this.failed += outcome.failed;
        this._done += batch.length;
      }
    })().finally(() => {
      this._running = null;
    });
    return this._running;
  }

  async _send(batch) {
    let recorded = 0;
    let failed = 0;
    const rejected = [];
    let items = [];
    for (const item of batch) { // an item that cannot be JSON would fail the whole request: it fails alone
      try {
        JSON.stringify(item);
        items.push(item);
      } catch (error) {
        failed += 1;
        rejected.push(`not JSON (${error.message})`);
      }
    }
    for (let attempt = 0; items.length; attempt++) {
      const retry = [];
      let lastError = null;
      for (const chunk of chunks(items, MAX_BATCH, MAX_BATCH_BYTES)) {
        let results;
        try {
          results = await this.grid._sendBatch(chunk, 0);
        } catch (error) {
          if (error instanceof LoopGridAPIError && !transient(error.statusCode)) {
            failed += chunk.length;
            rejected.push(`${error.statusCode} ${error.code || ''} ${error.detail}`.replace(/ +/g, ' '));
          } else { // 429/5xx, or no answer: the batch may have been recorded; the keys make a resend safe
            lastError = error;
            retry.push(...chunk);
          }
          continue;
        }
        results.forEach((result, i) => {
          if (result.ok) recorded += 1;
          else if (transient(result.status)) retry.push(chunk[i]);
          else {
            failed += 1;
            rejected.push(`${result.status} ${result.code || ''} ${result.detail}`.replace(/ +/g, ' '));
          }
        });
      }
      if (!retry.length) break;
      if (attempt >= this.maxRetries) {
        failed += retry.length;
        this._warn(`LoopGrid: ${retry.length} decisions not recorded after ${attempt + 1} attempts: `
          + `${lastError ? lastError.message : 'the server answered them with a transient error'}`);
        break;
      }
      const exp = Math.min(this.grid.maxRetryDelay, this.retryDelay * 2 ** attempt);
      await new Promise((resolve) => { setTimeout(resolve, exp / 2 + Math.random() * (exp / 2)); });
      items = retry;
    }
    if (rejected.length) {
      this._warn(`LoopGrid: ${rejected.length} decisions rejected by the server (first: ${rejected[0]})`);
    }
    return { recorded, failed };
  }

  _logDrops() {
    if (!this._droppedUnlogged) return;
    const n = this._droppedUnlogged;
    this._droppedUnlogged = 0;
    this._warn(this._closed && !this._queue.length
      ? `LoopGrid: ${n} decisions dropped, the batcher is closed`
      : `LoopGrid: ${n} decisions dropped, the batcher's queue is full (maxQueue=${this.maxQueue})`);
  }

  _warn(message) {
    try {
      this.logger.warn(message);
    } catch {
      // a broken logger must not break anything either
    }
  }
}
