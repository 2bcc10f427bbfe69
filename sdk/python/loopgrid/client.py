"""The LoopGrid client: one class, standard library only (urllib), the v0.1 SDK's names and signatures."""

from __future__ import annotations

import http.client
import json
import math
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Union
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urljoin, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

__version__ = "0.2.0"

#: Sent as ``X-LoopGrid-Client`` on every request: the server records it as a replay's ``triggered_by`` when the
#: request names none.
CLIENT = f"sdk-python/{__version__}"

#: The longest the server holds a replay creation waiting for it to finish (``wait=N``).
MAX_SERVER_WAIT_SECONDS = 20

#: The most decisions one ``POST /v1/decisions/batch`` takes; :meth:`LoopGrid.record_decisions` splits longer lists.
MAX_BATCH = 100
#: The largest body one batch request may have (5 MiB); lists are split below it.
MAX_BATCH_BYTES = 5 * 1024 * 1024

if TYPE_CHECKING:  # pragma: no cover
    from .batching import Batcher

_SAFE = "safe"  # may run twice: retried on 429/503 and on any connection failure
_UNSENT = "unsent"  # may not run twice: retried on 429/503 and only when it cannot have been sent


class LoopGridError(Exception):
    """Base exception for LoopGrid SDK errors: the server could not be reached, timed out, or answered nonsense."""


class LoopGridAPIError(LoopGridError):
    """The API answered with an error status.

    ``status_code`` and ``detail`` as in v0.1; also ``code`` (the stable machine string, e.g.
    ``decision_not_found``; None when the answer did not come from LoopGrid itself), ``errors`` (field errors of a
    422) and ``body`` (the parsed error body, or None).
    """

    def __init__(self, status_code: int, detail: str, code: Optional[str] = None,
                 errors: Optional[List[Dict[str, Any]]] = None, body: Any = None):
        self.status_code = status_code
        self.detail = detail
        self.code = code
        self.errors = errors or []
        self.body = body
        super().__init__(f"API Error {status_code}: {detail}")


@dataclass(frozen=True)
class DecisionResult:
    """The answer for one item of :meth:`LoopGrid.record_decisions`, in request order.

    ``status`` is 201 (recorded), 200 (an idempotent retry: the decision recorded before) or the item's error status
    (4xx/5xx). ``decision`` is the Decision when ``ok``; ``code`` and ``detail`` say what went wrong otherwise.
    ``idempotency_key`` is the key the item was sent with.
    """

    status: int
    decision: Optional[Dict[str, Any]] = None
    code: Optional[str] = None
    detail: Optional[str] = None
    idempotency_key: Optional[str] = None
    errors: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the decision is in the ledger (201, or 200 for a retry)."""
        return 200 <= self.status < 300


class _NoRedirect(HTTPRedirectHandler):
    """Redirects come back as answers: a stored export's link is fetched without the API key (see ``_download``)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_OPENER = build_opener(_NoRedirect)
_REDIRECTS = (301, 302, 303, 307, 308)


class LoopGrid:
    """LoopGrid SDK client. Thread-safe: make one and share it.

    Args:
        base_url: URL of the LoopGrid API (default: http://localhost:8000, the local stack)
        service_name: the service decisions are recorded under (default: "default")
        timeout: seconds one request may take (default: 30)
        api_key: sent as ``Authorization: Bearer <key>``; the local stack needs none
        max_retries: retries after the first attempt on 429/503/connection failures (default: 3; 0 disables)
        retry_backoff: first backoff delay in seconds, doubled per retry and jittered (default: 0.25)
        max_retry_delay: cap in seconds on one backoff delay and on an honoured ``Retry-After`` (default: 10)

    Errors: an error answer raises :class:`LoopGridAPIError`; no answer (refused, timed out) raises
    :class:`LoopGridError`.

    Retries: 429 and 503 answers are retried (honouring ``Retry-After``), as are connection failures where the
    request cannot have been sent (refused, connect timeout, unknown host). Requests that may safely run twice —
    reads, and :meth:`record_decision`, which always sends an ``Idempotency-Key`` (one per call, the same on every
    retry) — are also retried when the connection breaks after sending. Flags, corrections and replays are not,
    since a second delivery would append a second entry. A request whose answer does not come within ``timeout``
    is not retried.
    """

    def __init__(self, base_url: str = "http://localhost:8000", service_name: str = "default",
                 timeout: float = 30, api_key: Optional[str] = None, max_retries: int = 3,
                 retry_backoff: float = 0.25, max_retry_delay: float = 10.0):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.service_name = service_name
        self.timeout = timeout
        self.api_key = api_key
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        self.max_retry_delay = max_retry_delay

    def __repr__(self) -> str:
        return f"LoopGrid(base_url='{self.base_url}', service_name='{self.service_name}')"

    # ================================================================
    # Decision operations
    # ================================================================

    def record_decision(self, decision_type: str, input: Dict[str, Any], model: Dict[str, Any],
                        output: Dict[str, Any], prompt: Optional[Dict[str, Any]] = None,
                        tool_calls: Optional[List[Dict[str, Any]]] = None,
                        metadata: Optional[Dict[str, Any]] = None, *,
                        idempotency_key: Optional[str] = None,
                        service_name: Optional[str] = None,
                        subject_id: Optional[str] = None) -> Dict[str, Any]:
        """Record an AI decision in the ledger; returns the Decision (``decision_id``, hashes, ``sequence``, …).

        ``idempotency_key`` defaults to a fresh UUID per call, so the client's own retries never record twice;
        pass your own to make retries of your own safe too. ``service_name`` overrides the client's.
        ``subject_id`` names the data subject the decision is about (a pseudonymous id, 1..128 visible ASCII, never
        an e-mail): its content is then stored sealed under the subject's key, erasable with :meth:`erase_subject`.
        """
        data: Dict[str, Any] = {
            "service_name": service_name or self.service_name,
            "decision_type": decision_type,
            "input": input,
            "model": model,
            "output": output,
        }
        if prompt is not None:
            data["prompt"] = prompt
        if tool_calls is not None:
            data["tool_calls"] = tool_calls
        if metadata is not None:
            data["metadata"] = metadata
        if subject_id is not None:
            data["subject_id"] = subject_id
        key = idempotency_key or str(uuid.uuid4())
        return self._request("POST", "/v1/decisions", data=data, headers={"Idempotency-Key": key}, retry=_SAFE)

    def record_decisions(self, decisions: Sequence[Dict[str, Any]]) -> List[DecisionResult]:
        """Record many decisions with ``POST /v1/decisions/batch``; returns one :class:`DecisionResult` per item, in
        order. An item that fails (e.g. 422 ``validation_error``) does not fail the others.

        Each item is a dict of :meth:`record_decision`'s fields (``decision_type``, ``input``, ``model``,
        ``output``, and optionally ``prompt``, ``tool_calls``, ``metadata``, ``subject_id``, ``service_name``,
        ``idempotency_key``). ``service_name`` defaults to the client's; ``idempotency_key`` to a fresh UUID per
        item, so the client's own retries never record twice — pass your own to make retries of your own safe too.

        Lists longer than 100 items (or 5 MiB) go in several requests, one after the other. An error of a whole
        request raises :class:`LoopGridAPIError` / :class:`LoopGridError` as usual; the items of the requests
        before it are recorded (retry the call with the same keys to finish it).
        """
        items = [self._batch_item(d) for d in decisions]
        results: List[DecisionResult] = []
        for chunk in _chunks(items, MAX_BATCH, MAX_BATCH_BYTES):
            results.extend(self._send_batch(chunk, self.max_retries))
        return results

    def batcher(self, max_batch: int = MAX_BATCH, flush_interval: float = 1.0, max_queue: int = 10_000, *,
                max_retries: int = 3, retry_backoff: Optional[float] = None, flush_on_exit: bool = True,
                exit_timeout: float = 10.0) -> "Batcher":
        """A background recorder: :meth:`Batcher.record` queues a decision and returns at once; a thread sends the
        queue in batches of ``max_batch`` every ``flush_interval`` seconds (sooner when a batch is full), and on
        :meth:`Batcher.flush`, :meth:`Batcher.close` and at interpreter exit (``flush_on_exit``, for up to
        ``exit_timeout`` seconds). At most ``max_queue`` decisions wait; more are dropped and counted. A batch that
        fails transiently (429, 5xx, no answer) is sent again up to ``max_retries`` times with the same idempotency
        keys. See :class:`loopgrid.batching.Batcher` and the README's "Background batching"."""
        from .batching import Batcher
        return Batcher(self, max_batch=max_batch, flush_interval=flush_interval, max_queue=max_queue,
                       max_retries=max_retries, retry_backoff=retry_backoff, flush_on_exit=flush_on_exit,
                       exit_timeout=exit_timeout)

    def _batch_item(self, decision: Dict[str, Any]) -> Dict[str, Any]:
        if not isinstance(decision, dict):
            raise TypeError(f"each decision must be a dict, got {type(decision).__name__}")
        item = {k: v for k, v in decision.items() if v is not None}
        item.setdefault("service_name", self.service_name)
        if not item.get("idempotency_key"):
            item["idempotency_key"] = str(uuid.uuid4())
        return item

    def _send_batch(self, items: List[Dict[str, Any]], max_retries: int) -> List[DecisionResult]:
        """One ``POST /v1/decisions/batch`` of at most 100 items (each with its idempotency key: safe to retry)."""
        body = self._request("POST", "/v1/decisions/batch", data={"decisions": items}, retry=_SAFE,
                             max_retries=max_retries)
        answers = body.get("results")
        if not isinstance(answers, list) or len(answers) != len(items):
            raise LoopGridError(f"LoopGrid answered a batch of {len(items)} with "
                                f"{len(answers) if isinstance(answers, list) else 'no'} results")
        return [_result(a, item.get("idempotency_key")) for a, item in zip(answers, items)]

    def get_decision(self, decision_id: str) -> Dict[str, Any]:
        """Get a decision by ID."""
        return self._request("GET", f"/v1/decisions/{_segment(decision_id)}")

    def list_decisions(self, service_name: Optional[str] = None, decision_type: Optional[str] = None,
                       status: Optional[str] = None, page: int = 1, page_size: int = 20, *,
                       cursor: Optional[str] = None, since: Union[str, datetime, None] = None,
                       until: Union[str, datetime, None] = None) -> Dict[str, Any]:
        """One page of decisions, newest first: ``{"decisions", "total", "page", "page_size", "has_more", "next_cursor"}``.

        ``cursor`` (a page's ``next_cursor``) is the way to deep pages; ``page`` is kept for v0.1 callers.
        """
        params: Dict[str, Any] = {"page_size": page_size}
        if cursor:
            params["cursor"] = cursor
        else:
            params["page"] = page
        if service_name:
            params["service_name"] = service_name
        if decision_type:
            params["decision_type"] = decision_type
        if status:
            params["status"] = status
        if since is not None:
            params["since"] = _timestamp(since)
        if until is not None:
            params["until"] = _timestamp(until)
        return self._request("GET", "/v1/decisions", params=params)

    def iter_decisions(self, service_name: Optional[str] = None, decision_type: Optional[str] = None,
                       status: Optional[str] = None, *, page_size: int = 100,
                       since: Union[str, datetime, None] = None,
                       until: Union[str, datetime, None] = None) -> Iterator[Dict[str, Any]]:
        """Every matching decision, newest first, fetched page by page (following ``next_cursor``) as you iterate."""
        cursor: Optional[str] = None
        page = 1
        while True:
            result = self.list_decisions(service_name, decision_type, status, page=page, page_size=page_size,
                                         cursor=cursor, since=since, until=until)
            decisions = result.get("decisions") or []
            for d in decisions:
                yield d
            if not result.get("has_more") or not decisions:
                return
            cursor = result.get("next_cursor")
            page += 1  # servers without cursors page by number

    def mark_incorrect(self, decision_id: str, reason: Optional[str] = None) -> Dict[str, Any]:
        """Mark a decision as incorrect. The flag is appended to the ledger; the original data never changes."""
        data = {"reason": reason} if reason else {}
        return self._request("POST", f"/v1/decisions/{_segment(decision_id)}/incorrect", data=data, retry=_UNSENT)

    def attach_correction(self, decision_id: str, correction: Dict[str, Any], corrected_by: str,
                          notes: Optional[str] = None) -> Dict[str, Any]:
        """Attach a human correction (the corrected output); it becomes immutable ground truth."""
        data: Dict[str, Any] = {"correction": correction, "corrected_by": corrected_by}
        if notes:
            data["notes"] = notes
        return self._request("POST", f"/v1/decisions/{_segment(decision_id)}/correction", data=data, retry=_UNSENT)

    def confirm_decision(self, decision_id: str, confirmed_by: str, notes: Optional[str] = None) -> Dict[str, Any]:
        """Confirm a decision as right (status ``confirmed``; a later flag or correction still wins).

        Confirming a decision that is already ``incorrect`` or ``corrected`` raises ``LoopGridAPIError`` (409
        ``verdict_superseded``). Appended to the ledger, so it is not retried once sent.
        """
        data: Dict[str, Any] = {"confirmed_by": confirmed_by}
        if notes:
            data["notes"] = notes
        return self._request("POST", f"/v1/decisions/{_segment(decision_id)}/confirm", data=data, retry=_UNSENT)

    def stats(self, service_name: Optional[str] = None) -> Dict[str, Any]:
        """Verdict counts, accuracy (confirmed / reviewed), review coverage, time to verdict, and per model latency
        p50/p95, tokens and cost (``GET /v1/stats``)."""
        params: Dict[str, Any] = {}
        if service_name:
            params["service_name"] = service_name
        return self._request("GET", "/v1/stats", params=params)

    # ================================================================
    # Replay operations
    # ================================================================

    def list_decision_replays(self, decision_id: str, *, page_size: int = 20,
                              cursor: Optional[str] = None) -> Dict[str, Any]:
        """One page of a decision's replays, oldest first: ``{"replays": […], "has_more", "next_cursor"}``."""
        params: Dict[str, Any] = {"page_size": page_size}
        if cursor:
            params["cursor"] = cursor
        return self._request("GET", f"/v1/decisions/{_segment(decision_id)}/replays", params=params)

    def iter_decision_replays(self, decision_id: str, *, page_size: int = 100) -> Iterator[Dict[str, Any]]:
        """Every replay of a decision, oldest first, page by page as you iterate."""
        cursor: Optional[str] = None
        while True:
            page = self.list_decision_replays(decision_id, page_size=page_size, cursor=cursor)
            for r in page.get("replays") or []:
                yield r
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return

    def create_replay(self, decision_id: str, overrides: Optional[Dict[str, Any]] = None,
                      triggered_by: Optional[str] = None, *, wait: Optional[float] = None) -> Dict[str, Any]:
        """Replay a decision with optional overrides (``{"prompt": …, "model": …, "input": …}``).

        ``triggered_by`` defaults to this SDK's name (``sdk-python/<version>``, sent as ``X-LoopGrid-Client``).

        Replays run asynchronously: without ``wait`` the replay comes back pending. With ``wait`` (seconds), the
        server holds the answer for up to 20 s and the replay is then polled until it finishes or ``wait`` passes;
        the replay is returned as last seen (check ``execution_status``).
        """
        data: Dict[str, Any] = {"decision_id": decision_id}
        if triggered_by:
            data["triggered_by"] = triggered_by
        if overrides:
            data["overrides"] = overrides
        if not wait or wait <= 0:
            return self._request("POST", "/v1/replays", data=data, retry=_UNSENT)
        deadline = time.monotonic() + wait
        server_wait = min(MAX_SERVER_WAIT_SECONDS, int(math.ceil(wait)))
        replay = self._request("POST", "/v1/replays", data=data, params={"wait": server_wait}, retry=_UNSENT,
                               timeout=self.timeout + server_wait)
        return self._poll(replay, deadline)

    def wait_for_replay(self, replay_id: str, timeout: float = 60) -> Dict[str, Any]:
        """Poll a replay until it completes or fails, or ``timeout`` seconds pass; returns it as last seen."""
        return self._poll(self.get_replay(replay_id), time.monotonic() + timeout)

    def get_replay(self, replay_id: str) -> Dict[str, Any]:
        """Get a replay by ID."""
        return self._request("GET", f"/v1/replays/{_segment(replay_id)}")

    def compare(self, decision_id: str, replay_id: str) -> Dict[str, Any]:
        """Compare a decision's recorded output with a replay's (``output_changed``, ``diff_summary``, ``diff``)."""
        return self._request("GET", f"/v1/decisions/{_segment(decision_id)}/compare/{_segment(replay_id)}")

    # ================================================================
    # Verifiable log: receipts
    # ================================================================

    def receipt(self, decision_id: str, wait: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The receipt of a decision (``loopgrid-receipt/v1``: its entry, inclusion proof and signed checkpoint), or
        ``None`` while the decision is not yet in a signed checkpoint (the server answered 202). With ``wait``
        (seconds, at most 20) the server holds the answer until the receipt is ready. Check it offline with
        :func:`loopgrid.verify_receipt` and the log's key (:meth:`log_key`)."""
        return self._receipt(f"/v1/decisions/{_segment(decision_id)}/receipt", wait)

    def entry_receipt(self, chain_id: str, sequence: int, wait: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The receipt of any ledger entry (decision, flag, correction, replay) by chain and sequence; ``None`` while
        pending. See :meth:`receipt`."""
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
            raise ValueError("sequence must be a positive integer")
        return self._receipt(f"/v1/entries/{_segment(chain_id)}/{sequence}/receipt", wait)

    def log_key(self) -> str:
        """The log's verifier key (C2SP vkey, ``GET /v1/log/key``). Fetch it once and pin it: a key that comes with
        the receipt proves nothing."""
        return self._text("/v1/log/key", {}, "text/plain").strip()

    def log_checkpoint(self) -> str:
        """The latest signed checkpoint of the tenant's log (C2SP signed note, ``GET /v1/log/checkpoint``)."""
        return self._text("/v1/log/checkpoint", {}, "text/plain")

    def _receipt(self, endpoint: str, wait: Optional[float]) -> Optional[Dict[str, Any]]:
        params: Dict[str, Any] = {}
        timeout = None
        if wait and wait > 0:
            server_wait = min(MAX_SERVER_WAIT_SECONDS, int(math.ceil(wait)))
            params["wait"] = server_wait
            timeout = self.timeout + server_wait
        status, body = self._request("GET", endpoint, params=params, timeout=timeout, with_status=True)
        return None if status == 202 else body

    # ================================================================
    # Integrity, compliance, health
    # ================================================================

    def verify_integrity(self, service_name: Optional[str] = None) -> Dict[str, Any]:
        """Verify the hash chains of the ledger (one service's, or all): ``{"integrity": {"valid", …}, …}``."""
        params = {"service_name": service_name} if service_name else {}
        return self._request("GET", "/v1/integrity/verify", params=params)

    def compliance_report(self, service_name: Optional[str] = None) -> Dict[str, Any]:
        """The EU AI Act compliance report (one service's, or all)."""
        params = {"service_name": service_name} if service_name else {}
        return self._request("GET", "/v1/compliance/report", params=params)

    def compliance_report_html(self, service_name: Optional[str] = None) -> str:
        """The compliance report as a printable, self-contained HTML page."""
        params = {"service_name": service_name} if service_name else {}
        return self._text("/v1/compliance/report/html", params, "text/html")

    def health(self) -> Dict[str, Any]:
        """Check that the LoopGrid server is healthy."""
        return self._request("GET", "/health")

    # ================================================================
    # Exports
    # ================================================================

    def export_decisions(self, service_name: Optional[str] = None, status: Optional[str] = None, *,
                         page_size: Optional[int] = None, cursor: Optional[str] = None) -> Dict[str, Any]:
        """One page of the JSON export: ``{"decisions", "total", "page_size", "has_more", "next_cursor"}``.

        Every decision matching the filters, no row cap, up to ``page_size`` (≤ 1000) a page; pass a page's
        ``next_cursor`` as ``cursor`` for the next (or use :meth:`iter_export`).
        """
        params: Dict[str, Any] = {}
        if service_name:
            params["service_name"] = service_name
        if status:
            params["status"] = status
        if page_size is not None:
            params["page_size"] = page_size
        if cursor:
            params["cursor"] = cursor
        return self._request("GET", "/v1/export/decisions", params=params)

    def iter_export(self, service_name: Optional[str] = None, status: Optional[str] = None, *,
                    page_size: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Every decision of the export, fetched page by page as you iterate."""
        cursor: Optional[str] = None
        while True:
            page = self.export_decisions(service_name, status, page_size=page_size, cursor=cursor)
            yield from page.get("decisions") or []
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return

    def export_decisions_csv(self, service_name: Optional[str] = None, status: Optional[str] = None, *,
                             raw: bool = False) -> str:
        """The CSV export (header row ``decision_id,created_at,service_name,decision_type,status,content_hash,…``).

        By default a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is prefixed with a single quote so
        spreadsheets show it as text; ``raw=True`` writes every cell exactly as stored.
        A large file is stored by the server and answered with a link, which is downloaded without the API key.
        """
        params: Dict[str, Any] = {}
        if service_name:
            params["service_name"] = service_name
        if status:
            params["status"] = status
        params["format"] = "csv"
        if raw:
            params["raw"] = "true"
        return self._text("/v1/export/decisions", params, "text/csv")

    def export_ground_truth(self, service_name: Optional[str] = None) -> List[Dict[str, Any]]:
        """The corrected decisions, one record each (input, prompt, model, original output, correction, hashes)."""
        params = {"service_name": service_name} if service_name else {}
        text = self._text("/v1/export/ground-truth", params, "application/x-ndjson")
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                raise LoopGridError(f"the ground-truth export's line {number} is not JSON: {line[:500]}") from None
        return records

    # ================================================================
    # API keys (admin keys only)
    # ================================================================

    def create_api_key(self, role: str, name: Optional[str] = None) -> Dict[str, Any]:
        """Create a key in the caller's tenant (``writer``, ``reviewer``, ``auditor`` or ``admin``).

        The answer's ``api_key`` is the secret, shown this once: LoopGrid stores only its hash.
        """
        if not role or not str(role).strip():
            raise ValueError("role must not be empty")
        data: Dict[str, Any] = {"role": role}
        if name is not None:
            data["name"] = name
        # not retried once sent: a second delivery would make a second key
        return self._request("POST", "/v1/admin/keys", data=data, retry=_UNSENT)

    def list_api_keys(self) -> Dict[str, Any]:
        """Every key of the caller's tenant, active and revoked, oldest first: ``{"keys": [...], "total"}``."""
        return self._request("GET", "/v1/admin/keys")

    def revoke_api_key(self, key_id: str) -> Dict[str, Any]:
        """Revoke a key of the caller's tenant; returns its record (revoking again returns the same)."""
        return self._request("DELETE", f"/v1/admin/keys/{_segment(key_id)}")

    # ================================================================
    # Erasure, legal holds, retention (admin keys; see docs/erasure.md)
    # ================================================================

    def erase_subject(self, subject_id: str, reason: Optional[str] = None, request_ref: Optional[str] = None, *,
                      legal_basis: Optional[str] = None, requested_by: Optional[str] = None) -> Dict[str, Any]:
        """Erase a data subject (crypto-shredding); returns the Erasure (``status``, ``erased``, ``erased_at``,
        ``complete``, ``complete_after``, ``run_at``, …) plus ``scheduled``: True when the server answered 202
        (the retention floor delays it until ``run_at``), False when it was erased now (200).

        At least one of ``reason`` and ``request_ref`` is required by the server. ``legal_basis`` overrides the
        retention floor. A legal hold raises ``LoopGridAPIError`` 409 ``legal_hold``; an unknown subject 404
        ``subject_not_found``. Erasing again answers the same erasure, so it is retried like a read.
        """
        data: Dict[str, Any] = {}
        if reason is not None:
            data["reason"] = reason
        if request_ref is not None:
            data["request_ref"] = request_ref
        if legal_basis is not None:
            data["legal_basis"] = legal_basis
        if requested_by is not None:
            data["requested_by"] = requested_by
        status, body = self._request("POST", f"/v1/subjects/{_segment(subject_id)}/erasure", data=data,
                                     with_status=True)
        body["scheduled"] = status == 202
        return body

    def get_erasure(self, subject_id: str) -> Dict[str, Any]:
        """A data subject's erasure state: ``status`` ``none``, ``scheduled`` (with ``run_at``) or ``erased`` (with
        ``complete`` and ``complete_after``)."""
        return self._request("GET", f"/v1/subjects/{_segment(subject_id)}/erasure")

    def place_hold(self, scope: str, target: str, reason: str, *, case_ref: Optional[str] = None,
                   placed_by: Optional[str] = None) -> Dict[str, Any]:
        """Place a legal hold on a ``decision``, ``subject`` or ``service`` (``target``: its id or name); returns the
        Hold (``hold_id``, …). Every erasure it covers answers 409 ``legal_hold`` until it is released."""
        data: Dict[str, Any] = {"scope": scope, "target": target, "reason": reason}
        if case_ref is not None:
            data["case_ref"] = case_ref
        if placed_by is not None:
            data["placed_by"] = placed_by
        # not retried once sent: a second delivery would place a second hold
        return self._request("POST", "/v1/holds", data=data, retry=_UNSENT)

    def list_holds(self) -> Dict[str, Any]:
        """The tenant's legal holds in place, oldest first: ``{"holds": [...], "total"}``."""
        return self._request("GET", "/v1/holds")

    def release_hold(self, hold_id: str, reason: Optional[str] = None) -> Dict[str, Any]:
        """Release a legal hold; returns it with ``released: True`` (404 ``hold_not_found`` if none is in place)."""
        params = {"reason": reason} if reason else None
        return self._request("DELETE", f"/v1/holds/{_segment(hold_id)}", params=params, retry=_UNSENT)

    def get_retention(self) -> Dict[str, Any]:
        """The tenant's retention floor: ``{"floor_days", "default"}`` (180 days unless set)."""
        return self._request("GET", "/v1/retention")

    def set_retention(self, floor_days: int) -> Dict[str, Any]:
        """Set the tenant's retention floor (0..36500 days); returns ``{"floor_days", "default"}``."""
        if isinstance(floor_days, bool) or not isinstance(floor_days, int):
            raise ValueError("floor_days must be an integer")
        return self._request("PUT", "/v1/retention", data={"floor_days": floor_days}, retry=_UNSENT)

    # ================================================================
    # Plumbing
    # ================================================================

    def _poll(self, replay: Dict[str, Any], deadline: float) -> Dict[str, Any]:
        delay = 0.2
        while replay.get("execution_status") not in ("completed", "failed"):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(delay, left))
            delay = min(delay * 2, 2.0)
            replay = self.get_replay(replay["replay_id"])
        return replay

    def _text(self, endpoint: str, params: Dict[str, Any], accept: str) -> str:
        """A GET whose answer is a file (HTML, CSV, JSON Lines), as text; a stored export's link is followed."""
        return self._request("GET", endpoint, params=params, headers={"Accept": accept}, text=True)

    def _download(self, link: str, endpoint: str, timeout: float) -> str:
        # the presigned link carries its own signature: the API key stays with LoopGrid
        request = Request(link, headers={"User-Agent": f"loopgrid-python/{__version__}"}, method="GET")
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                return response.read().decode("utf-8")
        except HTTPError as e:
            raise LoopGridAPIError(e.code, f"the stored export of {endpoint} could not be downloaded "
                                           f"(HTTP {e.code}): {_read(e)[:500]}") from None
        except (URLError, OSError, http.client.HTTPException) as e:
            raise LoopGridError(f"Could not download the stored export of {endpoint}: {e!r}") from e

    def _request(self, method: str, endpoint: str, data: Optional[Dict[str, Any]] = None,
                 params: Optional[Dict[str, Any]] = None, headers: Optional[Dict[str, str]] = None,
                 retry: str = _SAFE, timeout: Optional[float] = None, text: bool = False,
                 with_status: bool = False, max_retries: Optional[int] = None) -> Any:
        url = self.base_url + endpoint
        if params:
            url += "?" + urlencode(params, quote_via=quote)
        body = None
        all_headers = {"Accept": "application/json", "User-Agent": f"loopgrid-python/{__version__}",
                       "X-LoopGrid-Client": CLIENT}
        if data is not None:
            body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        if self.api_key:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        if headers:
            all_headers.update(headers)
        timeout = self.timeout if timeout is None else timeout
        retries = self.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            can_retry = attempt < retries
            request = Request(url, data=body, headers=all_headers, method=method)
            try:
                with _OPENER.open(request, timeout=timeout) as response:
                    raw = response.read()
                    if with_status:
                        return response.status, _parse(response.status, raw) if raw.strip() else {}
                    return raw.decode("utf-8", errors="replace") if text else _parse(response.status, raw)
            except HTTPError as e:
                if text and e.code in _REDIRECTS and e.headers and e.headers.get("Location"):
                    _read(e)
                    return self._download(urljoin(url, e.headers["Location"]), endpoint, timeout)
                answer = _read(e)
                if e.code in (429, 503) and can_retry:
                    self._backoff(attempt, e.headers.get("Retry-After") if e.headers else None)
                    attempt += 1
                    continue
                raise _api_error(e.code, answer) from None
            except URLError as e:
                # raised while connecting or sending: refused, unknown host, connect timeout
                reason = e.reason
                unsent = isinstance(reason, (ConnectionRefusedError, socket.timeout, socket.gaierror))
                if can_retry and (unsent or retry == _SAFE):
                    self._backoff(attempt, None)
                    attempt += 1
                    continue
                if isinstance(reason, socket.timeout):
                    raise LoopGridError(f"Cannot connect to LoopGrid at {self.base_url}: connection timed out") from e
                raise LoopGridError(f"Cannot connect to LoopGrid at {self.base_url}. "
                                    f"Is the server running? ({reason})") from e
            except socket.timeout as e:  # the answer did not come in time: the caller's budget, not retried
                raise LoopGridError(f"Request timed out after {timeout}s ({method} {endpoint})") from e
            except (http.client.HTTPException, ConnectionError, OSError) as e:
                # the connection broke after the request went out: it may have been delivered
                if can_retry and retry == _SAFE:
                    self._backoff(attempt, None)
                    attempt += 1
                    continue
                raise LoopGridError(f"Connection to LoopGrid at {self.base_url} failed during {method} {endpoint}: "
                                    f"{e!r}") from e

    def _backoff(self, attempt: int, retry_after: Optional[str]) -> None:
        delay = None
        if retry_after is not None:
            try:
                delay = min(self.max_retry_delay, max(0.0, float(retry_after)))
            except ValueError:
                delay = None  # an HTTP date: fall back to backoff
        if delay is None:
            exp = min(self.max_retry_delay, self.retry_backoff * (2 ** attempt))
            delay = exp / 2 + random.uniform(0, exp / 2)
        if delay > 0:
            time.sleep(delay)


def _chunks(items: List[Dict[str, Any]], max_items: int, max_bytes: int) -> Iterator[List[Dict[str, Any]]]:
    """``items`` in runs of at most ``max_items`` whose JSON stays under ``max_bytes`` (an item bigger than that
    goes alone, and the server says 413)."""
    chunk: List[Dict[str, Any]] = []
    size = 16  # {"decisions":[]}
    for item in items:
        n = len(json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode("utf-8")) + 1
        if chunk and (len(chunk) >= max_items or size + n > max_bytes):
            yield chunk
            chunk, size = [], 16
        chunk.append(item)
        size += n
    if chunk:
        yield chunk


def _result(answer: Any, key: Optional[str]) -> DecisionResult:
    if not isinstance(answer, dict):
        raise LoopGridError(f"LoopGrid answered a batch item that is not an object: {str(answer)[:500]}")
    status = answer.get("status")
    if isinstance(status, str) and isinstance(answer.get("decision_id"), str):
        # the item's HTTP status and the Decision's own "status" share a key: a decision came back, so it is recorded
        return DecisionResult(201, decision=dict(answer), idempotency_key=key)
    if isinstance(status, bool) or not isinstance(status, int):
        raise LoopGridError(f"LoopGrid answered a batch item without a status: {str(answer)[:500]}")
    if 200 <= status < 300:
        decision = {k: v for k, v in answer.items() if k != "status"}
        return DecisionResult(status, decision=decision, idempotency_key=key)
    detail = answer.get("detail")
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(detail)
    errors = answer.get("errors") if isinstance(answer.get("errors"), list) else []
    return DecisionResult(status, code=answer.get("code") if isinstance(answer.get("code"), str) else None,
                          detail=detail or f"HTTP {status}", idempotency_key=key, errors=errors)


def _segment(value: str) -> str:
    if not value:
        raise ValueError("id must not be empty")
    return quote(str(value), safe="")


def _timestamp(value: Union[str, datetime]) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def _read(e: HTTPError) -> str:
    try:
        return e.read().decode("utf-8", errors="replace")
    except Exception:  # the error body could not be read: the status still says enough
        return ""


def _parse(status: int, raw: bytes) -> Dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise LoopGridError(f"LoopGrid answered {status} with a body that is not a JSON object: {text[:500]}")
    return value


def _api_error(status: int, text: str) -> LoopGridAPIError:
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    detail = None
    code = None
    errors = None
    if isinstance(body, dict):
        d = body.get("detail")
        if isinstance(d, str):
            detail = d
        elif d is not None:
            detail = json.dumps(d)
        elif isinstance(body.get("message"), str):  # API Gateway's own errors
            detail = body["message"]
        code = body.get("code") if isinstance(body.get("code"), str) else None
        errors = body.get("errors") if isinstance(body.get("errors"), list) else None
    else:
        body = None
    if detail is None:
        detail = text.strip()[:500] if text and text.strip() else f"HTTP {status}"
    return LoopGridAPIError(status, detail, code=code, errors=errors, body=body)
