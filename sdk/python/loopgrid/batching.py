"""Background batching: queue decisions now, record them in batches (``POST /v1/decisions/batch``) from a thread.

Made with :meth:`loopgrid.LoopGrid.batcher`; the synchronous :meth:`~loopgrid.LoopGrid.record_decision` stays the
default. :meth:`Batcher.record` never blocks on the network and never raises: a full queue drops the decision, a
failed batch is logged (logger ``loopgrid``) and counted.
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import random
import threading
import time
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional

from .client import MAX_BATCH, MAX_BATCH_BYTES, LoopGridAPIError, LoopGridError, _chunks

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoopGrid

logger = logging.getLogger("loopgrid")


def _transient(status: int) -> bool:
    return status == 429 or status >= 500


class Batcher:
    """Records decisions in the background, in batches. Thread-safe; use it as a context manager or call
    :meth:`close`.

    Guarantees: every queued decision gets an idempotency key when it is queued, and every retry of its batch
    sends the same key, so delivery is at least once and recording exactly once. What is still queued when the
    process dies without :meth:`close` (or the exit hook) running is lost. Counters: ``recorded``, ``dropped``
    (queue full, or recorded after close), ``failed`` (rejected items, and batches still failing after the retries).
    """

    def __init__(self, client: "LoopGrid", max_batch: int = MAX_BATCH, flush_interval: float = 1.0,
                 max_queue: int = 10_000, *, max_retries: int = 3, retry_backoff: Optional[float] = None,
                 flush_on_exit: bool = True, exit_timeout: float = 10.0):
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be 1..{MAX_BATCH}")
        if flush_interval <= 0:
            raise ValueError("flush_interval must be > 0")
        if max_queue < 1:
            raise ValueError("max_queue must be >= 1")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.client = client
        self.max_batch = max_batch
        self.flush_interval = flush_interval
        self.max_queue = max_queue
        self.max_retries = max_retries
        self.retry_backoff = client.retry_backoff if retry_backoff is None else retry_backoff
        self.exit_timeout = exit_timeout
        self._queue: Deque[Dict[str, Any]] = collections.deque()
        self._cond = threading.Condition()
        self._queued = 0  # decisions accepted so far
        self._done = 0  # of those, decisions recorded or given up on
        self._flush_to = 0  # send everything up to this many accepted decisions now
        self._closed = False
        self._recorded = 0
        self._dropped = 0
        self._failed = 0
        self._dropped_unlogged = 0
        self._thread = threading.Thread(target=self._run, name="loopgrid-batcher", daemon=True)
        self._thread.start()
        self._on_exit = flush_on_exit
        if flush_on_exit:
            atexit.register(self._exit)

    def __repr__(self) -> str:
        return (f"Batcher(pending={self.pending}, recorded={self.recorded}, dropped={self.dropped}, "
                f"failed={self.failed})")

    # ---- counters ----

    @property
    def pending(self) -> int:
        """Decisions queued or being sent."""
        with self._cond:
            return self._queued - self._done

    @property
    def recorded(self) -> int:
        """Decisions the server answered as recorded (201, or 200 for a retry)."""
        return self._recorded

    @property
    def dropped(self) -> int:
        """Decisions never sent: the queue was full (``max_queue``) or the batcher was closed."""
        return self._dropped

    @property
    def failed(self) -> int:
        """Decisions sent but not recorded: rejected items (4xx), and batches still failing after the retries."""
        return self._failed

    # ---- the caller's side ----

    def record(self, decision_type: str, input: Dict[str, Any], model: Dict[str, Any], output: Dict[str, Any],
               prompt: Optional[Dict[str, Any]] = None, tool_calls: Optional[List[Dict[str, Any]]] = None,
               metadata: Optional[Dict[str, Any]] = None, *, idempotency_key: Optional[str] = None,
               service_name: Optional[str] = None, subject_id: Optional[str] = None) -> bool:
        """Queue a decision (the arguments of :meth:`LoopGrid.record_decision`) and return at once: True when it was
        queued, False when it was dropped (queue full, or closed). Never blocks on the network, never raises."""
        try:
            item = self.client._batch_item({
                "service_name": service_name, "decision_type": decision_type, "input": input, "model": model,
                "output": output, "prompt": prompt, "tool_calls": tool_calls, "metadata": metadata,
                "subject_id": subject_id, "idempotency_key": idempotency_key})
        except Exception as e:  # pragma: no cover - _batch_item only fails on a non-dict, which cannot happen here
            with self._cond:
                self._failed += 1
            logger.warning("LoopGrid: decision not queued: %r", e)
            return False
        with self._cond:
            if self._closed or len(self._queue) >= self.max_queue:
                self._dropped += 1
                self._dropped_unlogged += 1
                return False
            self._queue.append(item)
            self._queued += 1
            if len(self._queue) >= self.max_batch:
                self._cond.notify_all()
        return True

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Send everything queued so far now and wait until it is recorded or given up on (at most ``timeout``
        seconds); True when nothing queued before the call is still pending. Never raises."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._queued
            self._flush_to = max(self._flush_to, target)
            self._cond.notify_all()
            while self._done < target and self._thread.is_alive():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return self._done >= target

    def close(self, timeout: Optional[float] = 10.0) -> bool:
        """Stop taking decisions, send what is queued (waiting at most ``timeout`` seconds) and stop the thread.
        True when everything was sent; what is still queued after ``timeout`` is lost. Safe to call twice."""
        with self._cond:
            already = self._closed
            self._closed = True
        if self._on_exit and not already:
            atexit.unregister(self._exit)
        done = self.flush(timeout)
        with self._cond:
            self._cond.notify_all()
        self._thread.join(0 if not done else (timeout if timeout is not None else None))
        return done

    def __enter__(self) -> "Batcher":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _exit(self) -> None:
        if not self.close(self.exit_timeout):
            logger.warning("LoopGrid: %d queued decisions not recorded at exit", self.pending)

    # ---- the thread ----

    def _run(self) -> None:
        while True:
            with self._cond:
                next_flush = time.monotonic() + self.flush_interval
                while not self._queue or (len(self._queue) < self.max_batch and self._flush_to <= self._done
                                          and not self._closed):
                    if self._closed and not self._queue:
                        return
                    left = next_flush - time.monotonic()
                    if left <= 0:
                        if self._queue:
                            break
                        next_flush = time.monotonic() + self.flush_interval
                        left = self.flush_interval
                    self._cond.wait(left)
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
                dropped, self._dropped_unlogged = self._dropped_unlogged, 0
            if dropped:
                logger.warning("LoopGrid: %d decisions dropped, the batcher's queue is full (max_queue=%d)",
                               dropped, self.max_queue)
            try:
                recorded, failed = self._send(batch)
            except Exception as e:  # a bug, not the server: never let the thread die with the queue in it
                logger.warning("LoopGrid: batch of %d not recorded: %r", len(batch), e)
                recorded, failed = 0, len(batch)
            with self._cond:
                self._recorded += recorded
                self._failed += failed
                self._done += len(batch)
                self._cond.notify_all()

    def _send(self, batch: List[Dict[str, Any]]) -> "tuple[int, int]":
        """Send a batch, retrying what failed transiently; returns (recorded, failed)."""
        recorded = failed = 0
        rejected: List[str] = []
        items = []
        for item in batch:  # an item that cannot be JSON would fail the whole request: it fails alone instead
            try:
                json.dumps(item)
                items.append(item)
            except (TypeError, ValueError) as e:
                failed += 1
                rejected.append(f"not JSON ({e})")
        attempt = 0
        while items:
            retry: List[Dict[str, Any]] = []
            error: Optional[Exception] = None
            for chunk in _chunks(items, MAX_BATCH, MAX_BATCH_BYTES):
                try:
                    results = self.client._send_batch(chunk, 0)
                except LoopGridAPIError as e:
                    if not _transient(e.status_code):
                        failed += len(chunk)
                        rejected.append(f"{e.status_code} {e.code or ''} {e.detail}".strip())
                        continue
                    error = e
                    retry.extend(chunk)
                    continue
                except LoopGridError as e:  # no answer: the batch may have been recorded; the keys make it safe
                    error = e
                    retry.extend(chunk)
                    continue
                for item, result in zip(chunk, results):
                    if result.ok:
                        recorded += 1
                    elif _transient(result.status):
                        retry.append(item)
                    else:
                        failed += 1
                        rejected.append(f"{result.status} {result.code or ''} {result.detail}".strip())
            if not retry:
                break
            if attempt >= self.max_retries:
                failed += len(retry)
                logger.warning("LoopGrid: %d decisions not recorded after %d attempts: %s", len(retry),
                               attempt + 1, error or "the server answered them with a transient error")
                break
            self._backoff(attempt)
            attempt += 1
            items = retry
        if rejected:
            logger.warning("LoopGrid: %d decisions rejected by the server (first: %s)", len(rejected), rejected[0])
        return recorded, failed

    def _backoff(self, attempt: int) -> None:
        exp = min(self.client.max_retry_delay, self.retry_backoff * (2 ** attempt))
        delay = exp / 2 + random.uniform(0, exp / 2)
        if delay > 0:
            time.sleep(delay)
